"""One page of a job, from being begun to being counted: the part every backend's readers
share.

Whoever hands a page out (the embedded readers' claim, a dramatiq message) gives a Claim
here; the document is checked with the job's first page, a page stored already is counted
without being read again, the page is read under its own time limit, stored whole, then
counted once. A job canceled meanwhile keeps nothing of the page.
"""

import logging
import threading
import time
from collections.abc import Callable

from app.concurrency.stop import Stop
from app.core.errors import ClientGone
from app.jobs.models import Claim, PageState
from app.jobs.reading.pages import DocumentUnreadable, PageRead, PageReading
from app.jobs.store import JobStore

logger = logging.getLogger("app.jobs")


class PageProcessor:
    def __init__(
        self,
        store: JobStore,
        reading: PageReading,
        *,
        on_job_finished: Callable[[str], None],
    ) -> None:
        self.store = store
        self.reading = reading
        self.on_job_finished = on_job_finished
        self.mean_page_seconds = 2.0
        self.pages_read = 0
        self.page_read = threading.Event()  # set after each page read, for whoever counts
        self._stops: dict[tuple[str, int], Stop] = {}
        self._lock = threading.Lock()

    def jobs_in_hand(self) -> set[str]:
        with self._lock:
            return {job_id for job_id, _ in self._stops}

    def stop(self, job_id: str) -> None:
        """Stop reading `job_id`'s pages in this process (it was canceled)."""
        with self._lock:
            for (claimed_job, _), stop in self._stops.items():
                if claimed_job == job_id:
                    stop.cancel()

    def stop_all(self) -> None:
        with self._lock:
            for stop in self._stops.values():
                stop.cancel()

    def process(self, claim: Claim, *, stopping: Callable[[], bool] = lambda: False) -> bool:
        """Read and count the claimed page. False when it was given back unread: its job was
        canceled, or `stopping()` says this process is going (the page is queued again)."""
        job = self.store.get(claim.job_id)
        if job is None or job.state.finished:
            return True
        if claim.first:
            try:
                self.reading.check_document(job)
            except DocumentUnreadable as error:
                self.job_ended_if(self.store.fail(job.id, str(error)).state.finished, job.id)
                return True
        if self.reading.done_already(job, claim.number):
            outcome = PageRead(PageState.DONE)
        else:
            stop = Stop.after(self.reading.page_timeout_seconds)
            key = (claim.job_id, claim.number)
            with self._lock:
                self._stops[key] = stop
            started = time.monotonic()
            try:
                outcome = self.reading.read(job, claim.number, stop)
                if not self._still_wanted(job.id, stop, stopping):
                    raise ClientGone()
                self.reading.save(job, outcome)
            except ClientGone:
                self.store.release(claim)
                if not self._still_wanted(job.id, stop, stopping):
                    self.reading.files.delete(job.id)
                return False
            finally:
                with self._lock:
                    self._stops.pop(key, None)
            elapsed = time.monotonic() - started
            self.mean_page_seconds = 0.8 * self.mean_page_seconds + 0.2 * elapsed
            self.pages_read += 1
            self.page_read.set()
            logger.info(
                "job page %s",
                outcome.state.value,
                extra={"job": job.id, "page": claim.number, "seconds": round(elapsed, 3)},
            )
        try:
            updated = self.store.finish_page(claim, outcome.state, outcome.error)
        except KeyError:  # deleted while it was read
            return True
        self.job_ended_if(updated.state.finished, updated.id)
        return True

    def _still_wanted(self, job_id: str, stop: Stop, stopping: Callable[[], bool]) -> bool:
        """False when the job was canceled or deleted; True when only this process stops (the
        page is then given back, not deleted)."""
        if stop.cancelled and not stopping():
            return False
        job = self.store.get(job_id)
        return job is not None and not job.state.finished

    def job_ended_if(self, finished: bool, job_id: str) -> None:
        if finished:
            self.job_ended(job_id)

    def job_ended(self, job_id: str) -> None:
        """The job has ended: local copies of its files go, its callback is sent."""
        self.reading.files.forget_local(job_id)
        self.on_job_finished(job_id)
