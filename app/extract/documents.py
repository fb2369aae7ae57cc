"""A receipt or an invoice as data: the fields, the items and whether they add up.

`extract` reads the page tree once into rows (rows.py, lines.py), finds the sums (totals.py),
the header (header.py), the dates, the document number and the customer, the items between
the header and the sums (items.py), and checks the arithmetic.

Over 300 lines: it decides what no part owns (the kind, the date, the number, the customer, the
checks).
"""

import re
from collections import Counter
from collections.abc import Sequence
from decimal import Decimal

from app.extract.header import (
    MAX_ADDRESS_ROWS,
    Header,
    address_from,
    address_text,
    find_header,
)
from app.extract.items import find_items
from app.extract.model import Checks, DocumentKind, ExtractedField, Extraction, Item
from app.extract.parsing.amounts import Amount, currency_code
from app.extract.parsing.dates import FoundDate, day_first_order
from app.extract.parsing.labels import Concept, words_of
from app.extract.parsing.lines import ReadRow, read_rows
from app.extract.parsing.locales import territory
from app.extract.parsing.rows import page_rows
from app.extract.totals import Priced, Totals, find_totals
from app.ocr.reading.languages import AUTO_LANGUAGE
from app.ocr.reading.tables import find_tables
from app.ocr.results import Page, union

ExtractKind = DocumentKind | str
# A document's number is a word with a digit that follows its label.
_DOCUMENT_NUMBER = re.compile(r"[A-Z0-9][A-Z0-9\-/.#]*\d[A-Z0-9\-/.]*", re.IGNORECASE)


def extract(pages: Sequence[Page], languages: Sequence[str], kind: str = "auto") -> Extraction:
    """Fields, items, checks and tables of a document read in `languages` (with `auto`, the
    languages found on its pages)."""
    if AUTO_LANGUAGE in languages:
        found = [language.language for page in pages for language in page.languages]
        languages = list(dict.fromkeys(found)) or ["eng"]
    tables = [table for page in pages for table in find_tables(page)]
    if kind == "table":
        return Extraction(kind="table", tables=tables)
    extraction = _extract_document(pages, languages, kind)
    extraction.tables = tables
    if extraction.kind == "other" and tables:
        extraction.kind = "table"  # no sums, but cells in columns: a table is what it holds
    return extraction


def _extract_document(pages: Sequence[Page], languages: Sequence[str], kind: str) -> Extraction:
    rows = read_rows(page_rows(pages), languages)
    totals = find_totals(rows)
    currency = _currency(rows, totals)
    body_start = _body_start(rows, totals)
    region = territory(tuple(languages), currency)
    header = find_header(rows, region, body_start)
    header_end = max((row.index + 1 for row in header.name + header.address), default=0)
    sums_start = min(totals.priced_rows, default=len(rows))
    items = find_items(rows, header_end, sums_start, totals.priced_rows)
    found_kind = _kind(rows, totals, kind)
    extraction = Extraction(kind=found_kind)
    if found_kind == "other":
        return extraction
    fields = extraction.fields
    _add_header(fields, header)
    _add_dates(fields, rows, languages, currency, body_start)
    _add_document_number(fields, rows)
    for name, priced in (
        ("subtotal", totals.subtotal),
        ("tax", totals.tax),
        ("tip", totals.tip),
        ("discount", totals.discount),
        ("total", totals.total),
    ):
        if priced is not None:
            fields[name] = _money_field(priced.amount, priced.row, absolute=name == "discount")
    if currency is not None:
        marked = _marked_amount(rows, currency)
        row, amount = marked if marked else (None, None)
        fields["currency"] = ExtractedField(
            value=currency,
            text=amount.text if amount else currency,
            confidence=amount.confidence if amount else 50.0,
            page=row.page if row else 1,
            bbox=amount.bbox if amount else (0, 0, 0, 0),
        )
    if found_kind == "invoice":
        _add_customer(fields, rows)
    extraction.items = items
    extraction.checks = _checks(items, totals)
    return extraction


def _kind(rows: Sequence[ReadRow], totals: Totals, asked: str) -> DocumentKind:
    if asked == "receipt":
        return "receipt"
    if asked == "invoice":
        return "invoice"
    amounts = sum(len(row.amounts) for row in rows)
    if totals.total is None and totals.subtotal is None and amounts < 2:
        return "other"
    words = [set(words_of(row.text)) for row in rows]
    invoice_marks = sum(
        1
        for found, row in zip(words, rows, strict=False)
        if (
            ("invoice" in found or "rechnung" in found or "facture" in found or "factura" in found)
            and not found & {"tax", "simplified"}
        )
        or (Concept.DUE in row.concepts and row.dates)
        or Concept.CUSTOMER in row.concepts
    )
    paid = totals.payment is not None or totals.change is not None
    return "invoice" if invoice_marks >= 2 and not paid else "receipt"


def _body_start(rows: Sequence[ReadRow], totals: Totals) -> int:
    """The first row past the header: a dated row, a priced row, or an item's figures."""
    for row in rows:
        if row.index in totals.priced_rows:
            return row.index
        if row.amounts and row.index > 2:
            return row.index
    return len(rows)


def _add_header(fields: dict[str, ExtractedField], header: Header) -> None:
    if header.name:
        fields["merchant_name"] = _text_field(header.name_text, header.name)
    if header.address:
        text = ", ".join(row.text.strip(" ,") for row in header.address)
        fields["merchant_address"] = _text_field(address_text(text), header.address)
    if header.phone is not None:
        row, printed, value = header.phone
        fields["merchant_phone"] = ExtractedField(
            value, printed, row.confidence, row.page, row.bbox
        )
    if header.tax_id is not None:
        row, code = header.tax_id
        fields["merchant_tax_id"] = ExtractedField(
            code, row.text, row.confidence, row.page, row.bbox
        )


def _add_dates(
    fields: dict[str, ExtractedField],
    rows: Sequence[ReadRow],
    languages: Sequence[str],
    currency: str | None,
    body_start: int,
) -> None:
    dated = [(row, found) for row in rows for found in row.dates]
    if not dated:
        return
    day_first = day_first_order((found for _, found in dated), languages, currency)
    due = [(row, found) for row, found in dated if Concept.DUE in row.concepts]
    labelled = [
        (row, found)
        for row, found in dated
        if Concept.DATE in row.concepts and Concept.DUE not in row.concepts
    ]
    chosen = next(
        (
            pair
            for pair in labelled + [pair for pair in dated if pair not in due]
            if _resolves(pair[1], day_first)
        ),
        None,
    )
    if chosen is not None:
        row, found = chosen
        fields["transaction_date"] = _date_field(row, found, day_first)
        # The time beside the date, else one printed before the items (a figure misread
        # with a colon among the items is no time of day).
        before_body = [other for other in rows[:body_start] if other.times]
        time_row = row if row.times else (before_body[0] if before_body else None)
        times = time_row.times if time_row is not None else []
        if time_row is not None and times:
            first = times[0]
            fields["transaction_time"] = ExtractedField(
                first.value.isoformat(timespec="seconds" if first.value.second else "minutes"),
                time_row.text[first.start : first.end],
                time_row.span_confidence(first.start, first.end),
                time_row.page,
                time_row.span_box(first.start, first.end),
            )
    for row, found in due:
        if _resolves(found, day_first):
            fields["due_date"] = _date_field(row, found, day_first)
            break


def _resolves(found: FoundDate, day_first: bool) -> bool:
    return found.resolve(day_first) is not None


def _date_field(row: ReadRow, found: FoundDate, day_first: bool) -> ExtractedField:
    value = found.resolve(day_first)
    assert value is not None
    return ExtractedField(
        value.isoformat(),
        row.text[found.start : found.end],
        row.span_confidence(found.start, found.end),
        row.page,
        row.span_box(found.start, found.end),
    )


def _add_document_number(fields: dict[str, ExtractedField], rows: Sequence[ReadRow]) -> None:
    for row in rows:
        # `Invoice No: 42`, `Receipt # 42`, `Bonnr: 42`; a bare `Ticket 42` on a short row.
        labelled = Concept.DOCUMENT in row.concepts and (
            Concept.NUMBER in row.concepts or "#" in row.label or len(row.row.tokens) <= 3
        )
        if not labelled and not ("#" in row.label and Concept.NUMBER in row.concepts):
            continue
        tokens = list(row.row.tokens)
        label_words = 0
        for position, token in enumerate(tokens):
            if words_of(token.text) and not _DOCUMENT_NUMBER.fullmatch(token.text.strip(":#")):
                label_words = position + 1
                continue
            if label_words and _DOCUMENT_NUMBER.fullmatch(token.text.strip(":#")):
                value = token.text.strip(":#.")
                fields["document_number"] = ExtractedField(
                    value, token.text, token.confidence, token.page, token.bbox
                )
                return


def _add_customer(fields: dict[str, ExtractedField], rows: Sequence[ReadRow]) -> None:
    """The customer under its label (`Bill To:`, `Kunde:`, `Client :`), or after it on the
    label's row; the address is the run of rows below that reads as one (header.py)."""
    for position, row in enumerate(rows):
        if not _customer_label(row):
            continue
        after_label = row.text.split(":", 1)[1].strip() if ":" in row.text else ""
        below = [
            other
            for other in rows[position + 1 : position + 1 + MAX_ADDRESS_ROWS + 1]
            if other.page == row.page
        ]
        if after_label:
            name_rows, rest = [row], below
        else:
            name_rows = [other for other in below[:1] if _plain_words(other)]
            rest = below[1:]
        if not name_rows:
            return
        fields["customer_name"] = _text_field(after_label or name_rows[0].text.strip(), name_rows)
        address = address_from(rest)
        if address:
            text = ", ".join(other.text.strip(" ,") for other in address)
            fields["customer_address"] = _text_field(address_text(text), address)
        return


def _customer_label(row: ReadRow) -> bool:
    words = words_of(row.label)
    if not words or len(words) > 3 or row.amounts:
        return False
    addressed = words[-1] == "to" and bool(row.concepts & {Concept.DOCUMENT, Concept.CUSTOMER})
    return Concept.CUSTOMER in row.concepts or addressed


def _plain_words(row: ReadRow) -> bool:
    """A row that can be a name: words, no figure, no date, no label of one."""
    labels = {
        Concept.DATE,
        Concept.DUE,
        Concept.PHONE,
        Concept.DOCUMENT,
        Concept.COUNT,
        Concept.TAX_ID,
        Concept.CUSTOMER,
    }
    return row.letters >= 2 and not row.amounts and not row.dates and not row.concepts & labels


def _money_field(amount: Amount, row: ReadRow, *, absolute: bool = False) -> ExtractedField:
    value = abs(amount.value) if absolute else amount.value
    return ExtractedField(format(value, "f"), amount.text, amount.confidence, row.page, amount.bbox)


def _text_field(value: str, rows: Sequence[ReadRow]) -> ExtractedField:
    return ExtractedField(
        value=value,
        text="\n".join(row.text for row in rows),
        confidence=min(row.confidence for row in rows),
        page=rows[0].page,
        bbox=union([row.bbox for row in rows]),
    )


def _currency(rows: Sequence[ReadRow], totals: Totals) -> str | None:
    """The currency the sums are marked with, else the one most amounts are marked with, else
    one a column heading names (`AMT(RM)`)."""
    for priced in (totals.total, totals.subtotal):
        if priced is not None and priced.amount.currency:
            return priced.amount.currency
    marks = Counter(amount.currency for row in rows for amount in row.amounts if amount.currency)
    if marks:
        return marks.most_common(1)[0][0]
    for row in rows:
        for word in re.findall(r"[A-Z$€£¥₹]{1,3}", row.text):
            code = currency_code(word)
            if code is not None and word in ("RM", "€", "£", "¥", "₹", "EUR", "USD", "GBP", "CHF"):
                return code
    return None


def _marked_amount(rows: Sequence[ReadRow], currency: str) -> tuple[ReadRow, Amount] | None:
    for row in rows:
        for amount in row.amounts:
            if amount.currency == currency:
                return row, amount
    return None


def _checks(items: Sequence[Item], totals: Totals) -> Checks:
    def value(priced: Priced | None) -> Decimal | None:
        return priced.amount.value if priced is not None else None

    total, subtotal = value(totals.total), value(totals.subtotal)
    tax, tip = value(totals.tax) or Decimal(0), value(totals.tip) or Decimal(0)
    discount = abs(value(totals.discount) or Decimal(0))
    rounding = value(totals.rounding) or Decimal(0)
    items_sum = sum((Decimal(item.amount) for item in items), Decimal(0))
    extras = tip + rounding
    # A discount may be taken before the subtotal or after it; the tax may be added to the
    # prices (US) or held in them (most of Europe): each way a document adds up is accepted.
    discounts = {Decimal(0), discount}
    items_match: bool | None = None
    if items and subtotal is not None:
        items_match = any(items_sum - taken in (subtotal, subtotal + tax) for taken in discounts)
    elif items and total is not None:
        items_match = any(
            items_sum - taken + extras + added == total
            for taken in discounts
            for added in {Decimal(0), tax}
        )
    parts: bool | None = None
    if subtotal is not None and total is not None:
        parts = any(
            subtotal - taken + extras + added == total
            for taken in discounts
            for added in {Decimal(0), tax}
        )
    payment = None
    if totals.payment is not None and total is not None:
        change = abs(value(totals.change) or Decimal(0))
        payment = totals.payment.amount.value - change == total or (
            totals.change is None and totals.payment.amount.value == total
        )
    return Checks(items_match, parts, payment)
