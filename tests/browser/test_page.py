"""A person's flows on the upload page, in real headless Chromium against the real server."""

import base64
import re
from io import BytesIO
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import BrowserContext, Page, expect

from tests.conftest import TEST_TOKEN, LiveServer, text_image

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
    expect(options).to_contain_text(["deu", "eng", "fra"])
    expect(page.locator("#lang")).to_have_value("eng")


def test_french_through_the_picker(page: Page, live_server: LiveServer, tmp_path: Path) -> None:
    french = tmp_path / "fr.png"
    french.write_bytes(text_image("Une fenêtre élégante", size=44))
    open_page(page, live_server)
    page.select_option("#lang", "fra")
    read(page, french)
    expect(page.locator(".result .text")).to_have_value(re.compile("fenêtre élégante"))


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
