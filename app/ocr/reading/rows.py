"""Rows kept whole: a receipt's item and its amount on one line, whatever the gap.

Tesseract's layout analysis decides columns by gaps, so on a receipt, an invoice or a price
list the amounts printed far to the right become a column of their own, read after all the
items, and an amount may even be cut at its decimal point into two columns ("29." and
"84"). This joins them again from the words' boxes: a line whose baseline is level with a
line to its left (they overlap vertically, at the same text size) joins it when either side
is figures (amounts, quantities, dates), left to right. Two lines of text side by side are
the columns of an article or a form and stay in column order. Word boxes are kept as they
are; only the lines they belong to change.
"""

from dataclasses import replace

from app.ocr.results import Line, Page, Word, layout_text, union

MIN_OVERLAP = 0.6  # of the shorter line's height: the two lines sit on one baseline
MAX_HEIGHT_RATIO = 1.6  # taller than this against each other: not the same text size
FIGURE_SHARE = 0.5  # of a line's characters digits or money signs: figures, not prose
FIGURE_CHARACTERS = frozenset("0123456789.,:;-+/%$€£¥#*()x")
# A number cut at its decimal point or thousands separator is read as "29." and "84": the
# pieces are this close (in line heights) and join without a space.
SPLIT_NUMBER_GAP = 0.6


def keep_rows_whole(page: Page) -> int:
    """Join the pieces of each row of figures in `page` (in place); the number of joins."""
    lines = page.lines
    if len(lines) < 2:
        return 0
    following = _pieces_to_the_right(lines)
    if not following:
        return 0
    claimed = set(following.values())
    result: list[Line] = []
    for index, line in enumerate(lines):
        if index in claimed:
            continue  # read as a piece of the row to its left
        row = line
        while index in following:
            index = following[index]
            row = _join(row, lines[index])
        result.append(row)
    page.lines = result
    page.text = layout_text(result)
    return len(following)


def rows_apart(page: Page) -> bool:
    """Whether Tesseract read pieces of several rows apart (amounts as a column of their
    own): the page is a table of figures."""
    return len(_pieces_to_the_right(page.lines)) >= 2


def _pieces_to_the_right(lines: list[Line]) -> dict[int, int]:
    """Each line's next piece of its row (by index): the nearest line to its right on its
    baseline, when one of the two is figures. Lines are taken from left to right, so a row
    of three pieces is a chain."""
    following: dict[int, int] = {}
    claimed: set[int] = set()
    figures = [_figures(line) for line in lines]  # once a line: the pairs are many
    for index in sorted(range(len(lines)), key=lambda i: lines[i].bbox[0]):
        left = lines[index]
        best: int | None = None
        for other_index, right in enumerate(lines):
            if other_index == index or other_index in claimed or not right.words:
                continue
            gap = right.bbox[0] - left.bbox[2]
            if gap < 0 or not (figures[index] or figures[other_index]) or not _level(left, right):
                continue
            if best is None or gap < lines[best].bbox[0] - left.bbox[2]:
                best = other_index
        if best is not None:
            following[index] = best
            claimed.add(best)
    return following


def _level(left: Line, right: Line) -> bool:
    top = max(left.bbox[1], right.bbox[1])
    bottom = min(left.bbox[3], right.bbox[3])
    heights = (left.bbox[3] - left.bbox[1], right.bbox[3] - right.bbox[1])
    shorter, taller = min(heights), max(heights)
    if shorter <= 0 or taller > MAX_HEIGHT_RATIO * shorter:
        return False
    return bottom - top >= MIN_OVERLAP * shorter


def _figures(line: Line) -> bool:
    characters = [c for c in line.text if not c.isspace()]
    if not characters:
        return False
    figures = sum(1 for c in characters if c in FIGURE_CHARACTERS)
    return figures >= FIGURE_SHARE * len(characters) and any(c.isdigit() for c in characters)


def _join(left: Line, right: Line) -> Line:
    words: tuple[Word, ...] = left.words + right.words
    height = min(left.bbox[3] - left.bbox[1], right.bbox[3] - right.bbox[1])
    gap = right.bbox[0] - left.bbox[2]
    cut_number = (
        left.text[-1:] in (".", ",")
        and left.text[-2:-1].isdigit()
        and right.text[:1].isdigit()
        and gap <= SPLIT_NUMBER_GAP * height
    )
    if cut_number:
        # One word again: "29." + "84" -> "29.84", its box the union of both.
        merged = Word(
            left.words[-1].text + right.words[0].text,
            union([left.words[-1].bbox, right.words[0].bbox]),
            min(left.words[-1].confidence, right.words[0].confidence),
        )
        words = (*left.words[:-1], merged, *right.words[1:])
        text = left.text + right.text
    else:
        text = f"{left.text} {right.text}"
    confidence = sum(word.confidence for word in words) / len(words)
    return replace(
        left,
        text=text,
        bbox=union([left.bbox, right.bbox]),
        confidence=round(confidence, 2),
        words=words,
    )
