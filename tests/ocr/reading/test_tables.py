"""Tables in a page tree, from the words' boxes (cells, columns, spans), ruled or not."""

from app.ocr.reading.tables import find_tables
from app.ocr.results import Line, Page, Word, union
from tests.helpers.pages import page_from_rows

SALES = [
    "Sales by region",
    ("Region", "Units", "Revenue"),
    ("North", "1,200", "14,400.00"),
    ("South", "900", "10,800.00"),
    ("Old Town", "75", "900.00"),
]


def test_a_table_of_aligned_columns_is_found_cell_by_cell() -> None:
    (table,) = find_tables(page_from_rows(SALES))
    assert (table.rows, table.columns) == (4, 3)
    assert table.grid() == [
        ["Region", "Units", "Revenue"],
        ["North", "1,200", "14,400.00"],
        ["South", "900", "10,800.00"],
        ["Old Town", "75", "900.00"],  # two words, one cell
    ]
    first = next(cell for cell in table.cells if (cell.row, cell.column) == (1, 2))
    assert first.text == "14,400.00"
    assert first.bbox[0] > 300  # where it stands: the right-hand column


def test_a_cell_under_two_columns_spans_them() -> None:
    rows = [*SALES[1:], ("Total of the regions, all units", "26,100.00")]
    (table,) = find_tables(page_from_rows(rows))
    total = next(cell for cell in table.cells if cell.row == 4 and cell.column == 0)
    assert (total.text, total.column_span) == ("Total of the regions, all units", 2)
    assert table.grid()[4] == ["Total of the regions, all units", "", "26,100.00"]


def test_prose_and_a_label_with_its_value_are_no_table() -> None:
    prose = ["It was the best of times, it was", "the worst of times, it was the age", "of wisdom."]
    assert find_tables(page_from_rows(prose)) == []
    assert find_tables(page_from_rows([("Date:", "12/03/2024"), ("Total:", "3.00")])) == []


def test_rules_read_as_words_separate_cells_and_are_no_text() -> None:
    def row(top: int, *cells: str) -> Line:
        words: list[Word] = []
        left = 20
        for cell in cells:
            for text in (cell, "|"):
                width = 12 * len(text)
                words.append(Word(text, (left, top, left + width, top + 24), 90.0))
                left += width + 14  # an engine's gap: no wider than a space
        return Line(
            " ".join(w.text for w in words), union([w.bbox for w in words]), 90.0, tuple(words)
        )

    lines = [
        row(20 + 40 * index, *cells)
        for index, cells in enumerate([("a", "bb", "c"), ("dd", "e", "ff"), ("g", "h", "i")])
    ]
    (table,) = find_tables(Page(text="", width=400, height=200, lines=lines))
    assert table.grid() == [["a", "bb", "c"], ["dd", "e", "ff"], ["g", "h", "i"]]


def test_a_cell_that_an_engine_ran_into_the_next_column_is_split() -> None:
    rows = [("Name", "Units", "Price"), ("North", "12", "4.50"), ("South", "7", "3.25")]
    page = page_from_rows(rows)
    # The engine read the last row's two figures as one line with an ordinary word gap.
    last = page.lines[-2:]
    words = (last[0].words[0], Word(last[1].words[0].text, last[1].words[0].bbox, 90.0))
    joined = Line("7 3.25", union([w.bbox for w in words]), 90.0, words)
    page.lines[-2:] = [joined]
    assert find_tables(page)[0].grid()[2] == ["South", "7", "3.25"]
