"""A person's flows on the upload page, in real headless Chromium against the real server."""

import base64
import json
import random
import re
from io import BytesIO
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pypdfium2 as pdfium
import pytest
import requests
from PIL import Image
from playwright.sync_api import BrowserContext, Page, Response, Route, expect

from bench.documents import COUNTRIES, Document, receipt, tables
from tests.api.routes.v1.test_ocr import document_page
from tests.conftest import TEST_TOKEN, LiveServer, text_image
from tests.helpers.documents import dense_page, scanned_pdf

pytestmark = [pytest.mark.browser, pytest.mark.e2e]


def open_page(page: Page, server: LiveServer, token: str = TEST_TOKEN) -> None:
    page.goto(server.url + "/")
    page.fill("#token", token)


def read(page: Page, *paths: Path) -> None:
    page.set_input_files("#file", [str(path) for path in paths])
    page.click("#submit")


def test_upload_shows_text_and_word_boxes(
    page: Page, live_server: LiveServer, samples_dir: Path
) -> None:
    open_page(page, live_server)
    read(page, samples_dir / "ingredients-2.png")
    text = page.locator(".result .text")
    expect(text).to_have_value(re.compile("kosher salt"))
    expect(page.locator("#status")).to_have_text("Done.")
    boxes = page.locator(".result .box")
    assert boxes.count() > 20
    title = boxes.first.get_attribute("title")
    assert title is not None
    assert re.search(r"\d+% sure", title)
    # The boxes sit over the image: the first box is inside the image's rectangle.
    image = page.locator(".preview-image").bounding_box()
    box = boxes.first.bounding_box()
    assert image is not None
    assert box is not None
    assert image["x"] <= box["x"] <= image["x"] + image["width"]
    assert image["y"] <= box["y"] <= image["y"] + image["height"]
    page.locator(".result .box").first.hover()
    # The toggle hides and shows the boxes.
    page.click(".toggle-boxes")
    expect(page.locator(".boxes")).to_be_hidden()
    page.click(".toggle-boxes")
    expect(page.locator(".boxes")).to_be_visible()


def test_copy_puts_the_text_on_the_clipboard(
    page: Page, context: BrowserContext, live_server: LiveServer, samples_dir: Path
) -> None:
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    open_page(page, live_server)
    read(page, samples_dir / "ingredients-1.png")
    expect(page.locator(".result .text")).to_have_value(re.compile("chili powder"))
    page.click(".result .copy")
    expect(page.locator(".result .copy")).to_have_text("Copied")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert "chili powder" in copied
    assert copied == page.locator(".result .text").input_value()


@pytest.mark.parametrize(
    ("format_", "name_end", "marker"),
    [
        pytest.param("text", ".txt", b"chili powder", id="txt"),
        pytest.param("hocr", ".hocr.html", b"ocrx_word", id="hocr"),
        pytest.param("pdf", ".pdf", b"%PDF-", id="pdf"),
    ],
)
def test_downloads(
    page: Page, live_server: LiveServer, samples_dir: Path, format_: str, name_end: str,
    marker: bytes,
) -> None:  # fmt: skip
    open_page(page, live_server)
    read(page, samples_dir / "ingredients-1.png")
    expect(page.locator(".result .text")).to_have_value(re.compile("chili"))
    with page.expect_download() as info:
        page.click(f'.result .download[data-format="{format_}"]')
    download = info.value
    assert download.suggested_filename == "ingredients-1" + name_end
    assert marker in Path(download.path()).read_bytes()


@pytest.mark.expected_console_errors("401")
def test_wrong_token_says_so(page: Page, live_server: LiveServer, samples_dir: Path) -> None:
    open_page(page, live_server, token="not-the-token")
    read(page, samples_dir / "ingredients-1.png")
    expect(page.locator("#status")).to_contain_text("access token was not accepted")
    expect(page.locator("#status")).to_have_class(re.compile("error"))


@pytest.mark.expected_console_errors("415")
def test_text_file_says_it_is_not_an_image(
    page: Page, live_server: LiveServer, tmp_path: Path
) -> None:
    notes = tmp_path / "notes.png"
    notes.write_text("just some notes, not a picture")
    open_page(page, live_server)
    read(page, notes)
    expect(page.locator("#status")).to_contain_text("not an image or PDF")


@pytest.mark.expected_console_errors("413", "429", "503")
@pytest.mark.parametrize(
    ("status", "headers", "message"),
    [
        pytest.param(413, {}, "too large", id="413"),
        pytest.param(429, {"Retry-After": "12"}, "Try again in 12 seconds", id="429"),
        pytest.param(503, {"Retry-After": "7"}, "busy. Try again in 7 seconds", id="503"),
    ],
)
def test_refusals_get_human_messages(
    page: Page, live_server: LiveServer, samples_dir: Path, status: int, headers: dict,
    message: str,
) -> None:  # fmt: skip
    # The server's real answers for these are tested elsewhere; here only the page's wording.
    page.route(
        "**/v1/ocr*",
        lambda route: route.fulfill(
            status=status, headers=headers, content_type="application/json",
            body='{"detail": "limit reached"}',
        ),
    )  # fmt: skip
    open_page(page, live_server)
    read(page, samples_dir / "ingredients-1.png")
    expect(page.locator("#status")).to_contain_text(message)


def test_paste_an_image(page: Page, live_server: LiveServer, samples_dir: Path) -> None:
    open_page(page, live_server)
    encoded = base64.b64encode((samples_dir / "ingredients-1.png").read_bytes()).decode()
    page.evaluate(
        """(data) => {
            const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
            const transfer = new DataTransfer();
            transfer.items.add(new File([bytes], "", { type: "image/png" }));
            const event = new ClipboardEvent("paste", { clipboardData: transfer, bubbles: true });
            document.body.dispatchEvent(event);
        }""",
        encoded,
    )
    expect(page.locator("#chosen li")).to_have_text(["pasted-1.png"])
    page.click("#submit")
    expect(page.locator(".result .text")).to_have_value(re.compile("chili powder"))


def test_several_files_and_a_pdf(page: Page, live_server: LiveServer, tmp_path: Path) -> None:
    pages = [Image.open(BytesIO(text_image(t))).convert("RGB") for t in ("First page", "Next page")]
    pdf = tmp_path / "two-pages.pdf"
    pages[0].save(pdf, save_all=True, append_images=pages[1:], resolution=150)
    note = tmp_path / "note.png"
    note.write_bytes(text_image("A short note"))
    open_page(page, live_server)
    read(page, pdf, note)
    expect(page.locator(".result")).to_have_count(2)
    expect(page.locator("#status")).to_have_text("Done: 2 files read.")
    pdf_card = page.locator(".result", has_text="two-pages.pdf")
    expect(pdf_card.locator(".result-meta")).to_contain_text("2 pages")
    expect(pdf_card.locator(".text")).to_have_value(re.compile("First page[\\s\\S]*Next page"))


def test_language_picker_comes_from_the_service(page: Page, live_server: LiveServer) -> None:
    page.goto(live_server.url + "/")
    options = page.locator("#lang option")
    expect(options).to_contain_text(["Automatic", "deu", "eng", "fra"])
    expect(options.first).to_have_text("Automatic")
    expect(page.locator("#lang")).to_have_value("auto")


def test_french_through_the_picker(page: Page, live_server: LiveServer, tmp_path: Path) -> None:
    french = tmp_path / "fr.png"
    french.write_bytes(text_image("Une fenêtre élégante", size=44))
    open_page(page, live_server)
    expect(page.locator("#lang option[value=fra]")).to_be_attached()
    page.select_option("#lang", "fra")
    with page.expect_request(lambda request: "/v1/ocr?" in request.url) as sent:
        read(page, french)
    assert parse_qs(urlparse(sent.value.url).query)["lang"] == ["fra"]
    expect(page.locator(".result .text")).to_have_value(re.compile("fenêtre élégante"))
    expect(page.locator(".result .languages")).to_be_hidden()  # named, not found


def test_automatic_language_by_default_and_the_one_found_is_shown(
    page: Page, live_server: LiveServer, tmp_path: Path
) -> None:
    french = tmp_path / "fr.png"
    french.write_bytes(text_image("Une fenêtre élégante donne sur le jardin fleuri", size=44))
    open_page(page, live_server)
    with page.expect_request(lambda request: "/v1/ocr?" in request.url) as sent:
        read(page, french)
    assert parse_qs(urlparse(sent.value.url).query)["lang"] == ["auto"]
    expect(page.locator(".result .text")).to_have_value(re.compile("fenêtre élégante"))
    expect(page.locator(".result .languages")).to_have_text(
        re.compile(r"^Languages?: French \(\d\.\d\d\)")
    )


def test_automatic_language_reaches_a_job_too(
    page: Page, live_server: LiveServer, tmp_path: Path
) -> None:
    document = tmp_path / "fr.pdf"
    document.write_bytes(
        scanned_pdf([text_image("Une fenêtre élégante donne sur le jardin fleuri", size=44)])
    )
    open_page(page, live_server)
    with page.expect_request(lambda request: "/v1/jobs?" in request.url) as sent:
        read(page, document)
    assert parse_qs(urlparse(sent.value.url).query)["lang"] == ["auto"]
    expect(page.locator("#status")).to_have_text("Done.")
    expect(page.locator(".result .languages")).to_have_text(re.compile(r"French"))


def test_token_is_kept_in_the_session_and_never_in_the_url(
    page: Page, live_server: LiveServer, samples_dir: Path
) -> None:
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    open_page(page, live_server)
    read(page, samples_dir / "ingredients-1.png")
    expect(page.locator("#status")).to_have_text("Done.")
    assert page.evaluate("sessionStorage.getItem('ocr-token')") == TEST_TOKEN
    assert page.evaluate("localStorage.getItem('ocr-token')") is None
    assert all(TEST_TOKEN not in url for url in [*requested, page.url])
    page.reload()
    expect(page.locator("#token")).to_have_value(TEST_TOKEN)  # asked once per tab


def test_remember_keeps_the_token_across_tabs(
    page: Page, context: BrowserContext, live_server: LiveServer
) -> None:
    open_page(page, live_server)
    page.check("#remember")
    assert page.evaluate("localStorage.getItem('ocr-token')") == TEST_TOKEN
    other = context.new_page()
    other.goto(live_server.url + "/")
    expect(other.locator("#token")).to_have_value(TEST_TOKEN)
    other.close()


def test_phone_width_layout(page: Page, live_server: LiveServer, samples_dir: Path) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    open_page(page, live_server)
    read(page, samples_dir / "ingredients-2.png")
    expect(page.locator(".result .text")).to_have_value(re.compile("kosher salt"))
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    for selector in ("#submit", "#lang", "#token", ".result .copy", ".preview-image"):
        box = page.locator(selector).bounding_box()
        assert box is not None
        assert box["x"] >= 0
        assert box["x"] + box["width"] <= 390


def test_keyboard_only(page: Page, live_server: LiveServer, samples_dir: Path) -> None:
    page.goto(live_server.url + "/")
    page.set_input_files("#file", str(samples_dir / "ingredients-1.png"))
    reached = []
    for _ in range(12):
        page.keyboard.press("Tab")
        reached.append(page.evaluate("document.activeElement.id"))
    assert {"file", "lang", "psm", "auto-rotate", "token", "remember", "submit"} <= set(reached)
    page.focus("#token")
    page.keyboard.type(TEST_TOKEN)
    page.keyboard.press("Enter")  # submits the form
    expect(page.locator(".result .text")).to_have_value(re.compile("chili powder"))


def test_every_control_is_labelled(page: Page, live_server: LiveServer, samples_dir: Path) -> None:
    open_page(page, live_server)
    read(page, samples_dir / "ingredients-1.png")
    expect(page.locator(".result .text")).to_have_value(re.compile("chili"))
    unlabelled = page.evaluate(
        """() => [...document.querySelectorAll("input, select, textarea, button")]
            .filter((el) => !(el.labels && el.labels.length) && !el.getAttribute("aria-label")
                            && !(el.tagName === "BUTTON" && el.textContent.trim()))
            .map((el) => el.outerHTML)"""
    )
    assert unlabelled == []


def test_strict_csp_holds(page: Page, live_server: LiveServer, samples_dir: Path) -> None:
    violations: list[str] = []
    page.expose_function("reportViolation", lambda text: violations.append(text))
    page.add_init_script(
        "document.addEventListener('securitypolicyviolation',"
        " (e) => window.reportViolation(e.violatedDirective + ' ' + e.blockedURI));"
    )
    response = page.goto(live_server.url + "/")
    assert response is not None
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    page.fill("#token", TEST_TOKEN)
    read(page, samples_dir / "ingredients-1.png")
    expect(page.locator(".result .box").first).to_be_attached()
    assert violations == []


def test_api_docs_render_offline(page: Page, live_server: LiveServer) -> None:
    page.goto(live_server.url + "/docs")
    expect(page.locator(".opblock-summary-path", has_text="/v1/ocr")).to_be_visible()


def test_auto_rotation_option(page: Page, live_server: LiveServer, tmp_path: Path) -> None:
    lines = "The quick brown fox jumps\nover the lazy dog\nand reads a book"
    upside_down = tmp_path / "upside-down.png"
    Image.open(BytesIO(text_image(lines))).rotate(180).save(upside_down)
    open_page(page, live_server)
    read(page, upside_down)
    expect(page.locator(".result .text")).to_have_value(re.compile("quick brown fox"))
    page.uncheck("#auto-rotate")
    with page.expect_request("**/v1/ocr*") as sent:
        page.click("#submit")
    assert "auto_rotate=false" in sent.value.url
    expect(page.locator("#status")).to_have_text("Done.")
    assert "quick brown fox" not in page.locator(".result .text").input_value()


# --- documents: PDFs and multi-page TIFFs go to /v1/jobs, with progress and a Cancel button.

AUTH = {"Authorization": f"Bearer {TEST_TOKEN}"}
JOB_TIMEOUT_MS = 120_000

# Every text the status line shows, with the form's <progress> at that moment: a job's
# progress can go by faster than a poll of the page would see it.
RECORD_STATUS = """
document.addEventListener("DOMContentLoaded", () => {
  window.seenStatus = [];
  const status = document.getElementById("status");
  const progress = document.getElementById("progress");
  new MutationObserver(() => window.seenStatus.push({
    text: status.textContent, hidden: progress.hidden,
    value: progress.hasAttribute("value") ? progress.value : null, max: progress.max,
  })).observe(status, { childList: true, characterData: true, subtree: true });
});
"""


def drop(page: Page, data: bytes, name: str) -> None:
    """Drop a file on the drop zone, as a person dragging it from their desktop does."""
    page.evaluate(
        """([data, name]) => {
            const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
            const transfer = new DataTransfer();
            transfer.items.add(new File([bytes], name));  // no type: only its bytes tell
            document.getElementById("drop-zone").dispatchEvent(
                new DragEvent("drop", { dataTransfer: transfer, bubbles: true, cancelable: true })
            );
        }""",
        [base64.b64encode(data).decode(), name],
    )


def job_submissions(page: Page) -> list[Response]:
    """The answers to the page's POST /v1/jobs, as they come."""
    answers: list[Response] = []
    page.on(
        "response",
        lambda response: (
            response.request.method == "POST"
            and "/v1/jobs?" in response.url
            and answers.append(response)
        ),
    )
    return answers


def job_status(server: LiveServer, answer: Response) -> dict:
    location = answer.headers["location"]
    response = requests.get(server.url + location, headers=AUTH, timeout=10)
    assert response.status_code == 200, response.text
    status: dict = response.json()
    return status


def test_a_dropped_pdf_is_read_as_a_job_with_its_progress(
    page: Page, live_server: LiveServer
) -> None:
    document = scanned_pdf([dense_page(number, lines=6) for number in (1, 2, 3)])
    page.add_init_script(RECORD_STATUS)
    submissions = job_submissions(page)
    ocr_requests: list[str] = []
    page.on(
        "request", lambda request: "/v1/ocr" in request.url and ocr_requests.append(request.url)
    )
    open_page(page, live_server)
    drop(page, document, "three-pages")  # no .pdf: the page tells a PDF by its first bytes
    expect(page.locator("#chosen li")).to_have_text(["three-pages"])
    page.click("#submit")
    text = page.locator(".result .text")
    expect(text).to_have_value(
        # Every page's text, in page order (a digit misread now and then is the engine's).
        re.compile(r"Page 1 line[\s\S]*Page 2 line[\s\S]*Page 3 line"),
        timeout=JOB_TIMEOUT_MS,
    )
    expect(page.locator("#status")).to_have_text("Done.")
    expect(page.locator(".result .result-meta")).to_contain_text("3 pages")
    seen = page.evaluate("window.seenStatus")
    reading = [entry for entry in seen if entry["text"].startswith("Reading page")]
    assert reading, f"no progress shown: {seen}"
    assert reading[0]["text"].startswith("Reading page 1 of 3")
    assert all(not entry["hidden"] and entry["max"] == 3 for entry in reading)
    assert [entry["value"] for entry in reading] == sorted(entry["value"] for entry in reading)
    assert ocr_requests == []
    assert len(submissions) == 1
    assert submissions[0].status == 202
    # Once its text is on the page the service keeps nothing of it.
    assert job_status(live_server, submissions[0])["status"] == "succeeded"
    result = requests.get(
        live_server.url + submissions[0].headers["location"] + "/result",
        headers=AUTH, timeout=10,
    )  # fmt: skip
    assert result.status_code == 410


def test_cancel_stops_the_job(page: Page, live_server: LiveServer, tmp_path: Path) -> None:
    book = tmp_path / "book.pdf"
    book.write_bytes(scanned_pdf([dense_page(number) for number in range(1, 9)]))
    submissions = job_submissions(page)
    open_page(page, live_server)
    read(page, book)
    expect(page.locator("#status")).to_contain_text("Reading page", timeout=30_000)
    expect(page.locator("#status")).to_contain_text("of 8")
    expect(page.locator(".result .result-progress")).to_be_visible()
    cancel = page.get_by_role("button", name="Cancel reading book.pdf")
    with page.expect_request(lambda request: request.method == "DELETE") as deletion:
        cancel.click()
    assert deletion.value.url == live_server.url + submissions[0].headers["location"]
    expect(page.locator("#status")).to_have_text("Canceled.")
    expect(page.locator(".result .result-meta")).to_have_text("Canceled.")
    expect(cancel).to_be_hidden()
    status = job_status(live_server, submissions[0])
    assert status["status"] == "canceled"
    assert status["pages_done"] < status["pages_total"]


def test_a_failed_page_is_shown_with_its_error(
    page: Page, live_server: LiveServer, tmp_path: Path
) -> None:
    # A page too large to render (200 x 200 inches) between two ordinary ones.
    pages = [text_image(f"Readable page {number}") for number in (1, 3)]
    pdf = pdfium.PdfDocument(scanned_pdf(pages, dpi=150))
    pdf.new_page(14400, 14400, index=1)
    document = tmp_path / "with-a-bad-page.pdf"
    pdf.save(str(document))
    open_page(page, live_server)
    read(page, document)
    errors = page.locator(".result .page-errors li")
    expect(errors).to_have_count(1, timeout=JOB_TIMEOUT_MS)
    expect(errors).to_contain_text(re.compile("^Page 2 could not be read: .*MAX_IMAGE_PIXELS"))
    expect(page.locator(".result .result-meta")).to_contain_text("3 pages · 1 could not be read")
    expect(page.locator(".result .text")).to_have_value(
        re.compile("Readable page 1[\\s\\S]*Readable page 3")
    )


def test_a_failed_job_shows_its_error(page: Page, live_server: LiveServer, tmp_path: Path) -> None:
    # The service's real failures (a document it cannot open) are tested with the service;
    # here the page's handling of a failed job's status.
    def failed(route: Route) -> None:
        if route.request.method != "GET":
            route.fallback()
            return
        job_id = route.request.url.rsplit("/", 1)[1]
        body = {
            "id": job_id, "status": "failed", "pages_total": 1, "pages_done": 0,
            "pages_failed": 0, "error": {"detail": "The document could not be opened here."},
            "links": {"self": f"/v1/jobs/{job_id}", "result": f"/v1/jobs/{job_id}/result"},
        }  # fmt: skip
        route.fulfill(status=200, content_type="application/json", body=json.dumps(body))

    page.route("**/v1/jobs/*", failed)
    document = tmp_path / "one-page.pdf"
    document.write_bytes(scanned_pdf([text_image("One page")], dpi=150))
    open_page(page, live_server)
    read(page, document)
    expect(page.locator("#status")).to_contain_text("The document could not be opened here.")
    expect(page.locator("#status")).to_have_class(re.compile("error"))
    expect(page.locator(".result .result-meta")).to_contain_text("could not be opened here")


def test_a_documents_searchable_pdf_is_made_by_a_job(
    page: Page, live_server: LiveServer, tmp_path: Path
) -> None:
    document = tmp_path / "two-pages.pdf"
    document.write_bytes(scanned_pdf([text_image(f"Side {n} of two") for n in (1, 2)], dpi=150))
    open_page(page, live_server)
    read(page, document)
    expect(page.locator(".result .text")).to_have_value(
        re.compile("Side 1 of two[\\s\\S]*Side 2 of two"), timeout=JOB_TIMEOUT_MS
    )
    with (
        page.expect_request(re.compile(r"/v1/jobs\?.*formats=pdf")),
        page.expect_download(timeout=JOB_TIMEOUT_MS) as info,
    ):
        page.click('.result .download[data-format="pdf"]')
    download = info.value
    assert download.suggested_filename == "two-pages.pdf"
    searchable = pdfium.PdfDocument(download.path())
    assert len(searchable) == 2
    assert "Side 2 of two" in searchable[1].get_textpage().get_text_range()


def _tiff(*texts: str) -> bytes:
    images = [Image.open(BytesIO(text_image(text))) for text in texts]
    buffer = BytesIO()
    images[0].save(buffer, format="TIFF", save_all=True, append_images=images[1:])
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "data", "endpoint"),
    [
        pytest.param("scan.tif", _tiff("First leaf", "Second leaf"), "/v1/jobs", id="tiff-pages"),
        pytest.param("scan.tif", _tiff("First leaf"), "/v1/ocr", id="tiff-one-page"),
        pytest.param("First leaf.pdf", text_image("First leaf"), "/v1/ocr", id="png-named-pdf"),
    ],
)
def test_what_goes_as_a_job_is_told_by_the_files_bytes(
    page: Page, live_server: LiveServer, tmp_path: Path, name: str, data: bytes, endpoint: str
) -> None:
    file = tmp_path / name
    file.write_bytes(data)
    open_page(page, live_server)
    with page.expect_request(re.compile(r"/v1/(ocr|jobs)\?")) as sent:
        read(page, file)
    assert sent.value.method == "POST"
    assert endpoint + "?" in sent.value.url
    expect(page.locator(".result .text")).to_have_value(
        re.compile("First leaf"), timeout=JOB_TIMEOUT_MS
    )
    expect(page.locator("#status")).to_have_text("Done.")


# Every delay the page asks setTimeout for, kept; run 50 times faster so the test is quick.
RECORD_DELAYS = """
window.delays = [];
const realSetTimeout = window.setTimeout;
window.setTimeout = (callback, ms, ...rest) => {
  window.delays.push(ms);
  return realSetTimeout(callback, ms / 50, ...rest);
};
"""


def job_body(job_id: str, status: str) -> str:
    return json.dumps({
        "id": job_id, "status": status, "pages_total": 1,
        "pages_done": 1 if status == "succeeded" else 0, "pages_failed": 0, "error": None,
        "links": {"self": f"/v1/jobs/{job_id}", "result": f"/v1/jobs/{job_id}/result"},
    })  # fmt: skip


def test_polling_follows_retry_after_within_bounds(
    page: Page, live_server: LiveServer, tmp_path: Path
) -> None:
    # The page's pace alone, against a service played by the test: the submission's answer
    # says 0 s, then the status 60 s, nothing, and 2 s; the page waits 0.5 s (the least),
    # 5 s (the most), 1 s and 2 s.
    answers: list[str | None] = ["60", None, "2"]

    def submitted(route: Route) -> None:
        route.fulfill(
            status=202, content_type="application/json", body=job_body("j_paced", "queued"),
            headers={"location": "/v1/jobs/j_paced", "retry-after": "0"},
        )  # fmt: skip

    def status(route: Route) -> None:
        if route.request.method != "GET" or not answers:
            route.fulfill(content_type="application/json", body=job_body("j_paced", "succeeded"))
            return
        retry_after = answers.pop(0)
        headers = {"retry-after": retry_after} if retry_after is not None else {}
        route.fulfill(
            content_type="application/json", headers=headers, body=job_body("j_paced", "running")
        )

    result = {
        "text": "Patience pays", "lang": "eng", "timings_ms": {"total": 1},
        "pages": [{"number": 1, "width": 10, "height": 10, "text": "Patience pays",
                   "lines": [], "error": None}],
    }  # fmt: skip
    page.route("**/v1/jobs?*", submitted)
    page.route("**/v1/jobs/j_paced", status)
    page.route(
        "**/v1/jobs/j_paced/result?*",
        lambda route: route.fulfill(content_type="application/json", body=json.dumps(result)),
    )
    page.add_init_script(RECORD_DELAYS)
    document = tmp_path / "one-page.pdf"
    document.write_bytes(scanned_pdf([text_image("Patience pays")], dpi=150))
    open_page(page, live_server)
    read(page, document)
    expect(page.locator(".result .text")).to_have_value("Patience pays")
    assert not answers
    assert page.evaluate("window.delays") == [500, 5000, 1000, 2000]


@pytest.mark.expected_console_errors("503")
def test_a_busy_service_while_polling_is_asked_again(
    page: Page, live_server: LiveServer, tmp_path: Path
) -> None:
    busy = [True]

    def status(route: Route) -> None:
        if route.request.method == "GET" and busy:
            busy.clear()
            route.fulfill(
                status=503, headers={"retry-after": "1"}, content_type="application/json",
                body='{"detail": "busy"}',
            )  # fmt: skip
            return
        route.fallback()

    page.route("**/v1/jobs/*", status)
    document = tmp_path / "one-page.pdf"
    document.write_bytes(scanned_pdf([text_image("Try again later")], dpi=150))
    open_page(page, live_server)
    read(page, document)
    expect(page.locator(".result .text")).to_have_value(
        re.compile("Try again later"), timeout=JOB_TIMEOUT_MS
    )
    assert not busy, "the status was never asked for"
    expect(page.locator("#status")).to_have_text("Done.")


def read_a_receipt_as_data(
    page: Page, live_server: LiveServer, tmp_path: Path, lang: str | None = None
) -> Document:
    """A generated US receipt read through the page as data (in `lang`, else Automatic)."""
    document = receipt(random.Random(11), COUNTRIES[0], "DejaVuSansMono.ttf", "clean", "r")
    path = tmp_path / "receipt.png"
    document.image.save(path)
    open_page(page, live_server)
    page.select_option("#read-as", "extract")
    if lang is not None:
        page.select_option("#lang", lang)
    read(page, path)
    expect(page.locator("#status")).to_have_text("Done.")
    return document


def test_a_receipt_read_as_data_shows_its_fields_beside_the_image(
    page: Page, live_server: LiveServer, tmp_path: Path
) -> None:
    # Named: what is shown of the fields, not which language "Automatic" finds (below).
    document = read_a_receipt_as_data(page, live_server, tmp_path, lang="eng")
    total = page.locator('.fields dd[data-field="total"]')
    expect(total).to_have_text(document.fields["total"])
    expect(page.locator('.fields dd[data-field="transaction_date"]')).to_have_text(
        document.fields["transaction_date"]
    )
    expect(page.locator(".extraction-kind")).to_have_text("Receipt")
    expect(page.locator(".checks")).to_have_text("The items and sums add up.")
    expect(page.locator(".items tbody tr")).to_have_count(len(document.items))
    # Pointing at the total lights its box, which sits over the image where the total is.
    box = page.locator('.field-box[data-field="total"]')
    expect(box).not_to_have_class(re.compile(r"\blit\b"))
    total.hover()
    expect(box).to_have_class(re.compile(r"\blit\b"))
    image = page.locator(".preview-image").bounding_box()
    where = box.bounding_box()
    assert image is not None
    assert where is not None
    assert image["x"] + image["width"] / 2 < where["x"] + where["width"]  # right-aligned amount
    assert image["y"] + image["height"] / 2 < where["y"]  # in the lower half of the receipt
    # Keyboard: tabbing to a field lights it too.
    page.locator('.fields dd[data-field="merchant_name"]').focus()
    expect(page.locator('.field-box[data-field="merchant_name"]')).to_have_class(
        re.compile(r"\blit\b")
    )
    with page.expect_download() as download:
        page.click('.download[data-format="json"]')
    saved = json.loads(Path(download.value.path()).read_text(encoding="utf-8"))
    assert saved["fields"]["total"]["value"] == document.fields["total"]


def test_a_receipt_read_in_the_automatic_language_keeps_its_date(
    page: Page, live_server: LiveServer, tmp_path: Path
) -> None:
    document = read_a_receipt_as_data(page, live_server, tmp_path)
    expect(page.locator('.fields dd[data-field="transaction_date"]')).to_have_text(
        document.fields["transaction_date"], timeout=2000
    )


def test_a_page_is_shown_formatted_and_its_markdown_downloaded(
    page: Page, live_server: LiveServer, tmp_path: Path
) -> None:
    path = tmp_path / "report.png"
    path.write_bytes(document_page())
    open_page(page, live_server)
    read(page, path)
    expect(page.locator("#status")).to_have_text("Done.")
    page.click(".show-formatted")
    formatted = page.locator(".formatted")
    expect(formatted.locator("h3")).to_have_text("Harbour Report")
    expect(formatted.locator("h4")).to_have_text("Summary of the year")
    expect(formatted.locator("ol li")).to_have_count(2)
    expect(formatted.locator("table tr")).to_have_count(4)
    expect(formatted.locator("table th").first).to_have_text("Region")
    with page.expect_download() as download:
        page.click('.download[data-format="markdown"]')
    assert download.value.suggested_filename == "report.md"
    saved = Path(download.value.path()).read_text(encoding="utf-8")
    assert saved.startswith("# Harbour Report\n")
    page.click(".show-formatted")
    expect(formatted).to_be_hidden()


def test_a_table_read_as_data_is_shown_as_a_table(
    page: Page, live_server: LiveServer, tmp_path: Path
) -> None:
    generated = tables()[1]
    path = tmp_path / "table.png"
    generated.image.save(path)
    open_page(page, live_server)
    page.select_option("#read-as", "extract")
    read(page, path)
    expect(page.locator("#status")).to_have_text("Done.")
    shown = page.locator(".tables table")
    expect(shown.locator("tr")).to_have_count(len(generated.grid))
    expect(shown.locator("th")).to_have_text(generated.grid[0])
    expect(shown.locator("tr").nth(1).locator("td")).to_have_text(generated.grid[1])
