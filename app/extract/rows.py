"""Words in visual rows: what stands side by side on a page, whichever lines the engine made.

An engine may cut one printed row into several lines (a label at the left margin, its amount
at the right), and a neural detector pads its boxes so that rows overlap: rows are formed by
the lines' vertical centres, relative to their heights, not by box overlap.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from app.extract.model import Token
from app.ocr.results import BBox, Line, Page, union

# Two lines share a row when their centres are this close, as a share of the smaller height.
SAME_ROW_SHARE = 0.4


@dataclass(frozen=True, slots=True)
class Row:
    tokens: tuple[Token, ...]  # left to right
    page: int

    @property
    def text(self) -> str:
        return " ".join(token.text for token in self.tokens)

    @property
    def bbox(self) -> BBox:
        return union([token.bbox for token in self.tokens])

    @property
    def height(self) -> int:
        box = self.bbox
        return box[3] - box[1]


def page_rows(pages: Iterable[Page]) -> list[Row]:
    """Every page's rows, top to bottom, page after page."""
    rows: list[Row] = []
    for page in pages:
        rows.extend(_rows_of(page.lines, page.number))
    return rows


def _rows_of(lines: Sequence[Line], page: int) -> list[Row]:
    groups: list[list[Line]] = []
    for line in sorted((line for line in lines if line.words), key=_centre):
        group = next((group for group in groups if _joins(group, line)), None)
        if group is None:
            groups.append([line])
        else:
            group.append(line)
    rows = [
        Row(
            tuple(
                Token(word.text, word.bbox, word.confidence, page)
                for line in sorted(group, key=lambda line: line.bbox[0])
                for word in line.words
                if word.text.strip()
            ),
            page,
        )
        for group in groups
    ]
    return sorted((row for row in rows if row.tokens), key=lambda row: _middle(row.bbox))


def _joins(group: list[Line], line: Line) -> bool:
    height = _height(line)
    for member in group:
        if abs(_centre(member) - _centre(line)) > SAME_ROW_SHARE * min(_height(member), height):
            return False
        if _overlap(member.bbox, line.bbox) > 0.3 * min(_width(member), _width(line)):
            return False  # two lines one above the other in a column, not side by side
    return True


def _centre(line: Line) -> float:
    return _middle(line.bbox)


def _middle(box: BBox) -> float:
    return (box[1] + box[3]) / 2


def _height(line: Line) -> int:
    return max(1, line.bbox[3] - line.bbox[1])


def _width(line: Line) -> int:
    return max(1, line.bbox[2] - line.bbox[0])


def _overlap(first: BBox, second: BBox) -> int:
    return max(0, min(first[2], second[2]) - max(first[0], second[0]))
