"""Line items: the rows between the header and the sums whose rightmost word is an amount.

A row's description is its words before the amounts; a receipt that prints the description on
its own row and the figures below it (`TOILET BRUSH` / `9067860 1 X 2.70 2.70`) lends the
description from the rows since the previous item. A quantity is a number before `x`, `@` or
`*`, or a whole number standing between the description and the amounts.
"""

import re
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation

from app.extract.model import Item
from app.extract.parsing.labels import Concept
from app.extract.parsing.lines import ReadRow
from app.ocr.results import union

MAX_DESCRIPTION_ROWS = 2
_QUANTITY = re.compile(
    r"(?<![\w.,])(\d{1,4}(?:[.,]\d{1,3})?)\s*(?:[xX\u00d7@*]|pcs|PCS|Stk|stk)(?!\w)"
)
_CODE = re.compile(r"^[\W\d]*$|^[A-Z]{0,3}\d[\w\-/]*$")
# A tax code printed after a description (`*S`, `*Z`), not part of it.
_TAX_CODE = re.compile(r"^\*[A-Z]{1,2}$")
# Rows labelled so are no items even with an amount. Not COUNT (`2 pcs Widget`) nor DATE
# (Portuguese `data` stands in `Pastel de nata`'s fuzzy shadow): a real date is told by row.dates.
_NOT_ITEMS = {
    Concept.DOCUMENT,
    Concept.PHONE,
    Concept.TAX_ID,
    Concept.REGISTRATION,
    Concept.CUSTOMER,
}


def find_items(rows: Sequence[ReadRow], start: int, end: int, priced: frozenset[int]) -> list[Item]:
    items: list[Item] = []
    pending: list[ReadRow] = []  # rows with words and no amount since the last item
    for row in rows[start:end]:
        if row.index in priced or row.concepts & _NOT_ITEMS or row.dates:
            pending = []
            continue
        amount = row.last_amount
        if amount is None or row.row.tokens[-1].bbox[2] > amount.bbox[2]:
            if row.letters >= 3:
                pending.append(row)
            continue
        description = _description(row)
        rows_used = [row]
        if sum(character.isalpha() for character in description) < 3 and pending:
            lent = pending[-MAX_DESCRIPTION_ROWS:][0]
            description = _description(lent)
            rows_used.insert(0, lent)
        pending = []
        if not description:
            continue
        unit_price = row.amounts[-2].decimal_text if len(row.amounts) >= 2 else None
        quantity = _quantity(row)
        items.append(
            Item(
                description=description,
                quantity=quantity,
                unit_price=unit_price,
                amount=amount.decimal_text,
                page=row.page,
                bbox=union([used.bbox for used in rows_used]),
            )
        )
    return items


def _description(row: ReadRow) -> str:
    """The row's words before its figures, without a leading item number or code."""
    words = row.label.split()
    if row.amounts:
        first_amount = row.amounts[0].bbox[0]
        words = [token.text for token in row.row.tokens if token.bbox[2] <= first_amount]
    text = " ".join(words)
    text = _QUANTITY.sub(" ", text)
    kept = [
        word
        for word in text.split()
        if (not _CODE.match(word) or _has_letters_beside(word)) and not _TAX_CODE.match(word)
    ]
    while kept and not any(character.isalpha() for character in kept[-1]):
        kept.pop()
    while kept and not any(character.isalpha() for character in kept[0]):
        kept.pop(0)
    return " ".join(kept).strip(" .:-*")


def _has_letters_beside(word: str) -> bool:
    return sum(character.isalpha() for character in word) >= 3


def _quantity(row: ReadRow) -> str | None:
    match = _QUANTITY.search(row.text)
    if match is not None:
        return _number(match.group(1))
    before_amounts = [
        token.text
        for token in row.row.tokens
        if row.amounts and token.bbox[2] <= row.amounts[0].bbox[0]
    ]
    if before_amounts and re.fullmatch(r"\d{1,3}", before_amounts[-1]) and len(before_amounts) > 1:
        return before_amounts[-1]
    if before_amounts and re.fullmatch(r"\d{1,3}", before_amounts[0]) and len(before_amounts) > 1:
        return before_amounts[0]
    return None


def _number(text: str) -> str | None:
    try:
        return format(Decimal(text.replace(",", ".")).normalize(), "f")
    except InvalidOperation:
        return None
