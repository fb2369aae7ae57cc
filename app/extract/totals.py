"""The money a document sums up: total, subtotal, tax, tip, discount, and what was paid.

A row's label decides its role (labels.py); its amount is the rightmost on the row. Of several
totals (a GST summary prints its own, a receipt its total before and after rounding), the one
paid is the one that cash minus change confirms, else the one a rounding row leads to, else
the largest of those the label calls final (grand, incl., due), else the largest.
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import Enum

from app.extract.parsing.amounts import Amount
from app.extract.parsing.labels import Concept
from app.extract.parsing.lines import ReadRow
from app.ocr.results import union

ROUNDING_BELOW = Decimal(1)
CENT = Decimal("0.01")


class Role(Enum):
    TOTAL = "total"
    FINAL_TOTAL = "final_total"
    INCLUSIVE_TOTAL = "inclusive_total"
    SUBTOTAL = "subtotal"
    TAX = "tax"
    TIP = "tip"
    DISCOUNT = "discount"
    ROUNDING = "rounding"
    PAYMENT = "payment"
    CHANGE = "change"


# The totals, the one that is paid first: `Total Payable`, then `Total incl. GST`, then `Total`.
_TOTALS = (Role.FINAL_TOTAL, Role.INCLUSIVE_TOTAL, Role.TOTAL)


@dataclass(frozen=True, slots=True)
class Priced:
    role: Role
    row: ReadRow
    amount: Amount


@dataclass(frozen=True, slots=True)
class Totals:
    total: Priced | None
    subtotal: Priced | None
    tax: Priced | None
    tip: Priced | None
    discount: Priced | None
    rounding: Priced | None
    payment: Priced | None
    change: Priced | None
    priced_rows: frozenset[int]  # rows that hold one of these: not items


def role_of(found: set[Concept]) -> Role | None:
    """What a label makes of its row's amount, or None when it is no sum."""
    if Concept.COUNT in found and not found & {Concept.TAX, Concept.FINAL, Concept.INCLUSIVE}:
        return None
    if Concept.ROUNDING in found:
        return Role.ROUNDING
    if Concept.CHANGE in found:
        return Role.CHANGE
    if Concept.TIP in found or (
        Concept.SERVICE in found and not found & {Concept.TAX, Concept.TOTAL, Concept.CHANGE}
    ):
        return Role.TIP
    if Concept.DISCOUNT in found:
        return Role.DISCOUNT
    if Concept.PAYMENT in found and Concept.FINAL not in found:
        return Role.PAYMENT
    if Concept.SUB in found:
        return Role.SUBTOTAL
    if Concept.TAX in found and (
        Concept.TOTAL not in found or not found & {Concept.FINAL, Concept.INCLUSIVE}
    ):
        return Role.TAX  # `incl. VAT 3.20` is the tax; `Total incl. VAT` is the total
    if Concept.FINAL in found and (Concept.TOTAL in found or Concept.DUE in found):
        return Role.FINAL_TOTAL
    if Concept.INCLUSIVE in found and Concept.TOTAL in found:
        return Role.INCLUSIVE_TOTAL
    if Concept.TOTAL in found or Concept.FINAL in found:
        return Role.TOTAL
    return None


def find_totals(rows: Sequence[ReadRow]) -> Totals:
    priced: list[Priced] = []
    for position, row in enumerate(rows):
        role = role_of(row.concepts)
        if role is None:
            continue
        amount = row.last_amount or _amount_below(rows, position)
        if amount is not None:
            priced.append(Priced(role, row, amount))

    def first(role: Role) -> Priced | None:
        return next((entry for entry in priced if entry.role is role), None)

    payment, change = first(Role.PAYMENT), first(Role.CHANGE)
    # A rounding is a few cents: a larger figure on a row labelled so is a sum that OCR
    # joined to the label of the row above (`Rounding RM 182.00`).
    rounding = next(
        (
            entry
            for entry in priced
            if entry.role is Role.ROUNDING and abs(entry.amount.value) < ROUNDING_BELOW
        ),
        None,
    )
    subtotal = first(Role.SUBTOTAL)
    total = _paid_total(priced, payment, change, rounding) or _unreadable_total(
        rows, priced, subtotal, rounding, payment, change
    )
    tax = _mended_tax(_tax(priced, subtotal, total), subtotal, total)
    return Totals(
        total=total,
        subtotal=subtotal,
        tax=tax,
        tip=first(Role.TIP),
        discount=first(Role.DISCOUNT),
        rounding=rounding,
        payment=payment,
        change=change,
        priced_rows=frozenset(entry.row.index for entry in priced),
    )


def _amount_below(rows: Sequence[ReadRow], position: int) -> Amount | None:
    """A label printed above its amount (a large TOTAL, the figure on the next row)."""
    if position + 1 >= len(rows):
        return None
    label, below = rows[position], rows[position + 1]
    if below.page != label.page or below.letters > 2 or not below.amounts:
        return None
    if below.bbox[1] - label.bbox[3] > label.row.height:
        return None
    return below.last_amount


def _paid_total(
    priced: Sequence[Priced],
    payment: Priced | None,
    change: Priced | None,
    rounding: Priced | None,
) -> Priced | None:
    totals = [entry for entry in priced if entry.role in _TOTALS and entry.amount.value > 0]
    if not totals:
        return None
    if payment is not None:
        paid = payment.amount.value - (abs(change.amount.value) if change else Decimal(0))
        confirmed = [entry for entry in totals if entry.amount.value == paid]
        if confirmed:
            return confirmed[-1]
    if rounding is not None and rounding.amount.value:
        for before in totals:
            after = before.amount.value + rounding.amount.value
            rounded = [
                entry
                for entry in priced
                if entry.amount.value == after
                and entry.row.index > before.row.index
                and entry.role not in (Role.PAYMENT, Role.CHANGE)
            ]
            if rounded:
                return Priced(Role.FINAL_TOTAL, rounded[0].row, rounded[0].amount)
    for role in _TOTALS:
        of_role = [entry for entry in totals if entry.role is role]
        if of_role:
            return max(of_role, key=lambda entry: entry.amount.value)
    return None


def _unreadable_total(
    rows: Sequence[ReadRow],
    priced: Sequence[Priced],
    subtotal: Priced | None,
    rounding: Priced | None,
    payment: Priced | None,
    change: Priced | None,
) -> Priced | None:
    """A total row whose figure OCR could not read (`TOTAL 2 0`) takes the figure that two
    independent sums agree on: the subtotal (with its rounding) and what was paid less the
    change. Without that agreement the total stays absent rather than guessed."""
    if subtotal is None or payment is None:
        return None
    labelled = [row for row in rows if role_of(row.concepts) in _TOTALS and not row.amounts]
    if not labelled:
        return None
    expected = subtotal.amount.value + (rounding.amount.value if rounding else Decimal(0))
    paid = payment.amount.value - (abs(change.amount.value) if change else Decimal(0))
    if expected != paid or expected <= 0:
        return None
    row = labelled[0]
    figures = [token for token in row.row.tokens if any(ch.isdigit() for ch in token.text)]
    shown = figures or list(row.row.tokens)
    amount = Amount(
        expected,
        " ".join(token.text for token in shown),
        union([token.bbox for token in shown]),
        min(subtotal.amount.confidence, payment.amount.confidence) * 0.5,
        subtotal.amount.currency,
    )
    return Priced(Role.FINAL_TOTAL, row, amount)


def _mended_tax(tax: Priced | None, subtotal: Priced | None, total: Priced | None) -> Priced | None:
    """A tax figure OCR misread (13.92 for 15.92) is mended when three printed things agree
    against it: the subtotal, the total, and the rate on the tax's own row (`IVA 23%`): the
    subtotal at that rate is the total less the subtotal. The field keeps the text as read and
    half its confidence; without the three agreeing, the figure stays as read and the checks
    say the document does not add up."""
    if tax is None or subtotal is None or total is None:
        return tax
    net, gross = subtotal.amount.value, total.amount.value
    if net + tax.amount.value == gross or gross <= net:
        return tax
    rate = re.search(r"(\d{1,2}(?:[.,]\d{1,2})?)\s*%", tax.row.label)
    if rate is None:
        return tax
    at_rate = (net * Decimal(rate.group(1).replace(",", ".")) / 100).quantize(CENT, ROUND_HALF_UP)
    if abs(at_rate - (gross - net)) > CENT:
        return tax
    read = tax.amount
    mended = Amount(gross - net, read.text, read.bbox, read.confidence / 2, read.currency)
    return Priced(tax.role, tax.row, mended)


def _tax(priced: Sequence[Priced], subtotal: Priced | None, total: Priced | None) -> Priced | None:
    taxes = [entry for entry in priced if entry.role is Role.TAX]
    if subtotal is not None and total is not None:
        adds_up = [
            entry
            for entry in taxes
            if subtotal.amount.value + entry.amount.value == total.amount.value
        ]
        if adds_up:
            return adds_up[0]
    return taxes[0] if taxes else None
