"""Reading order of lines found without a layout analysis (reading/order.py)."""

from app.ocr.reading.order import reading_order
from app.ocr.results import Line, Word


def line(text: str, x0: int, y0: int, x1: int, height: int = 20) -> Line:
    box = (x0, y0, x1, y0 + height)
    return Line(text, box, 90.0, (Word(text, box, 90.0),))


def texts(lines: list[Line]) -> list[str]:
    return [line.text for line in lines]


def test_two_columns_of_prose_are_read_one_after_the_other() -> None:
    # Baselines level across the gutter, as in a journal: read row-wise they would interleave.
    left = [line(f"left {n}", 50, 100 + 30 * n, 480) for n in range(5)]
    right = [line(f"right {n}", 560, 100 + 30 * n, 990) for n in range(5)]
    title = line("The title", 300, 40, 700, height=30)
    ordered = reading_order([*right, title, *left])  # in no particular order
    assert texts(ordered) == ["The title", *texts(left), *texts(right)]
    paragraphs = {line.paragraph for line in ordered}
    assert len(paragraphs) == 3  # the title, and each column


def test_a_receipts_items_and_amounts_are_read_row_by_row() -> None:
    items = [line(f"item {n}", 40, 100 + 30 * n, 260) for n in range(6)]
    amounts = [line(f"{n}.99", 600, 101 + 30 * n, 660) for n in range(6)]
    # Row by row, as the detector gives them: not cut into a column of items and one of
    # amounts, whose gap is as wide as a gutter.
    rows = [piece for pair in zip(items, amounts, strict=True) for piece in pair]
    assert texts(reading_order(rows)) == texts(rows)


def test_a_narrow_slips_wide_amounts_are_read_in_their_rows() -> None:
    # On a till slip the amounts' column is a third of its width and they fill it, as a
    # column of prose fills its own; but they are figures.
    items = [line(f"{n}20 PCS @ 18.90", 20, 100 + 30 * n, 250) for n in range(4)]
    amounts = [line(f"{n},305.80 SR", 300, 101 + 30 * n, 440) for n in range(4)]
    rows = [piece for pair in zip(items, amounts, strict=True) for piece in pair]
    assert texts(reading_order(rows)) == texts(rows)


def test_a_forms_label_is_read_before_the_value_beside_it() -> None:
    # The detector orders its boxes by their tops, and a value's padded box may stand a
    # little higher than its label's: read row by row, each label comes first.
    names = ["Date:", "To:", "Re:"]
    labels = [line(name, 40, 100 + 40 * n, 160) for n, name in enumerate(names)]
    said = ["10 Oct 2017", "Wong Pei Har", "Maintenance"]
    values = [line(value, 300, 96 + 40 * n, 560, height=26) for n, value in enumerate(said)]
    by_tops = sorted([*labels, *values], key=lambda piece: piece.bbox[1])
    assert texts(by_tops)[:2] == ["10 Oct 2017", "Date:"]
    assert texts(reading_order(by_tops)) == [
        "Date:", "10 Oct 2017", "To:", "Wong Pei Har", "Re:", "Maintenance"
    ]  # fmt: skip


def test_a_wide_gap_starts_a_paragraph() -> None:
    first = [line(f"first {n}", 50, 100 + 26 * n, 900) for n in range(3)]
    second = [line(f"second {n}", 50, 230 + 26 * n, 900) for n in range(3)]
    ordered = reading_order([*second, *first])
    assert texts(ordered) == [*texts(first), *texts(second)]
    assert [line.paragraph for line in ordered] == [0, 0, 0, 1, 1, 1]


def test_no_lines_no_order() -> None:
    assert reading_order([]) == []
