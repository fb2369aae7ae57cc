"""Reading one page of a job, and where its results are kept.

A page's results are written before the page is counted done, the JSON last: a page whose
JSON exists was read completely, so a page handed out again (its reader died after writing
but before counting it) is counted without being read twice.
"""

import json
import logging
from dataclasses import dataclass, field, replace

from app.concurrency.stop import Stop
from app.core.errors import (
    ClientGone,
    JobStoreUnavailable,
    ProcessingTimeout,
    ServiceError,
    StorageUnavailable,
)
from app.jobs.files import JobFiles
from app.jobs.models import Job, PageState
from app.ocr.decoding.documents import Limits, count_pages, load_pages
from app.ocr.engines.protocol import OcrEngine, Recognizer
from app.ocr.pipeline.documents import read_page, render_read_page
from app.ocr.pipeline.options import PageOptions
from app.ocr.rendering.formats import OUTPUT_FORMATS
from app.schemas.pages import PageResult

logger = logging.getLogger("app.jobs")


def page_file(number: int, extension: str) -> str:
    return f"page-{number:06d}.{extension}"


@dataclass(frozen=True, slots=True)
class PageRead:
    state: PageState
    error: str | None = None
    results: dict[str, bytes] = field(default_factory=dict)  # file name -> body, in order


class DocumentUnreadable(Exception):
    """The job's document cannot be opened at all: the job fails, not a page."""


class PageReading:
    """Reads pages of stored documents with the service's engine and limits."""

    def __init__(
        self,
        files: JobFiles,
        engine: OcrEngine,
        *,
        neural: Recognizer | None = None,
        max_pixels: int,
        max_pages: int,
        page_timeout_seconds: float,
    ) -> None:
        self.files = files
        self.engine = engine
        self.neural = neural
        self.limits = Limits(
            max_pixels=max_pixels, max_pages=max_pages, pages_setting="JOBS_MAX_PAGES"
        )
        self.page_timeout_seconds = page_timeout_seconds

    def check_document(self, job: Job) -> None:
        """DocumentUnreadable when the job's document (its first page's file, when stored a
        file per page) cannot be opened at all."""
        try:
            path, inside = self.files.page_source(job.id, job.pages[0])
        except FileNotFoundError:
            raise DocumentUnreadable("The job's document is missing from storage.") from None
        if not path.is_file():
            raise DocumentUnreadable("The job's document is missing from storage.")
        try:
            count_pages(path, self.limits, {inside})
        except ServiceError as error:
            raise DocumentUnreadable(error.detail) from None

    def done_already(self, job: Job, number: int) -> bool:
        return self.files.exists(job.id, page_file(number, "json"))

    def read(self, job: Job, number: int, stop: Stop) -> PageRead:
        """Read page `number` of `job` into its results (stored by `save`); a page that
        cannot be read is a failed page with its error, never an exception (ClientGone aside:
        the job is no longer wanted)."""
        options = PageOptions(
            lang=job.options.lang,
            psm=job.options.psm,
            dpi=job.options.dpi,
            timeout_seconds=self.page_timeout_seconds,
            stop=stop,
            engine=job.options.engine,
            neural=self.neural,
            vocabulary=job.options.vocabulary,
            **job.options.switches,
        )
        try:
            path, inside = self.files.page_source(job.id, number)
            source = replace(next(iter(load_pages(path, self.limits, {inside}))), number=number)
            page = read_page(source, self.engine, options, None)
            # Every format from the one reading: the page is not read again for each.
            rendered = {
                name: render_read_page(source, page, OUTPUT_FORMATS[name], options)
                for name in job.options.formats
            }
        except (ClientGone, StorageUnavailable, JobStoreUnavailable):
            raise  # not the page's fault: no longer wanted, or to be tried again later
        except FileNotFoundError:
            return PageRead(PageState.FAILED, "The page's file is missing from storage.")
        except ProcessingTimeout:
            return PageRead(
                PageState.FAILED,
                f"The page was not read within JOBS_PAGE_TIMEOUT_SECONDS "
                f"({self.page_timeout_seconds:g} seconds).",
            )
        except ServiceError as error:
            return PageRead(PageState.FAILED, error.detail)
        except Exception:
            logger.exception("Reading page %d of job %s failed", number, job.id)
            return PageRead(PageState.FAILED, "The OCR engine failed on this page.")
        results = {
            page_file(number, OUTPUT_FORMATS[name].extension[1:]): body
            for name, body in rendered.items()
        }
        results[page_file(number, "txt")] = page.text.encode()
        # The JSON last: its presence says the page was stored whole (done_already).
        page_json = PageResult.model_validate(page).model_dump(mode="json")
        results[page_file(number, "json")] = json.dumps(page_json).encode()
        return PageRead(PageState.DONE, results=results)

    def save(self, job: Job, read: PageRead) -> None:
        for name, body in read.results.items():
            self.files.write(job.id, name, body)
