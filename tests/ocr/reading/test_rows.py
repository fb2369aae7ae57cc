"""Rows kept whole: items and their amounts on one line, columns of prose left apart."""

import pytest
from PIL import Image, ImageDraw, ImageFont

from app.ocr.engines.protocol import OcrEngine
from app.ocr.pipeline.options import PageOptions
from app.ocr.pipeline.page import recognize_page
from app.ocr.reading.rows import keep_rows_whole
from app.ocr.results import Line, Page, Word, layout_text
from tests.conftest import DEJAVU


def line(text: str, x: int, y: int, paragraph: int = 0, height: int = 30) -> Line:
    """A line of words 20 px a character, one space apart, with its top-left at (x, y)."""
    words = []
    left = x
    for word in text.split():
        words.append(Word(word, (left, y, left + 20 * len(word), y + height), 90.0))
        left += 20 * (len(word) + 1)
    return Line(text, (x, y, words[-1].bbox[2], y + height), 90.0, tuple(words), paragraph)


def page_of(lines: list[Line]) -> Page:
    return Page(text=layout_text(lines), width=2000, height=2000, lines=lines)


def test_amounts_read_as_a_column_rejoin_their_items() -> None:
    # Tesseract's order for a receipt with a wide gap: the items, then the amounts.
    page = page_of([
        line("Garlic powder", 50, 100), line("Whole milk", 50, 150),
        line("29.84", 900, 101, paragraph=1), line("3.10", 920, 149, paragraph=1),
    ])  # fmt: skip
    assert keep_rows_whole(page) == 2
    assert [item.text for item in page.lines] == ["Garlic powder 29.84", "Whole milk 3.10"]
    assert page.text == "Garlic powder 29.84\nWhole milk 3.10\n"
    # Every word keeps its own box; the line's box holds them all.
    first = page.lines[0]
    assert [word.bbox for word in first.words] == [
        (50, 100, 170, 130),
        (190, 100, 310, 130),
        (900, 101, 1000, 131),
    ]
    assert first.bbox == (50, 100, 1000, 131)


def test_a_number_cut_at_its_decimal_point_is_one_word_again() -> None:
    page = page_of([line("TOTAL", 50, 100), line("29.", 900, 100), line("84", 962, 100)])
    keep_rows_whole(page)
    assert [item.text for item in page.lines] == ["TOTAL 29.84"]
    assert [word.text for word in page.lines[0].words] == ["TOTAL", "29.84"]


def test_three_pieces_of_a_row_join_left_to_right() -> None:
    page = page_of([line("2", 50, 100), line("Apples", 300, 100), line("4.40", 900, 100)])
    keep_rows_whole(page)
    assert [item.text for item in page.lines] == ["2 Apples 4.40"]


@pytest.mark.parametrize(
    "lines",
    [
        # An article's two columns: prose beside prose stays in column order.
        [
            line("It was the best of", 50, 100),
            line("times it was the", 50, 150),
            line("age of wisdom and", 1000, 100, 1),
            line("the age of folly", 1000, 150, 1),
        ],
        # Figures on another baseline, or at another size, are not the row's.
        [line("Garlic powder", 50, 100), line("29.84", 900, 140)],
        [line("Garlic powder", 50, 100), line("29.84", 900, 90, height=80)],
    ],
    ids=["two-columns-of-prose", "another-baseline", "another-size"],
)
def test_what_is_not_a_row_stays_as_read(lines: list[Line]) -> None:
    page = page_of(lines)
    assert keep_rows_whole(page) == 0
    assert page.lines == lines


def receipt_image(rows: list[tuple[str, str]], gap_width: int = 1400) -> Image.Image:
    font = ImageFont.truetype(str(DEJAVU), 36)
    image = Image.new("L", (gap_width + 400, 120 + 70 * len(rows)), 255)
    draw = ImageDraw.Draw(image)
    for index, (item, amount) in enumerate(rows):
        y = 60 + index * 70
        draw.text((60, y), item, fill=0, font=font)
        draw.text((image.width - 60 - font.getlength(amount), y), amount, fill=0, font=font)
    return image


ROWS = [
    ("Garlic powder", "29.84"), ("Whole milk", "3.10"), ("Sourdough bread", "4.75"),
    ("Olive oil", "12.99"), ("Basmati rice", "6.20"), ("TOTAL", "56.88"),
]  # fmt: skip


def test_a_receipt_with_a_wide_gap_reads_one_row_per_line(
    engine_with_larger_models: OcrEngine,
) -> None:
    page = recognize_page(receipt_image(ROWS), engine_with_larger_models, PageOptions())
    assert page.text_lines == [f"{item} {amount}" for item, amount in ROWS]
