"""Client plumbing the real server cannot be made to show on demand (429, 500, an HTTP-date
Retry-After, waits over the bound; a job's every state on cue; an upload's memory), through
httpx's mock transport. HTTP only: no OCR here; the `ocr` command's job path too."""

import asyncio
import json
import time
import tracemalloc
import uuid
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import httpx
import pytest
from ocr_client import (
    APIError,
    AsyncJob,
    AsyncOCRClient,
    Job,
    JobExpiredError,
    JobFailedError,
    JobStatus,
    JobTimeoutError,
    NotFoundError,
    OCRClient,
    OCRError,
    OCRResult,
    RateLimitedError,
    ResultNotReadyError,
    RetryPolicy,
    ServerError,
    ServiceUnavailableError,
    TimeLimitError,
    cli,
)
from ocr_client.errors import parse_retry_after
from ocr_client.models import iso_for_python310

from tests.helpers.waiting import apoll

HEALTHY = httpx.Response(200, json={"status": "ok"})


def scripted(*responses: httpx.Response) -> tuple[httpx.MockTransport, list[httpx.Request]]:
    """A transport answering with `responses` in turn, and the list of requests it saw."""
    seen: list[httpx.Request] = []
    queue = list(responses)

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return queue.pop(0) if len(queue) > 1 else queue[0]

    return httpx.MockTransport(handler), seen


def mock(transport: httpx.MockTransport, retry: RetryPolicy | None = None) -> OCRClient:
    return OCRClient("http://ocr.test", "t", transport=transport, retry=retry)


def busy(status: int, retry_after: str) -> httpx.Response:
    return httpx.Response(status, json={"detail": "busy"}, headers={"Retry-After": retry_after})


@pytest.mark.parametrize("status", [429, 503], ids=["429", "503"])
def test_retry_statuses_are_retried_then_succeed(status: int) -> None:
    transport, seen = scripted(busy(status, "0"), busy(status, "0"), HEALTHY)
    with mock(transport) as ocr:
        assert ocr.health() == {"status": "ok"}
    assert len(seen) == 3


@pytest.mark.parametrize(
    ("status", "error"),
    [(429, RateLimitedError), (503, ServiceUnavailableError)],
    ids=["429", "503"],
)
def test_attempts_are_bounded(status: int, error: type[APIError]) -> None:
    transport, seen = scripted(busy(status, "0"))
    with mock(transport, RetryPolicy(3)) as ocr, pytest.raises(error):
        ocr.health()
    assert len(seen) == 3


def test_a_wait_longer_than_allowed_is_not_waited_for() -> None:
    transport, seen = scripted(busy(503, "3600"), HEALTHY)
    with mock(transport) as ocr, pytest.raises(ServiceUnavailableError) as raised:
        ocr.health()
    assert raised.value.retry_after == 3600
    assert len(seen) == 1


def test_total_time_bound_stops_retries() -> None:
    transport, seen = scripted(busy(503, "2"), HEALTHY)
    policy = RetryPolicy(max_attempts=5, max_total_seconds=1.0)
    with mock(transport, policy) as ocr, pytest.raises(ServiceUnavailableError):
        ocr.health()
    assert len(seen) == 1


@pytest.mark.parametrize("status", [500, 502], ids=["500", "502"])
def test_other_server_errors_are_server_errors_and_not_retried(status: int) -> None:
    transport, seen = scripted(httpx.Response(status, text="upstream broke"), HEALTHY)
    with mock(transport) as ocr, pytest.raises(ServerError) as raised:
        ocr.health()
    assert raised.value.status_code == status
    assert raised.value.detail == "upstream broke"
    assert len(seen) == 1


def test_retry_after_as_an_http_date() -> None:
    when = datetime.now(UTC) + timedelta(seconds=30)
    seconds = parse_retry_after(format_datetime(when, usegmt=True))
    assert seconds is not None
    assert 25 <= seconds <= 30


def test_token_is_sent_as_bearer() -> None:
    transport, seen = scripted(HEALTHY)
    with OCRClient("http://ocr.test/", "s3cret", transport=transport) as ocr:
        ocr.health()
    assert seen[0].headers["Authorization"] == "Bearer s3cret"
    assert seen[0].url == "http://ocr.test/v1/health"


def test_a_time_limit_is_its_own_error_and_not_retried() -> None:
    detail = "Recognition did not finish within the time limit (REQUEST_TIMEOUT_SECONDS)."
    transport, seen = scripted(httpx.Response(504, json={"detail": detail}), HEALTHY)
    with mock(transport) as ocr, pytest.raises(TimeLimitError) as raised:
        ocr.health()
    assert raised.value.detail == detail
    assert len(seen) == 1  # the same document would run out of time again


# Jobs: POST /v1/jobs, GET /v1/jobs/{id}, its result and DELETE, against a scripted service.

MB = 1024 * 1024


def job_body(status: str = "queued", done: int = 0, total: int = 2, **extra: object) -> dict:
    body: dict[str, object] = {
        "id": "j_1",
        "status": status,
        "pages_total": total,
        "pages_done": done,
        "pages_failed": 0,
        "error": None,
        "created_at": "2026-12-01T21:00:00Z",
        "started_at": None if status == "queued" else "2026-12-01T21:00:01.5Z",
        "finished_at": None,
        "expires_at": None,
        "formats": ["json", "text"],
        "links": {"self": "/v1/jobs/j_1", "result": "/v1/jobs/j_1/result"},
    }
    body.update(extra)
    return body


def job_status(
    status: str = "queued", done: int = 0, total: int = 2, retry_after: str | None = "0", **extra
) -> httpx.Response:
    headers = {} if retry_after is None else {"Retry-After": retry_after}
    return httpx.Response(200, json=job_body(status, done, total, **extra), headers=headers)


def accepted(**extra: object) -> httpx.Response:
    headers = {"Location": "/v1/jobs/j_1", "Retry-After": "1"}
    return httpx.Response(202, json=job_body(**extra), headers=headers)


@pytest.fixture
def document(tmp_path: Path) -> Path:
    path = tmp_path / "doc.pdf"
    path.write_bytes(b"%PDF-1.4 two pages, as far as this test is concerned\n%%EOF\n")
    return path


class FakeClock:
    """time.monotonic and time.sleep for the waits: sleeping only moves the clock on."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    fake = FakeClock()
    monkeypatch.setattr(time, "monotonic", fake.monotonic)
    monkeypatch.setattr(time, "sleep", fake.sleep)
    return fake


def test_submit_sends_the_file_its_options_and_an_idempotency_key(document: Path) -> None:
    transport, seen = scripted(accepted())
    with mock(transport) as ocr:
        job = ocr.submit(
            document,
            lang="eng+fra",
            psm=6,
            dpi=300,
            pages="1-2",
            formats=["json", "hocr", "pdf"],
            callback_url="https://hooks.example.com/ocr",
        )
    request = seen[0]
    assert request.method == "POST"
    assert request.url.path == "/v1/jobs"
    assert dict(request.url.params) == {
        "lang": "eng+fra",
        "psm": "6",
        "dpi": "300",
        "pages": "1-2",
        "formats": "hocr,pdf",  # json and text come with every job
        "callback_url": "https://hooks.example.com/ocr",
    }
    assert request.headers["Content-Type"].startswith("multipart/form-data")
    assert b'name="file"; filename="doc.pdf"' in request.content
    assert document.read_bytes() in request.content
    assert uuid.UUID(request.headers["Idempotency-Key"]).version == 4
    assert isinstance(job, Job)
    assert job.id == "j_1"
    assert job.last_status is not None
    assert job.last_status.status == "queued"
    assert job.last_status.created_at == datetime(2026, 12, 1, 21, 0, tzinfo=UTC)


def test_each_submission_has_its_own_key_unless_one_is_given(document: Path) -> None:
    transport, seen = scripted(accepted())
    with mock(transport) as ocr:
        ocr.submit(document)
        ocr.submit(document)
        ocr.submit(b"%PDF-1.4", filename="mine.pdf", idempotency_key="order-42")
    keys = [request.headers["Idempotency-Key"] for request in seen]
    assert keys[0] != keys[1]
    assert keys[2] == "order-42"
    assert b'filename="mine.pdf"' in seen[2].content


def test_a_retried_submission_reuses_its_key_and_resends_the_whole_file(document: Path) -> None:
    transport, seen = scripted(busy(503, "0"), accepted())
    with mock(transport) as ocr:
        job = ocr.submit(document)
    assert job.id == "j_1"
    assert len(seen) == 2
    assert seen[0].headers["Idempotency-Key"] == seen[1].headers["Idempotency-Key"]
    assert all(document.read_bytes() in request.content for request in seen)


class Draining(httpx.BaseTransport, httpx.AsyncBaseTransport):
    """Reads each request body chunk by chunk, as a server does, keeping only its size."""

    def __init__(self, *responses: httpx.Response) -> None:
        self.responses = list(responses)
        self.sizes: list[int] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        assert isinstance(request.stream, httpx.SyncByteStream)
        self.sizes.append(sum(len(chunk) for chunk in request.stream))
        return self.responses.pop(0)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        assert isinstance(request.stream, httpx.AsyncByteStream)
        size = 0
        async for chunk in request.stream:
            size += len(chunk)
        self.sizes.append(size)
        return self.responses.pop(0)


@pytest.mark.parametrize("kind", ["sync", "async"])
def test_a_path_is_streamed_from_disk_not_read_into_memory(tmp_path: Path, kind: str) -> None:
    big = tmp_path / "big.pdf"
    with big.open("wb") as handle:
        handle.truncate(32 * MB)
    transport = Draining(busy(503, "0"), accepted())

    def submit() -> None:
        if kind == "sync":
            with OCRClient("http://ocr.test", "t", transport=transport) as ocr:
                ocr.submit(big)
            return

        async def go() -> None:
            async with AsyncOCRClient("http://ocr.test", "t", transport=transport) as ocr:
                await ocr.submit(big)

        asyncio.run(go())

    tracemalloc.start()
    try:
        submit()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(transport.sizes) == 2  # the 503 was retried, the file reopened and sent again
    assert all(size > 32 * MB for size in transport.sizes)
    assert peak < 4 * MB, f"peak {peak / MB:.1f} MB for a 32 MB upload"


def test_wait_sleeps_the_retry_after_within_bounds_and_reports_changes_only(
    clock: FakeClock,
) -> None:
    transport, seen = scripted(
        job_status("queued", 0, 3, retry_after="3"),
        job_status("running", 1, 3, retry_after="60"),  # more than 5 s: polled after 5
        job_status("running", 1, 3, retry_after="0"),  # nothing new: not reported; 0.2 s
        job_status("running", 2, 3, retry_after=None),  # no Retry-After: 1 s
        job_status("succeeded", 3, 3, retry_after=None),
    )
    reported: list[tuple[str, int]] = []
    with mock(transport) as ocr:
        final = ocr.job("j_1").wait(on_progress=lambda s: reported.append((s.status, s.pages_done)))
    assert final.status == "succeeded"
    assert final.finished
    assert clock.sleeps == [3, 5, 0.2, 1.0]
    assert reported == [("queued", 0), ("running", 1), ("running", 2), ("succeeded", 3)]
    assert [request.url.path for request in seen] == ["/v1/jobs/j_1"] * 5
    assert {request.method for request in seen} == {"GET"}


def test_wait_with_a_poll_interval_ignores_retry_after(clock: FakeClock) -> None:
    transport, _ = scripted(
        job_status("running", 1, 3, retry_after="3"),
        job_status("running", 2, 3, retry_after="3"),
        job_status("succeeded", 3, 3, retry_after=None),
    )
    with mock(transport) as ocr:
        ocr.job("j_1").wait(poll_interval=0.05)
    assert clock.sleeps == [0.05, 0.05]


@pytest.mark.parametrize("state", ["failed", "canceled"])
def test_wait_raises_job_failed_when_the_job_did_not_succeed(clock: FakeClock, state: str) -> None:
    error = {"detail": "The PDF could not be opened."} if state == "failed" else None
    transport, _ = scripted(
        job_status("running", 0, 2, retry_after="1"),
        job_status(state, 0, 2, retry_after=None, error=error),
    )
    with mock(transport) as ocr, pytest.raises(JobFailedError) as raised:
        ocr.job("j_1").wait()
    assert isinstance(raised.value, OCRError)
    assert raised.value.status.status == state
    if state == "failed":
        assert raised.value.status.error == "The PDF could not be opened."
        assert "could not be opened" in str(raised.value)


def test_wait_gives_up_after_its_timeout(clock: FakeClock) -> None:
    transport, seen = scripted(job_status("running", 1, 9, retry_after="5"))
    with mock(transport) as ocr, pytest.raises(TimeoutError) as raised:
        ocr.job("j_1").wait(timeout=7)
    assert isinstance(raised.value, JobTimeoutError)
    assert raised.value.status.pages_done == 1
    assert clock.sleeps == [5, 2]  # the last pause ends at the deadline, not after it
    assert len(seen) == 3


def test_result_formats_and_types() -> None:
    page = {"number": 1, "width": 10, "height": 10, "text": "one", "lines": [], "error": None}
    failed = {"number": 2, "width": 10, "height": 10, "text": "", "lines": []}
    failed["error"] = {"detail": "Page 2 ran out of JOBS_PAGE_TIMEOUT_SECONDS."}
    answers = {
        "json": httpx.Response(200, json={"text": "one", "pages": [page, failed]}),
        "text": httpx.Response(200, text="one\n", headers={"Content-Type": "text/plain"}),
        "hocr": httpx.Response(200, text="<html class='ocr_page'/>"),
        "pdf": httpx.Response(200, content=b"%PDF-1.7 searchable"),
    }
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return answers[request.url.params["format"]]

    with mock(httpx.MockTransport(handler)) as ocr:
        job = ocr.job("j_1")
        result = job.result()
        text = job.result(format="text")
        hocr = job.result(format="hocr")
        pdf = job.result(format="pdf")
    assert isinstance(result, OCRResult)
    assert [p.error for p in result.pages] == [None, failed["error"]["detail"]]
    assert text == "one\n"
    assert hocr == "<html class='ocr_page'/>"
    assert pdf == b"%PDF-1.7 searchable"
    assert {request.url.path for request in seen} == {"/v1/jobs/j_1/result"}
    assert [request.url.params["format"] for request in seen] == ["json", "text", "hocr", "pdf"]


@pytest.mark.parametrize(
    ("status", "error"),
    [(409, ResultNotReadyError), (410, JobExpiredError), (404, NotFoundError)],
    ids=["409", "410", "404"],
)
def test_result_errors_have_their_exception_and_are_not_retried(
    status: int, error: type[APIError]
) -> None:
    transport, seen = scripted(httpx.Response(status, json={"detail": "no"}), HEALTHY)
    with mock(transport) as ocr, pytest.raises(error) as raised:
        ocr.job("j_1").result()
    assert raised.value.status_code == status
    assert len(seen) == 1


def test_cancel_deletes_the_job() -> None:
    transport, seen = scripted(httpx.Response(204), httpx.Response(404, json={"detail": "gone"}))
    with mock(transport) as ocr:
        job = ocr.job("j_1")
        job.cancel()
        with pytest.raises(NotFoundError):
            job.status()
    assert [(request.method, request.url.path) for request in seen] == [
        ("DELETE", "/v1/jobs/j_1"),
        ("GET", "/v1/jobs/j_1"),
    ]


def test_job_by_id_sends_nothing_until_asked() -> None:
    transport, seen = scripted(job_status("running", 1, 2))
    with mock(transport) as ocr:
        job = ocr.job("j_1")
        assert seen == []
        status = job.status()
    assert status.pages_done == 1
    assert job.last_status == status


def test_job_status_parses_times_and_states() -> None:
    status = JobStatus.from_json(
        job_body("succeeded", 2, 2, finished_at="2026-12-01T21:00:09.123456Z", expires_at=None)
    )
    assert status.created_at == datetime(2026, 12, 1, 21, 0, tzinfo=UTC)
    assert status.started_at == datetime(2026, 12, 1, 21, 0, 1, 500000, tzinfo=UTC)
    assert status.finished_at == datetime(2026, 12, 1, 21, 0, 9, 123456, tzinfo=UTC)
    assert status.expires_at is None
    assert status.formats == ["json", "text"]
    finished = {
        state: JobStatus.from_json(job_body(state)).finished
        for state in ("queued", "running", "succeeded", "failed", "canceled")
    }
    assert finished == {
        "queued": False,
        "running": False,
        "succeeded": True,
        "failed": True,
        "canceled": True,
    }


def test_times_are_rewritten_for_python_3_10() -> None:
    """3.10's fromisoformat takes neither a trailing Z nor a fraction other than 3 or 6 digits."""
    assert iso_for_python310("2026-12-01T21:00:00Z") == "2026-12-01T21:00:00+00:00"
    assert iso_for_python310("2026-12-01T21:00:01.5Z") == "2026-12-01T21:00:01.500000+00:00"
    assert iso_for_python310("2026-12-01T21:00:01.1234567+02:00") == (
        "2026-12-01T21:00:01.123456+02:00"
    )


def test_pages_of_an_ocr_result_without_error_still_parse() -> None:
    result = OCRResult.from_json({"text": "x", "pages": [{"number": 1, "text": "x"}]})
    assert result.pages[0].error is None


def test_async_job_submit_wait_result_and_cancel(
    document: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sleeps: list[float] = []

    async def no_sleep(seconds: float) -> None:
        sleeps.append(seconds)

    monkeypatch.setattr(asyncio, "sleep", no_sleep)
    transport, seen = scripted(
        busy(503, "0"),
        accepted(),
        job_status("running", 1, 2, retry_after="2"),
        job_status("succeeded", 2, 2, retry_after=None),
        httpx.Response(200, text="one\ntwo\n"),
        httpx.Response(204),
    )
    reported: list[int] = []

    async def go() -> tuple[AsyncJob, JobStatus, str]:
        async with AsyncOCRClient("http://ocr.test", "t", transport=transport) as ocr:
            job = await ocr.submit(document, lang="eng")
            final = await job.wait(on_progress=lambda s: reported.append(s.pages_done))
            text = await job.result(format="text")
            await job.cancel()
            return job, final, text

    job, final, text = asyncio.run(go())
    assert isinstance(job, AsyncJob)
    assert final.status == "succeeded"
    assert text == "one\ntwo\n"
    assert reported == [1, 2]
    assert sleeps == [0, 2]  # the 503's Retry-After, then the running job's
    assert seen[0].headers["Idempotency-Key"] == seen[1].headers["Idempotency-Key"]
    assert document.read_bytes() in seen[1].content
    assert [(r.method, r.url.path) for r in seen[2:]] == [
        ("GET", "/v1/jobs/j_1"),
        ("GET", "/v1/jobs/j_1"),
        ("GET", "/v1/jobs/j_1/result"),
        ("DELETE", "/v1/jobs/j_1"),
    ]


# The `ocr` command on the scripted service: which files go through a job, and its bar.


class FakeService:
    """/v1/ocr, and one job of two pages that is read one poll at a time."""

    def __init__(self, result_text: str = "page one\npage two\n") -> None:
        self.seen: list[httpx.Request] = []
        self.result_text = result_text
        self.polls = 0
        self.finish_after = 2
        self.final = {"status": "succeeded", "pages_failed": 0, "error": None}

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.seen.append(request)
        path = request.url.path
        if path == "/v1/ocr":
            return httpx.Response(200, text="one request\n")
        if request.method == "POST" and path == "/v1/jobs":
            return accepted(total=2)
        if request.method == "DELETE":
            return httpx.Response(204)
        if path == "/v1/jobs/j_1/result":
            return httpx.Response(200, text=self.result_text)
        self.polls += 1
        done = min(self.polls, 2)
        if self.polls < self.finish_after:
            return job_status("running", done, 2, retry_after="0")
        final = dict(self.final)
        return job_status(str(final.pop("status")), done, 2, retry_after=None, **final)

    def routes(self) -> list[str]:
        return [f"{request.method} {request.url.path}" for request in self.seen]


def test_cli_reads_a_pdf_through_a_job_with_a_bar_of_its_pages(
    service: FakeService, document: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = cli.main(["read", str(document), "--progress", "--url", "http://ocr.test"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert out == "page one\npage two\n"
    assert service.routes() == [
        "POST /v1/jobs",
        "GET /v1/jobs/j_1",
        "GET /v1/jobs/j_1",
        "GET /v1/jobs/j_1/result",
    ]
    assert service.seen[-1].url.params["format"] == "text"
    assert "1/2" in err
    assert "2/2" in err
    assert err.index("1/2") < err.index("2/2")


def test_cli_shows_no_bar_when_stderr_is_not_a_terminal(
    service: FakeService, document: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = cli.main(["read", str(document), "--url", "http://ocr.test"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert out == "page one\npage two\n"
    assert "POST /v1/jobs" in service.routes()
    assert err == ""


def test_cli_reads_images_and_no_jobs_in_one_request(
    service: FakeService, document: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    image = tmp_path / "scan.png"
    image.write_bytes(b"\x89PNG\r\n\x1a\n")
    assert cli.main(["read", str(image), "--url", "http://ocr.test"]) == 0
    assert cli.main(["read", str(document), "--no-jobs", "--url", "http://ocr.test"]) == 0
    assert service.routes() == ["POST /v1/ocr", "POST /v1/ocr"]
    assert capsys.readouterr().out == "one request\none request\n"


def test_cli_writes_a_jobs_result_as_any_other(
    service: FakeService, document: Path, tmp_path: Path
) -> None:
    service.result_text = "<alto/>"
    out = tmp_path / "out"
    args = ["read", str(document), "--format", "alto", "--out", str(out), "--url", "http://x"]
    assert cli.main(args) == 0
    assert (out / "doc.xml").read_text() == "<alto/>"
    assert service.seen[0].url.params["formats"] == "alto"
    assert service.seen[-1].url.params["format"] == "alto"


def test_cli_warns_of_pages_that_failed_and_a_job_that_failed(
    service: FakeService, document: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    service.final["pages_failed"] = 1
    assert cli.main(["read", str(document), "--url", "http://ocr.test"]) == 0
    out, err = capsys.readouterr()
    assert out == "page one\npage two\n"
    assert "1 of 2 pages could not be read" in err

    service.polls = 0
    service.final = {"status": "failed", "error": {"detail": "The PDF could not be opened."}}
    assert cli.main(["read", str(document), "--url", "http://ocr.test"]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert "failed: The PDF could not be opened." in err


def test_cli_interrupted_cancels_its_job(service: FakeService, document: Path) -> None:
    service.finish_after = 10**9  # never finishes
    args = cli.build_parser().parse_args(["read", str(document), "--url", "http://ocr.test"])

    async def interrupt() -> None:
        task = asyncio.create_task(cli.read_all(args, cli.collect_inputs(args.inputs)))
        assert await apoll(lambda: service.polls >= 1)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(interrupt())
    assert service.routes()[-1] == "DELETE /v1/jobs/j_1"


def test_cli_jobs_status_and_cancel(
    service: FakeService, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["jobs", "status", "j_1", "--url", "http://ocr.test"]) == 0
    assert json.loads(capsys.readouterr().out)["pages_done"] == 1
    assert cli.main(["jobs", "cancel", "j_1", "--url", "http://ocr.test"]) == 0
    assert service.routes() == ["GET /v1/jobs/j_1", "DELETE /v1/jobs/j_1"]


def test_the_clients_switches_are_the_services() -> None:
    from typing import get_args

    from ocr_client import Switch

    from app.schemas.options import PreparationQuery

    assert set(get_args(Switch)) == set(PreparationQuery.model_fields)


def test_switches_are_sent_as_query_parameters_of_ocr_and_submit() -> None:
    transport, seen = scripted(
        httpx.Response(200, text="text"),
        httpx.Response(202, json={"id": "j_1", "status": "queued", "pages_total": 1}),
    )
    with mock(transport) as ocr:
        ocr.ocr(b"image", format="text", switches={"deskew": False, "smooth": True})
        ocr.submit(b"%PDF-", switches={"preprocess": False})
    assert seen[0].url.params["deskew"] == "false"
    assert seen[0].url.params["smooth"] == "true"
    assert "auto_rotate" not in seen[0].url.params  # left out: the service decides
    assert seen[1].url.params["preprocess"] == "false"
