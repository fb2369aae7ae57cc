"""One document of Tesseract's output from pages rendered one at a time.

A page renders (documents.render_page) as a whole one-page document, numbered as the page of
its document it is (`number_page`), so that pages read apart (on other cores, or by the jobs
days apart) merge into exactly what Tesseract's renderer writes for many pages at once: the
header once, every page's body in page order, the footer once; form feeds between text
pages; a PDF's pages imported into one PDF.

hOCR, ALTO, TSV and text are written as they come, so a merge holds one page at a time. A PDF
is merged by qpdf from the pages spooled to files: qpdf copies each page's streams from its
file while it writes the document, so merging two thousand pages of page images takes a few
megabytes, where PDFium (or pikepdf, whose copies load the streams) holds every page's image
until the document is saved.
"""

import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterable
from io import BytesIO
from pathlib import Path
from typing import BinaryIO

from app.ocr.formats import OutputFormat

TEXT_PAGE_SEPARATOR = b"\f"  # Tesseract's page_separator
QPDF = "qpdf"
QPDF_WARNINGS = 3  # qpdf's exit status when it wrote the file but warned
QPDF_TIMEOUT_SECONDS = 600  # far more than thousands of pages take: only a hung qpdf meets it

# A page's ids carry its 1-based number: page_3, block_3_1, ..., and timestep3_1_2.
_HOCR_ID = re.compile(rb"\bid='([A-Za-z_]*?)\d+((?:_\d+)*)'")
_HOCR_PAGE_NUMBER = re.compile(rb"\bppageno \d+")
_HOCR_IMAGE = re.compile(rb"(\bimage \")page-\d+(\.png\")")
# ALTO numbers pages from 0, and the elements of page 0 with their count alone (cblock_4);
# those of a later page with its number as well (cblock_2_4).
_ALTO_PAGE = re.compile(rb"<Page [^>]*>")
_ALTO_IMAGE_NUMBER = re.compile(rb'\bPHYSICAL_IMG_NR="\d+"')
_ALTO_PAGE_ID = re.compile(rb'\bID="page_\d+"')
_ALTO_ID = re.compile(rb'\bID="(?!page_)([A-Za-z]+)(?:_\d+)?_(\d+)"')
_ALTO_FILE = re.compile(rb"(<fileName>)page-\d+(\.png</fileName>)")


def number_page(fmt: OutputFormat, body: bytes, number: int) -> bytes:
    """`body`, a one-page document of `fmt`, as page `number` (1-based) of a longer one: its
    ids, page number and image name are those the renderer gives that page of a document."""
    if fmt.name == "hocr":
        head, page, tail = _hocr_parts(body)
        page = _HOCR_ID.sub(lambda found: b"id='%s%d%s'" % (found[1], number, found[2]), page)
        page = _HOCR_PAGE_NUMBER.sub(b"ppageno %d" % (number - 1), page)
        page = _HOCR_IMAGE.sub(lambda found: found[1] + _image_name(number) + found[2], page)
        return head + page + tail
    if fmt.name == "alto":
        head, page, tail = _alto_parts(body)
        index = number - 1
        head = _ALTO_FILE.sub(lambda found: found[1] + _image_name(number) + found[2], head)

        def number_element(found: re.Match[bytes]) -> bytes:
            element = _ALTO_IMAGE_NUMBER.sub(b'PHYSICAL_IMG_NR="%d"' % index, found[0])
            return _ALTO_PAGE_ID.sub(b'ID="page_%d"' % index, element)

        def number_id(found: re.Match[bytes]) -> bytes:
            if index == 0:
                return b'ID="%s_%s"' % (found[1], found[2])
            return b'ID="%s_%d_%s"' % (found[1], index, found[2])

        page = _ALTO_ID.sub(number_id, _ALTO_PAGE.sub(number_element, page))
        return head + page + tail
    if fmt.name == "tsv":
        head, page, tail = _tsv_parts(body)
        rows = page.split(b"\n")
        for row_index, row in enumerate(rows):
            fields = row.split(b"\t")
            if len(fields) >= 12 and fields[1].isdigit():
                fields[1] = b"%d" % number
                rows[row_index] = b"\t".join(fields)
        return head + b"\n".join(rows) + tail
    return body  # text and PDF pages name no number


def merge(fmt: OutputFormat, pages: Iterable[bytes], out: BinaryIO) -> None:
    """Write to `out` the document of `pages` (one-page documents of `fmt`, each numbered as
    its page: number_page), in the order given. ValueError when there is none: a document
    needs one page for its header."""
    if fmt.name == "pdf":
        _merge_pdf(pages, out)
        return
    parts = _PARTS.get(fmt.name)
    footer: bytes | None = None
    for body in pages:
        if parts is None:  # text: the pages as they are, a form feed between them
            head, page, tail = b"", body, b""
        else:
            head, page, tail = parts(body)
        if footer is None:
            out.write(head)
            footer = tail
        elif parts is None:
            out.write(TEXT_PAGE_SEPARATOR)
        out.write(page)
    if footer is None:
        raise ValueError(f"No page to merge into a {fmt.name} document.")
    out.write(footer)


def merge_bytes(fmt: OutputFormat, pages: Iterable[bytes]) -> bytes:
    """The document of `pages`, as `merge` writes it."""
    out = BytesIO()
    merge(fmt, pages, out)
    return out.getvalue()


def _merge_pdf(pages: Iterable[bytes], out: BinaryIO) -> None:
    with tempfile.TemporaryDirectory(prefix="ocr-merge-") as folder:
        paths: list[Path] = []
        for body in pages:
            path = Path(folder) / f"page-{len(paths) + 1:06d}.pdf"
            path.write_bytes(body)
            paths.append(path)
        if not paths:
            raise ValueError("No page to merge into a pdf document.")
        if len(paths) == 1:  # the page's PDF is the document (most requests: one image)
            with paths[0].open("rb") as document:
                shutil.copyfileobj(document, out)
            return
        merged = Path(folder) / "merged.pdf"
        # The first page's PDF is the document (it keeps Tesseract's metadata), its pages
        # the pages of every file in order. The arguments go in a file: thousands of paths
        # would pass the command line's limit.
        arguments = Path(folder) / "arguments"
        arguments.write_text("\n".join([str(paths[0]), "--pages", ".", *map(str, paths[1:]),
                                         "--", str(merged)]))  # fmt: skip
        try:
            done = subprocess.run(
                [QPDF, f"@{arguments}"],
                capture_output=True,
                timeout=QPDF_TIMEOUT_SECONDS,
                check=False,
            )
        except FileNotFoundError:
            raise RuntimeError(f"{QPDF} is not installed (make system-deps).") from None
        if done.returncode not in (0, QPDF_WARNINGS):
            message = done.stderr.decode(errors="replace").strip()
            raise RuntimeError(f"{QPDF} could not merge the pages: {message}")
        with merged.open("rb") as document:
            shutil.copyfileobj(document, out)


def _image_name(number: int) -> bytes:
    """The name formats.page_files gives the image of a document's page `number`."""
    return b"page-%04d" % number


def _hocr_parts(body: bytes) -> tuple[bytes, bytes, bytes]:
    return _parts(body, b"<div class='ocr_page'", b"</body>", "hocr")


def _alto_parts(body: bytes) -> tuple[bytes, bytes, bytes]:
    return _parts(body, b"<Page ", b"</Layout>", "alto")


def _tsv_parts(body: bytes) -> tuple[bytes, bytes, bytes]:
    """The column names' row, then the pages' rows (each ending its line)."""
    head, newline, rows = body.partition(b"\n")
    if not head.startswith(b"level\t"):
        raise ValueError("Not Tesseract's TSV: its first row names no columns.")
    if rows and not rows.endswith(b"\n"):
        rows += b"\n"
    return head + newline, rows, b""


def _parts(body: bytes, first: bytes, end: bytes, name: str) -> tuple[bytes, bytes, bytes]:
    """(header, pages, footer) of a document whose pages start at their first line holding
    `first` and are followed by the line holding `end` (Tesseract puts each on its own line,
    and escapes the text it read, so neither can come from a page's words)."""
    start, stop = body.find(first), body.rfind(end)
    if start < 0 or stop < start:
        raise ValueError(f"Not a page of Tesseract's {name}: no {first.decode()!r}.")
    start = body.rfind(b"\n", 0, start) + 1
    stop = body.rfind(b"\n", 0, stop) + 1
    return body[:start], body[start:stop], body[stop:]


_PARTS: dict[str, Callable[[bytes], tuple[bytes, bytes, bytes]]] = {
    "hocr": _hocr_parts,
    "alto": _alto_parts,
    "tsv": _tsv_parts,
}
