"""From uploaded bytes to recognised pages: decode, prepare, recognise, map boxes back.

`recognize_page` is the one entry point every route uses for a page image, so whatever
preparation the engine's input gets (orientation, deskew, scaling, ...) applies everywhere,
and the boxes always come back in the pixels of the page as the client sent it.
"""

from dataclasses import dataclass, field

from PIL import Image

from app.ocr.engine import OcrEngine, RecognizeOptions
from app.ocr.images import ImageKind, decode_image, to_engine_mode, upright
from app.ocr.results import Page


@dataclass(frozen=True, slots=True)
class Limits:
    max_pixels: int
    max_pages: int


@dataclass(frozen=True, slots=True)
class PageOptions:
    """How to read one page. `psm=None` lets the pipeline choose the segmentation."""

    lang: str = "eng"
    psm: int | None = None
    dpi: int | None = None
    timeout_seconds: float | None = None
    preprocess: bool = True
    boxes: bool = True


@dataclass(slots=True)
class Prepared:
    """The image the engine reads, and how to map its boxes back to the source page."""

    image: Image.Image
    steps: list[str] = field(default_factory=list)
    rotation: int = 0

    def to_source(self, page: Page) -> Page:
        page.steps = self.steps
        page.rotation = self.rotation
        return page


def validate_image(data: bytes, limits: Limits) -> ImageKind:
    """Decode the whole first frame to prove the bytes are an image; return what kind."""
    _, kind = decode_image(data, max_pixels=limits.max_pixels)
    return kind


def prepare(image: Image.Image, options: PageOptions, engine: OcrEngine) -> Prepared:
    """Make a page (already EXIF-upright) easy for the engine to read."""
    return Prepared(image=to_engine_mode(image))


def recognize_page(image: Image.Image, engine: OcrEngine, options: PageOptions) -> Page:
    """Read one page image (EXIF orientation already applied); boxes in its own pixels."""
    prepared = prepare(image, options, engine)
    engine_options = RecognizeOptions(
        lang=options.lang,
        psm=options.psm if options.psm is not None else 3,
        dpi=options.dpi,
        timeout_seconds=options.timeout_seconds,
        boxes=options.boxes,
    )
    page = engine.recognize(prepared.image, engine_options)
    page = prepared.to_source(page)
    page.width, page.height = image.size
    return page


def recognize_image(data: bytes, engine: OcrEngine, options: PageOptions, limits: Limits) -> Page:
    """Decode one uploaded image, apply its EXIF orientation, and read its first frame."""
    image, _ = decode_image(data, max_pixels=limits.max_pixels)
    image, exif_steps = upright(image)
    page = recognize_page(image, engine, options)
    page.steps = exif_steps + page.steps
    return page
