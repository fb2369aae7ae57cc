"""Every output format written from the page tree (results.Page), whichever engine read it:
text, hOCR, ALTO 4, TSV and the searchable PDF, one page at a time, each page a whole
one-page document numbered as its page of the document (merge.py joins them)."""

from PIL import Image

from app.ocr.rendering import alto, hocr, pdf, tsv
from app.ocr.rendering.formats import OutputFormat
from app.ocr.results import Page


def render_tree(fmt: OutputFormat, page: Page, image: Image.Image, dpi: int | None) -> bytes:
    """`page` (boxes in `image`'s pixels, numbered as its page) as a one-page document of
    `fmt`; the PDF shows `image`, at `dpi` (None: 300)."""
    if fmt.name == "hocr":
        return hocr.write(page)
    if fmt.name == "alto":
        return alto.write(page)
    if fmt.name == "tsv":
        return tsv.write(page)
    if fmt.name == "pdf":
        return pdf.write(page, image, dpi)
    return page.text.encode()
