"""Markdown from the page tree: headings by size, paragraphs, lists, tables; tables as CSV."""

from app.ocr.reading.tables import find_tables
from app.ocr.rendering.markdown import render_markdown, table_markdown, tables_csv
from app.ocr.results import Line, Page, Word
from tests.helpers.pages import page_from_rows


def line(text: str, top: int, height: int, paragraph: int = 0) -> Line:
    words, left = [], 20
    for part in text.split():
        width = int(len(part) * height * 0.5)
        words.append(Word(part, (left, top, left + width, top + height), 90.0))
        left += width + height // 3
    return Line(text, (20, top, left, top + height), 90.0, tuple(words), paragraph)


def test_headings_by_size_paragraphs_and_lists() -> None:
    lines = [
        line("Annual Report", 20, 60, 0),
        line("Our year", 110, 38, 1),
        line("The first paragraph runs", 170, 24, 2),
        line("over two lines.", 200, 24, 2),
        line("A second paragraph.", 250, 24, 3),
        line("- fewer errors", 300, 24, 4),
        line("- faster reading", 330, 24, 5),
        line("1. first step", 380, 24, 6),
        line("2. second step", 410, 24, 7),
    ]
    page = Page(text="", width=800, height=500, lines=lines)
    assert render_markdown([page]) == (
        "# Annual Report\n\n"
        "## Our year\n\n"
        "The first paragraph runs over two lines.\n\n"
        "A second paragraph.\n\n"
        "- fewer errors\n- faster reading\n\n"
        "1. first step\n2. second step\n"
    )


def test_a_paragraph_break_is_told_by_a_gap_when_the_page_has_no_numbers() -> None:
    lines = [line("One line", 20, 24), line("and its next.", 50, 24), line("After a gap.", 110, 24)]
    page = Page(text="", width=800, height=200, lines=lines)
    assert render_markdown([page]) == "One line and its next.\n\nAfter a gap.\n"


def test_a_table_where_it_stands() -> None:
    rows = [
        "Before the table.",
        ("Item", "Qty", "Price"),
        ("Tea", "2", "3.00"),
        ("Jam|fig", "1", "4.50"),
    ]
    markdown = render_markdown([page_from_rows([*rows, ("", "", ""), "After the table."])])
    assert markdown == (
        "Before the table.\n\n"
        "| Item | Qty | Price |\n| --- | --- | --- |\n| Tea | 2 | 3.00 |\n"
        "| Jam\\|fig | 1 | 4.50 |\n\n"
        "After the table.\n"
    )


def test_tables_as_csv_quote_what_needs_quoting() -> None:
    page = page_from_rows([("City", "Sales"), ("Paris, FR", "1,200"), ('The "Hub"', "900")])
    (table,) = find_tables(page)
    assert tables_csv([table, table]) == (
        'City,Sales\n"Paris, FR","1,200"\n"The ""Hub""",900\n\n'
        'City,Sales\n"Paris, FR","1,200"\n"The ""Hub""",900\n'
    )
    assert table_markdown(table).splitlines()[1] == "| --- | --- |"
