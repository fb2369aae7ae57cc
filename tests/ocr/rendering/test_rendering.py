"""Every format from the page tree, for every engine, checked as their users read them: hOCR
parsed back, ALTO against the official schema, TSV as rows, the PDF's text and word places
through PDFium."""

import csv
import xml.etree.ElementTree as ElementTree
from collections.abc import Iterator
from html.parser import HTMLParser
from io import BytesIO, StringIO
from pathlib import Path

import pypdfium2 as pdfium
import pytest
import xmlschema
from PIL import Image

from app.ocr.engines.neural_engine import NeuralEngine
from app.ocr.engines.protocol import OcrEngine, RecognizeOptions
from app.ocr.rendering import render_tree
from app.ocr.rendering.formats import OUTPUT_FORMATS
from app.ocr.results import Page
from tests.conftest import text_image

ALTO = "http://www.loc.gov/standards/alto/ns-v4#"
DATA = Path(__file__).resolve().parents[2] / "schemas"
TEXT = "Rendered from the tree\nwith <markup> & accents: café\nTotal 1.471,60 EUR"


@pytest.fixture(scope="module")
def alto_schema() -> xmlschema.XMLSchema:
    # ALTO imports XLink from loc.gov: the copy kept beside it, so no network is needed.
    xlink = (DATA / "xlink.xsd").as_uri()
    return xmlschema.XMLSchema(
        str(DATA / "alto-4-4.xsd"),
        uri_mapper={"http://www.loc.gov/standards/xlink/xlink.xsd": xlink},
        use_fallback=False,
    )


@pytest.fixture(scope="module")
def neural() -> Iterator[NeuralEngine]:
    engine = NeuralEngine(max_readers=1)
    yield engine
    engine.close()


@pytest.fixture(scope="module")
def image() -> Image.Image:
    return Image.open(BytesIO(text_image(TEXT))).convert("RGB")


@pytest.fixture(params=["tesseract", pytest.param("neural", marks=pytest.mark.slow)])
def page(request: pytest.FixtureRequest, engine: OcrEngine, image: Image.Image) -> Page:
    """The page as each engine reads it: every format must come from either."""
    reader: OcrEngine | NeuralEngine = (
        engine if request.param == "tesseract" else request.getfixturevalue("neural")
    )
    read = reader.recognize(image, RecognizeOptions(lang="fra"))
    read.number = 2  # a later page of its document
    assert read.lines
    return read


def words(page: Page) -> list[tuple[str, tuple[int, int, int, int], int]]:
    return [(w.text, w.bbox, round(w.confidence)) for line in page.lines for w in line.words]


class HocrWords(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.words: list[tuple[str, tuple[int, int, int, int], int]] = []
        self.classes: list[str] = []
        self._title: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        self.classes.append(str(found.get("class")))
        self._title = str(found["title"]) if found.get("class") == "ocrx_word" else None

    def handle_data(self, data: str) -> None:
        if self._title is None:
            return
        properties = dict(part.split(" ", 1) for part in self._title.split("; "))
        box = tuple(int(value) for value in properties["bbox"].split())
        assert len(box) == 4
        self.words.append((data, (box[0], box[1], box[2], box[3]), int(properties["x_wconf"])))
        self._title = None


def test_hocr_words_parse_back_with_their_boxes_and_confidences(page: Page) -> None:
    body = render_tree(OUTPUT_FORMATS["hocr"], page, Image.new("L", (1, 1)), 300)
    parsed = HocrWords()
    parsed.feed(body.decode())
    assert parsed.words == words(page)
    assert "ocr_page" in parsed.classes
    assert parsed.classes.count("ocr_line") == len(page.lines)
    assert "id='page_2'" in body.decode()


def test_alto_is_valid_alto_4_with_every_word(page: Page, alto_schema: xmlschema.XMLSchema) -> None:
    body = render_tree(OUTPUT_FORMATS["alto"], page, Image.new("L", (1, 1)), 300)
    alto_schema.validate(body.decode())
    root = ElementTree.fromstring(body)  # noqa: S314 (validated above)
    strings = list(root.iter(f"{{{ALTO}}}String"))
    found = [
        (s.attrib["CONTENT"], (int(s.attrib["HPOS"]), int(s.attrib["VPOS"]),
                               int(s.attrib["HPOS"]) + int(s.attrib["WIDTH"]),
                               int(s.attrib["VPOS"]) + int(s.attrib["HEIGHT"])))
        for s in strings
    ]  # fmt: skip
    assert found == [(text, box) for text, box, _ in words(page)]
    assert all(0 <= float(s.attrib["WC"]) <= 1 for s in strings)


def test_tsv_rows_hold_every_word(page: Page) -> None:
    body = render_tree(OUTPUT_FORMATS["tsv"], page, Image.new("L", (1, 1)), 300)
    rows = list(csv.DictReader(StringIO(body.decode()), delimiter="\t", quoting=csv.QUOTE_NONE))
    found = [
        (row["text"], (int(row["left"]), int(row["top"]),
                       int(row["left"]) + int(row["width"]), int(row["top"]) + int(row["height"])))
        for row in rows if row["level"] == "5"
    ]  # fmt: skip
    assert found == [(text, box) for text, box, _ in words(page)]
    assert {row["page_num"] for row in rows} == {"2"}


def test_the_pdf_text_is_the_text_and_each_word_stands_where_it_is_on_the_image(
    page: Page, image: Image.Image
) -> None:
    dpi = 150
    body = render_tree(OUTPUT_FORMATS["pdf"], page, image, dpi)
    document = pdfium.PdfDocument(body)
    try:
        pdf_page = document[0]
        width, height = pdf_page.get_size()
        assert (round(width), round(height)) == (round(image.width * 72 / dpi),
                                                 round(image.height * 72 / dpi))  # fmt: skip
        text_page = pdf_page.get_textpage()
        assert text_page.get_text_range().split() == page.text.split()
        scale = dpi / 72  # points to the image's pixels
        for text, (left, top, right, bottom), _ in words(page):
            # The word's own characters, found where the word is on the image.
            search = text_page.search(text, match_case=True, match_whole_word=False)
            places = []
            while (found := search.get_next()) is not None:
                index, count = found
                boxes = [text_page.get_charbox(i) for i in range(index, index + count)]
                x0, x1 = min(b[0] for b in boxes) * scale, max(b[2] for b in boxes) * scale
                y0, y1 = (
                    (height - max(b[3] for b in boxes)) * scale,
                    (height - min(b[1] for b in boxes)) * scale,
                )
                places.append((x0, y0, x1, y1))
            assert any(
                abs(x0 - left) <= 6 and abs(x1 - right) <= 6 and y0 <= (top + bottom) / 2 <= y1
                for x0, y0, x1, y1 in places
            ), (text, (left, top, right, bottom), places)
    finally:
        document.close()


def test_text_is_the_pages_text(page: Page) -> None:
    body = render_tree(OUTPUT_FORMATS["text"], page, Image.new("L", (1, 1)), 300)
    assert body.decode() == page.text


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
