"""The job logic, written once: submit, progress, assemble, cancel, expire and call back.

Where records and files live is the store's and the files' business (the embedded SQLite
store and DATA_DIR by default, Redis and an S3-compatible bucket past one machine); who reads
the pages is the queue's.

One module, over 300 lines, on purpose: it is the one place the job's rules live (the store,
files and queue are thin interfaces); split, they would scatter.
"""

import json
import logging
import math
import secrets
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from app.core.errors import (
    JobExpired,
    JobNotFound,
    ResultNotReady,
    TooManyJobs,
    UnprocessableOption,
)
from app.jobs import callbacks
from app.jobs.files import JobFiles
from app.jobs.models import Job, JobOptions, JobState, PageState
from app.jobs.queue import PageQueue
from app.jobs.reading.pages import page_file
from app.jobs.store import DuplicateKey, JobStore, NewJob
from app.ocr.rendering.formats import OUTPUT_FORMATS
from app.ocr.rendering.merge import merge
from app.ocr.results import Page, page_from_json

logger = logging.getLogger("app.jobs")

HOUSEKEEPING_SECONDS = 30.0
# A callback still undelivered this long after its job ended had its delivering process die.
CALLBACK_ORPHANED_SECONDS = 300.0


def new_job_id() -> str:
    return "j_" + secrets.token_urlsafe(12)


class JobService:
    def __init__(
        self,
        store: JobStore,
        files: JobFiles,
        *,
        max_unfinished: int,
        retention_seconds: float,
        callback_secret: str | None,
        callback_allow_private: bool,
        callback_attempts: int,
    ) -> None:
        self.store = store
        self.files = files
        self.max_unfinished = max_unfinished
        self.retention_seconds = retention_seconds
        self.callback_secret = callback_secret
        self.callback_allow_private = callback_allow_private
        self.callback_attempts = callback_attempts
        self.queue: PageQueue | None = None  # set once it exists: its readers call back here
        # A queue that delivers callbacks as messages of its own sets this (job id -> sent).
        self.send_callback: Callable[[str], None] | None = None
        self._stopping = threading.Event()
        self._housekeeper: threading.Thread | None = None

    def _pages_seconds(self, pages: int) -> float:
        """About how long `pages` more pages take."""
        if self.queue is None:
            return 2.0 * pages
        return pages * self.queue.mean_page_seconds / self.queue.readers

    # Submission

    def admit(self, owner: str) -> None:
        """TooManyJobs while `owner` has JOBS_MAX_UNFINISHED jobs queued or running: checked
        before the body is read."""
        if self.store.count_unfinished(owner) >= self.max_unfinished:
            wait = self._pages_seconds(self.store.pages_waiting())
            raise TooManyJobs(
                f"This token has {self.max_unfinished} unfinished jobs, the limit "
                "(JOBS_MAX_UNFINISHED); retry after the time in the Retry-After header.",
                retry_after=min(300, max(1, math.ceil(wait))),
            )

    def check_callback(self, url: str | None) -> str | None:
        if url is None:
            return None
        if self.callback_secret is None:
            raise UnprocessableOption(
                "This service sends no callbacks: CALLBACK_SECRET is not set. Poll the job instead."
            )
        return callbacks.check_callback_url(url, allow_private=self.callback_allow_private)

    def existing(self, owner: str, key: str | None, digest: str) -> Job | None:
        """The job an earlier submission with this idempotency key created, if any."""
        if key is None:
            return None
        job = self.store.find_by_key(owner, key)
        if job is not None and job.upload_digest != digest:
            raise UnprocessableOption(
                "This Idempotency-Key was used for another document; use a new key."
            )
        return job

    def create(self, new: NewJob) -> Job:
        """The new job, or the one a concurrent submission with the same key created."""
        try:
            job = self.store.create(new)
        except DuplicateKey as duplicate:
            self.files.delete(new.id)
            if duplicate.existing.upload_digest != new.upload_digest:
                raise UnprocessableOption(
                    "This Idempotency-Key was used for another document; use a new key."
                ) from None
            return duplicate.existing
        if self.queue is not None:
            self.queue.submit(job)
        return job

    # Reading the state

    def get(self, owner: str, job_id: str) -> Job:
        job = self.store.get(job_id)
        if job is None or job.owner != owner:
            raise JobNotFound()
        return job

    def retry_after(self, job: Job) -> int:
        """When polling again is worth it: about when the next pages are done."""
        left = job.pages_total - job.pages_done
        estimate = self._pages_seconds(left)
        return min(5, max(1, math.ceil(estimate)))

    def finished_job(self, owner: str, job_id: str) -> Job:
        """The job if its result can be read: ResultNotReady, JobExpired otherwise."""
        job = self.get(owner, job_id)
        if not job.state.finished:
            raise ResultNotReady(
                f"The job is {job.state.value} ({job.pages_done} of {job.pages_total} pages "
                "done); poll GET /v1/jobs/{id} until it has finished.",
                retry_after=self.retry_after(job),
            )
        if job.state is not JobState.SUCCEEDED:
            reason = f": {job.error}" if job.error else ""
            raise ResultNotReady(f"The job {job.state.value}{reason}; it has no result.")
        if (job.expires_at is not None and job.expires_at <= time.time()) or job.files_deleted:
            raise JobExpired()
        return job

    # Results

    def page_results(self, job: Job) -> Iterator[dict[str, object]]:
        """Each page's JSON in order; a failed page as its number and error."""
        for outcome in self.store.page_outcomes(job.id):
            if outcome.state is PageState.DONE:
                page: dict[str, object] = json.loads(
                    self.files.read(job.id, page_file(outcome.number, "json"))
                )
                yield page
            else:
                yield _failed_page(outcome.number, outcome.error or "The page was not read.")

    def pages_read(self, job: Job) -> Iterator[Page]:
        """Each page read, as a page tree, in order (failed pages left out)."""
        for page in self.page_results(job):
            if not page.get("error"):
                yield page_from_json(page)

    def page_texts(self, job: Job) -> Iterator[str]:
        for outcome in self.store.page_outcomes(job.id):
            if outcome.state is PageState.DONE:
                yield self.files.read(job.id, page_file(outcome.number, "txt")).decode()
            else:
                yield ""

    def rendered(self, job: Job, name: str) -> Path:
        """The whole document in renderer format `name`, merged from its pages once."""
        if name not in job.options.formats:
            raise UnprocessableOption(
                f"The job was submitted without format {name}; submit it again with "
                f"formats={name} (json and text are always there)."
            )
        fmt = OUTPUT_FORMATS[name]
        merged = f"result{fmt.extension}"
        if not self.files.exists(job.id, merged):
            numbers = [
                outcome.number
                for outcome in self.store.page_outcomes(job.id)
                if outcome.state is PageState.DONE
            ]
            if not numbers:
                raise UnprocessableOption(
                    "No page of the job could be read; the JSON result gives each page's error."
                )
            bodies = (
                self.files.read(job.id, page_file(number, fmt.extension[1:])) for number in numbers
            )
            with self.files.new_result(job.id, merged) as out:
                merge(fmt, bodies, out)
        return self.files.path(job.id, merged)

    # Ending

    def cancel(self, owner: str, job_id: str) -> Job:
        """Cancel an unfinished job (its pages not started are never read) or end a finished
        one's result; either way its files are deleted now."""
        job = self.get(owner, job_id)
        if job.state.finished:
            job = self.store.expire_now(job.id)
        else:
            job = self.store.cancel(job.id)
            if self.queue is not None:
                self.queue.stop(job.id)
            self.job_finished(job.id)
        self.files.delete(job.id)
        self.store.mark_files_deleted(job.id)
        updated = self.store.get(job.id)
        assert updated is not None
        return updated

    def job_finished(self, job_id: str) -> None:
        """Called once a job ended: its callback is sent, by the queue's own retried message
        where it has one (`send_callback`), else on a thread of its own (delivery retries
        take minutes)."""
        job = self.store.get(job_id)
        if job is None or job.callback_url is None:
            return
        if self.send_callback is not None:
            self.send_callback(job.id)
            return
        threading.Thread(
            target=self.deliver_callback,
            args=(job.id,),
            kwargs={"attempts": self.callback_attempts},
            name="job-callback",
            daemon=True,
        ).start()

    def deliver_callback(self, job_id: str, *, attempts: int, last: bool = True) -> bool:
        """POST the job's callback, tried `attempts` times; True once delivered. It is
        settled (no longer pending) when delivered or after the `last` round of tries."""
        job = self.store.get(job_id)
        if job is None or job.callback_url is None or self.callback_secret is None:
            return True
        links = job_links(job)
        body = callbacks.finished_payload(job.id, job.state.value, links, int(time.time()))
        delivered = False
        try:
            delivered = callbacks.deliver(
                job.callback_url,
                body,
                secret=self.callback_secret,
                message_id=f"msg_{job.id}_{job.state.value}",
                allow_private=self.callback_allow_private,
                attempts=attempts,
            )
        except Exception:
            logger.exception("The callback of job %s failed", job.id)
        if delivered or last:
            self.store.callback_settled(job.id)
        return delivered

    # Housekeeping

    def start(self) -> None:
        self._housekeeper = threading.Thread(
            target=self._housekeeping, name="job-housekeeping", daemon=True
        )
        self._housekeeper.start()

    def shutdown(self) -> None:
        self._stopping.set()

    def _housekeeping(self) -> None:
        while True:
            try:
                self.sweep()
            except Exception:
                logger.exception("Job housekeeping failed")
            if self._stopping.wait(HOUSEKEEPING_SECONDS):
                return

    def sweep(self, now: float | None = None) -> None:
        """Delete expired jobs' files, forget long-expired jobs, and resend callbacks whose
        delivering process died."""
        now = time.time() if now is None else now
        for job in self.store.to_delete(now):
            self.files.delete(job.id)
            self.store.mark_files_deleted(job.id)
        self.store.purge(now - self.retention_seconds)
        if self.queue is not None:
            self.queue.sweep()
        for job in self.store.undelivered_callbacks():
            if job.finished_at is not None and job.finished_at < now - CALLBACK_ORPHANED_SECONDS:
                self.job_finished(job.id)


def job_links(job: Job) -> dict[str, str]:
    base = job.base_url.rstrip("/")
    return {"self": f"{base}/v1/jobs/{job.id}", "result": f"{base}/v1/jobs/{job.id}/result"}


def _failed_page(number: int, detail: str) -> dict[str, object]:
    return {
        "number": number,
        "width": 0,
        "height": 0,
        "rotation": 0,
        "text": "",
        "lines": [],
        "source": "failed",
        "steps": [],
        "error": {"detail": detail},
    }


__all__ = ["JobOptions", "JobService", "NewJob", "job_links", "new_job_id"]
