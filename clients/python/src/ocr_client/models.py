"""Typed results. Each keeps the JSON it came from in `raw`, so new fields are never lost."""

from __future__ import annotations

from dataclasses import dataclass, field
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
class Page:
    number: int
    width: int
    height: int
    text: str
    rotation: int = 0
    lines: list[Line] = field(default_factory=list)
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
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> OCRResult:
        return cls(
            text=data.get("text", ""),
            pages=[Page.from_json(page) for page in data.get("pages", [])],
            lang=data.get("lang"),
            engine=dict(data.get("engine") or {}),
            timings_ms=dict(data.get("timings_ms") or {}),
            raw=data,
        )


def _bbox(value: Any) -> BBox:
    if not value or len(value) != 4:
        return (0, 0, 0, 0)
    x0, y0, x1, y1 = (int(v) for v in value)
    return (x0, y0, x1, y1)
