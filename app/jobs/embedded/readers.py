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
import threading
import uuid

from app.jobs.embedded.sqlite_store import SqliteJobStore
from app.jobs.models import Job
from app.jobs.reading.priority import lower_priority
from app.jobs.reading.processing import PageProcessor

logger = logging.getLogger("app.jobs")

LEASE_SECONDS = 10.0
HEARTBEAT_SECONDS = 2.0
IDLE_POLL_SECONDS = 1.0  # another process's new job is noticed this soon


class JobReaders:
    """The embedded PageQueue: pages wait in the SQLite store; these threads claim them."""

    def __init__(self, store: SqliteJobStore, processor: PageProcessor, *, threads: int) -> None:
        self.store = store
        self.processor = processor
        self.threads = threads
        self.reader_id = f"{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self._wake = threading.Condition()
        self._woken = 0
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []

    @property
    def mean_page_seconds(self) -> float:
        return self.processor.mean_page_seconds

    @property
    def readers(self) -> int:
        return max(1, self.threads)

    def start(self) -> None:
        for index in range(self.threads):
            thread = threading.Thread(target=self._read_pages, name=f"ocr-job-{index}", daemon=True)
            thread.start()
            self._threads.append(thread)
        if self.threads:
            heartbeat = threading.Thread(target=self._heartbeat, name="ocr-job-lease", daemon=True)
            heartbeat.start()
            self._threads.append(heartbeat)

    def submit(self, job: Job) -> None:
        """A job was submitted (its pages are in the store already): idle readers look now."""
        self.wake()

    def wake(self) -> None:
        with self._wake:
            self._woken += 1
            self._wake.notify_all()

    def stop(self, job_id: str) -> None:
        self.processor.stop(job_id)

    def sweep(self) -> None:
        """Nothing to resend: a page whose reader died is claimed again once its lease ends."""

    def shutdown(self) -> None:
        """Stop taking pages. A page in hand is abandoned: its lease runs out and the next
        reader takes it."""
        self._stopping.set()
        self.processor.stop_all()
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
                self.processor.process(claim, stopping=self._stopping.is_set)
            except Exception:
                logger.exception("Job page %d of %s failed", claim.number, claim.job_id)

    def _heartbeat(self) -> None:
        while not self._stopping.wait(HEARTBEAT_SECONDS):
            try:
                unwanted = self.store.renew(self.reader_id, LEASE_SECONDS)
            except Exception:
                logger.exception("Renewing job page leases failed")
                continue
            for job_id in unwanted:
                self.stop(job_id)
