"""Tables in a page tree: rows of cells whose columns line up, with or without rules.

A row's words fall into cells where the gap between two words is wider than a space can be
(CELL_GAP line heights). A table is a run of at least MIN_ROWS consecutive rows of two cells
or more whose cells fall into the same columns; the columns are those of the rows with the
most cells, and a cell that covers several of them spans them (a heading over two columns, a
total under the last two). The same words give the tables of a scan, of a photo and of a PDF's
text layer, whose words carry their boxes too.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from statistics import median

from app.ocr.reading.visual_rows import visual_rows
from app.ocr.results import BBox, Line, Page, Word, union

# A gap between two words wider than this many line heights separates two cells.
CELL_GAP = 1.2
MIN_ROWS = 3  # two rows side by side are as often a label and its value as a table
MIN_COLUMNS = 2
# Rows further apart than this many row heights do not belong to one table.
MAX_ROW_GAP = 2.5
# What OCR makes of a table's vertical rules when they are not removed before reading.
RULE_CHARACTERS = frozenset("|\u00a6[]")


@dataclass(frozen=True, slots=True)
class Cell:
    row: int
    column: int
    row_span: int
    column_span: int
    text: str
    bbox: BBox


@dataclass(frozen=True, slots=True)
class Table:
    page: int
    bbox: BBox
    rows: int
    columns: int
    cells: tuple[Cell, ...]
    lines: tuple[Line, ...]  # the page's lines it is made of

    def grid(self) -> list[list[str]]:
        """The cells' texts, row by row; a spanning cell's text in its first column."""
        grid = [["" for _ in range(self.columns)] for _ in range(self.rows)]
        for cell in self.cells:
            grid[cell.row][cell.column] = cell.text
        return grid


@dataclass(frozen=True, slots=True)
class _Segment:
    words: tuple[Word, ...]

    @property
    def bbox(self) -> BBox:
        return union([word.bbox for word in self.words])

    @property
    def text(self) -> str:
        return " ".join(word.text for word in self.words)


def find_tables(page: Page) -> list[Table]:
    rows = visual_rows(page.lines)
    segmented = [_segments(row) for row in rows]
    tables: list[Table] = []
    run: list[int] = []
    for index, segments in enumerate(segmented):
        if len(segments) >= MIN_COLUMNS and (not run or _continues(rows, run[-1], index)):
            run.append(index)
            continue
        tables.extend(_table(page, rows, segmented, run))
        run = [index] if len(segments) >= MIN_COLUMNS else []
    tables.extend(_table(page, rows, segmented, run))
    return tables


def _segments(row: list[Line]) -> list[_Segment]:
    words = sorted((word for line in row for word in line.words if word.text.strip()),
                   key=lambda word: word.bbox[0])  # fmt: skip
    cells = [word for word in words if not _rule(word)]
    if not cells:
        return []
    height = median(word.bbox[3] - word.bbox[1] for word in cells)
    segments: list[list[Word]] = [[]]
    previous: Word | None = None
    for word in words:
        if _rule(word):
            # A table's rule read as a word (`|`): a boundary between cells, no text of one.
            if segments[-1]:
                segments.append([])
            continue
        if (
            previous is not None
            and segments[-1]
            and word.bbox[0] - previous.bbox[2] > CELL_GAP * height
        ):
            segments.append([])
        segments[-1].append(word)
        previous = word
    return [_Segment(tuple(segment)) for segment in segments if segment]


def _rule(word: Word) -> bool:
    return set(word.text.strip()) <= RULE_CHARACTERS


def _continues(rows: list[list[Line]], previous: int, index: int) -> bool:
    above, below = (
        union([line.bbox for line in rows[previous]]),
        union([line.bbox for line in rows[index]]),
    )
    height = max(1, above[3] - above[1])
    return below[1] - above[3] <= MAX_ROW_GAP * height


def _table(
    page: Page, rows: list[list[Line]], segmented: list[list[_Segment]], run: list[int]
) -> list[Table]:
    if len(run) < MIN_ROWS:
        return []
    widest = max(len(segmented[index]) for index in run)
    template = [segmented[index] for index in run if len(segmented[index]) == widest]
    if widest < MIN_COLUMNS or len(template) < max(1, len(run) // 3):
        return []
    columns = [
        (min(row[column].bbox[0] for row in template), max(row[column].bbox[2] for row in template))
        for column in range(widest)
    ]
    if any(columns[k][1] > columns[k + 1][0] for k in range(widest - 1)):
        return []  # the widest rows' cells do not stand in columns: prose or a form, no table
    cells: list[Cell] = []
    for row_number, index in enumerate(run):
        taken: set[int] = set()
        for segment in _split_by_columns(segmented[index], columns):
            covered = [
                column
                for column, (left, right) in enumerate(columns)
                if min(right, segment.bbox[2]) - max(left, segment.bbox[0]) > 0
            ] or [_nearest(columns, segment.bbox)]
            first, last = covered[0], covered[-1]
            if first in taken:
                return []  # two cells in one column: not a table
            taken.update(range(first, last + 1))
            cells.append(Cell(row_number, first, 1, last - first + 1, segment.text, segment.bbox))
    lines = tuple(line for index in run for line in rows[index])
    return [
        Table(
            page=page.number,
            bbox=union([cell.bbox for cell in cells]),
            rows=len(run),
            columns=widest,
            cells=tuple(cells),
            lines=lines,
        )
    ]


def _split_by_columns(
    segments: Sequence[_Segment], columns: Sequence[tuple[int, int]]
) -> list[_Segment]:
    """A cell whose words stand in two columns is two cells: an engine's word gaps can be
    narrower than the columns' (a rule removed between them, a line box split evenly)."""
    split: list[_Segment] = []
    for segment in segments:
        homes = [_home(columns, word.bbox) for word in segment.words]
        # Split only where every word stands inside one column: a heading or a label that
        # runs across the gap between columns is one cell spanning them.
        if None in homes or len(set(homes)) == 1:
            split.append(segment)
            continue
        start = 0
        for position in range(1, len(homes) + 1):
            if position == len(homes) or homes[position] != homes[start]:
                split.append(_Segment(segment.words[start:position]))
                start = position
    return split


def _home(columns: Sequence[tuple[int, int]], box: BBox) -> int | None:
    """The one column a word overlaps, None when it overlaps none or several."""
    overlapped = [
        column
        for column, (left, right) in enumerate(columns)
        if min(right, box[2]) - max(left, box[0]) > 0
    ]
    return overlapped[0] if len(overlapped) == 1 else None


def _nearest(columns: Sequence[tuple[int, int]], box: BBox) -> int:
    middle = (box[0] + box[2]) / 2
    return min(range(len(columns)), key=lambda k: abs((columns[k][0] + columns[k][1]) / 2 - middle))
