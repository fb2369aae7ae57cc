"""Hostile HTTP on the real server: huge headers, lying lengths, stalls; it keeps serving."""

import os
import socket
import time
from collections.abc import Callable

import pytest
import requests

from bench.rss import rss_mb
from tests.conftest import TEST_TOKEN, LiveServer, read_http_response, text_image

pytestmark = pytest.mark.e2e


def server_rss_mb(server: LiveServer) -> float:
    assert server.process is not None
    return rss_mb(server.process.pid)


def still_serving(server: LiveServer) -> None:
    response = requests.post(
        f"{server.url}/",
        headers={"Authorization": f"Bearer {TEST_TOKEN}"},
        files={"file": ("a.png", text_image("Still serving"))},
        timeout=30,
    )
    assert response.status_code == 200
    assert "Still serving" in response.json()["original"]


def raw(server: LiveServer, data: bytes, *, timeout: float = 15) -> bytes:
    host, port = server.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=timeout) as sock:
        sock.sendall(data)
        return read_http_response(sock)


def status_of(reply: bytes) -> int:
    return int(reply.split(b" ", 2)[1]) if reply.startswith(b"HTTP/") else 0


def test_60_kb_authorization_header(live_server: LiveServer) -> None:
    response = requests.post(
        f"{live_server.url}/",
        headers={"Authorization": "Bearer " + "a" * 60_000},
        files={"file": ("a.png", text_image("x"))},
        timeout=30,
    )
    assert 400 <= response.status_code < 500
    still_serving(live_server)


@pytest.mark.parametrize(
    "request_bytes",
    [
        pytest.param(b"GARBAGE\r\n\r\n", id="not-http"),
        pytest.param(b"GET / HTTP/1.1\r\nHost: x\r\nBroken header line\r\n\r\n", id="bad-header"),
        pytest.param(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n", id="negative"),
        pytest.param(b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + b"\0" * 64, id="tls-hello"),
    ],
)
def test_malformed_http_is_refused_and_the_server_keeps_serving(
    live_server: LiveServer, request_bytes: bytes
) -> None:
    reply = raw(live_server, request_bytes)
    assert reply == b"" or 400 <= status_of(reply) < 500
    still_serving(live_server)


def test_lying_content_length_does_not_hang_anyone(
    start_server: Callable[..., LiveServer],
) -> None:
    server = start_server(BODY_TIMEOUT_SECONDS="2")
    body = b'--b\r\nContent-Disposition: form-data; name="file"; filename="a.png"\r\n\r\nabc'
    head = (
        "POST / HTTP/1.1\r\nHost: x\r\n"
        f"Authorization: Bearer {TEST_TOKEN}\r\n"
        "Content-Type: multipart/form-data; boundary=b\r\n"
        "Content-Length: 100000\r\n\r\n"
    ).encode()
    started = time.monotonic()
    reply = raw(server, head + body, timeout=20)
    assert status_of(reply) == 408
    assert b"BODY_TIMEOUT_SECONDS" in reply
    assert time.monotonic() - started < 15
    still_serving(server)


def test_a_client_stalling_mid_body_does_not_block_others(
    start_server: Callable[..., LiveServer],
) -> None:
    server = start_server(BODY_TIMEOUT_SECONDS="3")
    host, port = server.url.removeprefix("http://").split(":")
    stalled = []
    for _ in range(5):  # several slow clients at once
        sock = socket.create_connection((host, int(port)), timeout=20)
        sock.sendall(
            f"POST / HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {TEST_TOKEN}\r\n"
            "Content-Type: multipart/form-data; boundary=b\r\nTransfer-Encoding: chunked\r\n\r\n"
            "10\r\n--b\r\nContent-Dis\r\n".encode()
        )
        stalled.append(sock)
    try:
        still_serving(server)  # served while they stall
        for sock in stalled:
            reply = sock.recv(65536)
            assert status_of(reply) == 408
    finally:
        for sock in stalled:
            sock.close()


def test_big_hostile_uploads_keep_memory_bounded(live_server: LiveServer) -> None:
    still_serving(live_server)
    before = server_rss_mb(live_server)
    headers = {"Authorization": f"Bearer {TEST_TOKEN}"}
    uploads = [
        ("random.png", os.urandom(30_000_000)),  # over the byte limit
        ("random2.png", os.urandom(15_000_000)),  # under it: not an image
    ]
    for name, data in uploads:
        response = requests.post(
            f"{live_server.url}/", headers=headers, files={"file": (name, data)}, timeout=60
        )
        assert response.status_code in (413, 415)
    still_serving(live_server)
    assert server_rss_mb(live_server) - before < 120
