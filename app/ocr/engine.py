"""The one small interface every OCR engine implements, and how to pick one."""

import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from PIL import Image

from app.errors import EngineFailure
from app.ocr.results import Page


@dataclass(frozen=True, slots=True)
class RecognizeOptions:
    lang: str = "eng"
    psm: int = 3
    dpi: int | None = None
    timeout_seconds: float | None = None


class OcrEngine(Protocol):
    name: str

    def version(self) -> str: ...

    def languages(self) -> list[str]: ...

    def recognize(self, image: Image.Image, options: RecognizeOptions) -> Page:
        """Read one page image; boxes are in that image's pixels."""
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
    raise EngineFailure(
        "No Tesseract language data found. Install tesseract-ocr-eng (apt) or set "
        f"TESSDATA_PREFIX; tesseract binary: {binary or 'not installed'}."
    )


def installed_languages(tessdata: str) -> list[str]:
    return sorted(p.stem for p in Path(tessdata).glob("*.traineddata") if p.stem != "osd")


def create_engine(name: str, *, tessdata: str, max_handles: int) -> OcrEngine:
    if name == "pytesseract":
        from app.ocr.pytesseract_engine import PytesseractEngine

        return PytesseractEngine(tessdata=tessdata)
    from app.ocr.tesserocr_engine import TesserocrEngine

    return TesserocrEngine(tessdata=tessdata, max_handles=max_handles)
