"""Headless Chromium from Debian's `chromium` package, driven by Playwright."""

import shutil
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

from tests.conftest import ARTIFACTS_DIR, LiveServer

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    # Module scope: Playwright's sync API keeps an event loop running while it is open, which
    # would break asyncio.run() in the tests that come after.
    if not Path(CHROMIUM).exists():
        pytest.fail("Chromium is missing: `make test` installs Debian's chromium package.")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


class PageWatch:
    """What a page did that it must not: console errors, uncaught errors, other hosts."""

    def __init__(self, server: LiveServer) -> None:
        self.host = urlparse(server.url).netloc
        self.console_errors: list[str] = []
        self.foreign_requests: list[str] = []

    def attach(self, page: Page) -> None:
        page.on(
            "console",
            lambda message: message.type == "error" and self.console_errors.append(message.text),
        )
        page.on("pageerror", lambda error: self.console_errors.append(str(error)))
        page.on("request", self._check_request)

    def _check_request(self, request) -> None:
        url = urlparse(request.url)
        if url.scheme in ("http", "https", "ws", "wss") and url.netloc != self.host:
            self.foreign_requests.append(request.url)


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    context = browser.new_context(accept_downloads=True, viewport={"width": 1200, "height": 900})
    yield context
    context.close()


@pytest.fixture
def watch(live_server: LiveServer) -> PageWatch:
    return PageWatch(live_server)


@pytest.fixture
def page(
    context: BrowserContext, watch: PageWatch, request: pytest.FixtureRequest
) -> Iterator[Page]:
    page = context.new_page()
    watch.attach(page)
    yield page
    ARTIFACTS_DIR.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS_DIR / f"{request.node.name}.png", full_page=True)
    expected_errors = request.node.get_closest_marker("expected_console_errors")
    errors = watch.console_errors
    if expected_errors:
        errors = [e for e in errors if not any(s in e for s in expected_errors.args)]
    assert not errors, f"console errors: {errors}"
    assert not watch.foreign_requests, f"requests to other hosts: {watch.foreign_requests}"
