"""From uploaded bytes to recognised pages: decode, prepare, recognise."""

from dataclasses import dataclass

from PIL import Image

from app.ocr.engine import OcrEngine, RecognizeOptions
from app.ocr.images import ImageKind, decode_image, to_engine_mode, upright
from app.ocr.results import Page


@dataclass(frozen=True, slots=True)
class Limits:
    max_pixels: int
    max_pages: int


def validate_image(data: bytes, limits: Limits) -> ImageKind:
    """Decode the whole first frame to prove the bytes are an image; return what kind."""
    _, kind = decode_image(data, max_pixels=limits.max_pixels)
    return kind


def prepare(image: Image.Image) -> tuple[Image.Image, list[str]]:
    image, steps = upright(image)
    return to_engine_mode(image), steps


def recognize_image(
    data: bytes, engine: OcrEngine, options: RecognizeOptions, limits: Limits
) -> Page:
    image, _ = decode_image(data, max_pixels=limits.max_pixels)
    prepared, steps = prepare(image)
    page = engine.recognize(prepared, options)
    page.steps = steps
    return page
