"""Metrics, request ids and structured logs."""

import json
import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from fastapi.testclient import TestClient

from tests.conftest import TEST_TOKEN, LiveServer, SettingsFactory, text_image


def metric(text: str, name: str, **labels: str) -> float:
    wanted = ",".join(f'{key}="{value}"' for key, value in sorted(labels.items()))
    pattern = rf"^{re.escape(name)}(\{{{re.escape(wanted)}\}})? (\S+)$" if labels else (
        rf"^{re.escape(name)} (\S+)$"
    )  # fmt: skip
    for line in text.splitlines():
        match = re.match(pattern, line)
        if match:
            return float(match.groups()[-1])
    return 0.0


def test_metrics_count_requests_by_route_and_status(
    client: TestClient, sample_png: bytes, auth_headers: dict
) -> None:
    before = client.get("/metrics").text
    client.post("/", files={"file": ("a.png", sample_png)}, headers=auth_headers)
    client.post("/", files={"file": ("a.png", sample_png)})
    after = client.get("/metrics").text
    for status in ("200", "401"):
        labels = {"method": "POST", "route": "/", "status": status}
        assert metric(after, "http_requests_total", **labels) == (
            metric(before, "http_requests_total", **labels) + 1
        )
    assert metric(after, "ocr_job_seconds_count") > metric(before, "ocr_job_seconds_count")
    assert metric(after, "http_request_duration_seconds_count", route="/") >= 2
    for gauge in ("ocr_queue_depth", "ocr_jobs_admitted", "ocr_engine_handles"):
        assert f"\n{gauge} " in after
    assert metric(after, "ocr_engine_handles") >= 1


@pytest.mark.e2e
def test_rejections_are_counted(start_server: Callable[..., LiveServer]) -> None:
    # One thread and no queue: of four pages sent at once, three are refused.
    server = start_server(OCR_THREADS="1", OCR_MAX_QUEUE="0")
    page = text_image("\n".join(f"Line {n} of a page that takes a while." for n in range(40)))
    with ThreadPoolExecutor(4) as pool:
        statuses = list(pool.map(lambda _: requests.post(
            f"{server.url}/", headers={"Authorization": f"Bearer {TEST_TOKEN}"},
            files={"file": ("page.png", page)}, timeout=60,
        ).status_code, range(4)))  # fmt: skip
    refused = statuses.count(503)
    assert refused >= 1
    scraped = requests.get(f"{server.url}/metrics", timeout=10).text
    assert metric(scraped, "ocr_rejections_total", reason="busy") == refused


def test_metrics_can_be_disabled(client: TestClient, override_settings: SettingsFactory) -> None:
    override_settings(metrics_enabled=False)
    assert client.get("/metrics").status_code == 404


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        pytest.param("trace-42.a_b:c", True, id="plain"),
        pytest.param("bad id\nwith newline", False, id="control-chars"),
        pytest.param("x" * 500, False, id="too-long"),
    ],
)
def test_request_id_is_taken_if_sane_or_made(client: TestClient, given: str, kept: bool) -> None:
    response = client.get("/v1/health", headers={"X-Request-ID": given.replace("\n", " ")})
    returned = response.headers["x-request-id"]
    if kept:
        assert returned == given
    else:
        assert returned != given.replace("\n", " ")
        assert re.fullmatch(r"[0-9a-f]{32}", returned)


def test_request_id_is_made_when_absent(client: TestClient) -> None:
    first = client.get("/v1/health").headers["x-request-id"]
    second = client.get("/v1/health").headers["x-request-id"]
    assert first != second


@pytest.mark.e2e
def test_logs_are_json_with_request_id_and_never_the_token(
    live_server: LiveServer, sample_png: bytes
) -> None:
    for number, token in enumerate((TEST_TOKEN, "wrong-secret-token")):
        requests.post(
            f"{live_server.url}/",
            headers={"Authorization": f"Bearer {token}", "X-Request-ID": f"log-check-{number}"},
            files={"file": ("a.png", sample_png)},
            timeout=60,
        )
    log = live_server.log()
    assert TEST_TOKEN not in log
    assert "wrong-secret-token" not in log
    entries = [json.loads(line) for line in log.splitlines() if line.startswith("{")]
    access = [e for e in entries if e.get("request_id") == "log-check-0"]
    assert access
    assert access[0]["status"] == 200
    assert access[0]["route"] == "/"
