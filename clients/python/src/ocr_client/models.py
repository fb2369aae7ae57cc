"""Typed results. Each keeps the JSON it came from in `raw`, so new fields are never lost."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

BBox = tuple[int, int, int, int]


@dataclass(frozen=True)
class Prediction:
    """`POST /`: the recognised lines and the full text."""

    results: list[str]
    original: str

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Prediction:
        return cls(results=list(data["results"]), original=data["original"])


@dataclass(frozen=True)
class Word:
    text: str
    bbox: BBox
    confidence: float

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Word:
        return cls(data["text"], _bbox(data.get("bbox")), float(data.get("confidence", 0.0)))


@dataclass(frozen=True)
class Line:
    text: str
    bbox: BBox
    confidence: float
    words: list[Word] = field(default_factory=list)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Line:
        return cls(
            text=data["text"],
            bbox=_bbox(data.get("bbox")),
            confidence=float(data.get("confidence", 0.0)),
            words=[Word.from_json(word) for word in data.get("words", [])],
        )


@dataclass(frozen=True)
class Language:
    """A language found on a page read with `lang="auto"`, and how sure the service is of it
    (0 to 1; on a page that mixes languages, its share of the page)."""

    language: str
    confidence: float

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Language:
        return cls(str(data["language"]), float(data.get("confidence", 0.0)))


@dataclass(frozen=True)
class Page:
    number: int
    width: int
    height: int
    text: str
    rotation: int = 0
    lines: list[Line] = field(default_factory=list)
    error: str | None = None
    """Why this page could not be read (a job's result only; such a page has no lines)."""
    steps: list[str] = field(default_factory=list)
    """What was done to the page before it was read (`rotate:90`, `deskew:1.5`, ...)."""
    source: str = "ocr"
    """`ocr`, or `text-layer` for a PDF page whose own text was taken."""
    engine: str = "tesseract"
    """Which engine read the page: `tesseract`, `neural`, `tesseract+neural` or `text-layer`."""
    languages: list[Language] = field(default_factory=list)
    """With `lang="auto"`: the languages found on the page and read with, likeliest first."""
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Page:
        return cls(
            number=int(data.get("number", 1)),
            width=int(data.get("width", 0)),
            height=int(data.get("height", 0)),
            text=data.get("text", ""),
            rotation=int(data.get("rotation", 0)),
            lines=[Line.from_json(line) for line in data.get("lines", [])],
            error=_error_detail(data.get("error")),
            steps=[str(step) for step in data.get("steps", [])],
            source=str(data.get("source", "ocr")),
            engine=str(data.get("engine", "tesseract")),
            languages=[Language.from_json(found) for found in data.get("languages") or []],
            raw=data,
        )


@dataclass(frozen=True)
class OCRResult:
    """`POST /v1/ocr?format=json`: the text, and a page -> line -> word tree with boxes."""

    text: str
    pages: list[Page]
    lang: str | None = None
    engine: dict[str, Any] = field(default_factory=dict)
    timings_ms: dict[str, Any] = field(default_factory=dict)
    engines: list[dict[str, Any]] = field(default_factory=list)
    """The engines that read the pages: name, version, models and languages of each."""
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> OCRResult:
        return cls(
            text=data.get("text", ""),
            pages=[Page.from_json(page) for page in data.get("pages", [])],
            lang=data.get("lang"),
            engine=dict(data.get("engine") or {}),
            timings_ms=dict(data.get("timings_ms") or {}),
            engines=[dict(engine) for engine in data.get("engines") or []],
            raw=data,
        )


@dataclass(frozen=True)
class Field:
    """One extracted field: its normalised `value` (a decimal string, an ISO date, an ISO
    currency code...), its `text` as printed, and where it stands."""

    value: str
    text: str
    confidence: float
    page: int
    box: BBox

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Field:
        return cls(
            value=data["value"],
            text=data.get("text", ""),
            confidence=float(data.get("confidence", 0.0)),
            page=int(data.get("page", 1)),
            box=_bbox(data.get("box")),
        )


@dataclass(frozen=True)
class Item:
    description: str
    amount: str
    quantity: str | None = None
    unit_price: str | None = None
    page: int = 1
    box: BBox = (0, 0, 0, 0)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Item:
        return cls(
            description=data["description"],
            amount=data["amount"],
            quantity=data.get("quantity"),
            unit_price=data.get("unit_price"),
            page=int(data.get("page", 1)),
            box=_bbox(data.get("box")),
        )


@dataclass(frozen=True)
class Extraction:
    """`POST /v1/extract`: a receipt's or an invoice's fields, items and checks."""

    kind: str
    fields: dict[str, Field]
    items: list[Item]
    consistent: bool
    """False when the items, the sums or the payment do not add up: worth a person's look."""
    checks: dict[str, Any] = field(default_factory=dict)
    text: str = ""
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    def value(self, name: str) -> str | None:
        """A field's value, or None when the document does not print it."""
        found = self.fields.get(name)
        return found.value if found is not None else None

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Extraction:
        checks = dict(data.get("checks") or {})
        return cls(
            kind=data["kind"],
            fields={name: Field.from_json(value) for name, value in data["fields"].items()},
            items=[Item.from_json(item) for item in data.get("items", [])],
            consistent=bool(checks.get("consistent", True)),
            checks=checks,
            text=data.get("text", ""),
            raw=data,
        )


FINISHED_STATES = frozenset({"succeeded", "failed", "canceled"})


@dataclass(frozen=True)
class JobStatus:
    """`GET /v1/jobs/{id}`: where a job is. `status` is one of queued, running, succeeded,
    failed, canceled; `pages_done` counts the pages finished either way (read or failed);
    `error` is why the whole job failed (a document that cannot be opened)."""

    id: str
    status: str
    pages_total: int = 0
    pages_done: int = 0
    pages_failed: int = 0
    error: str | None = None
    created_at: datetime | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    expires_at: datetime | None = None
    formats: list[str] = field(default_factory=list)
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def finished(self) -> bool:
        """True once the job succeeded, failed or was canceled: it will not change again."""
        return self.status in FINISHED_STATES

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> JobStatus:
        return cls(
            id=str(data["id"]),
            status=str(data["status"]),
            pages_total=int(data.get("pages_total") or 0),
            pages_done=int(data.get("pages_done") or 0),
            pages_failed=int(data.get("pages_failed") or 0),
            error=_error_detail(data.get("error")),
            created_at=parse_datetime(data.get("created_at")),
            started_at=parse_datetime(data.get("started_at")),
            finished_at=parse_datetime(data.get("finished_at")),
            expires_at=parse_datetime(data.get("expires_at")),
            formats=[str(name) for name in data.get("formats") or []],
            raw=data,
        )


_ZULU = re.compile(r"[Zz]$")
_FRACTION = re.compile(r"\.(\d+)")


def iso_for_python310(value: str) -> str:
    """An ISO 8601 time as Python 3.10's `datetime.fromisoformat` accepts it: a trailing `Z`
    becomes `+00:00` and a fraction of a second gets exactly six digits."""
    value = _ZULU.sub("+00:00", value.strip())
    return _FRACTION.sub(lambda match: "." + match.group(1)[:6].ljust(6, "0"), value, count=1)


def parse_datetime(value: Any) -> datetime | None:
    """An ISO 8601 time of the service (`2026-12-01T21:00:00Z`) as an aware datetime; a time
    without an offset is taken as UTC. None stays None."""
    if value is None or value == "":
        return None
    when = datetime.fromisoformat(iso_for_python310(str(value)))
    return when if when.tzinfo is not None else when.replace(tzinfo=timezone.utc)


def _error_detail(value: Any) -> str | None:
    """`{"detail": "..."}` (or a bare string) as its text; null as None."""
    if value is None:
        return None
    if isinstance(value, dict):
        return str(value.get("detail", value))
    return str(value)


def _bbox(value: Any) -> BBox:
    if not value or len(value) != 4:
        return (0, 0, 0, 0)
    x0, y0, x1, y1 = (int(v) for v in value)
    return (x0, y0, x1, y1)
