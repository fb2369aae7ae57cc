import datetime

import pytest

from app.extract.parsing.dates import day_first_order, find_dates, find_times
from app.extract.parsing.locales import locale_day_first, territory


def dates(
    text: str, languages: tuple[str, ...] = ("eng",), day_first: bool = True
) -> list[datetime.date | None]:
    return [found.resolve(day_first) for found in find_dates(text, languages)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("19-09-17 15:39 SH01", datetime.date(2017, 9, 19)),
        ("Date: 13/03/2018", datetime.date(2018, 3, 13)),
        ("2018-03-13", datetime.date(2018, 3, 13)),
        ("10 OCT 2017", datetime.date(2017, 10, 10)),
        ("14/JUN/2017", datetime.date(2017, 6, 14)),
        ("05-AUG-2017 11:05 AM", datetime.date(2017, 8, 5)),
        ("March 5, 2024", datetime.date(2024, 3, 5)),
        ("14/dun/2017", datetime.date(2017, 6, 14)),  # one misread letter of JUN
    ],
)
def test_a_date_is_read_in_its_printed_forms(text: str, expected: datetime.date) -> None:
    assert dates(text) == [expected]


def test_month_names_of_the_request_language() -> None:
    assert dates("5. März 2024", ("deu",)) == [datetime.date(2024, 3, 5)]
    assert dates("le 7 février 2023", ("fra",)) == [datetime.date(2023, 2, 7)]
    assert dates("7 février 2023", ("eng",)) == []


@pytest.mark.parametrize(
    "text",
    ["Tel 03-7865 2100", "HD03-04-06", "1.60 2.70", "KH12 - 12/240", "31/31/2020", "01/01/1850"],
)
def test_what_only_looks_like_a_date_is_not_one(text: str) -> None:
    assert dates(text) == []


def test_an_ambiguous_date_takes_the_order_of_the_documents_other_dates() -> None:
    found = find_dates("05/09/2017 printed 09/25/2017", ("eng",))
    day_first = day_first_order(found, ("eng",), "MYR")
    assert day_first is False  # 09/25 has no month 25: this document prints the month first
    assert found[0].resolve(day_first) == datetime.date(2017, 5, 9)


def test_an_ambiguous_date_alone_takes_the_locales_order() -> None:
    assert locale_day_first(("eng",), "USD") is False
    assert locale_day_first(("eng",), "MYR") is True
    assert locale_day_first(("deu",), "EUR") is True
    assert locale_day_first(("eng",), None) is True
    assert territory(("deu",), "EUR") == "DE"
    assert territory(("eng",), "EUR") is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("15:39", datetime.time(15, 39)),
        ("7:31:08 PM", datetime.time(19, 31, 8)),
        ("12:05 AM", datetime.time(0, 5)),
        ("14h32", datetime.time(14, 32)),
    ],
)
def test_times(text: str, expected: datetime.time) -> None:
    assert [found.value for found in find_times(text)] == [expected]


def test_an_amount_is_not_a_time() -> None:
    assert find_times("15.90 25:99") == []
