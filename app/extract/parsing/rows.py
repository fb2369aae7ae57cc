"""Words in visual rows, as tokens that know their page (app/ocr/reading/visual_rows.py
groups the lines)."""

from collections.abc import Iterable
from dataclasses import dataclass

from app.extract.model import Token
from app.ocr.reading.visual_rows import visual_rows
from app.ocr.results import BBox, Page, union


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
        for group in visual_rows(page.lines):
            tokens = tuple(
                Token(word.text, word.bbox, word.confidence, page.number)
                for line in group
                for word in line.words
                if word.text.strip()
            )
            if tokens:
                rows.append(Row(tokens, page.number))
    return rows
