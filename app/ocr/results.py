"""What recognition produces: a page -> line -> word tree with boxes and confidences."""

from dataclasses import dataclass, field

BBox = tuple[int, int, int, int]


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

    @property
    def text_lines(self) -> list[str]:
        return text_lines(self.text)


def text_lines(text: str) -> list[str]:
    """The non-blank lines of a text, in order, without surrounding whitespace."""
    return [line.strip() for line in text.splitlines() if line.strip()]
