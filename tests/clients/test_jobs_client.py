"""Jobs (POST /v1/jobs) through the Python client and the `ocr` command, against the real
gunicorn server: submit, wait, the result in its formats, cancel."""

import asyncio
from pathlib import Path

import pytest
from ocr_client import (
    AsyncOCRClient,
    JobStatus,
    NotFoundError,
    OCRClient,
    OCRResult,
    ResultNotReadyError,
    UnprocessableError,
)

from tests.clients.test_cli import run_ocr
from tests.conftest import TEST_TOKEN, LiveServer, text_image
from tests.helpers.documents import dense_page, scanned_pdf
from tests.helpers.waiting import poll

pytestmark = pytest.mark.e2e

PHRASES = ("HELLO WORLD", "QUICK BROWN FOX")


@pytest.fixture(scope="module")
def two_pages(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A scanned PDF (no text layer) of two pages, one phrase on each."""
    path = tmp_path_factory.mktemp("jobs") / "two-pages.pdf"
    path.write_bytes(scanned_pdf([text_image(phrase) for phrase in PHRASES]))
    return path


def test_a_two_page_pdf_is_submitted_waited_for_and_read(
    live_server: LiveServer, two_pages: Path
) -> None:
    seen: list[JobStatus] = []
    with OCRClient(live_server.url, TEST_TOKEN) as ocr:
        job = ocr.submit(two_pages)
        assert job.id
        final = job.wait(on_progress=seen.append, timeout=120)
        result = job.result()
        text = job.result(format="text")

    assert final.status == "succeeded"
    assert (final.pages_total, final.pages_done, final.pages_failed) == (2, 2, 0)
    times = (final.created_at, final.started_at, final.finished_at, final.expires_at)
    assert None not in times, times
    assert sorted(times) == list(times)  # created, started, finished, then expires
    assert set(final.formats) >= {"json", "text"}
    assert seen[-1] == final
    assert [status.pages_done for status in seen] == sorted(s.pages_done for s in seen)

    assert isinstance(result, OCRResult)
    assert len(result.pages) == 2
    assert [page.number for page in result.pages] == [1, 2]
    assert [page.error for page in result.pages] == [None, None]
    for page, phrase in zip(result.pages, PHRASES, strict=True):
        assert phrase in page.text
        assert page.lines
    assert isinstance(text, str)
    assert text.index(PHRASES[0]) < text.index(PHRASES[1])


def test_extra_formats_come_only_when_asked_for(live_server: LiveServer, two_pages: Path) -> None:
    with OCRClient(live_server.url, TEST_TOKEN) as ocr:
        job = ocr.submit(two_pages, formats=["hocr"])
        job.wait(timeout=120)
        hocr = job.result(format="hocr")
        with pytest.raises(UnprocessableError):
            job.result(format="pdf")
    assert isinstance(hocr, str)
    assert hocr.count("ocr_page") >= 2


def test_the_same_idempotency_key_gives_the_same_job(
    live_server: LiveServer, two_pages: Path
) -> None:
    with OCRClient(live_server.url, TEST_TOKEN) as ocr:
        first = ocr.submit(two_pages, idempotency_key="jobs-client-test-1")
        again = ocr.submit(two_pages, idempotency_key="jobs-client-test-1")
        other = ocr.submit(two_pages)
        assert again.id == first.id
        assert other.id != first.id
        for job in (first, other):
            job.cancel()


def test_a_long_job_can_be_canceled_while_it_runs(live_server: LiveServer, tmp_path: Path) -> None:
    document = tmp_path / "long.pdf"
    document.write_bytes(scanned_pdf([dense_page(number) for number in range(1, 13)]))
    with OCRClient(live_server.url, TEST_TOKEN) as ocr:
        job = ocr.submit(document)
        assert poll(lambda: job.status().status == "running", seconds=60, interval=0.1)
        assert job.last_status is not None
        assert job.last_status.pages_done < job.last_status.pages_total == 12
        with pytest.raises(ResultNotReadyError):
            job.result()
        job.cancel()
        assert job.status().status == "canceled"
        with pytest.raises(ResultNotReadyError):  # it never will have one
            ocr.job(job.id).result()
        with pytest.raises(NotFoundError):
            ocr.job("j_no-such-job").status()


def test_async_client_submits_bytes_and_waits(live_server: LiveServer, two_pages: Path) -> None:
    upload = two_pages.read_bytes()

    async def read() -> tuple[JobStatus, str]:
        async with AsyncOCRClient(live_server.url, TEST_TOKEN) as ocr:
            job = await ocr.submit(upload, filename="two-pages.pdf")
            final = await job.wait(timeout=120)
            again = ocr.job(job.id)
            return final, await again.result(format="text")

    final, text = asyncio.run(read())
    assert final.status == "succeeded"
    assert final.pages_done == 2
    assert all(phrase in text for phrase in PHRASES)


def test_cli_reads_a_pdf_through_a_job_with_a_bar_of_its_pages(
    live_server: LiveServer, two_pages: Path
) -> None:
    result = run_ocr("read", str(two_pages), "--progress", url=live_server.url)
    assert result.returncode == 0, result.stderr
    assert all(phrase in result.stdout for phrase in PHRASES)
    assert "2/2" in result.stderr  # the bar of pages (the bar of files counts to 1/1)
    assert "page" in result.stderr


def test_cli_reads_a_pdf_as_markdown_through_its_job(
    live_server: LiveServer, two_pages: Path
) -> None:
    result = run_ocr("read", str(two_pages), "--format", "markdown", url=live_server.url)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().split("\n\n") == list(PHRASES)  # a paragraph a page, in order


def test_cli_jobs_status_of_an_unknown_job_is_404(live_server: LiveServer) -> None:
    result = run_ocr("jobs", "status", "j_does_not_exist", url=live_server.url)
    assert result.returncode == 1
    assert "404" in result.stderr
    assert result.stdout == ""


def test_a_jobs_switches_reach_its_pages(live_server: LiveServer, tmp_path: Path) -> None:
    from tests.clients.test_python_client import sideways_page

    path = tmp_path / "sideways.pdf"
    path.write_bytes(scanned_pdf([sideways_page()]))
    with OCRClient(live_server.url, TEST_TOKEN) as ocr:
        decided = ocr.submit(path)
        kept_sideways = ocr.submit(path, switches={"auto_rotate": False})
        results = [job.result() for job in (decided, kept_sideways) if job.wait(timeout=120)]
    steps = [result.pages[0].steps for result in results]
    assert any(step.startswith("rotate:") for step in steps[0]), steps
    assert not any(step.startswith("rotate:") for step in steps[1]), steps
