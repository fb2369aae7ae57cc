"""The distributed PageQueue: one dramatiq message per page on Redis, read by any process that
runs a dramatiq Worker on the same broker (`make worker`, and web instances with JOBS_THREADS).

dramatiq gives what a queue of our own would have to: a message is acknowledged only after
its actor returns, a process that stops heartbeating has its unacknowledged messages put back
(after JOBS_REDELIVERY_SECONDS), and a failing message is retried with backoff. Messages
carry only the job's id and the page's number; the page's state lives in the job store, so a
redelivered page whose result is stored already is counted once and never read twice.
"""

import logging
import threading
import time
from typing import Any

from dramatiq import Actor, Retry, Worker
from dramatiq.brokers.redis import RedisBroker
from dramatiq.middleware import AgeLimit, CurrentMessage, Retries, TimeLimit

from app.jobs.distributed.connection import redis_client
from app.jobs.distributed.redis_store import RedisJobStore
from app.jobs.models import Claim, Job, PageState
from app.jobs.reading.priority import lower_priority
from app.jobs.reading.processing import PageProcessor
from app.jobs.service import JobService

logger = logging.getLogger("app.jobs")

QUEUE_NAME = "ocr-pages"
NAMESPACE = "ocr-dramatiq"
# A page whose storage or store stays unreachable is retried with doubling delays from 1 s up
# to a minute: about a quarter of an hour of outage is ridden out before the page is failed.
MAX_RETRIES = 20
MIN_BACKOFF_MS = 1_000
MAX_BACKOFF_MS = 60_000
# dramatiq puts a dead process's messages back during "maintenance", which a random share of
# broker calls runs. Its default (0.1 %) lets a killed worker's pages wait minutes on a quiet
# cluster; 5 % of the (cheap) calls finds them within seconds of JOBS_REDELIVERY_SECONDS.
MAINTENANCE_CHANCE = 50_000
# Web processes and workers check this often whether a job they are reading was canceled.
CANCEL_POLL_SECONDS = 2.0
# A job recorded this long ago whose page messages were not all sent had its sender die.
UNSENT_GRACE_SECONDS = 60.0
EXHAUSTED_DETAIL = (
    "The page could not be read: the job storage or store stayed unreachable through every retry."
)


class PageMessageInvalid(Exception):
    """A message whose arguments name no page: retrying cannot help, it is dropped."""


def make_broker(url: str, *, redelivery_seconds: float, time_limit_seconds: float) -> RedisBroker:
    return RedisBroker(
        client=redis_client(url),
        namespace=NAMESPACE,
        heartbeat_timeout=int(redelivery_seconds * 1000),
        maintenance_chance=MAINTENANCE_CHANCE,
        middleware=[
            AgeLimit(),
            TimeLimit(time_limit=int(time_limit_seconds * 1000)),
            CurrentMessage(),
            Retries(
                max_retries=MAX_RETRIES, min_backoff=MIN_BACKOFF_MS, max_backoff=MAX_BACKOFF_MS
            ),
        ],
    )


class DramatiqPageQueue:
    def __init__(
        self,
        broker: RedisBroker,
        store: RedisJobStore,
        *,
        page_timeout_seconds: float,
        callback_attempts: int,
    ) -> None:
        self.broker = broker
        self.store = store
        self.callback_attempts = callback_attempts
        self.service: JobService | None = None  # set once it exists: callbacks are its
        self.processor: PageProcessor | None = None
        self.threads = 0
        self._worker: Worker | None = None
        self._stopping = threading.Event()
        self._niced = threading.local()
        # Our own per-page limit (JOBS_PAGE_TIMEOUT_SECONDS) stops the engine and fails the
        # page; dramatiq's time limit is only the backstop for a page stuck outside it.
        self.read_page: Actor[[str, int], None] = Actor(
            self._read_page,
            broker=broker,
            actor_name="read_job_page",
            queue_name=QUEUE_NAME,
            priority=0,
            options={
                "max_retries": MAX_RETRIES,
                "min_backoff": MIN_BACKOFF_MS,
                "max_backoff": MAX_BACKOFF_MS,
                "time_limit": int((2 * page_timeout_seconds + 60) * 1000),
                "throws": (PageMessageInvalid,),
                "on_retry_exhausted": "job_page_exhausted",
            },
        )
        # One delivery attempt per message, dramatiq's retries doubling the delay between
        # them: a receiver that is down holds no OCR thread, and a worker replaced or killed
        # in between leaves the next attempt to whichever process takes the message.
        self.call_back: Actor[[str], None] = Actor(
            self._call_back,
            broker=broker,
            actor_name="deliver_job_callback",
            queue_name=QUEUE_NAME,
            priority=10,  # after pages waiting: a page is worth more than a callback's seconds
            options={
                "max_retries": callback_attempts - 1,
                "min_backoff": MIN_BACKOFF_MS,
                "max_backoff": MAX_BACKOFF_MS,
                "time_limit": 60_000,
                "throws": (PageMessageInvalid,),
            },
        )
        self.page_exhausted: Actor[[dict[str, Any], dict[str, Any]], None] = Actor(
            self._page_exhausted,
            broker=broker,
            actor_name="job_page_exhausted",
            queue_name=QUEUE_NAME,
            priority=0,
            options={"max_retries": MAX_RETRIES, "throws": (PageMessageInvalid,)},
        )

    # PageQueue

    @property
    def mean_page_seconds(self) -> float:
        return self.processor.mean_page_seconds if self.processor is not None else 2.0

    @property
    def readers(self) -> int:
        return max(1, self.threads)

    def submit(self, job: Job) -> None:
        """One message per page, then the job is marked sent (until then `sweep` resends)."""
        for number in job.pages:
            self.read_page.send(job.id, number)
        self.store.mark_sent(job.id)

    def stop(self, job_id: str) -> None:
        if self.processor is not None:
            self.processor.stop(job_id)

    def sweep(self) -> None:
        """Send the pages of jobs whose web process died before it had sent them all."""
        for job in self.store.unsent(time.time() - UNSENT_GRACE_SECONDS):
            states = self.store.page_states(job.id)
            for number in job.pages:
                if states.get(number) in (PageState.QUEUED, PageState.RUNNING):
                    self.read_page.send(job.id, number)
            self.store.mark_sent(job.id)
            logger.warning("Sent the pages of job %s again: its sender stopped", job.id)

    # Reading pages in this process

    def start_reading(self, processor: PageProcessor, threads: int) -> None:
        """Read pages here on `threads` threads at the lowest CPU priority."""
        self.processor = processor
        self.threads = threads
        if threads <= 0:
            return
        self._worker = Worker(self.broker, queues={QUEUE_NAME}, worker_threads=threads)
        self._worker.start()
        threading.Thread(target=self._watch_cancels, name="ocr-job-cancels", daemon=True).start()

    def stop_reading(self, timeout_seconds: float) -> None:
        """Finish the pages in hand (up to the timeout) and give every prefetched one back."""
        self._stopping.set()
        if self._worker is not None:
            self._worker.stop(timeout=int(timeout_seconds * 1000))
            self._worker = None

    def _read_page(self, job_id: str, number: int) -> None:
        if not isinstance(job_id, str) or not isinstance(number, int):
            raise PageMessageInvalid(f"{job_id!r}, {number!r}")
        if self.processor is None:  # a sending-only process never runs a Worker
            raise RuntimeError("This process reads no job pages.")
        if not getattr(self._niced, "done", False):
            lower_priority()
            self._niced.done = True
        claim = self.store.begin_page(job_id, number)
        if claim is None:  # finished already, or its job has ended
            return
        self.processor.process(claim)

    def send_callback(self, job_id: str) -> None:
        self.call_back.send(job_id)

    def _call_back(self, job_id: str) -> None:
        if not isinstance(job_id, str):
            raise PageMessageInvalid(repr(job_id))
        if self.service is None:
            raise RuntimeError("This process delivers no callbacks.")
        message = CurrentMessage.get_current_message()
        tried = int(message.options.get("retries", 0)) if message is not None else 0
        last = tried + 1 >= self.callback_attempts
        if not self.service.deliver_callback(job_id, attempts=1, last=last) and not last:
            raise Retry()  # dramatiq sends it again after a doubling delay

    def _page_exhausted(self, message: dict[str, Any], info: dict[str, Any]) -> None:
        args = message.get("args") or []
        if len(args) != 2 or not isinstance(args[0], str) or not isinstance(args[1], int):
            raise PageMessageInvalid(repr(args))
        job_id, number = args
        try:
            job = self.store.finish_page(
                Claim(job_id, number, attempt=0), PageState.FAILED, EXHAUSTED_DETAIL
            )
        except KeyError:
            return
        logger.error("Job page %d of %s failed: %s", number, job_id, EXHAUSTED_DETAIL)
        if job.state.finished and self.processor is not None:
            self.processor.job_ended(job.id)

    def _watch_cancels(self) -> None:
        while not self._stopping.wait(CANCEL_POLL_SECONDS):
            if self.processor is None:
                continue
            for job_id in self.processor.jobs_in_hand():
                try:
                    job = self.store.get(job_id)
                except Exception:
                    logger.exception("Checking job %s for cancellation failed", job_id)
                    continue
                if job is None or job.state.finished:
                    self.processor.stop(job_id)
