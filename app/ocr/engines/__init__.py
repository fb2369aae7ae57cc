"""The OCR engines behind one protocol (protocol.py), and how to pick one by name."""

from app.core.errors import ConfigurationError
from app.ocr.engines.neural_engine import NeuralEngine
from app.ocr.engines.protocol import OcrEngine
from app.ocr.engines.pytesseract_engine import PytesseractEngine
from app.ocr.engines.tesserocr_engine import TesserocrEngine
from app.ocr.reading.languages import AUTO_LANGUAGE


def create_engine(
    name: str, *, tessdata: str, max_handles: int, accurate_tessdata: str | None = None
) -> OcrEngine:
    if name == "pytesseract":
        return PytesseractEngine(tessdata=tessdata, accurate_tessdata=accurate_tessdata)
    return TesserocrEngine(
        tessdata=tessdata, accurate_tessdata=accurate_tessdata, max_handles=max_handles
    )


def create_neural(*, device: str, max_readers: int) -> NeuralEngine:
    """The neural reader: at most `max_readers` readings at once, each on one thread."""
    return NeuralEngine(max_readers=max_readers, device=device)


def unreadable(language: str, readable: list[str]) -> list[str]:
    """The parts of a `+`-joined language that are not among an engine's `readable` ones."""
    return [part for part in language.split("+") if part not in readable]


def check_default_language(default_lang: str, readable: list[str]) -> None:
    """Refuse to start with OCR_ENGINE=neural and a DEFAULT_LANG the neural reader lacks
    (`auto` chooses among the languages it reads)."""
    if default_lang == AUTO_LANGUAGE:
        return
    if missing := unreadable(default_lang, readable):
        raise ConfigurationError(
            f"OCR_ENGINE=neural cannot read DEFAULT_LANG={default_lang} ({', '.join(missing)} "
            f"is not in its dictionary: {', '.join(readable)}); use OCR_ENGINE=auto or "
            "tesseract, or another DEFAULT_LANG."
        )
