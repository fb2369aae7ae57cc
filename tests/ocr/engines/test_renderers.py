"""Tesseract's own renderers through both engines: text, hOCR, ALTO, TSV and searchable PDF."""

import csv
import xml.etree.ElementTree as ET
from io import BytesIO, StringIO

import pypdfium2 as pdfium
import pytest
from PIL import Image

from app.ocr.engines.protocol import OcrEngine, RecognizeOptions
from app.ocr.formats import OUTPUT_FORMATS
from tests.conftest import text_image

TEXTS = ["Alpha one", "Bravo two"]
ALTO = "{http://www.loc.gov/standards/alto/ns-v3#}"
XHTML = "{http://www.w3.org/1999/xhtml}"


@pytest.fixture
def engine(either_engine: OcrEngine) -> OcrEngine:
    """Every test here runs on both engines."""
    return either_engine


@pytest.fixture(scope="module")
def images() -> list[Image.Image]:
    return [Image.open(BytesIO(text_image(text))).convert("RGB") for text in TEXTS]


def render(engine: OcrEngine, images: list[Image.Image], name: str) -> bytes:
    return engine.render(images, [300] * len(images), RecognizeOptions(), OUTPUT_FORMATS[name])


def pdf_text(body: bytes) -> str:
    document = pdfium.PdfDocument(body)
    try:
        return " ".join(page.get_textpage().get_text_bounded() for page in document)
    finally:
        document.close()


def has_ink(image: Image.Image, box: tuple[int, int, int, int]) -> bool:
    return image.convert("L").crop(box).getextrema()[0] < 128


@pytest.mark.parametrize(
    ("name", "media_type"),
    [
        pytest.param("text", "text/plain; charset=utf-8", id="text"),
        pytest.param("hocr", "text/html; charset=utf-8", id="hocr"),
        pytest.param("alto", "application/xml", id="alto"),
        pytest.param("tsv", "text/tab-separated-values; charset=utf-8", id="tsv"),
        pytest.param("pdf", "application/pdf", id="pdf"),
    ],
)
def test_media_types(name: str, media_type: str) -> None:
    assert OUTPUT_FORMATS[name].media_type == media_type


def test_text_separates_pages_with_form_feeds(engine: OcrEngine, images: list[Image.Image]) -> None:
    pages = render(engine, images, "text").decode().split("\f")
    assert [page.strip() for page in pages if page.strip()] == TEXTS


def test_hocr_has_every_page_and_word_boxes_on_ink(
    engine: OcrEngine, images: list[Image.Image]
) -> None:
    body = render(engine, images, "hocr")
    root = ET.fromstring(body)  # noqa: S314 (our own renderer output; well-formed XHTML)
    pages = [div for div in root.iter(f"{XHTML}div") if div.get("class") == "ocr_page"]
    assert len(pages) == 2
    for page, image, text in zip(pages, images, TEXTS, strict=True):
        words = [span for span in page.iter(f"{XHTML}span") if span.get("class") == "ocrx_word"]
        assert " ".join("".join(word.itertext()) for word in words) == text
        for word in words:
            box = word.get("title", "").split(";")[0].split()  # "bbox x0 y0 x1 y1"
            assert box[0] == "bbox"
            assert has_ink(image, tuple(int(value) for value in box[1:]))
    assert b"ocr-render" not in body  # the server's temporary folder is not named


def test_alto_has_every_page_and_string_positions_on_ink(
    engine: OcrEngine, images: list[Image.Image]
) -> None:
    body = render(engine, images, "alto")
    root = ET.fromstring(body)  # noqa: S314 (our own renderer output)
    assert root.tag == f"{ALTO}alto"
    pages = list(root.iter(f"{ALTO}Page"))
    assert len(pages) == 2
    for page, image, text in zip(pages, images, TEXTS, strict=True):
        assert (int(page.get("WIDTH", 0)), int(page.get("HEIGHT", 0))) == image.size
        strings = list(page.iter(f"{ALTO}String"))
        assert " ".join(string.get("CONTENT", "") for string in strings) == text
        for string in strings:
            x, y = int(string.get("HPOS", 0)), int(string.get("VPOS", 0))
            w, h = int(string.get("WIDTH", 0)), int(string.get("HEIGHT", 0))
            assert has_ink(image, (x, y, x + w, y + h))
    assert b"ocr-render" not in body


def test_tsv_rows_name_their_page(engine: OcrEngine, images: list[Image.Image]) -> None:
    rows = list(csv.DictReader(StringIO(render(engine, images, "tsv").decode()), delimiter="\t"))
    assert list(rows[0])[:2] == ["level", "page_num"]
    words = [row for row in rows if row["level"] == "5"]
    for number, text in enumerate(TEXTS, start=1):
        on_page = [row["text"] for row in words if row["page_num"] == str(number)]
        assert " ".join(on_page) == text
    for row in words:
        x, y = int(row["left"]), int(row["top"])
        image = images[int(row["page_num"]) - 1]
        assert has_ink(image, (x, y, x + int(row["width"]), y + int(row["height"])))
        assert 0 <= float(row["conf"]) <= 100


def test_pdf_is_one_searchable_document(engine: OcrEngine, images: list[Image.Image]) -> None:
    document = pdfium.PdfDocument(render(engine, images, "pdf"))
    try:
        assert len(document) == 2
        for index, text in enumerate(TEXTS):
            page = document[index]
            assert text in page.get_textpage().get_text_bounded()
            # The page image is in it, not only the invisible text.
            assert page.render(scale=1).to_pil().convert("L").getextrema()[0] < 100
    finally:
        document.close()


@pytest.mark.parametrize("name", ["hocr", "tsv", "pdf"])
def test_renderers_read_with_the_variables_asked_for(
    engine: OcrEngine, images: list[Image.Image], name: str
) -> None:
    digits_only = RecognizeOptions(variables=(("tessedit_char_whitelist", "0123456789"),))
    body = engine.render(images, [300, 300], digits_only, OUTPUT_FORMATS[name])
    plain = render(engine, images, name)
    if name == "pdf":
        body, plain = pdf_text(body).encode(), pdf_text(plain).encode()
    assert b"Alpha" in plain
    assert b"Alpha" not in body
