"""Lines in the visual rows they stand in: what sits side by side on a page, whichever lines
the engine made.

An engine may cut one printed row into several lines (a label at the left margin, its amount
at the right; the cells of a table), and a neural detector pads its boxes so that rows overlap:
rows are formed by the lines' vertical centres, relative to their heights, not by box overlap.
"""

from collections.abc import Sequence

from app.ocr.results import BBox, Line

# Two lines share a row when their centres are this close, as a share of the smaller height.
SAME_ROW_SHARE = 0.4
# Two lines that overlap this much side to side stand one above the other, not side by side.
SIDE_BY_SIDE_OVERLAP = 0.3


def visual_rows(lines: Sequence[Line]) -> list[list[Line]]:
    """The lines with words, grouped by row, top to bottom, each row left to right."""
    groups: list[list[Line]] = []
    for line in sorted((line for line in lines if line.words), key=_centre):
        group = next((group for group in groups if _joins(group, line)), None)
        if group is None:
            groups.append([line])
        else:
            group.append(line)
    rows = [sorted(group, key=lambda line: line.bbox[0]) for group in groups]
    return sorted(rows, key=lambda row: min(_centre(line) for line in row))


def _joins(group: list[Line], line: Line) -> bool:
    height = _height(line)
    for member in group:
        if abs(_centre(member) - _centre(line)) > SAME_ROW_SHARE * min(_height(member), height):
            return False
        narrower = min(_width(member.bbox), _width(line.bbox))
        if _overlap(member.bbox, line.bbox) > SIDE_BY_SIDE_OVERLAP * narrower:
            return False
    return True


def _centre(line: Line) -> float:
    return (line.bbox[1] + line.bbox[3]) / 2


def _height(line: Line) -> int:
    return max(1, line.bbox[3] - line.bbox[1])


def _width(box: BBox) -> int:
    return max(1, box[2] - box[0])


def _overlap(first: BBox, second: BBox) -> int:
    return max(0, min(first[2], second[2]) - max(first[0], second[0]))
