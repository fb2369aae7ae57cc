"""The v1 API on the real production server (gunicorn), as clients reach it."""

import re
from io import BytesIO

import pypdfium2 as pdfium
import pytest
import requests
from PIL import Image

from tests.conftest import LiveServer, text_image

pytestmark = pytest.mark.e2e

TEXTS = ["Alpha page one", "Bravo page two", "Charlie page three"]


def three_page_pdf() -> bytes:
    images = [Image.open(BytesIO(text_image(text))).convert("RGB") for text in TEXTS]
    buffer = BytesIO()
    images[0].save(buffer, format="PDF", save_all=True, append_images=images[1:], resolution=150)
    return buffer.getvalue()


def test_pdf_json_and_searchable_pdf(live_server: LiveServer, auth_headers: dict) -> None:
    pdf = three_page_pdf()
    # Named and typed as a PNG on purpose: the content decides.
    files = {"file": ("scan.png", pdf, "image/png")}
    response = requests.post(
        f"{live_server.url}/v1/ocr", files=files, headers=auth_headers, timeout=60
    )
    assert response.status_code == 200
    body = response.json()
    assert [page["number"] for page in body["pages"]] == [1, 2, 3]
    for page, text in zip(body["pages"], TEXTS, strict=True):
        assert text in page["text"]

    response = requests.post(
        f"{live_server.url}/v1/ocr",
        params={"format": "pdf", "pages": "2-3"},
        files={"file": ("doc.pdf", pdf, "application/pdf")},
        headers=auth_headers,
        timeout=60,
    )
    assert response.headers["content-type"] == "application/pdf"
    document = pdfium.PdfDocument(response.content)
    try:
        assert len(document) == 2
        assert TEXTS[1] in document[0].get_textpage().get_text_bounded()
    finally:
        document.close()


def test_languages_and_docs_without_other_hosts(live_server: LiveServer) -> None:
    languages = requests.get(f"{live_server.url}/v1/languages", timeout=10).json()
    assert "fra" in languages["languages"]
    html = requests.get(f"{live_server.url}/docs", timeout=10).text
    urls = re.findall(r'(?:src|href|data-openapi-url)="([^"]+)"', html)
    assert urls
    for url in urls:
        assert url.startswith(live_server.url + "/"), url
        assert requests.get(url, timeout=10).status_code == 200
    assert not re.search(r"https?://(?!127\.0\.0\.1)", html)


def test_the_pytesseract_engine_serves_v1(start_server, auth_headers: dict) -> None:
    server = start_server(TESSERACT_BINDING="pytesseract")
    files = {"file": ("pages.pdf", three_page_pdf())}
    body = requests.post(
        f"{server.url}/v1/ocr", files=files, headers=auth_headers, timeout=60
    ).json()
    assert body["engine"]["name"] == "pytesseract"
    assert [page["number"] for page in body["pages"]] == [1, 2, 3]
    assert TEXTS[2] in body["pages"][2]["text"]
    assert body["pages"][0]["lines"][0]["words"][0]["bbox"]
    hocr = requests.post(
        f"{server.url}/v1/ocr",
        params={"format": "hocr", "pages": "1"},
        files=files,
        headers=auth_headers,
        timeout=60,
    )
    assert hocr.headers["content-type"].startswith("text/html")
    assert hocr.content.count(b"class='ocr_page'") == 1
