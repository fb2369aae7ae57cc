"""An upload as a document: its pages as images (or as text, when a PDF page already has some).

Images of every supported format and PDFs are told apart by their bytes. PDF pages are rendered
with pypdfium2 (PDFium, the engine in Chrome): no ghostscript or poppler process to spawn.
"""

import itertools
import re
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace

import pypdfium2 as pdfium
from PIL import Image

from app.errors import InvalidImage, PayloadTooLarge, ProcessingTimeout, UnprocessableOption
from app.ocr.engines.protocol import OcrEngine, RecognizeOptions
from app.ocr.formats import OutputFormat
from app.ocr.images import (
    DECODE_ERRORS,
    IMAGE_SIGNATURES,
    load_frame,
    open_image,
    to_engine_mode,
    upright,
)
from app.ocr.pdftext import text_layer
from app.ocr.pipeline import (
    Limits,
    PageOptions,
    Spare,
    page_thresholding,
    prepare,
    recognize_page,
)
from app.ocr.preparation.geometry import Affine
from app.ocr.preparation.layout import render_psm
from app.ocr.relocate import PageFrame, relocate
from app.ocr.results import Line, Page

PDF_SIGNATURE = b"%PDF-"
PDF_RENDER_DPI = 300
# ASCII only: Unicode's whitespace (U+001F, say) is more than int() strips.
_PAGES_SPEC = re.compile(r"\s*\d+(\s*-\s*\d+)?(\s*,\s*\d+(\s*-\s*\d+)?)*\s*", re.ASCII)


@dataclass(slots=True)
class SourcePage:
    """One page to read: `text_layer` is set when the page carries its own text already."""

    number: int
    image: Image.Image
    text_layer: str | None = None
    text_lines: list[Line] = field(default_factory=list)
    dpi: int | None = None
    steps: list[str] = field(default_factory=list)


def is_pdf(data: bytes) -> bool:
    # The PDF spec allows the header anywhere in the first 1024 bytes; an image whose metadata
    # near the start happens to hold those bytes is still an image.
    if data.startswith(PDF_SIGNATURE):
        return True
    return PDF_SIGNATURE in data[:1024] and not data.startswith(IMAGE_SIGNATURES)


def parse_pages(spec: str | None) -> set[int] | None:
    """`"1-3,7"` -> {1, 2, 3, 7}; None or empty means every page."""
    if spec is None or not spec.strip():
        return None
    if not _PAGES_SPEC.fullmatch(spec):
        raise UnprocessableOption(
            f"pages={spec!r} is not a page selection like '1-3,7' (1-based, ascending ranges)."
        )
    selected: set[int] = set()
    for part in spec.split(","):
        first, _, last = part.partition("-")
        start, end = int(first), int(last or first)
        if start < 1 or end < start:
            raise UnprocessableOption(f"pages={spec!r}: ranges are 1-based and ascending.")
        if end - start > 100_000:
            raise UnprocessableOption(f"pages={spec!r}: the range is too long.")
        selected.update(range(start, end + 1))
    return selected


def load_pages(data: bytes, limits: Limits, pages: set[int] | None) -> Iterator[SourcePage]:
    """The selected pages of an image file or a PDF, each decoded only when it is reached."""
    if is_pdf(data):
        yield from _pdf_pages(data, limits, pages)
        return
    image, _ = open_image(data, max_pixels=limits.max_pixels)
    for index, frame in enumerate(_frames(image, limits, pages), start=1):
        if frame is None:
            continue
        dpi = _dpi(frame)
        turned, steps = upright(frame)
        yield SourcePage(number=index, image=turned, dpi=dpi, steps=steps)


def measure(data: bytes, limits: Limits, pages: set[int] | None) -> tuple[float, int]:
    """(megapixels, pages) the selected pages hold, read from the file's headers alone, for
    estimating what reading them costs before the work queues. A PDF's pages count at the
    resolution they are rendered at (text-layer pages too: that is only known once rendered);
    a TIFF's pages count at its first page's size. A file that is no image or PDF at all is
    refused here already, with the error reading it would give."""
    if is_pdf(data):
        document = _open_pdf(data)
        try:
            count = len(document)
            numbers = [n for n in range(1, count + 1) if pages is None or n in pages]
            scale = (PDF_RENDER_DPI / 72) ** 2
            points = 0.0
            for number in numbers[: limits.max_pages]:
                width, height = document.get_page_size(number - 1)
                points += width * height
            return points * scale / 1e6, max(1, min(len(numbers), limits.max_pages))
        except pdfium.PdfiumError:
            return 0.0, 1  # a broken page tree: reading it will say so
        finally:
            document.close()
    image, _ = open_image(data, max_pixels=limits.max_pixels)
    frames = 1
    if image.format == "TIFF":
        last = min(max(pages) if pages else limits.max_pages, limits.max_pages)
        while frames < last:
            try:
                image.seek(frames)
            except DECODE_ERRORS:  # EOFError past the last page, or a broken one
                break
            frames += 1
        if pages is not None:
            frames = max(1, sum(1 for number in pages if number <= frames))
    return image.width * image.height * frames / 1e6, frames


def _frames(
    image: Image.Image, limits: Limits, pages: set[int] | None
) -> Iterator[Image.Image | None]:
    """Each page of a TIFF (None for pages not selected); other formats are their first frame
    (the frames of a GIF, an animated WebP or PNG are animation, not pages).

    Every page's size is checked before it is decoded: a TIFF's later pages can be far larger
    than its first, which `open_image` checked.
    """
    if image.format != "TIFF":
        yield load_frame(image)
        return
    last = max(pages) if pages else None  # nothing after the selection's last page is read
    selected = 0
    number = 0
    while last is None or number < last:
        try:
            image.seek(number)
        except EOFError:
            return
        except DECODE_ERRORS:
            raise InvalidImage(f"Page {number + 1} of the image could not be read.") from None
        number += 1
        if pages is not None and number not in pages:
            yield None
            continue
        selected += 1
        if selected > limits.max_pages:
            whole = "The document has" if pages is None else "The selection holds"
            raise PayloadTooLarge(
                f"{whole} more than {limits.max_pages} pages, the limit (MAX_PAGES)."
            )
        width, height = image.size
        if width * height > limits.max_pixels:
            raise PayloadTooLarge(
                f"Page {number} is {width}x{height} = {width * height} pixels; the limit is "
                f"{limits.max_pixels} (MAX_IMAGE_PIXELS)."
            )
        yield load_frame(image).copy()


def page_dpi(source: SourcePage, hint: int | None) -> int | None:
    """The page's own resolution when it has one (a PDF page is rendered at a known one), else
    the client's hint."""
    return source.dpi or hint


def _dpi(image: Image.Image) -> int | None:
    dpi = image.info.get("dpi")
    try:
        value = round(float(dpi[0])) if dpi else None
    except (TypeError, ValueError, IndexError):
        return None
    return value if value and 50 <= value <= 2400 else None


def _open_pdf(data: bytes) -> pdfium.PdfDocument:
    try:
        return pdfium.PdfDocument(data)
    except pdfium.PdfiumError as error:
        raise InvalidImage(f"The file is not a readable PDF ({error}).") from None


def _pdf_pages(data: bytes, limits: Limits, pages: set[int] | None) -> Iterator[SourcePage]:
    document = _open_pdf(data)
    try:
        count = len(document)
        # The limit is on the pages read: page 3 of a long report is as cheap as a short one.
        selected = count if pages is None else sum(1 for number in pages if number <= count)
        if selected > limits.max_pages:
            read = f"The document has {count} pages"
            if pages is not None:
                read = f"The selection holds {selected} of the document's {count} pages"
            raise PayloadTooLarge(f"{read}; the limit is {limits.max_pages} (MAX_PAGES).")
        for number in range(1, count + 1):
            if pages is not None and number not in pages:
                continue
            try:
                source = _pdf_page(document, number, limits)
            except pdfium.PdfiumError as error:
                # A broken page tree (a page that is its own parent, ...): the file's fault.
                detail = f"Page {number} of the PDF could not be read ({error})."
                raise InvalidImage(detail) from None
            yield source
    finally:
        document.close()


def _pdf_page(document: pdfium.PdfDocument, number: int, limits: Limits) -> SourcePage:
    scale = PDF_RENDER_DPI / 72
    page = document[number - 1]
    try:
        width, height = page.get_size()
        pixels = int(width * scale) * int(height * scale)
        if pixels > limits.max_pixels:
            raise PayloadTooLarge(
                f"Page {number} renders to {pixels} pixels at {PDF_RENDER_DPI} dpi; the "
                f"limit is {limits.max_pixels} (MAX_IMAGE_PIXELS)."
            )
        layer = text_layer(page, scale)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            image = page.render(scale=scale, grayscale=True).to_pil()
        return SourcePage(
            number=number,
            image=load_frame(image),
            text_layer=layer[0] if layer else None,
            text_lines=layer[1] if layer else [],
            dpi=PDF_RENDER_DPI,
            steps=[f"pdf-render:{PDF_RENDER_DPI}dpi"],
        )
    finally:
        page.close()


def read_document(
    data: bytes,
    engine: OcrEngine,
    options: PageOptions,
    limits: Limits,
    pages: set[int] | None = None,
    spare: Spare | None = None,
) -> list[Page]:
    """Every selected page as a recognised Page; a PDF page with a text layer is not OCRed.
    `options.stop` is checked before each page: a gone client's document is not read on."""
    results = []
    for source in load_pages(data, limits, pages):
        if options.stop is not None:
            options.stop.check()
        if source.text_layer is not None:
            page = Page(
                text=source.text_layer,
                width=source.image.width,
                height=source.image.height,
                lines=source.text_lines,
                source="text-layer",
            )
        else:
            page_options = replace(options, dpi=page_dpi(source, options.dpi))
            with _time_limit(_limit(options)):
                page = recognize_page(source.image, engine, page_options, spare)
        page.number = source.number
        page.steps = source.steps + page.steps
        results.append(page)
    if not results:
        raise UnprocessableOption("No page of the document is in the `pages` selection.")
    return results


def render_document(
    data: bytes,
    engine: OcrEngine,
    options: PageOptions,
    limits: Limits,
    fmt: OutputFormat,
    pages: set[int] | None = None,
) -> bytes:
    """All selected pages through one of Tesseract's own renderers (hOCR, ALTO, PDF, ...)."""
    sources = load_pages(data, limits, pages)
    first = next(sources, None)
    if first is None:
        raise UnprocessableOption("No page of the document is in the `pages` selection.")
    # One page decoded at a time: the engine takes images and dpis in step, so tee holds at
    # most one page for the other iterator (a 50-page PDF at 300 dpi would be ~400 MB at once).
    for_images, for_dpis = itertools.tee(itertools.chain([first], sources))
    prepared = (_for_renderer(source.image, options, engine, fmt) for source in for_images)
    # A renderer takes one set of Tesseract variables for the whole document: the first page's,
    # prepared before the others. A document's pages mostly come from one scanner or camera.
    first_page = next(prepared)
    frames: list[PageFrame] = []

    def images() -> Iterator[Image.Image]:
        for page in itertools.chain([first_page], prepared):
            frames.append(page.frame)
            yield page.image

    dpis = (page_dpi(source, options.dpi) for source in for_dpis)
    engine_options = RecognizeOptions(
        lang=options.lang,
        psm=options.psm
        if options.psm is not None
        else render_psm(options.preprocess, options.auto_rotate),
        timeout_seconds=(
            options.stop.bound(options.timeout_seconds) if options.stop else options.timeout_seconds
        ),
        variables=first_page.variables,
    )
    with _time_limit(_limit(options)):
        body = engine.render(images(), dpis, engine_options, fmt)
    return relocate(body, fmt.name, frames)


STEPS_PAINTING_NOTHING = {"grayscale", "binarize:sauvola"}


@dataclass(frozen=True, slots=True)
class _RendererPage:
    image: Image.Image
    variables: tuple[tuple[str, str], ...]
    frame: PageFrame


def _for_renderer(
    image: Image.Image, options: PageOptions, engine: OcrEngine, fmt: OutputFormat
) -> _RendererPage:
    """The page a renderer reads, the variables to read it with, and how its pixels map back
    to the page as sent (the boxes of hOCR, ALTO and TSV are moved back through it). A PDF
    shows the image it was given, so its pages are not prepared, only thresholded."""
    as_sent = PageFrame(Affine.identity(), image.width, image.height)
    if not options.preprocess:
        return _RendererPage(to_engine_mode(image), (), as_sent)
    if fmt.name == "pdf":
        return _RendererPage(to_engine_mode(image), page_thresholding(image, options), as_sent)
    prepared = prepare(image, options, engine)
    if set(prepared.steps) <= STEPS_PAINTING_NOTHING:
        # Nothing painted or moved: the page as sent, whose colours Tesseract's own
        # thresholding weighs channel by channel (better than our grey on tinted photos).
        return _RendererPage(to_engine_mode(image), prepared.variables, as_sent)
    frame = PageFrame(prepared.transform, image.width, image.height)
    return _RendererPage(prepared.image, prepared.variables, frame)


def _limit(options: PageOptions) -> float | None:
    """The time limit a client is told about: the request's, else the page's."""
    if options.stop is not None and options.stop.limit_seconds is not None:
        return options.stop.limit_seconds
    return options.timeout_seconds


@contextmanager
def _time_limit(limit: float | None) -> Iterator[None]:
    """Name the request's limit and its value, whichever page or renderer ran out of time."""
    try:
        yield
    except ProcessingTimeout:
        raise ProcessingTimeout(limit) from None
