"""Amounts as printed on a row: `15.90`, `RM 15.90`, `1.471,60 €`, `-0.02`, `5.00-`.

Which separator is the decimal one is price-parser's to decide (`1.471,60` is 1471.60, not
1.60); finding the amounts among a row's words, their sign and their currency marker is ours.
"""

import re
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

from babel.numbers import list_currencies
from price_parser import Price

from app.extract.model import Token
from app.extract.parsing.rows import Row
from app.ocr.results import BBox, union

# A money figure has cents (one or two decimals): counts, codes and quantities have none.
_NUMBER = r"\d{1,3}(?:[.,' ]\d{3})+[.,]\d{1,2}|\d*[.,]\d{1,2}"
_MONEY = re.compile(
    rf"^(?P<open>[(\-]?)(?P<before>[^\d\s(\-]{{1,3}})?\s?(?P<number>{_NUMBER})"
    rf"(?P<after>[^\d\s)\-]{{1,3}})?(?P<close>[)\-]?)$"
)
# Symbols and local abbreviations that name one currency; ISO codes are read as they are.
_SYMBOLS = {
    "RM": "MYR",
    "€": "EUR",
    "£": "GBP",
    "¥": "JPY",
    "₹": "INR",
    "$": "USD",
    "US$": "USD",
    "S$": "SGD",
    "A$": "AUD",
    "C$": "CAD",
    "FR.": "CHF",
    "FR": "CHF",
    "KR": "SEK",
    "ZŁ": "PLN",
    "RP": "IDR",
}


_LETTERS_AS_DIGITS = str.maketrans("OoDQ", "0000")


@dataclass(frozen=True, slots=True)
class Amount:
    value: Decimal
    text: str
    bbox: BBox
    confidence: float
    currency: str | None  # ISO 4217 when the amount carries a marker that names one

    @property
    def decimal_text(self) -> str:
        return format(self.value, "f")


def row_amounts(row: Row, *, lenient: bool = False) -> list[Amount]:
    """The amounts on a row, left to right. A currency word standing alone before an amount
    or after it (`RM 15.90`, `154,17 €`) belongs to it.

    `lenient`, for a row whose label says it holds a sum, also reads what OCR makes of one:
    a letter for a zero (`RMO.00`), a marker that lost a letter (`M3.00`), a dash or a space
    for the decimal point (`100-00`, `10 00`)."""
    amounts: list[Amount] = []
    tokens = row.tokens
    for index, token in enumerate(tokens):
        amount = parse_amount(token.text, token)
        if amount is None and lenient:
            amount = _misread_amount(tokens, index)
        if amount is None:
            continue
        if amount.currency is None and index > 0:
            marker = currency_code(tokens[index - 1].text)
            if marker is not None:
                amount = _with_marker(amount, tokens[index - 1], marker)
        if amount.currency is None and index + 1 < len(tokens):
            marker = currency_code(tokens[index + 1].text)
            if marker is not None:
                amount = _with_marker(amount, tokens[index + 1], marker, after=True)
        amounts.append(amount)
    return amounts


def parse_amount(text: str, token: Token) -> Amount | None:
    match = _MONEY.match(text.strip())
    if match is None:
        return None
    marker_text = (match["before"] or match["after"] or "").strip(":")
    marker = currency_code(marker_text) if marker_text else None
    if marker_text and marker is None:
        return None  # a code such as KF12.5A, a size such as 5.5*: not money
    price = Price.fromstring(match["number"])
    if price.amount is None:
        return None
    negative = match["open"] in ("-", "(") or match["close"] == "-"
    value = -price.amount if negative else price.amount
    return Amount(value, token.text, token.bbox, token.confidence, marker)


def _misread_amount(tokens: tuple[Token, ...], index: int) -> Amount | None:
    token = tokens[index]
    text = token.text.strip()
    marker = re.match(r"^([A-Za-z$€£]{1,3}?)(?=[\dOoD]*[.,\-]\d)", text)
    prefix = marker.group(1) if marker else ""
    number = text[len(prefix) :].translate(_LETTERS_AS_DIGITS)
    number = re.sub(r"^(\d+)-(\d{2})$", r"\1.\2", number)
    if re.fullmatch(r"\d+", number) and index + 1 == len(tokens) - 1:
        following = tokens[index + 1].text.strip()
        if re.fullmatch(r"\d{2}", following):
            joined = Token(
                f"{token.text} {following}",
                union([token.bbox, tokens[index + 1].bbox]),
                min(token.confidence, tokens[index + 1].confidence),
                token.page,
            )
            return parse_amount(f"{number}.{following}", joined)
    amount = parse_amount(number, token)
    if amount is None:
        return None
    code = currency_code(prefix) if prefix else None
    return Amount(amount.value, token.text, token.bbox, token.confidence * 0.8, code)


def currency_code(text: str) -> str | None:
    """The ISO 4217 code a printed marker names, or None."""
    marker = text.strip().strip(":").upper()
    if marker in _SYMBOLS:
        return _SYMBOLS[marker]
    if len(marker) == 3 and marker in _iso_codes():
        return marker
    return None


@lru_cache(maxsize=1)
def _iso_codes() -> frozenset[str]:
    return frozenset(list_currencies())


def _with_marker(amount: Amount, marker: Token, code: str, *, after: bool = False) -> Amount:
    return Amount(
        amount.value,
        f"{amount.text} {marker.text}" if after else f"{marker.text} {amount.text}",
        union([marker.bbox, amount.bbox]),
        min(marker.confidence, amount.confidence),
        code,
    )
