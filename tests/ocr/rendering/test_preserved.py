"""format=text&layout=preserve: words where they stand on the page, on a character grid."""

from app.ocr.engines.protocol import OcrEngine
from app.ocr.pipeline.options import PageOptions
from app.ocr.pipeline.page import recognize_page
from app.ocr.rendering.preserved import preserved_text
from app.ocr.results import Page
from tests.helpers.documents import two_columns
from tests.helpers.pages import page_from_rows


def test_columns_stand_where_they_stand_on_the_page() -> None:
    page = page_from_rows([("Name", "John Smith", "Total"), ("Date", "2026-01-02", "12.50")])
    rows = preserved_text(page).splitlines()
    assert len(rows) == 2
    # Each column starts at the same character in both rows, as its boxes do on the page.
    for first, second in (("John", "2026-01-02"), ("Total", "12.50")):
        assert rows[0].index(first) == rows[1].index(second)
    assert rows[0].startswith("Name")
    assert rows[1].startswith("Date")


def test_a_gap_between_rows_stays_as_blank_lines() -> None:
    rows = ["Invoice 42", "Date 2026-01-02", "", "", "Total 12.50"]
    assert preserved_text(page_from_rows(rows)).splitlines() == rows


def test_an_empty_page_is_empty() -> None:
    assert preserved_text(Page(text="", width=10, height=10)) == ""


def test_a_real_reading_keeps_its_columns(engine: OcrEngine) -> None:
    sheet = two_columns()
    page = recognize_page(sheet, engine, PageOptions(engine="tesseract"))
    rows = [row for row in preserved_text(page).splitlines() if row.strip()]
    assert [row.split() for row in rows] == [
        ["Item", "Amount"],
        ["Soap", "3.20"],
        ["Bread", "1.05"],
    ]
    assert rows[0].index("Amount") == rows[1].index("3.20") == rows[2].index("1.05")
    assert rows[0].index("Amount") > 20  # the gap between the columns is kept as spaces
