"""What recognition produces: a page -> line -> word tree with boxes and confidences."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

BBox = tuple[int, int, int, int]


def union(boxes: Sequence[BBox]) -> BBox:
    """The smallest box holding all of `boxes` (at least one)."""
    return (
        min(box[0] for box in boxes),
        min(box[1] for box in boxes),
        max(box[2] for box in boxes),
        max(box[3] for box in boxes),
    )


@dataclass(frozen=True, slots=True)
class Word:
    text: str
    bbox: BBox
    confidence: float


@dataclass(frozen=True, slots=True)
class Line:
    text: str
    bbox: BBox
    confidence: float
    words: tuple[Word, ...]
    paragraph: int = 0  # lines of one paragraph share it: their text has no blank line between


@dataclass(frozen=True, slots=True)
class DetectedLanguage:
    """A language `lang=auto` found on a page, by its Tesseract code, with the identifier's
    confidence (0 to 1) that the page's text, or on a mixed page its share of it, is in it."""

    language: str
    confidence: float


@dataclass(slots=True)
class Page:
    text: str
    width: int
    height: int
    lines: list[Line] = field(default_factory=list)
    number: int = 1
    rotation: int = 0
    steps: list[str] = field(default_factory=list)
    source: str = "ocr"
    confidence: float = 0.0  # mean word confidence, 0-100
    engine: str = "tesseract"  # which engine read it: tesseract, neural, or tesseract+neural
    # The reading found most of its lines upside down (the neural reader's line classifier):
    # the page wants turning before its lines can be put in order.
    upside_down: bool = False
    languages: tuple[DetectedLanguage, ...] = ()  # what lang=auto detected, likeliest first

    @property
    def text_lines(self) -> list[str]:
        return text_lines(self.text)


def page_from_json(data: Mapping[str, Any]) -> Page:
    """A page tree back from its JSON (/v1/ocr's page, a job's stored page)."""

    def box(values: Sequence[int]) -> BBox:
        return (int(values[0]), int(values[1]), int(values[2]), int(values[3]))

    lines = [
        Line(
            text=str(line["text"]),
            bbox=box(line["bbox"]),
            confidence=float(line.get("confidence", 0.0)),
            words=tuple(
                Word(str(word["text"]), box(word["bbox"]), float(word.get("confidence", 0.0)))
                for word in line.get("words", [])
            ),
        )
        for line in data.get("lines", [])
    ]
    return Page(
        text=str(data.get("text", "")),
        width=int(data.get("width", 0)),
        height=int(data.get("height", 0)),
        lines=lines,
        number=int(data.get("number", 1)),
        rotation=int(data.get("rotation", 0)),
        source=str(data.get("source", "ocr")),
        engine=str(data.get("engine", "tesseract")),
        languages=tuple(
            DetectedLanguage(str(found["language"]), float(found["confidence"]))
            for found in data.get("languages", [])
        ),
    )


def layout_text(lines: list[Line]) -> str:
    """Tesseract's plain text layout: each line ends with a newline, each paragraph with a
    blank line."""
    paragraphs: list[list[str]] = []
    previous: int | None = None
    for line in lines:
        if line.paragraph != previous or not paragraphs:
            paragraphs.append([])
            previous = line.paragraph
        paragraphs[-1].append(line.text)
    return "\n".join("\n".join(texts) + "\n" for texts in paragraphs)


def text_lines(text: str) -> list[str]:
    """The non-blank lines of a text, in order, without surrounding whitespace."""
    return [line.strip() for line in text.splitlines() if line.strip()]
