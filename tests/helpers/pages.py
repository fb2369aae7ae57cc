"""Page trees written by hand: printed rows as a reading would give them, for the extractor.

Each row is a string (one line from the left margin) or a tuple of strings (segments of one
printed row that an engine reads as separate lines: a label at the left, its amount at the
right). Words get boxes on a grid of CHARACTER_WIDTH x ROW_HEIGHT pixels.
"""

from collections.abc import Sequence

from app.ocr.results import Line, Page, Word, layout_text, union

CHARACTER_WIDTH = 12
ROW_HEIGHT = 24
ROW_PITCH = 34
PAGE_COLUMNS = 48


def page_from_rows(rows: Sequence[str | tuple[str, ...]], *, number: int = 1) -> Page:
    lines: list[Line] = []
    for position, row in enumerate(rows):
        top = 20 + position * ROW_PITCH
        segments = (row,) if isinstance(row, str) else row
        columns = _columns(segments)
        for column, segment in zip(columns, segments, strict=False):
            if segment.strip():
                lines.append(_line(segment, column, top))
    width = PAGE_COLUMNS * CHARACTER_WIDTH + 40
    height = 40 + len(rows) * ROW_PITCH
    return Page(
        text=layout_text(lines),
        width=width,
        height=height,
        lines=lines,
        number=number,
        confidence=90.0,
    )


def _columns(segments: Sequence[str]) -> list[int]:
    """The first segment at the left margin, the last ending at the right one, any between
    spread over the middle, never touching their neighbours."""
    if len(segments) == 1:
        return [0]
    columns = [0]
    for index in range(1, len(segments) - 1):
        spread = (PAGE_COLUMNS * index) // (len(segments) - 1)
        columns.append(max(spread, columns[-1] + len(segments[index - 1]) + 2))
    columns.append(max(PAGE_COLUMNS - len(segments[-1]), columns[-1] + len(segments[-2]) + 2))
    return columns


def _line(text: str, column: int, top: int) -> Line:
    words: list[Word] = []
    offset = column
    for part in text.split(" "):
        if part:
            left = 20 + offset * CHARACTER_WIDTH
            box = (left, top, left + len(part) * CHARACTER_WIDTH, top + ROW_HEIGHT)
            words.append(Word(part, box, 92.0))
        offset += len(part) + 1
    return Line(
        " ".join(word.text for word in words), union([w.bbox for w in words]), 92.0, tuple(words)
    )
