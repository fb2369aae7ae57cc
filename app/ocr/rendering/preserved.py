"""`format=text&layout=preserve`: text whose words stand where they stand on the page, on a
fixed character grid (as `pdftotext -layout` writes), from the words' boxes of any engine."""

import itertools
import statistics

from app.ocr.results import Line, Page, Word

MAX_BLANK_LINES = 3  # a larger gap between rows is still this many blank lines


def preserved_text(page: Page) -> str:
    """The page's words placed at the column their left edge falls on, a character being the
    page's median glyph width; lines side by side on the page (columns of a form, a table's
    cells) share a row; a gap between rows of more than a line stays as blank lines."""
    words = [word for line in page.lines for word in line.words if word.text.strip()]
    if not words:
        return ""
    cell = statistics.median((word.bbox[2] - word.bbox[0]) / len(word.text) for word in words)
    cell = max(cell, 1.0)
    rows = _rows([line for line in page.lines if line.words])
    middles = [statistics.mean((line.bbox[1] + line.bbox[3]) / 2 for line in row) for row in rows]
    pitch = _pitch(middles, statistics.median(line.bbox[3] - line.bbox[1] for line in page.lines))
    left = min(word.bbox[0] for word in words)
    out: list[str] = []
    previous_middle: float | None = None
    for row, middle in zip(rows, middles, strict=True):
        if previous_middle is not None:
            blank = round((middle - previous_middle) / pitch) - 1
            out.extend([""] * min(max(blank, 0), MAX_BLANK_LINES))
        previous_middle = middle
        out.append(_row_text([w for line in row for w in line.words], left, cell))
    return "\n".join(out) + "\n"


def _pitch(middles: list[float], line_height: float) -> float:
    """The page's line pitch: the usual distance between two rows that follow each other,
    gaps of a blank line or more left out."""
    steps = [below - above for above, below in itertools.pairwise(middles)]
    usual = [step for step in steps if step < 1.8 * line_height]
    return max(statistics.median(usual) if usual else 1.2 * line_height, 1.0)


def _rows(lines: list[Line]) -> list[list[Line]]:
    """Lines grouped by the row they stand on: a line whose middle is within half its height
    of a row's middle joins it."""
    rows: list[list[Line]] = []
    for line in sorted(lines, key=lambda line: (line.bbox[1] + line.bbox[3]) / 2):
        middle = (line.bbox[1] + line.bbox[3]) / 2
        half = (line.bbox[3] - line.bbox[1]) / 2
        if rows:
            last = rows[-1]
            last_middle = statistics.mean((item.bbox[1] + item.bbox[3]) / 2 for item in last)
            if abs(middle - last_middle) <= half:
                last.append(line)
                continue
        rows.append([line])
    return rows


def _row_text(words: list[Word], left: int, cell: float) -> str:
    """The row's words left to right, each at its column, one space at least between two."""
    text = ""
    for word in sorted(words, key=lambda word: word.bbox[0]):
        column = round((word.bbox[0] - left) / cell)
        if text:
            column = max(column, len(text) + 1)
        text = text.ljust(column) + word.text.strip()
    return text.rstrip()
