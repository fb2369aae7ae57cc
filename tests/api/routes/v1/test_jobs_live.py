"""/v1/jobs on the real server: callbacks to a real receiver, a 500 MB upload, priority."""

import base64
import hashlib
import hmac
import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.conftest import TEST_TOKEN, text_image
from tests.helpers.documents import dense_page, scanned_pdf, write_padded_pdf
from tests.helpers.receiver import Receiver
from tests.helpers.waiting import poll, poll_for

AUTH = {"Authorization": f"Bearer {TEST_TOKEN}"}
SECRET_KEY = b"0123456789abcdef0123456789abcdef"
SECRET = "whsec_" + base64.b64encode(SECRET_KEY).decode()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver() as made:
        made.statuses = [500]  # the first delivery fails: the service must retry
        yield made


def _status_if(url: str, job_id: str, *statuses: str) -> dict | None:
    """The job's status body once its status is one of `statuses`."""
    body = requests.get(f"{url}/v1/jobs/{job_id}", headers=AUTH, timeout=10).json()
    return body if body["status"] in statuses else None


def _verify(headers: dict[str, str], body: bytes) -> None:
    """The Standard Webhooks signature, checked from the spec (not with the service's code)."""
    signed = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.".encode() + body
    expected = base64.b64encode(hmac.new(SECRET_KEY, signed, hashlib.sha256).digest()).decode()
    versions = dict(part.split(",", 1) for part in headers["webhook-signature"].split())
    assert hmac.compare_digest(versions["v1"], expected)
    assert abs(int(headers["webhook-timestamp"]) - time.time()) < 300


def test_a_finished_job_calls_back_signed_and_retried(start_server, receiver: Receiver) -> None:
    server = start_server(CALLBACK_SECRET=SECRET, CALLBACK_ALLOW_PRIVATE="1")
    response = requests.post(
        f"{server.url}/v1/jobs",
        params={"callback_url": receiver.url},
        files={"file": ("page.png", text_image("Call me back"))},
        headers=AUTH,
        timeout=30,
    )
    assert response.status_code == 202, response.text
    job_id = response.json()["id"]
    assert poll(lambda: len(receiver.requests) >= 2, 60)
    first, second = receiver.requests[:2]
    first_headers, headers, body = first.headers, second.headers, second.body
    assert first_headers["webhook-id"] == headers["webhook-id"]  # one message, delivered twice
    _verify(headers, body)
    payload = json.loads(body)
    assert payload["type"] == "job.finished"
    assert payload["data"]["id"] == job_id
    assert payload["data"]["status"] == "succeeded"
    result_url = payload["data"]["links"]["result"]
    assert result_url == f"{server.url}/v1/jobs/{job_id}/result"
    assert "Call me back" in requests.get(result_url, headers=AUTH, timeout=10).json()["text"]


def test_callbacks_to_private_addresses_are_refused(start_server) -> None:
    server = start_server(CALLBACK_SECRET=SECRET)
    for url in ("http://127.0.0.1:9/hook", "http://169.254.169.254/latest", "http://10.0.0.1/"):
        response = requests.post(
            f"{server.url}/v1/jobs",
            params={"callback_url": url},
            files={"file": ("page.png", text_image("x"))},
            headers=AUTH,
            timeout=30,
        )
        assert response.status_code == 422, url
        assert "CALLBACK_ALLOW_PRIVATE" in response.json()["detail"]


def test_without_a_secret_no_callback_is_promised(live_server) -> None:
    response = requests.post(
        f"{live_server.url}/v1/jobs",
        params={"callback_url": "https://example.com/hook"},
        files={"file": ("page.png", text_image("x"))},
        headers=AUTH,
        timeout=30,
    )
    assert response.status_code == 422
    assert "CALLBACK_SECRET" in response.json()["detail"]


def test_a_500_mb_upload_keeps_the_workers_memory_flat(start_server, tmp_path: Path) -> None:
    server = start_server()
    document = tmp_path / "big.pdf"
    size = 500 * 1024 * 1024
    write_padded_pdf(document, text_image("The big document"), size)
    idle = server.rss_mb()
    peak = [idle]
    sent = threading.Event()

    def sample() -> None:
        while not sent.wait(0.05):  # a sample every 50 ms until the upload is answered
            peak[0] = max(peak[0], server.rss_mb())

    sampler = threading.Thread(target=sample)
    sampler.start()
    boundary = "jobs-boundary"

    def body() -> Iterator[bytes]:
        yield (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
            f'filename="big.pdf"\r\nContent-Type: application/pdf\r\n\r\n'
        ).encode()
        with document.open("rb") as source:
            while piece := source.read(1024 * 1024):
                yield piece
        yield f"\r\n--{boundary}--\r\n".encode()

    try:
        response = requests.post(
            f"{server.url}/v1/jobs",
            data=body(),
            headers={**AUTH, "Content-Type": f"multipart/form-data; boundary={boundary}"},
            timeout=300,
        )
    finally:
        sent.set()
        sampler.join()
    assert response.status_code == 202, response.text
    assert peak[0] - idle < 100, f"memory grew {peak[0] - idle:.0f} MB for a 500 MB upload"
    stored = server.data_dir / "jobs" / response.json()["id"] / "document"
    assert stored.stat().st_size == document.stat().st_size >= size - 1024
    job_id = response.json()["id"]
    done = poll_for(lambda: _status_if(server.url, job_id, "succeeded"), 120)
    assert done["pages_done"] == 1
    text = requests.get(
        f"{server.url}/v1/jobs/{job_id}/result", params={"format": "text"}, headers=AUTH,
        timeout=30,
    ).text  # fmt: skip
    assert "big document" in text


def test_a_running_job_never_makes_an_interactive_request_wait(start_server) -> None:
    # No wait at all allowed: an interactive request finding the OCR threads busy gets 503.
    server = start_server(OCR_MAX_WAIT_SECONDS="0")
    document = scanned_pdf([dense_page(number) for number in range(1, 7)])
    job = requests.post(
        f"{server.url}/v1/jobs", files={"file": ("book.pdf", document)}, headers=AUTH, timeout=60
    ).json()
    poll_for(lambda: _status_if(server.url, job["id"], "running"), 60)
    for _ in range(5):
        response = requests.post(
            f"{server.url}/v1/ocr",
            files={"file": ("line.png", text_image("Interactive first"))},
            headers=AUTH,
            timeout=60,
        )
        assert response.status_code == 200, response.text
        assert "Interactive first" in response.json()["text"]
    status = requests.get(f"{server.url}/v1/jobs/{job['id']}", headers=AUTH, timeout=10).json()
    assert status["status"] == "running", "the job must still be running for this to show much"
