from decimal import Decimal

import pytest

from app.extract.model import Token
from app.extract.parsing.amounts import currency_code, parse_amount, row_amounts
from app.extract.parsing.rows import Row

TOKEN = Token("x", (0, 0, 10, 10), 90.0, 1)


def row(*texts: str) -> Row:
    return Row(
        tuple(Token(text, (i * 60, 0, i * 60 + 50, 20), 90.0, 1) for i, text in enumerate(texts)), 1
    )


@pytest.mark.parametrize(
    ("printed", "value", "currency"),
    [
        ("15.90", "15.90", None),
        ("RM15.90", "15.90", "MYR"),
        ("1.471,60", "1471.60", None),  # a European amount is not cut to 1.60 (or 471.60)
        ("1,471.60", "1471.60", None),
        ("15,90", "15.90", None),
        ("12,50€", "12.50", "EUR"),
        ("$3.00", "3.00", "USD"),
        ("-0.02", "-0.02", None),
        ("5.00-", "-5.00", None),
        ("(3.00)", "-3.00", None),
        (".02", "0.02", None),
    ],
)
def test_an_amount_is_read_as_printed(printed: str, value: str, currency: str | None) -> None:
    amount = parse_amount(printed, TOKEN)
    assert amount is not None
    assert amount.value == Decimal(value)
    assert amount.currency == currency


@pytest.mark.parametrize(
    "printed", ["100", "47-2311", "5/40/160", "KF12.5A", "5.5*", "12:30", "2024"]
)
def test_codes_counts_and_sizes_are_not_money(printed: str) -> None:
    assert parse_amount(printed, TOKEN) is None


def test_a_currency_word_before_an_amount_belongs_to_it() -> None:
    (amount,) = row_amounts(row("TOTAL", "RM", "15.90"))
    assert (amount.value, amount.currency, amount.text) == (Decimal("15.90"), "MYR", "RM 15.90")
    assert amount.bbox == (60, 0, 170, 20)


@pytest.mark.parametrize(
    ("texts", "value"),
    [
        (("Total", "M3.00"), "3.00"),  # RM that lost its R
        (("Change", "RMO.00"), "0.00"),  # a letter O for a zero
        (("CASH", "100-00"), "100.00"),  # a dash for the point
        (("GRAND", "TOTAL", "10", "00"), "10.00"),  # the point lost between two words
    ],
)
def test_a_sum_row_reads_what_ocr_makes_of_an_amount(texts: tuple[str, ...], value: str) -> None:
    assert row_amounts(row(*texts)) == []
    (amount,) = row_amounts(row(*texts), lenient=True)
    assert amount.value == Decimal(value)


def test_a_currency_word_after_an_amount_belongs_to_it() -> None:
    (amount,) = row_amounts(row("SUMME", "154,17", "€"))
    assert (amount.value, amount.currency, amount.text) == (Decimal("154.17"), "EUR", "154,17 €")


def test_currency_markers_name_iso_codes() -> None:
    assert [currency_code(text) for text in ("RM", "€", "EUR", "chf", "XYZ", "TOTAL")] == [
        "MYR",
        "EUR",
        "EUR",
        "CHF",
        None,
        None,
    ]
