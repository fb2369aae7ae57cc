"""An upload as a document: its pages as images (or as text, when a PDF page already has some).

Images of every supported format and PDFs are told apart by their bytes. PDF pages are rendered
with pypdfium2 (PDFium, the engine in Chrome): no ghostscript or poppler process to spawn. A
document may be bytes or a file (a Path), which is then read page by page, never whole. Each
page is a unit of work of its own (`load_pages` yields one at a time), so the jobs read a stored
document a page at a time.

One module, over 300 lines: images, TIFF pages and PDF pages stand behind one Document protocol
and share the limits, the page selection and the costing.
"""

import re
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from PIL import Image

from app.core.errors import InvalidImage, PayloadTooLarge, UnprocessableOption
from app.ocr.decoding.images import (
    DECODE_ERRORS,
    IMAGE_SIGNATURES,
    ImageKind,
    decode_image,
    load_frame,
    open_image,
    upright,
)
from app.ocr.decoding.pdfium_lock import PDFIUM
from app.ocr.decoding.pdftext import text_layer
from app.ocr.results import Line


@dataclass(frozen=True, slots=True)
class Limits:
    max_pixels: int
    max_pages: int
    # The setting `max_pages` comes from, named when a document has more: jobs have their own.
    pages_setting: str = "MAX_PAGES"


def validate_image(data: bytes, limits: Limits) -> ImageKind:
    """Decode the whole first frame to prove the bytes are an image; return what kind."""
    _, kind = decode_image(data, max_pixels=limits.max_pixels)
    return kind


PDF_SIGNATURE = b"%PDF-"


PDF_RENDER_DPI = 300


NO_PAGE_SELECTED = "No page of the document is in the `pages` selection."


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


def is_pdf(data: bytes | Path) -> bool:
    """Whether the upload (or the file) is a PDF, told from its first 1024 bytes."""
    if isinstance(data, Path):
        with data.open("rb") as file:
            data = file.read(1024)
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


def load_pages(data: bytes | Path, limits: Limits, pages: set[int] | None) -> Iterator[SourcePage]:
    """The selected pages of an image file or a PDF, each decoded only when it is reached."""
    with opened(data, limits) as document:
        for number in document.numbers(pages):
            yield document.page(number)


def count_pages(data: bytes | Path, limits: Limits, pages: set[int] | None) -> list[int]:
    """The 1-based numbers of the document's pages in the selection (every page's when `pages`
    is None), from its headers alone, for a caller that loads them one by one later
    (load_pages with one number). Refused as load_pages refuses the document: one that
    cannot be opened, or more pages than `limits.max_pages`; UnprocessableOption when the
    selection holds no page. A page's own faults (too many pixels, broken data) are only met
    when that page is loaded: the other pages can still be read."""
    with opened(data, limits) as document:
        return selected(document, pages)


def measure(data: bytes | Path, limits: Limits, pages: set[int] | None) -> tuple[float, int]:
    """(megapixels, pages) the selected pages hold, read from the file's headers alone, for
    estimating what reading them costs before the work queues. A PDF's pages count at the
    resolution they are rendered at (text-layer pages too: that is only known once rendered);
    a TIFF's pages count at its first page's size. A file that is no image or PDF at all is
    refused here already, with the error reading it would give."""
    if is_pdf(data):
        with PDFIUM:
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
    with image:
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


def page_dpi(source: SourcePage, hint: int | None) -> int | None:
    """The page's own resolution when it has one (a PDF page is rendered at a known one), else
    the client's hint."""
    return source.dpi or hint


class Document(Protocol):
    def numbers(self, pages: set[int] | None) -> list[int]:
        """The selected pages' numbers; refused when they are more than the limit."""
        ...

    def page(self, number: int) -> SourcePage:
        """Page `number`, decoded (its size checked first)."""
        ...


@contextmanager
def opened(data: bytes | Path, limits: Limits) -> Iterator[Document]:
    if is_pdf(data):
        with PDFIUM:
            document = _open_pdf(data)
        try:
            yield _Pdf(document, limits)
        finally:
            with PDFIUM:
                document.close()
        return
    image, _ = open_image(data, max_pixels=limits.max_pixels)
    with image:  # lets go of the file it reads; pixels loaded stay
        yield _Image(image, limits)


def selected(document: Document, pages: set[int] | None) -> list[int]:
    numbers = document.numbers(pages)
    if not numbers:
        raise UnprocessableOption(NO_PAGE_SELECTED)
    return numbers


class _Image:
    """An image file: one page, or each page of a TIFF. The frames of a GIF, an animated WebP
    or PNG are animation, not pages."""

    def __init__(self, image: Image.Image, limits: Limits) -> None:
        self._image = image
        self._limits = limits

    def numbers(self, pages: set[int] | None) -> list[int]:
        if self._image.format != "TIFF":
            return [1] if pages is None or 1 in pages else []
        last = max(pages) if pages else None  # nothing after the selection's last page is read
        numbers: list[int] = []
        number = 0
        while last is None or number < last:
            try:
                self._image.seek(number)  # the page's header only
            except EOFError:
                break
            except DECODE_ERRORS:
                raise InvalidImage(f"Page {number + 1} of the image could not be read.") from None
            number += 1
            if pages is None or number in pages:
                numbers.append(number)
                limits = self._limits
                if len(numbers) > limits.max_pages:
                    whole = "The document has" if pages is None else "The selection holds"
                    raise PayloadTooLarge(
                        f"{whole} more than {limits.max_pages} pages, the limit "
                        f"({limits.pages_setting})."
                    )
        return numbers

    def page(self, number: int) -> SourcePage:
        image = self._image
        if image.format == "TIFF":
            try:
                image.seek(number - 1)
            except DECODE_ERRORS:
                raise InvalidImage(f"Page {number} of the image could not be read.") from None
            # A TIFF's later pages can be far larger than its first, which open_image checked.
            width, height = image.size
            if width * height > self._limits.max_pixels:
                raise PayloadTooLarge(
                    f"Page {number} is {width}x{height} = {width * height} pixels; the limit is "
                    f"{self._limits.max_pixels} (MAX_IMAGE_PIXELS)."
                )
            frame = load_frame(image).copy()  # the file moves on to the next page
        else:
            frame = load_frame(image)
        dpi = _dpi(frame)
        turned, steps = upright(frame)
        return SourcePage(number=number, image=turned, dpi=dpi, steps=steps)


class _Pdf:
    def __init__(self, document: pdfium.PdfDocument, limits: Limits) -> None:
        self._document = document
        self._limits = limits

    def numbers(self, pages: set[int] | None) -> list[int]:
        with PDFIUM:
            count = len(self._document)
        numbers = [n for n in range(1, count + 1) if pages is None or n in pages]
        # The limit is on the pages read: page 3 of a long report is as cheap as a short one.
        if len(numbers) > self._limits.max_pages:
            read = f"The document has {count} pages"
            if pages is not None:
                read = f"The selection holds {len(numbers)} of the document's {count} pages"
            limits = self._limits
            raise PayloadTooLarge(
                f"{read}; the limit is {limits.max_pages} ({limits.pages_setting})."
            )
        return numbers

    def page(self, number: int) -> SourcePage:
        try:
            with PDFIUM:
                return _pdf_page(self._document, number, self._limits)
        except pdfium.PdfiumError as error:
            # A broken page tree (a page that is its own parent, ...): the file's fault.
            raise InvalidImage(f"Page {number} of the PDF could not be read ({error}).") from None


def _dpi(image: Image.Image) -> int | None:
    dpi = image.info.get("dpi")
    try:
        value = round(float(dpi[0])) if dpi else None
    except (TypeError, ValueError, IndexError):
        return None
    return value if value and 50 <= value <= 2400 else None


def _open_pdf(data: bytes | Path) -> pdfium.PdfDocument:
    try:
        # A path is opened as a file PDFium reads from as it needs, not read whole.
        return pdfium.PdfDocument(data)
    except pdfium.PdfiumError as error:
        raise InvalidImage(f"The file is not a readable PDF ({error}).") from None


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
        scan = None if layer else _scanned_image(page, scale)
        if scan is not None:
            image, step = scan, f"pdf-image:{PDF_RENDER_DPI}dpi"
        else:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                image = page.render(scale=scale, grayscale=True).to_pil()
            step = f"pdf-render:{PDF_RENDER_DPI}dpi"
        return SourcePage(
            number=number,
            image=load_frame(image),
            text_layer=layer[0] if layer else None,
            text_lines=layer[1] if layer else [],
            dpi=PDF_RENDER_DPI,
            steps=[step],
        )
    finally:
        page.close()


# Colour spaces whose samples PDFium decodes to the grey or RGB a render would show.
_PLAIN_COLOURSPACES = (pdfium_c.FPDF_COLORSPACE_DEVICEGRAY, pdfium_c.FPDF_COLORSPACE_DEVICERGB)


def _scanned_image(page: pdfium.PdfPage, scale: float) -> Image.Image | None:
    """The page's pixels without rendering it, when the page is a scan: one plain grey or RGB
    image, upright, covering the whole page at the resolution it would be rendered at. Its
    samples are then the render's, decoded in a fraction of the time (no compositing, no
    resampling); any other page is rendered."""
    if page.get_rotation() != 0:
        return None
    objects = list(page.get_objects(max_depth=1))
    if len(objects) != 1 or not isinstance(objects[0], pdfium.PdfImage):
        return None
    picture = objects[0]
    matrix = picture.get_matrix()
    width, height = page.get_size()
    upright = matrix.b == 0 and matrix.c == 0 and matrix.e == 0 and matrix.f == 0
    if not upright or abs(matrix.a - width) > 1 or abs(matrix.d - height) > 1:
        return None
    if picture.get_metadata().colorspace not in _PLAIN_COLOURSPACES:
        return None
    pixels_wide, pixels_high = picture.get_px_size()
    if abs(pixels_wide - width * scale) > 2 or abs(pixels_high - height * scale) > 2:
        return None
    try:
        decoded: Image.Image = picture.get_bitmap(render=False).to_pil()
    except pdfium.PdfiumError:
        return None  # a filter PDFium only applies while rendering: render it
    return decoded if decoded.mode == "L" else decoded.convert("L")
