"""The OCR engines behind one protocol (protocol.py), and how to pick one by name."""

from app.ocr.engines.protocol import OcrEngine
from app.ocr.engines.pytesseract_engine import PytesseractEngine
from app.ocr.engines.tesserocr_engine import TesserocrEngine


def create_engine(
    name: str, *, tessdata: str, max_handles: int, accurate_tessdata: str | None = None
) -> OcrEngine:
    if name == "pytesseract":
        return PytesseractEngine(tessdata=tessdata, accurate_tessdata=accurate_tessdata)
    return TesserocrEngine(
        tessdata=tessdata, accurate_tessdata=accurate_tessdata, max_handles=max_handles
    )
