"""The one small interface every OCR engine implements, and what a reading is asked."""

from dataclasses import dataclass
from typing import Protocol

from PIL import Image

from app.core.errors import PayloadTooLarge
from app.ocr.engines.vocabulary import NO_VOCABULARY, Vocabulary
from app.ocr.results import Page

MAX_SIDE = 32767  # Tesseract keeps pixel coordinates in 16-bit integers


def check_size(image: Image.Image) -> Image.Image:
    """The image, if Tesseract can read one so large; else a clear 413 (Tesseract itself only
    says that processing failed)."""
    width, height = image.size
    if max(width, height) > MAX_SIDE:
        raise PayloadTooLarge(
            f"The image is {width}x{height} pixels; the OCR engine reads at most {MAX_SIDE} "
            "pixels on a side. Send it in parts, or scaled down."
        )
    return image


@dataclass(frozen=True, slots=True)
class RecognizeOptions:
    lang: str = "eng"
    psm: int = 3
    dpi: int | None = None
    timeout_seconds: float | None = None
    # Tesseract config variables for this request only, e.g. (("thresholding_method", "2"),).
    variables: tuple[tuple[str, str], ...] = ()
    # Read with the larger, slower models (OcrEngine.accurate_languages) instead.
    accurate: bool = False
    # The characters the reading may say, and the request's own words and patterns.
    vocabulary: Vocabulary = NO_VOCABULARY


@dataclass(frozen=True, slots=True)
class ScriptGuess:
    """Tesseract's orientation and script detection: the script's name ("Latin", "Cyrillic"...)
    and confidence, and the counter-clockwise turn that makes the page upright."""

    script: str = ""
    confidence: float = 0.0
    rotation: int = 0
    rotation_confidence: float = 0.0


class Recognizer(Protocol):
    """What any engine does: read a page into the page tree."""

    name: str

    def version(self) -> str: ...

    def languages(self) -> list[str]: ...

    def recognize(self, image: Image.Image, options: RecognizeOptions) -> Page:
        """Read one page image; boxes are in that image's pixels."""
        ...


class OcrEngine(Protocol):
    name: str

    def version(self) -> str: ...

    def languages(self) -> list[str]: ...

    def accurate_languages(self) -> list[str]:
        """The languages that also have larger, slower models (RecognizeOptions.accurate)."""
        ...

    def recognize(self, image: Image.Image, options: RecognizeOptions) -> Page:
        """Read one page image; boxes are in that image's pixels."""
        ...

    def detect_orientation(self, image: Image.Image) -> tuple[int, float]:
        """(degrees to turn the page counter-clockwise to make it upright, confidence)."""
        ...

    def detect_script(self, image: Image.Image) -> ScriptGuess:
        """The page's script and orientation; an empty guess when there is too little text."""
        ...

    def warm_up(self, lang: str) -> None:
        """Load what reading `lang` needs, so the first request does not wait for it."""
        ...

    @property
    def handle_count(self) -> int:
        """Loaded Tesseract handles (none for an engine that starts a process per page)."""
        ...

    def close(self) -> None: ...
