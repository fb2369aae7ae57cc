"""Overload and faults on the real server: refuse fast, never time out, recover from crashes."""

import os
import signal
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import requests
from fastapi.testclient import TestClient
from PIL import Image

from app.ocr.engines.protocol import RecognizeOptions
from bench.load import overload
from bench.traffic import a4_page
from tests.conftest import TEST_TOKEN, LiveServer, crash_next_handle, text_image

pytestmark = pytest.mark.e2e


def test_four_times_capacity_of_full_pages(start_server: Callable[..., LiveServer]) -> None:
    server = start_server(OCR_THREADS="2")
    assert server.process is not None
    page = a4_page()
    alone = requests.post(
        f"{server.url}/", headers={"Authorization": f"Bearer {TEST_TOKEN}"},
        files={"file": ("page.png", page)}, timeout=60,
    )  # fmt: skip
    assert alone.status_code == 200
    capacity = 2 / alone.elapsed.total_seconds()  # pages a second on two threads
    # Shorter than `python -m bench.load`'s run: long enough for every thread and allocator
    # arena to exist before the measurement, and for a queue without a bound to show in RSS.
    result = overload(
        server.url, seconds=8, rate=4 * capacity, pid=server.process.pid, token=TEST_TOKEN,
        warm_up_seconds=6,
    )  # fmt: skip
    assert result["timeouts"] == 0
    assert result["errors"] == 0  # every answer was a 200 or a 503 with Retry-After
    assert result["ok"] > 0
    assert result["busy_503"] > 0  # it did push back rather than queue without limit
    assert result["p95_refused_ms"] < 1000  # and it refused at once
    start, end = result["rss_start_mb"], result["rss_end_mb"]
    assert isinstance(start, float)
    assert isinstance(end, float)
    assert end < start * 1.3 + 30, "memory stays flat under sustained overload"


def test_busy_answers_are_immediate_503s_with_retry_after(
    start_server: Callable[..., LiveServer],
) -> None:
    server = start_server(OCR_THREADS="1", OCR_MAX_QUEUE="0")
    page = "\n".join(f"Line {n} of a page that takes a while to read." for n in range(50))
    image = text_image(page, size=40)
    results: list[requests.Response] = []

    def post() -> None:
        results.append(requests.post(
            f"{server.url}/", headers={"Authorization": f"Bearer {TEST_TOKEN}"},
            files={"file": ("page.png", image)}, timeout=120,
        ))  # fmt: skip

    threads = [threading.Thread(target=post) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    statuses = sorted(response.status_code for response in results)
    assert 200 in statuses
    assert 503 in statuses
    for response in results:
        if response.status_code == 503:
            assert int(response.headers["Retry-After"]) >= 1
            assert response.json()["detail"]
            # Refused at once, not after waiting for the engine.
            assert response.elapsed.total_seconds() < min(
                ok.elapsed.total_seconds() for ok in results if ok.status_code == 200
            )


def _worker_pids(server: LiveServer) -> list[int]:
    assert server.process is not None
    master = server.process.pid
    return [int(pid) for pid in Path(f"/proc/{master}/task/{master}/children").read_text().split()]


def test_a_killed_worker_is_replaced_and_others_keep_serving(
    start_server: Callable[..., LiveServer],
) -> None:
    server = start_server(WEB_CONCURRENCY="2")
    workers = _worker_pids(server)
    assert len(workers) == 2
    page = "\n".join(f"Line {n} of a slow page." for n in range(60))
    outcome: list[object] = []

    def slow() -> None:
        try:
            outcome.append(requests.post(
                f"{server.url}/", headers={"Authorization": f"Bearer {TEST_TOKEN}"},
                files={"file": ("page.png", text_image(page, size=40))}, timeout=60,
            ).status_code)  # fmt: skip
        except requests.ConnectionError as error:
            outcome.append(error)

    in_flight = threading.Thread(target=slow)
    in_flight.start()
    time.sleep(0.5)
    os.kill(workers[0], signal.SIGKILL)
    for _ in range(6):
        response = requests.post(
            f"{server.url}/", headers={"Authorization": f"Bearer {TEST_TOKEN}"},
            files={"file": ("a.png", text_image("Other requests succeed"))}, timeout=60,
        )  # fmt: skip
        assert response.status_code == 200
    in_flight.join(timeout=60)
    assert outcome, "the in-flight request ended one way or another, it did not hang"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        current = _worker_pids(server)
        if len(current) == 2 and workers[0] not in current:
            break
        time.sleep(0.2)
    assert len(current) == 2
    assert workers[0] not in current


def test_an_engine_crash_is_a_json_500_for_that_request_alone(
    client: TestClient, auth_headers: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The request's own reading takes the crashing handle, not an early one on an idle core.
    monkeypatch.setattr(client.app.state.runner, "spare", lambda _: None)  # type: ignore[attr-defined]
    engine = client.app.state.engine  # type: ignore[attr-defined]
    engine.recognize(Image.new("L", (50, 50), 255), RecognizeOptions())  # a handle is idle

    crashing = crash_next_handle(engine)
    handles_before = engine.handle_count
    crashed = client.post("/", files={"file": ("a.png", text_image("x"))}, headers=auth_headers)
    assert crashed.status_code == 500
    assert crashed.headers["content-type"] == "application/json"
    assert "engine failed" in crashed.json()["detail"]
    assert engine.handle_count == handles_before - 1  # the crashed handle is gone
    assert crashing.ended
    fine = client.post(
        "/", files={"file": ("a.png", text_image("Fine again"))}, headers=auth_headers
    )
    assert fine.status_code == 200
    assert "Fine again" in fine.json()["original"]
