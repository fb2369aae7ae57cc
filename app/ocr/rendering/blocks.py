"""The page tree's lines grouped as the formats nest them: paragraphs of lines of words."""

from collections.abc import Iterator
from itertools import groupby

from app.ocr.results import BBox, Line, Page, union


def paragraphs(page: Page) -> Iterator[tuple[BBox, list[Line]]]:
    """Each paragraph's box and lines, in reading order."""
    for _, grouped in groupby(page.lines, key=lambda line: line.paragraph):
        lines = list(grouped)
        yield union([line.bbox for line in lines]), lines
