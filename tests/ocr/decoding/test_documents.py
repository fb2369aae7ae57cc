"""Uploads as documents: every input kind, PDF pages and their text layers, selection, limits."""

import asyncio
import gc
import re
import statistics
import threading
import time
import warnings
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from io import BytesIO
from pathlib import Path
from typing import Any, TypeVar, cast

import numpy as np
import pypdfium2 as pdfium
import pytest
from PIL import Image, PngImagePlugin

from app.concurrency.runner import OcrRunner
from app.concurrency.stop import Stop
from app.core.errors import (
    ClientGone,
    EmptyUpload,
    EngineFailure,
    InvalidImage,
    PayloadTooLarge,
    ProcessingTimeout,
    UnprocessableOption,
    UnsupportedMediaType,
)
from app.ocr.decoding.documents import (
    PDF_RENDER_DPI,
    Limits,
    count_pages,
    is_pdf,
    load_pages,
    measure,
    page_dpi,
    parse_pages,
)
from app.ocr.engines.protocol import OcrEngine, RecognizeOptions
from app.ocr.pipeline import documents
from app.ocr.pipeline.documents import read_document, read_page, render_document, render_page
from app.ocr.pipeline.options import PageOptions
from app.ocr.pipeline.prepare import SAUVOLA, prepare
from app.ocr.rendering.formats import OUTPUT_FORMATS
from app.ocr.results import Page
from tests.conftest import hocr_lines, text_image
from tests.helpers.documents import dense_page, pdf_with_text_layer, scanned_pdf

T = TypeVar("T")

LIMITS = Limits(max_pixels=40_000_000, max_pages=50)
TEXTS = ["Alpha page one", "Bravo page two", "Charlie page three"]


def page_images(texts: list[str]) -> list[Image.Image]:
    return [Image.open(BytesIO(text_image(text))).convert("RGB") for text in texts]


def saved(images: list[Image.Image], fmt: str, **params: object) -> bytes:
    buffer = BytesIO()
    if len(images) > 1:
        params = {**params, "save_all": True, "append_images": images[1:]}
    images[0].save(buffer, format=fmt, **params)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        pytest.param(None, None, id="none"),
        pytest.param("", None, id="empty"),
        pytest.param("7", {7}, id="one"),
        pytest.param("1-3,7", {1, 2, 3, 7}, id="range-and-one"),
        pytest.param(" 2 - 4 , 9 ", {2, 3, 4, 9}, id="spaces"),
        pytest.param("3,3,1-2", {1, 2, 3}, id="overlap"),
    ],
)
def test_parse_pages(spec: str | None, expected: set[int] | None) -> None:
    assert parse_pages(spec) == expected


@pytest.mark.parametrize(
    "spec",
    ["a", "1-", "-3", "0", "4-2", "1;2", "1.5", "1-2-3", "1-999999", "0\x1f", "1,\x1c2", "\u0663"],
)
def test_parse_pages_refuses_malformed(spec: str) -> None:
    with pytest.raises(UnprocessableOption, match="pages="):
        parse_pages(spec)


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "TIFF", "WEBP", "BMP", "GIF"])
def test_each_image_format_is_one_page(fmt: str) -> None:
    image = page_images(["Quick brown fox"])[0]
    (page,) = load_pages(saved([image], fmt), LIMITS, None)
    assert page.number == 1
    assert page.image.size == image.size
    assert page.text_layer is None


def test_every_tiff_page_and_the_selection() -> None:
    data = saved(page_images(TEXTS), "TIFF")
    assert [page.number for page in load_pages(data, LIMITS, None)] == [1, 2, 3]
    assert [page.number for page in load_pages(data, LIMITS, {1, 3})] == [1, 3]


@pytest.mark.parametrize("fmt", ["GIF", "WEBP", "PNG"])
def test_animations_give_their_first_frame_only(fmt: str) -> None:
    frames = [Image.new("RGB", (60, 40), "black"), Image.new("RGB", (60, 40), "white")]
    data = saved(frames, fmt, lossless=True) if fmt == "WEBP" else saved(frames, fmt)
    assert Image.open(BytesIO(data)).n_frames == 2
    (page,) = load_pages(data, LIMITS, None)
    assert page.image.convert("L").getextrema() == (0, 0)


def test_jpeg_exif_orientation_is_applied() -> None:
    upright = page_images(["Turned"])[0]
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 clockwise to view"
    data = saved([upright.transpose(Image.Transpose.ROTATE_90)], "JPEG", exif=exif)
    (page,) = load_pages(data, LIMITS, None)
    assert page.image.size == upright.size
    assert page.steps == ["exif-orientation:6"]


def test_pdf_is_told_by_content_not_by_name() -> None:
    pdf = saved(page_images(TEXTS[:1]), "PDF")
    assert is_pdf(pdf)
    assert is_pdf(b"\n\n" + pdf)  # the header may follow a few junk bytes
    assert not is_pdf(saved(page_images(TEXTS[:1]), "PNG"))
    (page,) = load_pages(pdf, LIMITS, None)
    assert page.steps == [f"pdf-render:{PDF_RENDER_DPI}dpi"]


def test_an_image_mentioning_pdf_in_its_metadata_is_an_image() -> None:
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "converted from %PDF-1.7")
    png = saved(page_images(["Still an image"]), "PNG", pnginfo=info)
    assert b"%PDF-" in png[:1024]
    assert not is_pdf(png)
    (page,) = load_pages(png, LIMITS, None)
    assert page.steps == []


def test_pdf_pages_render_at_300_dpi() -> None:
    images = page_images(TEXTS)
    data = saved(images, "PDF", resolution=100)  # each page is (pixels / 100) inches wide
    pages = list(load_pages(data, LIMITS, {2, 3}))
    assert [page.number for page in pages] == [2, 3]
    for page, image in zip(pages, images[1:], strict=True):
        assert page.dpi == PDF_RENDER_DPI
        assert abs(page.image.width - image.width * 3) <= 3
        assert page.text_layer is None  # pages of images only: nothing to reuse


def test_pdf_text_layer_is_read_without_ocr() -> None:
    data = pdf_with_text_layer(["Invoice number 4711", "Total due soon"])
    (page,) = load_pages(data, LIMITS, None)
    assert page.text_layer is not None
    assert "Invoice number 4711" in page.text_layer


def test_text_layer_words_have_boxes_on_the_rendered_page() -> None:
    data = pdf_with_text_layer(["Invoice number 4711", "Total due soon"])
    (page,) = load_pages(data, LIMITS, None)
    assert [line.text for line in page.text_lines] == ["Invoice number 4711", "Total due soon"]
    first, second = page.text_lines
    assert first.bbox[3] <= second.bbox[1]  # the second line is below the first
    grey = page.image.convert("L")
    for word in (word for line in page.text_lines for word in line.words):
        assert grey.crop(word.bbox).getextrema()[0] < 128, word.text
        assert word.confidence == 100
    # Nothing is drawn right of the longest line: the boxes are not just the whole page.
    right = max(line.bbox[2] for line in page.text_lines)
    assert grey.crop((right + 5, 0, grey.width, grey.height)).getextrema()[0] > 128


def scanned_page(text: str) -> bytes:
    """A letter-size page at 150 dpi with some text near the top, as JPEG."""
    page = Image.new("RGB", (1275, 1650), "white")
    page.paste(Image.open(BytesIO(text_image(text, size=40))), (100, 200))
    buffer = BytesIO()
    page.save(buffer, format="JPEG", quality=90)
    return buffer.getvalue()


def test_a_stamp_on_a_scan_is_not_taken_for_its_text(engine: OcrEngine) -> None:
    scan = scanned_page("Scanned body text here")
    stamped = pdf_with_text_layer(["Bates 000123"], scan=scan, top=40)
    (page,) = load_pages(stamped, LIMITS, None)
    assert page.text_layer is None  # a stamp: the scan is read with OCR
    (read,) = read_document(stamped, engine, PageOptions(), LIMITS)
    assert read.source == "ocr"
    assert "Scanned body text" in read.text


def test_a_scan_with_its_full_text_layer_keeps_it() -> None:
    scan = scanned_page("Scanned body text here")
    lines = [f"Layer line {number}" for number in range(1, 20)]
    (page,) = load_pages(pdf_with_text_layer(lines, scan=scan, invisible=True), LIMITS, None)
    assert page.text_layer is not None
    assert "Layer line 19" in page.text_layer


def test_a_turned_pdf_page_keeps_its_text_without_boxes() -> None:
    document = pdfium.PdfDocument(pdf_with_text_layer(["Sideways text"]))
    document[0].set_rotation(90)
    buffer = BytesIO()
    document.save(buffer)
    document.close()
    (page,) = load_pages(buffer.getvalue(), LIMITS, None)
    assert page.image.width > page.image.height  # rendered turned
    assert page.text_layer is not None
    assert "Sideways text" in page.text_layer
    assert page.text_lines == []


def test_read_document_uses_the_text_layer(engine: OcrEngine) -> None:
    data = pdf_with_text_layer(["Invoice number 4711"])
    (page,) = read_document(data, engine, PageOptions(), LIMITS)
    assert page.source == "text-layer"
    assert "Invoice number 4711" in page.text
    assert [word.text for word in page.lines[0].words] == ["Invoice", "number", "4711"]
    # Letter size at 300 dpi, as the page is rendered (give or take rounding).
    assert abs(page.width - 2550) <= 2
    assert abs(page.height - 3300) <= 2


def test_read_document_reads_image_pages(engine: OcrEngine) -> None:
    pages = read_document(saved(page_images(TEXTS), "TIFF"), engine, PageOptions(), LIMITS)
    assert [page.number for page in pages] == [1, 2, 3]
    for page, text in zip(pages, TEXTS, strict=True):
        assert page.source == "ocr"
        assert text in page.text


def test_eval_tiff_is_read(engine: OcrEngine, eval_dir: Path) -> None:
    data = (eval_dir / "tesseract-test" / "phototest.tif").read_bytes()
    truth = (eval_dir / "tesseract-test" / "phototest.txt").read_text()
    (page,) = read_document(data, engine, PageOptions(), LIMITS)
    assert page.text.split()[:6] == truth.split()[:6]


@pytest.mark.parametrize(
    ("own", "hint", "expected"),
    [
        pytest.param(150, 300, 150, id="own-dpi-wins"),
        pytest.param(None, 300, 300, id="hint-when-none"),
        pytest.param(None, None, None, id="neither"),
    ],
)
def test_dpi_is_a_hint_for_images_without_one(
    own: int | None, hint: int | None, expected: int | None
) -> None:
    params = {"dpi": (own, own)} if own else {}
    (page,) = load_pages(saved(page_images(["dpi"]), "PNG", **params), LIMITS, None)
    assert page_dpi(page, hint) == expected


def test_pdf_pages_keep_their_render_dpi_over_the_hint() -> None:
    (page,) = load_pages(saved(page_images(["dpi"]), "PDF"), LIMITS, None)
    assert page_dpi(page, 72) == PDF_RENDER_DPI


class TestLimits:
    @pytest.mark.parametrize("fmt", ["TIFF", "PDF"])
    def test_pages_per_document(self, fmt: str) -> None:
        data = saved(page_images(TEXTS), fmt)
        with pytest.raises(PayloadTooLarge, match=r"\b2\b.*MAX_PAGES"):
            list(load_pages(data, Limits(max_pixels=LIMITS.max_pixels, max_pages=2), None))
        # Exactly at the limit is allowed.
        limits = Limits(max_pixels=LIMITS.max_pixels, max_pages=3)
        assert len(list(load_pages(data, limits, None))) == 3

    @pytest.mark.parametrize("fmt", ["TIFF", "PDF"])
    def test_pages_are_counted_as_read(self, fmt: str) -> None:
        # Page 3 of a long document is as cheap as a one-page document.
        data = saved(page_images(TEXTS), fmt)
        one_page = Limits(max_pixels=LIMITS.max_pixels, max_pages=1)
        (page,) = load_pages(data, one_page, {3})
        assert page.number == 3
        with pytest.raises(PayloadTooLarge, match=r"selection holds .*\b1\b.*MAX_PAGES"):
            list(load_pages(data, one_page, {1, 3}))

    def test_tiff_pages_after_the_selection_are_not_read(self) -> None:
        images = page_images(TEXTS)
        assert images[2].width * images[2].height > images[0].width * images[0].height
        data = saved(images, "TIFF")
        just_the_first = Limits(max_pixels=images[0].width * images[0].height, max_pages=5)
        (page,) = load_pages(data, just_the_first, {1})
        assert page.number == 1
        with pytest.raises(PayloadTooLarge, match="MAX_IMAGE_PIXELS"):
            list(load_pages(data, just_the_first, {3}))

    def test_pixels_per_pdf_page(self) -> None:
        data = saved(page_images(TEXTS[:1]), "PDF")
        with pytest.raises(PayloadTooLarge, match=r"10000 \(MAX_IMAGE_PIXELS\)"):
            list(load_pages(data, Limits(max_pixels=10_000, max_pages=5), None))

    def test_pixels_of_a_later_tiff_page(self) -> None:
        # A small first page must not let a huge later page through undecoded-size checks.
        small, large = Image.new("L", (50, 50), 255), Image.new("L", (400, 400), 255)
        data = saved([small, large], "TIFF")
        limits = Limits(max_pixels=50_000, max_pages=5)
        pages = load_pages(data, limits, None)
        assert next(pages).number == 1
        with pytest.raises(PayloadTooLarge, match=r"Page 2 is 400x400.*MAX_IMAGE_PIXELS"):
            next(pages)

    def test_seconds_per_request(self, engine: OcrEngine) -> None:
        data = saved(page_images(TEXTS), "TIFF")
        late = PageOptions(stop=Stop(time.monotonic() - 1, 60))
        with pytest.raises(ProcessingTimeout, match=r"60 seconds \(REQUEST_TIMEOUT_SECONDS"):
            read_document(data, engine, late, LIMITS)
        with pytest.raises(ProcessingTimeout, match=r"60 seconds \(REQUEST_TIMEOUT_SECONDS"):
            render_document(data, engine, late, LIMITS, OUTPUT_FORMATS["pdf"], None)

    def test_a_gone_clients_document_is_not_read_on(self, engine: OcrEngine) -> None:
        stop = Stop()
        readings: list[int] = []

        class LeavesAfterOnePage:
            """The real engine; the client goes away while its first page is read."""

            def __getattr__(self, name: str) -> object:
                return getattr(engine, name)

            def recognize(self, image: Image.Image, options: RecognizeOptions) -> Page:
                readings.append(1)
                page = engine.recognize(image, options)
                stop.cancel()
                return page

        data = saved(page_images(TEXTS), "TIFF")
        options = PageOptions(stop=stop, preprocess=False)
        with pytest.raises(ClientGone):
            read_document(data, cast(OcrEngine, LeavesAfterOnePage()), options, LIMITS)
        assert len(readings) == 1
        assert len(TEXTS) > 1

    def test_recognition_stops_at_the_deadline(self, engine: OcrEngine, eval_dir: Path) -> None:
        # A dense page cannot be read in a millisecond: the engine gives up, it does not finish.
        data = (eval_dir / "tesseract-test" / "8087_054.3B.tif").read_bytes()
        options = PageOptions(timeout_seconds=0.001)
        with pytest.raises(ProcessingTimeout, match=r"0\.001 seconds \(REQUEST_TIMEOUT_SECONDS"):
            read_document(data, engine, options, LIMITS)
        with pytest.raises(ProcessingTimeout, match=r"0\.001 seconds \(REQUEST_TIMEOUT_SECONDS"):
            render_document(data, engine, options, LIMITS, OUTPUT_FORMATS["hocr"])


def test_selection_outside_the_document_is_422(engine: OcrEngine) -> None:
    with pytest.raises(UnprocessableOption, match="pages"):
        read_document(saved(page_images(TEXTS), "TIFF"), engine, PageOptions(), LIMITS, {9})


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b"%PDF-1.7\n" + b"garbage" * 40, id="garbage-after-header"),
        pytest.param(b"%PDF-1.4\n1 0 obj\n<<", id="truncated"),
        pytest.param(
            b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
            b"2 0 obj<</Type/Pages/Kids[2 0 R]/Count 1>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF",
            id="page-tree-its-own-page",
        ),
    ],
)
def test_broken_pdf_is_invalid(data: bytes) -> None:
    with pytest.raises(InvalidImage, match="PDF"):
        list(load_pages(data, LIMITS, None))


@pytest.mark.parametrize(
    ("name", "marker"),
    [
        pytest.param("hocr", b"class='ocr_page'", id="hocr"),
        pytest.param("alto", b"<Page ", id="alto"),
        pytest.param("pdf", b"/Type /Page\n", id="pdf"),
    ],
)
def test_render_document_renders_the_selected_pdf_pages(
    engine: OcrEngine, name: str, marker: bytes
) -> None:
    data = saved(page_images(TEXTS), "PDF")
    body = render_document(data, engine, PageOptions(), LIMITS, OUTPUT_FORMATS[name], {1, 3})
    if name == "pdf":
        document = pdfium.PdfDocument(body)
        texts = [document[index].get_textpage().get_text_bounded() for index in range(2)]
        assert len(document) == 2
        document.close()
    else:
        assert body.count(marker) == 2
        texts = [body.decode()]
    joined = " ".join(texts)
    for word in ("one", "three"):
        assert word in joined
    assert "two" not in joined


def test_render_document_refuses_an_empty_selection(engine: OcrEngine) -> None:
    data = saved(page_images(TEXTS), "TIFF")
    with pytest.raises(UnprocessableOption, match="pages"):
        render_document(data, engine, PageOptions(), LIMITS, OUTPUT_FORMATS["hocr"], {7})


READ_WORDS = {"quick", "brown", "jumped", "lazy"}  # of phototest, read the right way up


def rendered_text(body: bytes, name: str) -> str:
    """The recognised words of a rendered document, whatever its format."""
    if name == "pdf":
        document = pdfium.PdfDocument(body)
        text = " ".join(page.get_textpage().get_text_bounded() for page in document)
        document.close()
        return text
    if name == "alto":
        return " ".join(re.findall(r'CONTENT="([^"]*)"', body.decode()))
    if name == "tsv":
        return " ".join(row.split("\t")[-1] for row in body.decode().splitlines()[1:])
    return re.sub(r"<[^>]+>", " ", body.decode())


@pytest.mark.parametrize("turn", [90, 180], ids=["sideways", "upside-down"])
@pytest.mark.parametrize("name", ["hocr", "alto", "tsv", "pdf"])
def test_rendered_formats_read_a_turned_page_in_its_own_pixels(
    either_engine: OcrEngine, eval_dir: Path, name: str, turn: int
) -> None:
    page = Image.open(eval_dir / "tesseract-test" / "phototest.tif").convert("L")
    turned = page.rotate(turn, expand=True)
    data = saved([turned], "PNG")
    body = render_document(data, either_engine, PageOptions(), LIMITS, OUTPUT_FORMATS[name])
    # Word by word: a PDF's text comes back in the order of its (still upside-down) page.
    assert set(rendered_text(body, name).split()) >= READ_WORDS
    if name == "hocr":  # the page and its words keep the turned image's pixels
        hocr = body.decode()
        page_box = re.search(r"class='ocr_page'[^>]*bbox 0 0 (\d+) (\d+)", hocr)
        assert page_box is not None
        assert (int(page_box[1]), int(page_box[2])) == turned.size
        word_boxes = re.findall(r"class='ocrx_word'[^>]*bbox (\d+) (\d+) (\d+) (\d+)", hocr)
        boxes = [tuple(int(v) for v in box) for box in word_boxes]
        assert all(turned.crop(box).getextrema()[0] < 128 for box in boxes)
        taller = sum(1 for x0, y0, x1, y1 in boxes if y1 - y0 > x1 - x0)
        assert (taller > len(boxes) / 2) is (turn == 90)


@pytest.mark.parametrize(
    "options",
    [PageOptions(auto_rotate=False), PageOptions(preprocess=False)],
    ids=["auto-rotate-off", "preprocess-off"],
)
def test_rendered_formats_leave_the_page_as_sent_when_asked(
    either_engine: OcrEngine, eval_dir: Path, options: PageOptions
) -> None:
    page = Image.open(eval_dir / "tesseract-test" / "phototest.tif").convert("L")
    data = saved([page.rotate(180)], "PNG")
    body = render_document(data, either_engine, options, LIMITS, OUTPUT_FORMATS["hocr"])
    assert not READ_WORDS & set(rendered_text(body, "hocr").split())


PROSE = "The quick brown fox jumps\nover the lazy dog. Pack my\nbox with five dozen jugs."


@pytest.fixture(scope="module")
def speckled_page() -> Image.Image:
    """A page of text under salt-and-pepper noise, which the pipeline's median filter clears."""
    page = Image.open(BytesIO(text_image(PROSE, size=36, padding=60))).convert("L")
    pixels = np.asarray(page).copy()
    noise = np.random.default_rng(7).random(pixels.shape)
    pixels[noise < 0.03] = 0
    pixels[noise > 0.97] = 255
    return Image.fromarray(pixels)


def words_found(text: str) -> float:
    found = set(text.split())
    expected = PROSE.split()
    return sum(word in found for word in expected) / len(expected)


@pytest.mark.parametrize("name", ["hocr", "alto", "tsv"])
def test_rendered_formats_get_the_preparation_that_keeps_pixels_in_place(
    either_engine: OcrEngine, speckled_page: Image.Image, name: str
) -> None:
    data = saved([speckled_page], "PNG")
    prepared = render_document(data, either_engine, PageOptions(), LIMITS, OUTPUT_FORMATS[name])
    as_sent = render_document(
        data, either_engine, PageOptions(preprocess=False), LIMITS, OUTPUT_FORMATS[name]
    )
    assert words_found(rendered_text(prepared, name)) > words_found(rendered_text(as_sent, name))
    assert words_found(rendered_text(prepared, name)) > 0.8
    if name == "hocr":  # the page keeps its size: boxes are in the pixels sent
        size = re.search(r"class='ocr_page'[^>]*bbox 0 0 (\d+) (\d+)", prepared.decode())
        assert size is not None
        assert (int(size[1]), int(size[2])) == speckled_page.size


def test_a_searchable_pdf_shows_the_page_as_sent(
    engine: OcrEngine, speckled_page: Image.Image
) -> None:
    data = saved([speckled_page], "PNG")
    body = render_document(data, engine, PageOptions(), LIMITS, OUTPUT_FORMATS["pdf"])
    document = pdfium.PdfDocument(body)
    try:
        page = document[0]
        shown = page.render(scale=speckled_page.width / page.get_width()).to_pil().convert("L")
    finally:
        document.close()
    # Not median-filtered: the specks on the margins are still there.
    margin = np.asarray(shown)[:50]
    assert (margin < 64).mean() > 0.01


def word_boxes(body: bytes, name: str) -> list[tuple[str, tuple[int, int, int, int]]]:
    """The words of a rendered hOCR, ALTO or TSV document with their boxes (x0, y0, x1, y1)."""
    text = body.decode()
    if name == "hocr":
        word = r"class='ocrx_word'[^>]*bbox (\d+) (\d+) (\d+) (\d+)[^>]*>([^<]*)<"
        found = re.findall(word, text)
        return [(word, (int(a), int(b), int(c), int(d))) for a, b, c, d, word in found]
    if name == "alto":
        words = []
        for attributes in re.findall(r"<String ([^>]*)/>", text):
            place = dict(re.findall(r'(\w+)="([^"]*)"', attributes))
            x, y = int(place["HPOS"]), int(place["VPOS"])
            box = (x, y, x + int(place["WIDTH"]), y + int(place["HEIGHT"]))
            words.append((place["CONTENT"], box))
        return words
    words = []
    for row in (line.split("\t") for line in text.splitlines()[1:]):
        if len(row) == 12 and row[0] == "5":
            left, top, width, height = (int(value) for value in row[6:10])
            words.append((row[11], (left, top, left + width, top + height)))
    return words


@pytest.mark.parametrize("name", ["hocr", "alto", "tsv"])
@pytest.mark.parametrize("change", ["skewed", "small-print"])
def test_rendered_formats_read_prepared_pages_with_boxes_on_the_page_sent(
    either_engine: OcrEngine, name: str, change: str
) -> None:
    page = Image.open(BytesIO(text_image(PROSE, size=36, padding=60))).convert("L")
    if change == "skewed":
        sent = page.rotate(6, expand=True, fillcolor=255, resample=Image.Resampling.BICUBIC)
    else:  # text lines about 9 px tall: read scaled up
        sent = page.resize((page.width // 4, page.height // 4), Image.Resampling.LANCZOS)
    data = saved([sent], "PNG")
    body = render_document(data, either_engine, PageOptions(), LIMITS, OUTPUT_FORMATS[name])
    as_sent = render_document(
        data, either_engine, PageOptions(preprocess=False), LIMITS, OUTPUT_FORMATS[name]
    )
    words = word_boxes(body, name)
    assert words_found(" ".join(word for word, _ in words)) > 0.9
    assert words_found(rendered_text(body, name)) > words_found(rendered_text(as_sent, name))
    for _, (x0, y0, x1, y1) in words:
        assert 0 <= x0 < x1 <= sent.width
        assert 0 <= y0 < y1 <= sent.height
        assert sent.crop((x0, y0, x1, y1)).getextrema()[0] < 128  # on ink


def test_hocr_text_sizes_are_in_the_pixels_sent(either_engine: OcrEngine) -> None:
    page = Image.open(BytesIO(text_image(PROSE, size=36, padding=60))).convert("L")
    small = page.resize((page.width // 4, page.height // 4), Image.Resampling.LANCZOS)
    as_is = PageOptions(preprocess=False)
    full = render_document(saved([page], "PNG"), either_engine, as_is, LIMITS,
                           OUTPUT_FORMATS["hocr"])  # fmt: skip
    scaled = render_document(saved([small], "PNG"), either_engine, PageOptions(), LIMITS,
                             OUTPUT_FORMATS["hocr"])  # fmt: skip
    assert "rescale" in " ".join(prepare(small, PageOptions(), either_engine).steps)
    full_size = statistics.median(line["x_size"][0] for line in hocr_lines(full))
    scaled_size = statistics.median(line["x_size"][0] for line in hocr_lines(scaled))
    assert scaled_size == pytest.approx(full_size / 4, rel=0.25)


# Documents as files: the jobs keep theirs on disk, and read them a page at a time.


def forbid_reading_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    def read_bytes(self: Path) -> bytes:
        raise AssertionError(f"{self} was read whole")

    monkeypatch.setattr(Path, "read_bytes", read_bytes)


@pytest.mark.parametrize("fmt", ["TIFF", "PDF", "PNG"])
def test_a_file_reads_as_its_bytes_do(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fmt: str
) -> None:
    data = saved(page_images(TEXTS if fmt != "PNG" else TEXTS[:1]), fmt)
    path = tmp_path / "document"
    path.write_bytes(data)
    forbid_reading_whole(monkeypatch)
    from_file = list(load_pages(path, LIMITS, None))
    from_bytes = list(load_pages(data, LIMITS, None))
    assert [(page.number, page.dpi, page.steps) for page in from_file] == [
        (page.number, page.dpi, page.steps) for page in from_bytes
    ]
    for page, same in zip(from_file, from_bytes, strict=True):
        assert page.image.tobytes() == same.image.tobytes()
    assert count_pages(path, LIMITS, None) == count_pages(data, LIMITS, None)
    assert measure(path, LIMITS, {2}) == measure(data, LIMITS, {2})
    assert is_pdf(path) is (fmt == "PDF")


def test_a_file_is_let_go_once_its_pages_are_read(tmp_path: Path) -> None:
    path = tmp_path / "pages.tif"
    path.write_bytes(saved(page_images(TEXTS), "TIFF"))
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        assert len(list(load_pages(path, LIMITS, None))) == 3
        assert next(iter(load_pages(path, LIMITS, {2}))).number == 2  # the jobs' way
        assert count_pages(path, LIMITS, None) == [1, 2, 3]
        measure(path, LIMITS, None)
        gc.collect()
    assert not [warning for warning in seen if issubclass(warning.category, ResourceWarning)]


@pytest.mark.parametrize("fmt", ["TIFF", "PDF"])
def test_count_pages_names_the_pages_selected(fmt: str) -> None:
    data = saved(page_images(TEXTS), fmt)
    assert count_pages(data, LIMITS, None) == [1, 2, 3]
    assert count_pages(data, LIMITS, {1, 3, 9}) == [1, 3]
    with pytest.raises(UnprocessableOption, match="pages"):
        count_pages(data, LIMITS, {7})


@pytest.mark.parametrize("fmt", ["TIFF", "PDF"])
def test_the_page_limit_names_its_setting(fmt: str) -> None:
    data = saved(page_images(TEXTS), fmt)
    jobs = Limits(max_pixels=LIMITS.max_pixels, max_pages=2, pages_setting="JOBS_MAX_PAGES")
    with pytest.raises(PayloadTooLarge, match=r"\b2\b.*\(JOBS_MAX_PAGES\)"):
        count_pages(data, jobs, None)
    with pytest.raises(PayloadTooLarge, match=r"\(JOBS_MAX_PAGES\)"):
        list(load_pages(data, jobs, None))
    assert count_pages(data, jobs, {2, 3}) == [2, 3]


def test_count_pages_of_an_image_is_its_first_frame() -> None:
    data = saved(page_images(TEXTS[:1]), "PNG")
    assert count_pages(data, LIMITS, None) == [1]
    # A one-page image has no page 2: the selection holds nothing, as for a short TIFF.
    with pytest.raises(UnprocessableOption, match="pages"):
        count_pages(data, LIMITS, {2})
    assert list(load_pages(data, LIMITS, {2})) == []


def test_count_pages_reads_headers_and_leaves_a_pages_faults_to_that_page() -> None:
    small, large = Image.new("L", (50, 50), 255), Image.new("L", (400, 400), 255)
    data = saved([small, large, small], "TIFF")
    limits = Limits(max_pixels=50_000, max_pages=5)
    assert count_pages(data, limits, None) == [1, 2, 3]  # page 2's pixels are not its business
    assert next(iter(load_pages(data, limits, {3}))).number == 3  # the others still read
    with pytest.raises(PayloadTooLarge, match=r"Page 2 is 400x400.*MAX_IMAGE_PIXELS"):
        list(load_pages(data, limits, {2}))


@pytest.mark.parametrize(
    ("data", "error"),
    [
        pytest.param(b"%PDF-1.4\n1 0 obj\n<<", InvalidImage, id="broken-pdf"),
        pytest.param(b"plain text, no image", UnsupportedMediaType, id="not-an-image"),
        pytest.param(b"", EmptyUpload, id="empty"),
    ],
)
def test_count_pages_refuses_what_cannot_be_opened(data: bytes, error: type[Exception]) -> None:
    with pytest.raises(error):
        count_pages(data, LIMITS, None)


def test_read_page_reads_a_page_as_the_document_reads_it(engine: OcrEngine) -> None:
    data = saved(page_images(TEXTS), "TIFF")
    whole = read_document(data, engine, PageOptions(), LIMITS)
    (source,) = load_pages(data, LIMITS, {2})
    page = read_page(source, engine, PageOptions())
    assert page == whole[1]
    assert page.number == 2


def test_read_page_keeps_a_text_layer(engine: OcrEngine) -> None:
    (source,) = load_pages(pdf_with_text_layer(["Invoice number 4711"]), LIMITS, None)
    page = read_page(source, engine, PageOptions())
    assert (page.source, page.number) == ("text-layer", 1)
    assert page.steps == [f"pdf-render:{PDF_RENDER_DPI}dpi"]


def test_read_page_is_not_read_for_a_gone_client(engine: OcrEngine) -> None:
    (source,) = load_pages(saved(page_images(TEXTS[:1]), "PNG"), LIMITS, None)
    stop = Stop()
    stop.cancel()
    with pytest.raises(ClientGone):
        read_page(source, engine, PageOptions(stop=stop))
    with pytest.raises(ClientGone):
        render_page(source, engine, PageOptions(stop=stop), OUTPUT_FORMATS["hocr"])


@pytest.mark.parametrize(
    ("name", "marks"),
    [
        pytest.param("hocr", [b"id='page_2'", b"ppageno 1", b"id='word_2_1'"], id="hocr"),
        pytest.param(
            "alto", [b'ID="page_1"', b'PHYSICAL_IMG_NR="1"', b'ID="string_1_0"'], id="alto"
        ),
        pytest.param("tsv", [b"5\t2\t1\t1\t1\t1\t"], id="tsv"),
    ],
)
def test_a_rendered_page_is_numbered_as_in_its_document(
    either_engine: OcrEngine, name: str, marks: list[bytes]
) -> None:
    (source,) = load_pages(saved(page_images(TEXTS), "TIFF"), LIMITS, {2})
    body = render_page(source, either_engine, PageOptions(), OUTPUT_FORMATS[name])
    for mark in marks:
        assert mark in body
    assert b"Bravo" in body


def unevenly_lit(text: str) -> Image.Image:
    """A page of text whose light fades across it: read with adaptive thresholding."""
    page = np.asarray(page_images([text])[0].convert("L")).astype(float)
    shade = np.linspace(255, 90, page.shape[1])[None, :]
    return Image.fromarray(np.minimum(page, shade).astype("uint8"))


class ReadWith:
    """The real engine, noting the Tesseract variables of each reading and what it read."""

    def __init__(self, engine: OcrEngine) -> None:
        self.engine = engine
        self.readings: list[tuple[tuple[tuple[str, str], ...], str]] = []

    def recognize(self, image: Image.Image, options: RecognizeOptions) -> Page:
        page = self.engine.recognize(image, options)
        self.readings.append((options.variables, page.text))
        return page

    def __getattr__(self, name: str) -> object:
        return getattr(self.engine, name)


def test_each_page_renders_with_its_own_thresholding(engine: OcrEngine) -> None:
    even, uneven = page_images(["Even light on this page"])[0], unevenly_lit("Uneven light here")
    for pages in ([uneven, even], [even, uneven]):
        recorded = ReadWith(engine)
        body = render_document(saved(pages, "TIFF"), cast(OcrEngine, recorded), PageOptions(),
                               LIMITS, OUTPUT_FORMATS["hocr"])  # fmt: skip
        assert body.count(b"class='ocr_page'") == 2
        of_even = [variables for variables, text in recorded.readings if "Even light" in text]
        of_uneven = [variables for variables, text in recorded.readings if "Uneven" in text]
        assert of_even
        assert all(variables == () for variables in of_even)
        assert SAUVOLA in of_uneven


# Pages on idle cores: a document's next pages are read while this thread reads one.


def dense_pdf(pages: int) -> bytes:
    """Pages of dense text (each names its number), small enough to read in a second."""
    return scanned_pdf(
        [dense_page(number, lines=8, width=1800, height=900) for number in range(1, pages + 1)]
    )


class PageThreads:
    """The real engine, noting which thread read (or rendered) which page."""

    def __init__(self, engine: OcrEngine, on_read: Callable[[int], None] | None = None) -> None:
        self.engine = engine
        self.on_read = on_read
        self.threads: dict[int, set[str]] = {}
        self._lock = threading.Lock()

    def _note(self, text: str) -> None:
        words = " ".join(re.sub(r"<[^>]+>", " ", text).split())  # hOCR's too
        found = re.search(r"Page (\d+) line", words)
        assert found is not None, text
        number = int(found[1])
        with self._lock:
            self.threads.setdefault(number, set()).add(threading.current_thread().name)
        if self.on_read is not None:
            self.on_read(number)

    def recognize(self, image: Image.Image, options: RecognizeOptions) -> Page:
        page = self.engine.recognize(image, options)
        self._note(page.text)
        return page

    def __getattr__(self, name: str) -> object:
        return getattr(self.engine, name)

    def pages_on(self, prefix: str) -> set[int]:
        return {
            number
            for number, names in self.threads.items()
            if all(name.startswith(prefix) for name in names)
        }


def read_on_a_runner(job: Callable[[OcrRunner], T]) -> T:
    """`job` run as /v1/ocr runs one: on an OcrRunner of two threads, one to lend."""

    async def scenario() -> T:
        runner = OcrRunner(threads=2, max_queue=2, spare_threads=1)
        try:
            return await runner.submit(lambda: job(runner))
        finally:
            runner.shutdown()

    return asyncio.run(scenario())


@pytest.mark.slow  # seconds of its own: out of the fast tier
def test_an_idle_core_reads_the_next_pages(engine: OcrEngine) -> None:
    data = dense_pdf(4)
    alone = read_document(data, engine, PageOptions(), LIMITS)
    threads = PageThreads(engine)
    reader = cast(OcrEngine, threads)
    together = read_on_a_runner(
        lambda runner: read_document(data, reader, PageOptions(), LIMITS, None, runner.spare)
    )
    assert [page.number for page in together] == [1, 2, 3, 4]
    assert together == alone  # the same reading, whichever thread did each page
    assert threads.pages_on("ocr-spare")  # pages read wholly on the lent core...
    assert threads.pages_on("ocr_")  # ...and others on the request's own thread
    assert threads.pages_on("ocr-spare") | threads.pages_on("ocr_") == {1, 2, 3, 4}


@pytest.mark.slow  # seconds of its own: out of the fast tier
def test_an_idle_core_renders_the_next_pages(engine: OcrEngine) -> None:
    data = dense_pdf(3)
    fmt = OUTPUT_FORMATS["hocr"]
    alone = render_document(data, engine, PageOptions(), LIMITS, fmt)
    threads = PageThreads(engine)
    renderer = cast(OcrEngine, threads)
    together = read_on_a_runner(
        lambda runner: render_document(
            data, renderer, PageOptions(), LIMITS, fmt, None, runner.spare
        )
    )
    assert together == alone
    assert threads.pages_on("ocr-spare")
    assert threads.pages_on("ocr_")


def test_the_lent_core_goes_back_to_a_request_that_needs_it(engine: OcrEngine) -> None:
    """A helper does a page per loan: once another request runs, the pages left are this
    request's own thread's."""
    data = dense_pdf(4)
    started, release = threading.Event(), threading.Event()

    def busy() -> None:
        started.set()
        release.wait(30)

    async def scenario() -> tuple[PageThreads, list[Page]]:
        runner = OcrRunner(threads=2, max_queue=2, spare_threads=1)
        loop = asyncio.get_running_loop()
        other: list[Future[None]] = []

        def on_read(number: int) -> None:
            # The first page read on the lent core: another request takes the other core.
            if threading.current_thread().name.startswith("ocr-spare") and not other:
                other.append(asyncio.run_coroutine_threadsafe(runner.run(busy), loop))
                assert started.wait(10)

        threads = PageThreads(engine, on_read)
        reader = cast(OcrEngine, threads)
        try:
            pages = await runner.submit(
                lambda: read_document(data, reader, PageOptions(), LIMITS, None, runner.spare)
            )
        finally:
            release.set()
        await asyncio.wrap_future(other[0])
        runner.shutdown()
        return threads, pages

    threads, pages = asyncio.run(scenario())
    assert [page.number for page in pages] == [1, 2, 3, 4]
    assert len(threads.pages_on("ocr-spare")) == 1
    assert len(threads.pages_on("ocr_")) == 3


def test_a_one_page_document_is_read_by_the_requests_thread(
    engine: OcrEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Its reading can then use the idle core itself (the page as sent, read early)."""
    readers: list[str] = []
    real_read_page = documents.read_page

    def noted(*args: Any, **kwargs: Any) -> Page:
        readers.append(threading.current_thread().name)
        return real_read_page(*args, **kwargs)

    monkeypatch.setattr(documents, "read_page", noted)
    data = saved(page_images(TEXTS[:1]), "PNG")
    with ThreadPoolExecutor(2, thread_name_prefix="lent") as lent:
        (page,) = read_document(data, engine, PageOptions(), LIMITS, None, lent.submit)
    assert readers == [threading.current_thread().name]
    assert TEXTS[0] in page.text


def sized_pages(count: int) -> tuple[bytes, dict[int, int]]:
    """A TIFF of `count` pages of distinct widths, and each width's page number."""
    images = page_images([f"Page {number} words {'x' * number}" for number in range(1, count + 1)])
    return saved(images, "TIFF"), {image.width: number for number, image in enumerate(images, 1)}


class FailingPages:
    """The real engine, except that the pages in `fail` raise (page n after fail[n] seconds);
    notes each page it is asked to read."""

    def __init__(self, engine: OcrEngine, widths: dict[int, int], fail: dict[int, float]) -> None:
        self.engine = engine
        self.widths = widths
        self.fail = fail
        self.asked: list[int] = []

    def recognize(self, image: Image.Image, options: RecognizeOptions) -> Page:
        number = self.widths[image.width]
        self.asked.append(number)
        if number in self.fail:
            time.sleep(self.fail[number])
            raise EngineFailure(f"page {number} failed")
        return self.engine.recognize(image, options)

    def __getattr__(self, name: str) -> object:
        return getattr(self.engine, name)


@pytest.mark.parametrize(
    ("fail", "expected"),
    [
        pytest.param({2: 0.3, 3: 0.0}, "page 2", id="a-later-page-fails-first"),
        pytest.param({1: 0.5, 4: 0.0}, "page 1", id="the-first-page-fails-last"),
        pytest.param({3: 0.0}, "page 3", id="one-page"),
    ],
)
def test_the_first_failing_page_in_page_order_raises(
    engine: OcrEngine, fail: dict[int, float], expected: str
) -> None:
    data, widths = sized_pages(5)
    failing = FailingPages(engine, widths, fail)
    options = PageOptions(preprocess=False)  # each page read once, at the size it was sent
    with ThreadPoolExecutor(4, thread_name_prefix="lent") as lent:
        with pytest.raises(EngineFailure, match=expected):
            read_document(data, cast(OcrEngine, failing), options, LIMITS, None, lent.submit)
        with pytest.raises(EngineFailure, match=expected):  # what reading them in turn raises
            read_document(data, cast(OcrEngine, failing), options, LIMITS)


def test_pages_after_a_failing_page_are_not_read(engine: OcrEngine) -> None:
    data, widths = sized_pages(6)
    failing = FailingPages(engine, widths, {2: 0.0})
    options = PageOptions(preprocess=False)
    reader = cast(OcrEngine, failing)
    with (
        ThreadPoolExecutor(1, thread_name_prefix="lent") as lent,
        pytest.raises(EngineFailure, match="page 2"),
    ):
        read_document(data, reader, options, LIMITS, None, lent.submit)
    assert set(failing.asked) <= {1, 2}


def test_a_gone_clients_pages_are_not_read_on_any_core(engine: OcrEngine) -> None:
    stop = Stop()
    data, widths = sized_pages(6)
    asked: list[int] = []

    class LeavesAfterOnePage:
        def __getattr__(self, name: str) -> object:
            return getattr(engine, name)

        def recognize(self, image: Image.Image, options: RecognizeOptions) -> Page:
            asked.append(widths[image.width])
            page = engine.recognize(image, options)
            stop.cancel()
            return page

    options = PageOptions(stop=stop, preprocess=False)
    reader = cast(OcrEngine, LeavesAfterOnePage())
    with ThreadPoolExecutor(1, thread_name_prefix="lent") as lent, pytest.raises(ClientGone):
        read_document(data, reader, options, LIMITS, None, lent.submit)
    assert len(asked) <= 2  # the page in hand on each of the two threads, no more


def test_a_scanned_page_is_taken_from_its_image_not_rendered() -> None:
    page = Image.new("L", (2480, 3508), 255)
    page.paste(Image.open(BytesIO(text_image("Scanned at 300 dpi"))).convert("L"), (200, 300))
    buffer = BytesIO()
    page.save(buffer, format="PNG")
    (source,) = load_pages(scanned_pdf([buffer.getvalue()], dpi=300), LIMITS, None)
    assert source.steps == [f"pdf-image:{PDF_RENDER_DPI}dpi"]
    assert source.image.size == (2480, 3508)
    assert source.image.mode == "L"
    # The scan's own pixels (as its JPEG holds them), not a resampled render of them.
    difference = np.abs(np.asarray(source.image, dtype=int) - np.asarray(page, dtype=int))
    assert difference.mean() < 1


def test_pages_that_are_not_one_upright_full_page_scan_are_rendered() -> None:
    image = text_image("Scanned at 150 dpi")
    (low,) = load_pages(scanned_pdf([image], dpi=150), LIMITS, None)  # not 300 dpi: resampled
    assert low.steps == [f"pdf-render:{PDF_RENDER_DPI}dpi"]
    document = pdfium.PdfDocument(scanned_pdf([image], dpi=300))
    document[0].set_rotation(90)
    buffer = BytesIO()
    document.save(buffer)
    (turned,) = load_pages(buffer.getvalue(), LIMITS, None)
    assert turned.steps == [f"pdf-render:{PDF_RENDER_DPI}dpi"]
    (written,) = load_pages(pdf_with_text_layer(["Typed text"]), LIMITS, None)
    assert written.steps == [f"pdf-render:{PDF_RENDER_DPI}dpi"]
