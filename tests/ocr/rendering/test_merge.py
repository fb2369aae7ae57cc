"""Pages rendered one at a time, merged into one document: header once, pages in order."""

import re
import xml.etree.ElementTree as ElementTree
from collections import Counter
from collections.abc import Iterator
from html.parser import HTMLParser
from io import BytesIO
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from PIL import Image

from app.ocr.decoding.documents import Limits, load_pages
from app.ocr.engines.protocol import OcrEngine
from app.ocr.pipeline.documents import render_page
from app.ocr.pipeline.options import PageOptions
from app.ocr.rendering.formats import OUTPUT_FORMATS
from app.ocr.rendering.merge import merge, merge_bytes
from tests.conftest import REPO_ROOT, text_image

LIMITS = Limits(max_pixels=40_000_000, max_pages=50)
TEXTS = ["Alpha page one", "Bravo page two", "Charlie page three"]
AS_SENT = PageOptions(preprocess=False)  # the pages the renderer reads are the pages sent
ALTO = "{http://www.loc.gov/standards/alto/ns-v4#}"


def tiff(texts: list[str]) -> bytes:
    images = [Image.open(BytesIO(text_image(text))).convert("RGB") for text in texts]
    buffer = BytesIO()
    images[0].save(buffer, format="TIFF", save_all=True, append_images=images[1:])
    return buffer.getvalue()


def rendered_pages(engine: OcrEngine, name: str, selection: set[int] | None = None) -> list[bytes]:
    fmt = OUTPUT_FORMATS[name]
    return [
        render_page(source, engine, AS_SENT, fmt)
        for source in load_pages(tiff(TEXTS), LIMITS, selection)
    ]


class HocrPages(HTMLParser):
    """The structure of an hOCR document: its pages' numbers, every id, each page's words."""

    def __init__(self, body: bytes) -> None:
        super().__init__()
        self.tags: Counter[str] = Counter()
        self.ids: list[str] = []
        self.pages: list[dict[str, object]] = []
        self._in_word = False
        self.feed(body.decode())
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags[tag] += 1
        found = dict(attrs)
        if found.get("id"):
            self.ids.append(str(found["id"]))
        if found.get("class") == "ocr_page":
            title = str(found["title"])
            number = re.search(r"ppageno (\d+)", title)
            assert number is not None
            self.pages.append({"id": found["id"], "ppageno": int(number[1]), "words": []})
        self._in_word = found.get("class") == "ocrx_word"

    def handle_data(self, data: str) -> None:
        if self._in_word and data.strip():
            words = self.pages[-1]["words"]
            assert isinstance(words, list)
            words.append(data.strip())
            self._in_word = False


def alto_pages(body: bytes) -> tuple[list[ElementTree.Element], list[str]]:
    """An ALTO document's Page elements and every ID in it (parsing proves it is XML)."""
    root = ElementTree.fromstring(body)  # noqa: S314 (our own Tesseract's output)
    ids = [element.attrib["ID"] for element in root.iter() if "ID" in element.attrib]
    return list(root.iter(f"{ALTO}Page")), ids


def alto_words(page: ElementTree.Element) -> list[str]:
    return [string.attrib["CONTENT"] for string in page.iter(f"{ALTO}String")]


def tsv_words(body: bytes) -> dict[int, list[str]]:
    words: dict[int, list[str]] = {}
    for row in body.decode().splitlines()[1:]:
        fields = row.split("\t")
        if fields[0] == "5":
            words.setdefault(int(fields[1]), []).append(fields[11])
    return words


def pdf_texts(body: bytes) -> list[str]:
    document = pdfium.PdfDocument(body)
    try:
        return [page.get_textpage().get_text_bounded() for page in document]
    finally:
        document.close()


@pytest.mark.parametrize("name", ["hocr", "alto", "tsv", "text", "pdf"])
def test_merged_pages_make_one_document_in_page_order(either_engine: OcrEngine, name: str) -> None:
    merged = merge_bytes(OUTPUT_FORMATS[name], rendered_pages(either_engine, name))
    expected = [text.split() for text in TEXTS]
    if name == "hocr":
        document = HocrPages(merged)
        assert document.tags["html"] == document.tags["head"] == document.tags["body"] == 1
        assert [page["words"] for page in document.pages] == expected
        assert [page["ppageno"] for page in document.pages] == [0, 1, 2]
        assert len(set(document.ids)) == len(document.ids)
    elif name == "alto":
        pages, ids = alto_pages(merged)
        assert [page.attrib["PHYSICAL_IMG_NR"] for page in pages] == ["0", "1", "2"]
        assert [alto_words(page) for page in pages] == expected
        assert len(set(ids)) == len(ids)
        assert merged.count(b"<Description>") == 1
    elif name == "tsv":
        assert merged.decode().splitlines()[0].startswith("level\tpage_num\t")
        assert merged.count(b"level\t") == 1
        assert list(tsv_words(merged).values()) == expected
        assert sorted(tsv_words(merged)) == [1, 2, 3]
    elif name == "text":
        assert [page.split() for page in merged.decode().split("\f")] == expected
    else:
        texts = pdf_texts(merged)
        assert [text.split() for text in texts] == expected


def test_page_numbers_are_the_documents(engine: OcrEngine) -> None:
    """Pages 1 and 3 of a document keep their numbers: as the JSON numbers them."""
    hocr = merge_bytes(OUTPUT_FORMATS["hocr"], rendered_pages(engine, "hocr", {1, 3}))
    pages = HocrPages(hocr).pages
    assert [(page["id"], page["ppageno"]) for page in pages] == [("page_1", 0), ("page_3", 2)]
    assert re.findall(rb'image "(page-\d+\.png)"', hocr) == [b"page-0001.png", b"page-0003.png"]
    assert b"id='word_3_1'" in hocr
    alto = merge_bytes(OUTPUT_FORMATS["alto"], rendered_pages(engine, "alto", {1, 3}))
    alto_page_elements, ids = alto_pages(alto)
    assert [page.attrib["ID"] for page in alto_page_elements] == ["page_0", "page_2"]
    assert "string_0" in ids  # the document's first page: its count alone, as Tesseract has it
    assert "string_2_0" in ids
    tsv = merge_bytes(OUTPUT_FORMATS["tsv"], rendered_pages(engine, "tsv", {1, 3}))
    assert sorted(tsv_words(tsv)) == [1, 3]


def test_merge_writes_each_page_as_it_comes(engine: OcrEngine) -> None:
    """A job of two thousand pages never holds them all: each is written before the next is
    even asked for."""
    fmt = OUTPUT_FORMATS["hocr"]
    pages = rendered_pages(engine, "hocr")
    out = BytesIO()

    def one_at_a_time() -> Iterator[bytes]:
        for index, page in enumerate(pages):
            yield page
            # Asked for the next page: this one is written already, with no footer yet.
            assert out.getvalue().count(b"class='ocr_page'") == index + 1
            assert b"</body>" not in out.getvalue()

    merge(fmt, one_at_a_time(), out)
    assert out.getvalue() == merge_bytes(fmt, pages)
    assert out.getvalue().endswith(b" </body>\n</html>\n")


@pytest.mark.parametrize("name", ["hocr", "alto", "tsv", "text", "pdf"])
def test_no_page_makes_no_document(name: str) -> None:
    with pytest.raises(ValueError, match="No page"):
        merge_bytes(OUTPUT_FORMATS[name], [])


def test_a_merged_pdf_keeps_each_pages_size(engine: OcrEngine) -> None:
    pages = rendered_pages(engine, "pdf")
    sizes = []
    for page in pages:
        document = pdfium.PdfDocument(page)
        sizes.append(document.get_page_size(0))
        document.close()
    merged = pdfium.PdfDocument(merge_bytes(OUTPUT_FORMATS["pdf"], pages))
    try:
        assert [merged.get_page_size(index) for index in range(len(merged))] == sizes
        assert len(set(sizes)) > 1  # the pages differ: each keeps its own
    finally:
        merged.close()


# The peak from VmHWM, which is the new program's own: ru_maxrss would count the test
# process's memory at the fork.
MERGE_IN_A_PROCESS = """
import re, sys
from app.ocr.rendering.formats import OUTPUT_FORMATS
from app.ocr.rendering.merge import merge
body, pages = open(sys.argv[1], "rb").read(), int(sys.argv[2])
with open(sys.argv[3], "wb") as out:
    merge(OUTPUT_FORMATS["pdf"], (body for _ in range(pages)), out)
status = open("/proc/self/status").read()
print(int(re.search(r"VmHWM:\\s+(\\d+) kB", status).group(1)) // 1024)
"""


@pytest.mark.slow
def test_merging_a_long_pdf_keeps_memory_flat(tmp_path: Path) -> None:
    """A job's searchable PDF of two thousand pages must not hold every page image at once:
    the peak memory of a process merging 150 one-megabyte pages is that of merging one."""
    import subprocess
    import sys

    import numpy as np

    noise = np.random.default_rng(7).integers(0, 256, (1300, 1300), dtype=np.uint8)
    page = tmp_path / "page.pdf"
    Image.fromarray(noise).save(page, format="PDF", resolution=150)
    assert page.stat().st_size > 800_000

    def peak_mb(pages: int) -> int:
        out = tmp_path / "out.pdf"
        command = [sys.executable, "-c", MERGE_IN_A_PROCESS, str(page), str(pages), str(out)]
        done = subprocess.run(
            command, cwd=REPO_ROOT, capture_output=True, text=True, check=True, timeout=120
        )
        return int(done.stdout.split()[-1])

    one, many = peak_mb(1), peak_mb(150)
    merged = pdfium.PdfDocument(tmp_path / "out.pdf")
    try:
        assert len(merged) == 150
    finally:
        merged.close()
    assert many - one < 40, (one, many)


def test_a_one_page_pdf_is_its_pages_own(engine: OcrEngine) -> None:
    (page,) = rendered_pages(engine, "pdf", {1})
    assert merge_bytes(OUTPUT_FORMATS["pdf"], [page]) == page
