"""What /v1/extract answers: fields, items, tables and checks."""

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from app.schemas.service import EngineDetail


class ExtractedFieldResult(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    value: str = Field(
        description="Normalised: an amount as a decimal string, a date as YYYY-MM-DD, a time "
        "as HH:MM[:SS], a currency as its ISO 4217 code, a phone in E.164 when its country "
        "is known; names and addresses as printed.",
        examples=["15.90"],
    )
    text: str = Field(description="As printed (as read).", examples=["RM 15.90"])
    confidence: float = Field(description="0 to 100: the reading's, of the words it stands on.")
    page: int = Field(description="1-based page number.", examples=[1])
    box: tuple[int, int, int, int] = Field(
        validation_alias="bbox",
        description="[x0, y0, x1, y1] in pixels of the page as sent (after EXIF rotation).",
        examples=[[727, 1346, 816, 1400]],
    )


class ItemResult(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    description: str = Field(examples=["CURTAIN STRAPS"])
    quantity: str | None = Field(description="As a decimal string, when printed.", examples=["2"])
    unit_price: str | None = Field(
        description="As a decimal string, when printed.", examples=["2.50"]
    )
    amount: str = Field(description="The line's amount, as a decimal string.", examples=["5.00"])
    page: int
    box: tuple[int, int, int, int] = Field(validation_alias="bbox")


class ChecksResult(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    items_match_subtotal: bool | None = Field(
        description="The items add up to the subtotal (to the total when none is printed); "
        "null when there are no items or no sum to compare with."
    )
    total_matches_parts: bool | None = Field(
        description="Subtotal + tax + tip - discount (+ rounding) is the total, or the subtotal "
        "already holds the tax; null without a subtotal and a total."
    )
    payment_matches_total: bool | None = Field(
        description="What was paid less the change is the total; null when no payment is printed."
    )
    consistent: bool = Field(
        description="No check failed: when false, the document wants a person's eyes."
    )


class TableCellResult(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    row: int = Field(description="0-based; row 0 is the table's first row (often its heading).")
    column: int = Field(description="0-based.")
    row_span: int = Field(examples=[1])
    column_span: int = Field(description="Columns the cell covers (a heading over two).")
    text: str = Field(examples=["1,200"])
    box: tuple[int, int, int, int] = Field(validation_alias="bbox")


class TableResult(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    page: int
    box: tuple[int, int, int, int] = Field(validation_alias="bbox")
    rows: int
    columns: int
    cells: list[TableCellResult]


class ExtractPage(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    number: int
    width: int
    height: int
    rotation: int
    engine: str
    source: str = Field(description="`ocr`, or `text-layer` for a PDF page's own text.")


class ExtractResult(BaseModel):
    kind: Literal["receipt", "invoice", "table", "other"] = Field(
        description="What the document was read as: a `receipt` or an `invoice` (fields, items "
        "and checks), a `table` (its tables only), or `other` (a photo, a letter: no fields)."
    )
    fields: dict[str, ExtractedFieldResult] = Field(
        description="The fields found, by name: merchant_name, merchant_address, merchant_phone, "
        "merchant_tax_id, transaction_date, transaction_time, document_number, subtotal, tax, "
        "tip, discount, total, currency; for invoices also due_date, customer_name, "
        "customer_address. A field that is not printed is absent, never guessed.",
    )
    items: list[ItemResult]
    checks: ChecksResult
    tables: list[TableResult] = Field(
        description="Tables found on the pages (ruled or not, scanned or a PDF's text layer): "
        "cells by row and column, with their spans and boxes."
    )
    text: str = Field(description="All pages' text, pages separated by a form feed.")
    pages: list[ExtractPage]
    lang: str = Field(examples=["eng"])
    engines: list[EngineDetail]
    timings_ms: dict[str, float] = Field(
        examples=[{"queue": 0.4, "ocr": 2710.3, "extract": 4.2, "total": 2716.1}]
    )
