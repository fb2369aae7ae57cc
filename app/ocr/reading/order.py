"""Reading order for lines found without a layout analysis (the neural reader's): blocks
and columns by a recursive XY-cut over the lines' boxes, visual rows within each block,
paragraphs where the gap above a line is wide.

A region is cut where a band of whitespace crosses it whole: across (between a title and
the columns below it, between paragraphs) or down (between columns). A cut down is taken
only between columns of prose, whose lines fill their column; the items and amounts of a
receipt, a price list or a form's labels and values also stand apart, but read row by row.
"""

from collections.abc import Sequence
from dataclasses import replace
from statistics import median

from app.ocr.reading.visual_rows import visual_rows
from app.ocr.results import Line

MIN_CUT_ACROSS = 0.9  # of the median line height: a gap between blocks, not line spacing
MIN_CUT_DOWN = 0.3  # of the median line height (boxes are padded): a gutter, not noise
MIN_COLUMN_LINES = 2
FILLED_COLUMN = 0.5  # of its column's width: the median line of a column of prose is wider
MIN_COLUMN_SHARE = 0.25  # of the region's width: narrower, a column of figures or labels
MIN_PROSE_LETTERS = 0.5  # of a column's characters: fewer, it is figures (amounts, a table's)
PARAGRAPH_GAP = 0.8  # a gap above a line taller than this share of its height starts a paragraph


def reading_order(lines: Sequence[Line]) -> list[Line]:
    """`lines` (each with its words, as the neural reader's always are) in reading order,
    each with its paragraph number. Within a block they are read row by row, the rows told
    by the lines' centres (visual_rows.py): a detector's boxes are padded and overlap their
    neighbours, so their tops do not tell rows apart."""
    if not lines:
        return []
    height = median(max(1, line.bbox[3] - line.bbox[1]) for line in lines)
    ordered: list[Line] = []
    paragraph = -1
    for block in _blocks(list(lines), height):
        previous: Line | None = None
        for line in (line for row in visual_rows(block) for line in row):
            gap = line.bbox[1] - previous.bbox[3] if previous is not None else 0
            if previous is None or gap > PARAGRAPH_GAP * (line.bbox[3] - line.bbox[1]):
                paragraph += 1
            ordered.append(replace(line, paragraph=paragraph))
            previous = line
    return ordered


def _blocks(lines: list[Line], height: float) -> list[list[Line]]:
    """The region's blocks in reading order: cut across at its widest gap, else down between
    columns of prose, recursively."""
    if len(lines) < 2:
        return [lines]
    across = _widest_gap(lines, axis=1)
    if across is not None and across[1] >= MIN_CUT_ACROSS * height:
        at = across[0]
        above = [line for line in lines if line.bbox[3] <= at]
        below = [line for line in lines if line.bbox[3] > at]
        return _blocks(above, height) + _blocks(below, height)
    down = _widest_gap(lines, axis=0)
    if down is not None and down[1] >= MIN_CUT_DOWN * height:
        at = down[0]
        left = [line for line in lines if line.bbox[2] <= at]
        right = [line for line in lines if line.bbox[2] > at]
        width = max(line.bbox[2] for line in lines) - min(line.bbox[0] for line in lines)
        if _prose(left, width) and _prose(right, width):
            return _blocks(left, height) + _blocks(right, height)
    return [lines]


def _widest_gap(lines: list[Line], axis: int) -> tuple[int, int] | None:
    """(where, how wide) the widest band of whitespace between the lines is, along `axis`
    (0: a gap in x, cutting down; 1: a gap in y, cutting across); None without one."""
    spans = sorted((line.bbox[axis], line.bbox[axis + 2]) for line in lines)
    reach = spans[0][1]
    best: tuple[int, int] | None = None
    for start, end in spans[1:]:
        if start > reach and (best is None or start - reach > best[1]):
            best = (start, start - reach)
        reach = max(reach, end)
    return best


def _prose(column: list[Line], region_width: int) -> bool:
    """Lines of words that fill a column a good share of the region wide, as running text
    does."""
    if len(column) < MIN_COLUMN_LINES:
        return False
    width = max(line.bbox[2] for line in column) - min(line.bbox[0] for line in column)
    if width < MIN_COLUMN_SHARE * region_width:
        return False
    if median(line.bbox[2] - line.bbox[0] for line in column) < FILLED_COLUMN * width:
        return False
    # A receipt's amounts ("2,305.80 SR") fill their column too, on a narrow slip a good
    # share of its width; but prose is words.
    characters = [
        character for line in column for character in line.text if not character.isspace()
    ]
    letters = sum(character.isalpha() for character in characters)
    return letters >= MIN_PROSE_LETTERS * len(characters)
