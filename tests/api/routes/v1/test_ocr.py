"""POST /v1/ocr: inputs of every kind, options, the JSON tree, formats and limits."""

import re
from io import BytesIO
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from fastapi.testclient import TestClient
from PIL import Image, ImageDraw, ImageFont

from app.ocr.engines.protocol import MAX_SIDE
from app.ocr.reading.noise import is_noise
from app.ocr.results import Word
from tests.conftest import DEJAVU, SettingsFactory, text_image
from tests.helpers.documents import pdf_with_text_layer
from tests.helpers.waiting import poll

PAGE_TEXTS = ["Alpha page one", "Bravo page two", "Charlie page three"]


def ocr(client: TestClient, data: bytes, headers: dict, **params: object):
    return client.post("/v1/ocr", params=params, files={"file": ("upload", data)}, headers=headers)


def pages_as(fmt: str, texts: list[str]) -> bytes:
    images = [Image.open(BytesIO(text_image(text))).convert("RGB") for text in texts]
    buffer = BytesIO()
    images[0].save(buffer, format=fmt, save_all=True, append_images=images[1:], resolution=150)
    return buffer.getvalue()


def encoded(fmt: str, mode: str = "RGB", text: str = "Quick brown fox") -> bytes:
    buffer = BytesIO()
    Image.open(BytesIO(text_image(text))).convert(mode).save(buffer, format=fmt)
    return buffer.getvalue()


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "TIFF", "WEBP", "BMP", "GIF"])
def test_every_image_format_is_read(client: TestClient, auth_headers: dict, fmt: str) -> None:
    body = ocr(client, encoded(fmt), auth_headers).json()
    assert "Quick brown fox" in body["text"]
    assert len(body["pages"]) == 1


def test_json_tree_has_pages_lines_words_and_boxes(
    client: TestClient, sample_png: bytes, auth_headers: dict
) -> None:
    response = ocr(client, sample_png, auth_headers)
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"text", "pages", "lang", "engine", "engines", "timings_ms"}
    assert body["lang"] == "eng"
    assert body["engine"]["name"] == "tesserocr"
    assert re.match(r"^\d+\.\d+", body["engine"]["version"])
    assert body["timings_ms"]["total"] >= body["timings_ms"]["ocr"] > 0
    page = body["pages"][0]
    assert (page["number"], page["width"], page["height"]) == (1, 509, 369)
    assert page["source"] == "ocr"
    assert page["rotation"] == 0
    assert "kosher salt" in page["text"]
    line = next(line for line in page["lines"] if "kosher" in line["text"])
    assert [w["text"] for w in line["words"]][-2:] == ["kosher", "salt"]
    x0, y0, x1, y1 = line["bbox"]
    for word in line["words"]:
        wx0, wy0, wx1, wy1 = word["bbox"]
        assert x0 <= wx0 < wx1 <= x1
        assert y0 <= wy0 < wy1 <= y1
        assert 0 <= word["confidence"] <= 100


def test_word_boxes_land_on_ink(client: TestClient, sample_png: bytes, auth_headers: dict) -> None:
    image = Image.open(BytesIO(sample_png)).convert("L")
    page = ocr(client, sample_png, auth_headers).json()["pages"][0]
    words = [word for line in page["lines"] for word in line["words"]]
    assert len(words) > 20
    for word in words:
        crop = image.crop(tuple(word["bbox"]))
        low, high = crop.getextrema()
        assert low < 128 < high, f"no ink inside the box of {word['text']!r}"
    # And the blank margin right of the longest line holds no ink at all.
    right_edge = max(word["bbox"][2] for word in words)
    margin = image.crop((right_edge + 5, 0, image.width, image.height))
    assert margin.getextrema()[0] > 128


def test_boxes_are_in_the_pixels_of_the_exif_rotated_page(
    client: TestClient, sample_png: bytes, auth_headers: dict
) -> None:
    upright = Image.open(BytesIO(sample_png)).convert("RGB")
    exif = Image.Exif()
    exif[0x0112] = 6
    buffer = BytesIO()
    upright.transpose(Image.Transpose.ROTATE_90).save(buffer, format="JPEG", quality=95, exif=exif)
    page = ocr(client, buffer.getvalue(), auth_headers).json()["pages"][0]
    assert (page["width"], page["height"]) == upright.size
    assert any(step.startswith("exif-orientation") for step in page["steps"])
    grey = upright.convert("L")
    for word in (w for line in page["lines"] for w in line["words"]):
        assert grey.crop(tuple(word["bbox"])).getextrema()[0] < 128


def test_an_idle_core_is_offered_for_each_page(
    client: TestClient, auth_headers: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    runner = client.app.state.runner  # type: ignore[attr-defined]
    offered: list[object] = []
    monkeypatch.setattr(runner, "spare", offered.append)  # None: no core lent, read anyway
    response = ocr(client, pages_as("TIFF", PAGE_TEXTS[:2]), auth_headers)
    assert response.status_code == 200
    assert [page["text"].strip() for page in response.json()["pages"]] == PAGE_TEXTS[:2]
    # Each page's early reading asks for a core, and the document its next page's reading.
    assert len(offered) == 3


@pytest.mark.parametrize(
    ("params", "dropped"),
    [({}, True), ({"drop_noise": "false"}, False), ({"preprocess": "false"}, False)],
    ids=["default-drops-noise", "switched-off", "read-as-sent"],
)
def test_noise_words_are_dropped_unless_switched_off(
    client: TestClient, eval_dir: Path, auth_headers: dict, params: dict, dropped: bool
) -> None:
    form = (eval_dir / "funsd-test" / "85201976.png").read_bytes()
    # Tesseract's reading of a form's rules and specks is where noise words come from.
    page = ocr(client, form, auth_headers, engine="tesseract", **params).json()["pages"][0]
    read = [word for line in page["lines"] for word in line["words"]]
    words = [Word(word["text"], word["bbox"], word["confidence"]) for word in read]
    assert any(step.startswith("drop-noise:") for step in page["steps"]) is dropped
    assert (not any(map(is_noise, words))) is dropped


def test_multi_page_tiff_reads_every_page(client: TestClient, auth_headers: dict) -> None:
    body = ocr(client, pages_as("TIFF", PAGE_TEXTS), auth_headers).json()
    assert [page["number"] for page in body["pages"]] == [1, 2, 3]
    for page, expected in zip(body["pages"], PAGE_TEXTS, strict=True):
        assert expected in page["text"]
    assert body["text"].count("\f") == 2


def test_pdf_pages_are_rendered_and_read(client: TestClient, auth_headers: dict) -> None:
    body = ocr(client, pages_as("PDF", PAGE_TEXTS), auth_headers).json()
    assert len(body["pages"]) == 3
    for page, expected in zip(body["pages"], PAGE_TEXTS, strict=True):
        assert expected in page["text"]
        assert page["source"] == "ocr"
        assert "pdf-render:300dpi" in page["steps"]


def test_an_image_sent_as_a_pdf_is_read_as_an_image(client: TestClient, auth_headers: dict) -> None:
    files = {"file": ("letter.pdf", encoded("PNG"), "application/pdf")}
    response = client.post("/v1/ocr", files=files, headers=auth_headers)
    page = response.json()["pages"][0]
    assert "Quick brown fox" in page["text"]
    assert "pdf-render:300dpi" not in page["steps"]


@pytest.mark.parametrize(
    ("spec", "numbers"),
    [
        pytest.param("2", [2], id="one"),
        pytest.param("1,3", [1, 3], id="list"),
        pytest.param("2-3", [2, 3], id="range"),
    ],
)
def test_pages_selects_pages(
    client: TestClient, auth_headers: dict, spec: str, numbers: list[int]
) -> None:
    body = ocr(client, pages_as("PDF", PAGE_TEXTS), auth_headers, pages=spec).json()
    assert [page["number"] for page in body["pages"]] == numbers
    assert PAGE_TEXTS[numbers[0] - 1] in body["pages"][0]["text"]


def test_pdf_text_layer_is_used_without_ocr(client: TestClient, auth_headers: dict) -> None:
    searchable = ocr(client, pages_as("PNG", ["Hidden layer words"]), auth_headers, format="pdf")
    assert searchable.status_code == 200
    body = ocr(client, searchable.content, auth_headers).json()
    page = body["pages"][0]
    assert page["source"] == "text-layer"
    assert "Hidden layer words" in page["text"]
    # The layer's words come with boxes on the page as rendered at 300 dpi.
    document = pdfium.PdfDocument(searchable.content)
    rendered = document[0].render(scale=300 / 72).to_pil().convert("L")
    document.close()
    assert (page["width"], page["height"]) == rendered.size
    words = [word for line in page["lines"] for word in line["words"]]
    assert [word["text"] for word in words] == ["Hidden", "layer", "words"]
    for word in words:
        assert rendered.crop(tuple(word["bbox"])).getextrema()[0] < 128, word["text"]


@pytest.mark.parametrize("fmt", ["json", "text"])
def test_an_invisible_text_layer_is_returned_as_it_is(
    client: TestClient, auth_headers: dict, fmt: str
) -> None:
    # The page itself is blank: OCR would find nothing, so the words can only come from the layer.
    data = pdf_with_text_layer(["Layer only words"], invisible=True)
    response = ocr(client, data, auth_headers, format=fmt)
    assert response.status_code == 200
    text = response.json()["text"] if fmt == "json" else response.text
    assert "Layer only words" in text


def test_french_is_read_with_lang_fra(client: TestClient, auth_headers: dict) -> None:
    page = text_image("Une fenêtre élégante près du château", size=44)
    french = ocr(client, page, auth_headers, lang="fra").json()
    assert french["lang"] == "fra"
    assert "fenêtre élégante" in french["text"]
    assert "château" in french["text"]


def test_eval_page_in_six_languages_is_read_with_lang_fra(
    client: TestClient, auth_headers: dict, eval_dir: Path
) -> None:
    page = (eval_dir / "tesseract-test" / "eurotext.tif").read_bytes()
    # Tesseract's models are per language (the neural dictionary holds every Latin letter).
    english = ocr(client, page, auth_headers, lang="eng", engine="tesseract").json()["text"]
    french = ocr(client, page, auth_headers, lang="fra", engine="tesseract").json()["text"]
    for phrase in ("«rapide» saute par-dessus le chien", "über den faulen Hund", "preguiçoso"):
        assert phrase in french
    # The English model has no "ç" to offer: the French data is what read it.
    assert "preguiçoso" not in english


def test_languages_combine(client: TestClient, auth_headers: dict) -> None:
    body = ocr(client, text_image("Hello château"), auth_headers, lang="fra+eng").json()
    assert body["lang"] == "fra+eng"
    assert "château" in body["text"]


@pytest.mark.parametrize("lang", ["xx", "eng+zzz", "../../etc/passwd", "eng+", "+"])
def test_unknown_language_is_400_listing_installed(
    client: TestClient, auth_headers: dict, lang: str
) -> None:
    response = ocr(client, text_image("x"), auth_headers, lang=lang)
    assert response.status_code == 400
    assert "Installed: " in response.json()["detail"]
    assert "eng" in response.json()["detail"]


@pytest.mark.parametrize(
    "params",
    [
        pytest.param({"psm": 0}, id="psm-0"),
        pytest.param({"psm": 2}, id="psm-2"),
        pytest.param({"psm": 14}, id="psm-14"),
        pytest.param({"psm": "x"}, id="psm-text"),
        pytest.param({"dpi": 10}, id="dpi-low"),
        pytest.param({"pages": "a-b"}, id="pages-garbled"),
        pytest.param({"pages": "3-1"}, id="pages-descending"),
        pytest.param({"pages": "0"}, id="pages-zero"),
        pytest.param({"format": "docx"}, id="format-unknown"),
    ],
)
def test_malformed_options_are_422(client: TestClient, auth_headers: dict, params: dict) -> None:
    response = ocr(client, text_image("x"), auth_headers, **params)
    assert response.status_code == 422
    assert response.json()["detail"]


def test_psm_is_honoured(client: TestClient, auth_headers: dict) -> None:
    # psm 7 reads the image as one line: two text lines come back as one.
    two_lines = text_image("First line\nSecond line")
    default = ocr(client, two_lines, auth_headers).json()["pages"][0]
    single = ocr(client, two_lines, auth_headers, psm=7).json()["pages"][0]
    assert len(default["lines"]) == 2
    assert len(single["lines"]) == 1


@pytest.mark.parametrize(
    ("fmt", "media_type", "marker"),
    [
        pytest.param("text", "text/plain", b"Quick brown fox", id="text"),
        pytest.param("hocr", "text/html", b"class='ocrx_word'", id="hocr"),
        pytest.param("alto", "application/xml", b"<alto", id="alto"),
        pytest.param("tsv", "text/tab-separated-values", b"level\tpage_num", id="tsv"),
        pytest.param("pdf", "application/pdf", b"%PDF-", id="pdf"),
    ],
)
def test_output_formats(
    client: TestClient, auth_headers: dict, fmt: str, media_type: str, marker: bytes
) -> None:
    response = ocr(client, encoded("PNG"), auth_headers, format=fmt)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(media_type)
    assert marker in response.content
    if fmt in ("hocr", "alto", "tsv"):
        assert b"brown" in response.content


def test_searchable_pdf_has_every_page_and_its_text(client: TestClient, auth_headers: dict) -> None:
    response = ocr(client, pages_as("TIFF", PAGE_TEXTS), auth_headers, format="pdf")
    document = pdfium.PdfDocument(response.content)
    assert len(document) == 3
    for index, expected in enumerate(PAGE_TEXTS):
        text = document[index].get_textpage().get_text_bounded()
        assert expected in text
    # The page image is there too, not only the invisible text.
    rendered = document[0].render(scale=1).to_pil().convert("L")
    assert rendered.getextrema()[0] < 100
    document.close()


def test_hocr_reads_all_pages(client: TestClient, auth_headers: dict) -> None:
    body = ocr(client, pages_as("TIFF", PAGE_TEXTS), auth_headers, format="hocr").content
    assert body.count(b"class='ocr_page'") == 3


def test_eval_page_is_read(client: TestClient, eval_dir: Path, auth_headers: dict) -> None:
    image = (eval_dir / "tesseract-test" / "phototest.tif").read_bytes()
    truth = (eval_dir / "tesseract-test" / "phototest.txt").read_text()
    text = ocr(client, image, auth_headers).json()["text"]
    assert truth.split()[:4] == text.split()[:4]


def test_auth_is_required(client: TestClient) -> None:
    response = ocr(client, text_image("x"), {})
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"


class TestLimits:
    def test_pages_per_document(
        self, client: TestClient, override_settings: SettingsFactory, auth_headers: dict
    ) -> None:
        override_settings(max_pages=2)
        for document in (pages_as("PDF", PAGE_TEXTS), pages_as("TIFF", PAGE_TEXTS)):
            response = ocr(client, document, auth_headers)
            assert response.status_code == 413
            assert "MAX_PAGES" in response.json()["detail"]
            assert "2" in response.json()["detail"]
            # The limit is on the pages read: one page of the document is within it.
            third = ocr(client, document, auth_headers, pages="3")
            assert third.status_code == 200
            assert [page["number"] for page in third.json()["pages"]] == [3]

    def test_pixels_per_page(
        self, client: TestClient, override_settings: SettingsFactory, auth_headers: dict
    ) -> None:
        override_settings(max_image_pixels=20_000)
        for document in (pages_as("PDF", PAGE_TEXTS[:1]), encoded("PNG")):
            response = ocr(client, document, auth_headers)
            assert response.status_code == 413
            assert "MAX_IMAGE_PIXELS" in response.json()["detail"]

    # A 32,000-pixel strip read twice a format: the rendered one takes seconds, not a fast test.
    @pytest.mark.parametrize("output", ["json", pytest.param("hocr", marks=pytest.mark.slow)])
    def test_a_side_longer_than_the_engine_reads(
        self, client: TestClient, auth_headers: dict, output: str
    ) -> None:
        words = Image.open(BytesIO(text_image("Quick brown fox")))
        strip = Image.new("RGB", (words.width, MAX_SIDE + 100), "white")
        strip.paste(words, (0, 0))
        buffer = BytesIO()
        strip.save(buffer, format="PNG")
        # Read smaller to fit by default; sent as is, a clear 413 rather than an engine failure.
        read = ocr(client, buffer.getvalue(), auth_headers, format=output)
        assert read.status_code == 200
        assert "brown" in read.text
        refused = ocr(client, buffer.getvalue(), auth_headers, format=output, rescale="false")
        assert refused.status_code == 413
        assert f"at most {MAX_SIDE} pixels on a side" in refused.json()["detail"]

    def test_bytes_per_upload(
        self, client: TestClient, override_settings: SettingsFactory, auth_headers: dict
    ) -> None:
        override_settings(max_upload_bytes=1000)
        response = ocr(client, encoded("PNG"), auth_headers)
        assert response.status_code == 413
        assert "MAX_UPLOAD_BYTES" in response.json()["detail"]

    def test_seconds_per_request(
        self,
        client: TestClient,
        override_settings: SettingsFactory,
        auth_headers: dict,
        eval_dir: Path,
    ) -> None:
        # A dense 300 dpi magazine page takes well over a second to read: the engine is stopped
        # at the request's time limit, and the answer is the server's timeout (not the
        # client's fault), naming the limit and what to do instead.
        override_settings(request_timeout_seconds=0.5)
        page = (eval_dir / "tesseract-test" / "8087_054.3B.tif").read_bytes()
        response = ocr(client, page, auth_headers)
        assert response.status_code == 504
        detail = response.json()["detail"]
        assert "0.5 seconds (REQUEST_TIMEOUT_SECONDS)" in detail
        assert "POST /v1/jobs" in detail
        # The engine stopped with the request: its thread is free for the next one.
        runner = client.app.state.runner
        assert poll(lambda: runner.admitted == 0, seconds=2)

    def test_broken_pdf_is_400(self, client: TestClient, auth_headers: dict) -> None:
        response = ocr(client, b"%PDF-1.7\n" + b"garbage" * 50, auth_headers)
        assert response.status_code == 400
        assert "PDF" in response.json()["detail"]


def test_preparation_switches_are_query_options(client: TestClient, auth_headers: dict) -> None:
    upside_down = Image.open(
        BytesIO(text_image("The quick brown fox jumps\nover the lazy dog"))
    ).rotate(180)
    buffer = BytesIO()
    upside_down.save(buffer, format="PNG")
    turned = ocr(client, buffer.getvalue(), auth_headers).json()["pages"][0]
    assert turned["rotation"] == 180
    assert "quick brown fox" in turned["text"]
    assert "rotate:180" in turned["steps"]
    kept = ocr(client, buffer.getvalue(), auth_headers, auto_rotate="false").json()["pages"][0]
    assert kept["rotation"] == 0
    assert "quick brown fox" not in kept["text"]
    raw = ocr(client, buffer.getvalue(), auth_headers, preprocess="false").json()["pages"][0]
    assert raw["steps"] == []


@pytest.mark.parametrize(
    ("switch", "present"), [("true", True), ("false", False)], ids=["on", "off"]
)
@pytest.mark.parametrize("step", ["remove_lines", "remove_border", "smooth"])
def test_line_and_border_removal_and_smoothing_are_query_options(
    client: TestClient, auth_headers: dict, switch: str, present: bool, step: str
) -> None:
    plain = text_image("Invoice number 1234\nTotal due today")  # none: off by default
    page = ocr(client, plain, auth_headers, **{step: switch}).json()["pages"][0]
    assert (step.replace("_", "-") in page["steps"]) is present
    assert "Total due" in page["text"]


@pytest.mark.parametrize(
    ("page", "params", "present"),
    [
        # auto reads a receipt Tesseract hesitates over neurally: the larger Tesseract models
        # are Tesseract's own second opinion.
        ("receipt", {"engine": "tesseract"}, True),
        ("receipt", {"engine": "tesseract", "second_opinion": "false"}, False),
        ("clean", {}, False),
        ("clean", {"second_opinion": "true"}, True),
    ],
    ids=["hesitant-receipt", "switched-off", "clean-page", "forced-on"],
)
def test_a_second_opinion_is_a_query_option(
    client: TestClient, eval_dir: Path, auth_headers: dict, page: str, params: dict, present: bool
) -> None:
    sent = (
        (eval_dir / "sroie-receipts" / "079.jpg").read_bytes()
        if page == "receipt"
        else text_image("Invoice number 1234\nTotal due today")
    )
    read = ocr(client, sent, auth_headers, **params).json()["pages"][0]
    assert any(step.startswith("second-opinion:") for step in read["steps"]) is present
    assert "TOTAL" in read["text"].upper()


def document_page() -> bytes:
    """A page with a title, a heading, a paragraph, a numbered list and an unruled table."""
    image = Image.new("RGB", (1400, 1100), "white")
    draw = ImageDraw.Draw(image)
    title, heading, body = (ImageFont.truetype(str(DEJAVU), size) for size in (64, 44, 30))
    draw.text((80, 60), "Harbour Report", fill="black", font=title)
    draw.text((80, 190), "Summary of the year", fill="black", font=heading)
    draw.text((80, 290), "Sales rose in every region this year,", fill="black", font=body)
    draw.text((80, 335), "and most of all along the coast.", fill="black", font=body)
    draw.text((80, 430), "1. More ships came in", fill="black", font=body)
    draw.text((80, 475), "2. Fewer days were lost", fill="black", font=body)
    rows = [("Region", "Ships", "Tonnes"), ("North", "120", "4,500"), ("South", "95", "3,100")]
    for number, row in enumerate([*rows, ("Coast", "210", "8,900")]):
        top = 580 + 60 * number
        for column, text in enumerate(row):
            right = 520 + 320 * column
            left = 80 if column == 0 else right - draw.textlength(text, font=body)
            draw.text((left, top), text, fill="black", font=body)
    buffer = BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def test_markdown_keeps_headings_paragraphs_lists_and_tables(
    client: TestClient, auth_headers: dict
) -> None:
    response = ocr(client, document_page(), auth_headers, format="markdown")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/markdown")
    blocks = response.text.strip().split("\n\n")
    assert blocks[0] == "# Harbour Report"
    assert blocks[1] == "## Summary of the year"
    assert blocks[2] == "Sales rose in every region this year, and most of all along the coast."
    assert blocks[3] == "1. More ships came in\n2. Fewer days were lost"
    assert blocks[4].splitlines() == [
        "| Region | Ships | Tonnes |",
        "| --- | --- | --- |",
        "| North | 120 | 4,500 |",
        "| South | 95 | 3,100 |",
        "| Coast | 210 | 8,900 |",
    ]
