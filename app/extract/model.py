"""What extraction produces: fields with their printed text and box, line items, checks."""

from dataclasses import dataclass, field
from typing import Literal

from app.ocr.reading.tables import Table
from app.ocr.results import BBox

DocumentKind = Literal["receipt", "invoice", "table", "other"]


@dataclass(frozen=True, slots=True)
class Token:
    """A word where it stands: its page and box."""

    text: str
    bbox: BBox
    confidence: float
    page: int


@dataclass(frozen=True, slots=True)
class ExtractedField:
    value: str  # normalised: a decimal string, a YYYY-MM-DD date, an ISO code, or the text
    text: str  # as printed
    confidence: float  # 0-100
    page: int
    bbox: BBox


@dataclass(frozen=True, slots=True)
class Item:
    description: str
    quantity: str | None
    unit_price: str | None
    amount: str
    page: int
    bbox: BBox


@dataclass(frozen=True, slots=True)
class Checks:
    """Whether the document adds up; None where it does not print what a check needs."""

    items_match_subtotal: bool | None
    total_matches_parts: bool | None
    payment_matches_total: bool | None

    @property
    def consistent(self) -> bool:
        return all(
            check is not False
            for check in (
                self.items_match_subtotal,
                self.total_matches_parts,
                self.payment_matches_total,
            )
        )


@dataclass(slots=True)
class Extraction:
    kind: DocumentKind
    fields: dict[str, ExtractedField] = field(default_factory=dict)
    items: list[Item] = field(default_factory=list)
    checks: Checks = field(default_factory=lambda: Checks(None, None, None))
    tables: list[Table] = field(default_factory=list)
