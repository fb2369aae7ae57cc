"""One document from pages rendered one at a time.

A page renders (documents.render_page, rendering/) as a whole one-page document, numbered as
the page of its document it is, so that pages read apart (on other cores, or by the jobs days
apart) merge into one document: the header once, every page's body in page order, the footer
once; form feeds between text pages; a PDF's pages imported into one PDF.

hOCR, ALTO, TSV and text are written as they come, so a merge holds one page at a time. A PDF
is merged by qpdf from the pages spooled to files: qpdf copies each page's streams from its
file while it writes the document, so merging two thousand pages of page images takes a few
megabytes, where PDFium (or pikepdf, whose copies load the streams) holds every page's image
until the document is saved.
"""

import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterable
from io import BytesIO
from pathlib import Path
from typing import BinaryIO

from app.ocr.rendering.formats import OutputFormat

TEXT_PAGE_SEPARATOR = b"\f"  # Tesseract's page_separator
QPDF = "qpdf"
QPDF_WARNINGS = 3  # qpdf's exit status when it wrote the file but warned
QPDF_TIMEOUT_SECONDS = 600  # far more than thousands of pages take: only a hung qpdf meets it


def merge(fmt: OutputFormat, pages: Iterable[bytes], out: BinaryIO) -> None:
    """Write to `out` the document of `pages` (one-page documents of `fmt`, each numbered as
    its page), in the order given. ValueError when there is none: a document
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
        # The first page's PDF is the document (it keeps its metadata), its pages
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
