"""A document cut into one file per page, so that a reader on another machine fetches its page
and not the whole document.

A PDF page is copied with what it uses (PDFium's page import: images, fonts, its rotation),
never rendered; a TIFF page is saved as a TIFF of its own with its compression, resolution
and orientation; any other image is one page already.
"""

from collections.abc import Iterator
from pathlib import Path

import pypdfium2 as pdfium
from PIL import Image

from app.core.errors import InvalidImage
from app.ocr.decoding.documents import is_pdf
from app.ocr.decoding.images import DECODE_ERRORS
from app.ocr.decoding.pdfium_lock import PDFIUM


def page_files(document: Path, numbers: list[int], folder: Path) -> Iterator[tuple[int, Path]]:
    """(number, file) for each page in `numbers` of `document`, written into `folder`; the
    page is page 1 of its file. A one-page image yields the document itself."""
    if is_pdf(document):
        yield from _pdf_pages(document, numbers, folder)
        return
    with Image.open(document) as image:
        if image.format != "TIFF" or getattr(image, "n_frames", 1) == 1:
            yield from ((number, document) for number in numbers if number == 1)
            return
        for number in numbers:
            yield number, _tiff_page(image, number, folder)


def _pdf_pages(document: Path, numbers: list[int], folder: Path) -> Iterator[tuple[int, Path]]:
    with PDFIUM:
        source = pdfium.PdfDocument(document)
    try:
        for number in numbers:
            path = folder / f"page-{number:06d}.pdf"
            with PDFIUM:
                single = pdfium.PdfDocument.new()
                try:
                    single.import_pages(source, [number - 1])
                    single.save(path)
                except pdfium.PdfiumError as error:
                    raise InvalidImage(
                        f"Page {number} of the PDF could not be read ({error})."
                    ) from None
                finally:
                    single.close()
            yield number, path
    finally:
        with PDFIUM:
            source.close()


def _tiff_page(image: Image.Image, number: int, folder: Path) -> Path:
    path = folder / f"page-{number:06d}.tiff"
    try:
        image.seek(number - 1)
        options: dict[str, object] = {"exif": image.getexif()}
        if "dpi" in image.info:
            options["dpi"] = image.info["dpi"]
        compression = image.info.get("compression")
        # Group 3/4 fax compression holds 1-bit pages only; anything else keeps its own.
        if compression and (image.mode == "1" or not compression.startswith("group")):
            options["compression"] = compression
        image.save(path, format="TIFF", **options)
    except DECODE_ERRORS:
        raise InvalidImage(f"Page {number} of the image could not be read.") from None
    return path
