"""Behind a gateway: the service under a path prefix (ROOT_PATH) and X-Forwarded-* believed
from trusted proxies only (FORWARDED_ALLOW_IPS)."""

import http.client
import re
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests
from fastapi.testclient import TestClient

from tests.conftest import TEST_TOKEN, LiveServer, SettingsFactory

PREFIX = "/ocr"
PROXY_ADDRESS = "127.0.0.2"  # loopback too, but not the test's own 127.0.0.1
FORWARDED_CLIENT = "203.0.113.7"
HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "upgrade", "trailer"}


def asset_urls(html: str) -> list[str]:
    return re.findall(r'(?:href|src)="([^"]+/static/[^"]+)"', html)


@pytest.mark.parametrize("path", ["", f"{PREFIX}"], ids=["prefix-stripped", "prefix-kept"])
@pytest.mark.parametrize(
    "route", ["/", "/static/style.css", "/v1/health", "/openapi.json", "/docs"], ids=str
)
def test_routes_answer_with_and_without_the_prefix(
    client: TestClient, override_settings: SettingsFactory, path: str, route: str
) -> None:
    """A gateway may strip the prefix or pass it on: both reach the route."""
    override_settings(root_path="ocr/")
    assert client.get(path + route).status_code == 200


def test_page_links_its_assets_under_the_prefix(
    client: TestClient, override_settings: SettingsFactory
) -> None:
    override_settings(root_path=PREFIX)
    urls = asset_urls(client.get("/").text)
    assert urls
    assert all(f"{PREFIX}/static/" in url for url in urls)
    override_settings(root_path="")
    assert all(f"{PREFIX}/" not in url for url in asset_urls(client.get("/").text))


class _PrefixProxy(BaseHTTPRequestHandler):
    """A gateway in a few lines: publishes the upstream under PREFIX, strips it, and says who
    the client was (X-Forwarded-For) and that it spoke HTTPS (X-Forwarded-Proto)."""

    upstream_port: int

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        self._forward()

    def do_POST(self) -> None:
        self._forward()

    def _forward(self) -> None:
        if self.path != PREFIX and not self.path.startswith(PREFIX + "/"):
            self.send_error(404)
            return
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
        headers["X-Forwarded-For"] = FORWARDED_CLIENT
        headers["X-Forwarded-Proto"] = "https"
        upstream = http.client.HTTPConnection(
            "127.0.0.1", self.upstream_port, timeout=60, source_address=(PROXY_ADDRESS, 0)
        )
        try:
            path = self.path[len(PREFIX) :] or "/"
            upstream.request(self.command, path, body=body or None, headers=headers)
            response = upstream.getresponse()
            data = response.read()
        finally:
            upstream.close()
        self.send_response(response.status)
        for name, value in response.getheaders():
            if name.lower() not in HOP_BY_HOP | {"content-length"}:
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@pytest.fixture
def prefixed_server(start_server: Callable[..., LiveServer]) -> LiveServer:
    return start_server(ROOT_PATH=PREFIX, FORWARDED_ALLOW_IPS=PROXY_ADDRESS, ACCESS_LOG="1")


@pytest.fixture
def gateway(prefixed_server: LiveServer) -> Iterator[str]:
    handler = type("Proxy", (_PrefixProxy,), {"upstream_port": prefixed_server.port})
    proxy = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=proxy.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{proxy.server_address[1]}{PREFIX}"
    proxy.shutdown()
    proxy.server_close()
    thread.join(timeout=10)


def access_log_clients(server: LiveServer) -> list[str]:
    return re.findall(r"^(\S+):\d+ - \"", server.log(), flags=re.MULTILINE)


@pytest.mark.e2e
def test_service_works_behind_a_prefix_stripping_gateway(
    gateway: str, prefixed_server: LiveServer, sample_png: bytes
) -> None:
    page = requests.get(f"{gateway}/", timeout=10)
    assert page.status_code == 200
    urls = asset_urls(page.text)
    assert urls
    # Built from the forwarded scheme and the prefix, so a browser at the gateway can load them.
    assert all(url.startswith("https://") and f"{PREFIX}/static/" in url for url in urls)
    asset_path = urls[0].split(PREFIX, 1)[1]
    assert requests.get(f"{gateway}{asset_path}", timeout=10).status_code == 200

    schema = requests.get(f"{gateway}/openapi.json", timeout=10).json()
    assert schema["servers"] == [{"url": PREFIX}]

    prediction = requests.post(
        f"{gateway}/",
        headers={"Authorization": f"Bearer {TEST_TOKEN}"},
        files={"file": ("ingredients.png", sample_png, "image/png")},
        timeout=60,
    )
    assert prediction.status_code == 200
    assert "chili powder" in prediction.json()["original"]

    # The trusted proxy's X-Forwarded-For is the client address the server sees.
    clients = access_log_clients(prefixed_server)
    assert clients.count(FORWARDED_CLIENT) >= 4
    assert PROXY_ADDRESS not in clients


@pytest.mark.e2e
def test_forwarded_headers_from_an_untrusted_client_are_ignored(
    prefixed_server: LiveServer,
) -> None:
    page = requests.get(
        f"{prefixed_server.url}{PREFIX}/",
        headers={"X-Forwarded-For": FORWARDED_CLIENT, "X-Forwarded-Proto": "https"},
        timeout=10,
    )
    assert page.status_code == 200
    assert all(url.startswith("http://127.0.0.1") for url in asset_urls(page.text))
    clients = access_log_clients(prefixed_server)
    assert "127.0.0.1" in clients
    assert FORWARDED_CLIENT not in clients
