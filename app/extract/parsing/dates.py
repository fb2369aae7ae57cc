"""Dates and times as printed: `19-09-17`, `13/03/2018`, `2018-03-13`, `10 OCT 2017`,
`14/JUN/2017`, `5. März 2024`, `15:39`, `3:05 PM`.

Month names come from CLDR through babel, in the request's languages and English. Whether
`05/09/2017` is the fifth of September or May the ninth is told by the document's other dates
(one of them with a day above 12 settles the order), else by the short date pattern of the
locale its language and currency point to (`en_US` prints the month first, most others the day).
"""

import datetime
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from babel.dates import get_month_names

from app.extract.parsing.locales import locale_codes, locale_day_first

EARLIEST_YEAR = 1990


@dataclass(frozen=True, slots=True)
class FoundDate:
    start: int  # the span of the date in the text it was found in
    end: int
    first: int  # day or month, as printed: the order may be undecided
    second: int
    year: int
    month_named: bool  # `10 OCT 2017`: the order is certain
    day_first: bool | None  # None while a numeric date could be either

    def resolve(self, day_first: bool) -> datetime.date | None:
        order = self.day_first if self.day_first is not None else day_first
        day, month = (self.first, self.second) if order else (self.second, self.first)
        try:
            return datetime.date(self.year, month, day)
        except ValueError:
            return None


@dataclass(frozen=True, slots=True)
class FoundTime:
    start: int
    end: int
    value: datetime.time


def find_dates(text: str, languages: Sequence[str]) -> list[FoundDate]:
    found: list[FoundDate] = []
    taken: list[tuple[int, int]] = []

    def add(candidate: FoundDate | None) -> None:
        if candidate is None or any(
            candidate.start < end and start < candidate.end for start, end in taken
        ):
            return
        found.append(candidate)
        taken.append((candidate.start, candidate.end))

    months, pattern = _month_pattern(tuple(languages))
    for match in re.finditer(
        rf"(?<![\w])(\d{{1,2}})(?:st|nd|rd|th|\.)?[\s./-]*({pattern})\.?[\s./,-]*(\d{{4}}|\d{{2}})(?!\d)",
        text,
        re.IGNORECASE,
    ):
        add(_named(match.start(), match.end(), int(match[1]), months, match[2], match[3]))
    for match in re.finditer(
        rf"(?<![\w])({pattern})\.?\s*(\d{{1,2}})(?:st|nd|rd|th)?,?\s*(\d{{4}})(?!\d)",
        text,
        re.IGNORECASE,
    ):
        add(_named(match.start(), match.end(), int(match[2]), months, match[1], match[3]))
    # A month abbreviation misread by one letter (`14/dun/2017`), where the shape leaves no
    # doubt that it is one and only one month is that close.
    for match in re.finditer(
        r"(?<![\w.,/-])(\d{1,2})([/-])([A-Za-z]{3})\2(\d{4}|\d{2})(?![\w.,/-])", text
    ):
        month = _close_month(match[3], months)
        if month is not None:
            add(
                _checked(
                    FoundDate(
                        match.start(),
                        match.end(),
                        int(match[1]),
                        month,
                        _year(match[4]),
                        True,
                        True,
                    )
                )
            )
    for match in re.finditer(r"(?<![\w.,/-])(\d{4})([./-])(\d{1,2})\2(\d{1,2})(?![\w.,/-])", text):
        year, month, day = int(match[1]), int(match[3]), int(match[4])
        add(_checked(FoundDate(match.start(), match.end(), day, month, year, True, True)))
    for match in re.finditer(
        r"(?<![\w.,/-])(\d{1,2})([./-])(\d{1,2})\2(\d{4}|\d{2})(?![\w.,/-])", text
    ):
        first, second = int(match[1]), int(match[3])
        order = True if first > 12 else False if second > 12 else None
        candidate = FoundDate(
            match.start(), match.end(), first, second, _year(match[4]), False, order
        )
        add(_checked(candidate))
    return sorted(found, key=lambda candidate: candidate.start)


def find_times(text: str) -> list[FoundTime]:
    times: list[FoundTime] = []
    for match in re.finditer(
        r"(?<![\d:.])(\d{1,2})[:h](\d{2})(?::(\d{2}))?(?:\s*([AaPp])\.?[Mm]\.?)?(?![\d:])", text
    ):
        hour, minute, second = int(match[1]), int(match[2]), int(match[3] or 0)
        meridiem = (match[4] or "").upper()
        if meridiem and not 1 <= hour <= 12:
            continue
        if meridiem == "P" and hour != 12:
            hour += 12
        elif meridiem == "A" and hour == 12:
            hour = 0
        if hour < 24 and minute < 60 and second < 60:
            times.append(FoundTime(match.start(), match.end(), datetime.time(hour, minute, second)))
    return times


def day_first_order(
    dates: Iterable[FoundDate], languages: Sequence[str], currency: str | None
) -> bool:
    """Whether the document's numeric dates print the day first."""
    settled = [
        found.day_first for found in dates if not found.month_named and found.day_first is not None
    ]
    if settled:
        return settled.count(True) >= settled.count(False)
    return locale_day_first(tuple(languages), currency)


def _named(
    start: int, end: int, day: int, months: dict[str, int], name: str, year: str
) -> FoundDate | None:
    month = months.get(name.lower().rstrip("."))
    if month is None:
        return None
    return _checked(FoundDate(start, end, day, month, _year(year), True, True))


def _close_month(word: str, months: dict[str, int]) -> int | None:
    lowered = word.lower()
    if lowered in months:
        return months[lowered]
    close = {
        number
        for name, number in months.items()
        if len(name) == 3 and sum(a != b for a, b in zip(name, lowered, strict=False)) == 1
    }
    return close.pop() if len(close) == 1 else None


def _checked(candidate: FoundDate) -> FoundDate | None:
    this_year = datetime.date.today().year
    if not EARLIEST_YEAR <= candidate.year <= this_year + 1:
        return None
    if candidate.resolve(True) is None and candidate.resolve(False) is None:
        return None
    return candidate


def _year(text: str) -> int:
    return 2000 + int(text) if len(text) == 2 else int(text)


@lru_cache(maxsize=32)
def _month_pattern(languages: tuple[str, ...]) -> tuple[dict[str, int], str]:
    months: dict[str, int] = {}
    for locale in locale_codes(languages):
        for width in ("wide", "abbreviated"):
            for context in ("format", "stand-alone"):
                for number, name in get_month_names(width, context, locale).items():
                    key = name.lower().rstrip(".")
                    if len(key) >= 3:
                        months.setdefault(key, number)
    # Longest first, so that `september` is not read as `sep` and a stray `ember`.
    names = sorted(months, key=len, reverse=True)
    return months, "|".join(re.escape(name) for name in names)
