"""The threads that read job pages, at the lowest CPU priority.

Interactive requests (POST /, /v1/ocr, the page) have the OCR pool; job pages run on threads
of their own, one per usable CPU, each lowered to nice 19. Tesseract reads outside the GIL,
so the kernel's scheduler gives a core to an interactive reading the moment it needs one and
to the job pages whenever none does: a job uses every idle core, and an interactive request
waits neither for a job's page to finish nor for a thread (admission does not count job
pages at all).

A reader holds a lease on its page, renewed by one heartbeat thread while it reads; a
reader that dies stops renewing, and its page goes to the next reader once the lease ends.
"""

import logging
import os
import sys
import threading
import time
import uuid
from collections.abc import Callable

from app.errors import ClientGone
from app.jobs.models import Claim, JobState, PageState
from app.jobs.pages import DocumentUnreadable, PageRead, PageReading
from app.jobs.store import JobStore
from app.ocr.stop import Stop

logger = logging.getLogger("app.jobs")

LEASE_SECONDS = 10.0
HEARTBEAT_SECONDS = 2.0
IDLE_POLL_SECONDS = 1.0  # another process's new job is noticed this soon
LOWEST_PRIORITY = 19


def lower_priority() -> None:
    """Nice the calling thread (Linux schedules threads apart; elsewhere this is a no-op)."""
    if sys.platform != "linux":
        return
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), LOWEST_PRIORITY)
    except OSError:  # not permitted here: the job pages compete as equals
        logger.warning("Could not lower the job readers' CPU priority")


class JobReaders:
    def __init__(
        self,
        store: JobStore,
        reading: PageReading,
        *,
        threads: int,
        on_job_finished: Callable[[str], None],
    ) -> None:
        self.store = store
        self.reading = reading
        self.threads = threads
        self.on_job_finished = on_job_finished
        self.reader_id = f"{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self._wake = threading.Condition()
        self._woken = 0
        self._stopping = threading.Event()
        self._stops: dict[tuple[str, int], Stop] = {}
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []
        self.mean_page_seconds = 2.0

    def start(self) -> None:
        for index in range(self.threads):
            thread = threading.Thread(target=self._read_pages, name=f"ocr-job-{index}", daemon=True)
            thread.start()
            self._threads.append(thread)
        if self.threads:
            heartbeat = threading.Thread(target=self._heartbeat, name="ocr-job-lease", daemon=True)
            heartbeat.start()
            self._threads.append(heartbeat)

    def wake(self) -> None:
        """A job was submitted: idle readers look for pages now."""
        with self._wake:
            self._woken += 1
            self._wake.notify_all()

    def stop(self, job_id: str) -> None:
        """Stop reading `job_id`'s pages in this process (it was canceled)."""
        with self._lock:
            for (claimed_job, _), stop in self._stops.items():
                if claimed_job == job_id:
                    stop.cancel()

    def shutdown(self) -> None:
        """Stop taking pages. A page in hand is abandoned: its lease runs out and the next
        reader takes it."""
        self._stopping.set()
        with self._lock:
            for stop in self._stops.values():
                stop.cancel()
        self.wake()

    def _read_pages(self) -> None:
        lower_priority()
        while not self._stopping.is_set():
            with self._wake:
                seen = self._woken
            try:
                claim = self.store.claim(self.reader_id, LEASE_SECONDS)
            except Exception:
                logger.exception("Claiming a job page failed")
                claim = None
            if claim is None:
                with self._wake:
                    if self._woken == seen:
                        self._wake.wait(IDLE_POLL_SECONDS)
                continue
            try:
                self._read(claim)
            except Exception:
                logger.exception("Job page %d of %s failed", claim.number, claim.job_id)

    def _read(self, claim: Claim) -> None:
        job = self.store.get(claim.job_id)
        if job is None or job.state.finished:
            return
        if claim.first:
            try:
                self.reading.check_document(job)
            except DocumentUnreadable as error:
                self._finished(self.store.fail(job.id, str(error)).state, job.id)
                return
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
                if not self._still_wanted(job.id, stop):
                    raise ClientGone()
                self.reading.save(job, outcome)
            except ClientGone:
                # Canceled (nothing of it is kept), or this process is stopping: the page
                # goes back to the queue.
                self.store.release(claim)
                if not self._still_wanted(job.id, stop):
                    self.reading.files.delete(job.id)
                return
            finally:
                with self._lock:
                    self._stops.pop(key, None)
            elapsed = time.monotonic() - started
            self.mean_page_seconds = 0.8 * self.mean_page_seconds + 0.2 * elapsed
            logger.info(
                "job page %s",
                outcome.state.value,
                extra={"job": job.id, "page": claim.number, "seconds": round(elapsed, 3)},
            )
        try:
            updated = self.store.finish_page(claim, outcome.state, outcome.error)
        except KeyError:  # deleted while it was read
            return
        self._finished(updated.state, updated.id)

    def _still_wanted(self, job_id: str, stop: Stop) -> bool:
        if stop.cancelled and not self._stopping.is_set():
            return False
        job = self.store.get(job_id)
        return job is not None and not job.state.finished

    def _finished(self, state: JobState, job_id: str) -> None:
        if state.finished:
            self.on_job_finished(job_id)

    def _heartbeat(self) -> None:
        while not self._stopping.wait(HEARTBEAT_SECONDS):
            try:
                unwanted = self.store.renew(self.reader_id, LEASE_SECONDS)
            except Exception:
                logger.exception("Renewing job page leases failed")
                continue
            for job_id in unwanted:
                self.stop(job_id)
