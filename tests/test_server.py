"""End to end: the real `gunicorn app.main:app`, as the Dockerfile runs it, over real HTTP."""

import json
import select
import socket
import subprocess
import sys
import threading
from collections.abc import Callable
from io import BytesIO
from pathlib import Path

import pytest
import requests
from PIL import Image

from tests.conftest import REPO_ROOT, TEST_TOKEN, LiveServer, read_http_response, text_image

pytestmark = pytest.mark.e2e

SERVER_COMMAND = ["gunicorn", "app.main:app"]


def test_prediction_over_http(live_server: LiveServer, sample_png: bytes) -> None:
    response = requests.post(
        f"{live_server.url}/",
        headers={"Authorization": f"JWT {TEST_TOKEN}"},
        files={"file": ("ingredients.png", sample_png, "image/png")},
        timeout=60,
    )
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"results", "original"}
    for phrase in ("chili powder", "ground cumin", "kosher salt"):
        assert phrase in body["original"]


def test_page_and_echo_over_http(live_server: LiveServer, sample_png: bytes) -> None:
    assert "text/html" in requests.get(f"{live_server.url}/", timeout=10).headers["content-type"]
    echoed = requests.post(
        f"{live_server.url}/img-echo/", files={"file": ("a.png", sample_png)}, timeout=30
    )
    assert echoed.status_code == 200
    assert echoed.content == sample_png


def test_wrong_token_over_http(live_server: LiveServer, sample_png: bytes) -> None:
    response = requests.post(
        f"{live_server.url}/",
        headers={"Authorization": "Bearer nope"},
        files={"file": ("a.png", sample_png)},
        timeout=30,
    )
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"


def _raw_request(url: str, head: str) -> socket.socket:
    host, port = url.removeprefix("http://").split(":")
    sock = socket.create_connection((host, int(port)), timeout=10)
    sock.sendall(head.encode())
    return sock


def _read_response(sock: socket.socket) -> tuple[int, bytes]:
    data = read_http_response(sock)
    return int(data.split(b" ", 2)[1]), data.split(b"\r\n\r\n", 1)[1]


def test_declared_oversize_body_is_refused_before_it_is_sent(live_server: LiveServer) -> None:
    head = (
        "POST / HTTP/1.1\r\nHost: x\r\n"
        f"Authorization: Bearer {TEST_TOKEN}\r\n"
        "Content-Type: multipart/form-data; boundary=b\r\n"
        f"Content-Length: {10**10}\r\n\r\n"
    )
    with _raw_request(live_server.url, head) as sock:
        status, body = _read_response(sock)  # answered with no body bytes sent at all
    assert status == 413
    assert b"MAX_UPLOAD_BYTES" in body


def test_streamed_oversize_body_is_refused_while_streaming(
    start_server: Callable[..., LiveServer],
) -> None:
    server = start_server(MAX_UPLOAD_BYTES="100000")
    head = (
        "POST / HTTP/1.1\r\nHost: x\r\n"
        f"Authorization: Bearer {TEST_TOKEN}\r\n"
        "Content-Type: multipart/form-data; boundary=b\r\n"
        "Transfer-Encoding: chunked\r\n\r\n"
    )
    preamble = b'--b\r\nContent-Disposition: form-data; name="file"; filename="a.png"\r\n\r\n'
    chunk = preamble + b"\0" * 65536
    sent = 0
    with _raw_request(server.url, head) as sock:
        while sent < 50_000_000:
            readable, _, _ = select.select([sock], [], [], 0)
            if readable:
                break
            try:
                sock.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            except (BrokenPipeError, ConnectionResetError):
                break
            sent += len(chunk)
            chunk = b"\0" * 65536
        status, body = _read_response(sock)
    assert status == 413
    assert b"MAX_UPLOAD_BYTES" in body
    assert sent < 5_000_000, "the server must answer long before the client finishes sending"


def test_event_loop_stays_free_while_ocr_runs(live_server: LiveServer) -> None:
    page = "\n".join(f"Line {n} of a long page of text to read slowly." for n in range(60))
    big = Image.open(BytesIO(text_image(page, size=36)))
    buffer = BytesIO()
    big.save(buffer, format="PNG")
    finished = threading.Event()

    def slow_ocr() -> None:
        requests.post(
            f"{live_server.url}/",
            headers={"Authorization": f"Bearer {TEST_TOKEN}"},
            files={"file": ("page.png", buffer.getvalue())},
            timeout=120,
        )
        finished.set()

    worker = threading.Thread(target=slow_ocr)
    worker.start()
    try:
        answered_during_ocr = 0
        for _ in range(50):
            if finished.is_set():
                break
            assert requests.get(f"{live_server.url}/v1/health", timeout=10).status_code == 200
            answered_during_ocr += not finished.is_set()
    finally:
        worker.join(timeout=120)
    assert answered_during_ocr > 0


def test_server_refuses_to_start_without_a_token(tmp_path: Path) -> None:
    env = {key: value for key, value in LiveServer().env.items() if key != "APP_AUTH_TOKEN"}
    gunicorn = str(Path(sys.executable).parent / "gunicorn")
    result = subprocess.run(
        [gunicorn, *SERVER_COMMAND[1:]],
        cwd=REPO_ROOT,
        env={**env, "DEBUG": "0"},
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert result.returncode != 0
    assert b"APP_AUTH_TOKEN is not set" in result.stdout + result.stderr


def test_dockerfile_runs_the_command_the_tests_start() -> None:
    dockerfile = (REPO_ROOT / "Dockerfile").read_text()
    cmd_line = next(line for line in dockerfile.splitlines() if line.startswith("CMD "))
    assert json.loads(cmd_line.removeprefix("CMD ")) == SERVER_COMMAND  # exec form
    assert "FROM python:3.11-slim-bookworm" in dockerfile
    assert "make system-deps" in dockerfile  # the Makefile's own apt step
    assert "HEALTHCHECK" in dockerfile
    user = [line for line in dockerfile.splitlines() if line.startswith("USER ")]
    assert user
    assert user[-1].split()[1] not in ("root", "0")
