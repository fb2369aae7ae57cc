"""Reading one page of a job: what is the page's fault (a failed page) and what is not (raised,
so that the page is tried again later)."""

from pathlib import Path

import pytest

from app.concurrency.stop import Stop
from app.core.errors import StorageUnavailable
from app.jobs.embedded.local_files import LocalJobFiles
from app.jobs.models import Job, JobOptions, JobState, PageState
from app.jobs.reading.pages import PageReading
from app.ocr.engines.protocol import OcrEngine


def job(pages: tuple[int, ...] = (1,)) -> Job:
    return Job(
        id="j_test", owner="o", state=JobState.RUNNING, options=JobOptions(lang="eng"),
        pages=pages, pages_done=0, pages_failed=0, created_at=0.0, started_at=0.0,
        finished_at=None, expires_at=None, error=None, callback_url=None, base_url="http://x/",
        upload_digest="d", files_deleted=False,
    )  # fmt: skip


class UnreachableFiles(LocalJobFiles):
    def page_source(self, job_id: str, number: int) -> tuple[Path, int]:
        raise StorageUnavailable()


class MissingFiles(LocalJobFiles):
    def page_source(self, job_id: str, number: int) -> tuple[Path, int]:
        raise FileNotFoundError(f"no source of page {number}")


def reading(files: LocalJobFiles, engine: OcrEngine) -> PageReading:
    return PageReading(files, engine, max_pixels=40_000_000, max_pages=50, page_timeout_seconds=30)


def test_storage_that_cannot_be_reached_is_raised_not_a_failed_page(
    tmp_path: Path, engine: OcrEngine
) -> None:
    with pytest.raises(StorageUnavailable):
        reading(UnreachableFiles(tmp_path), engine).read(job(), 1, Stop.after(30))


def test_a_page_missing_from_storage_is_a_failed_page(tmp_path: Path, engine: OcrEngine) -> None:
    read = reading(MissingFiles(tmp_path), engine).read(job(), 1, Stop.after(30))
    assert read.state is PageState.FAILED
    assert read.error == "The page's file is missing from storage."
