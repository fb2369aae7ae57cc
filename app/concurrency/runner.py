"""A bounded thread pool for blocking image and OCR work, admitting jobs by what they cost.

Each job comes with the Work it carries (megapixels and pages of one kind: a language and a
preparation), which the CostModel turns into seconds from what jobs of that kind took per
megapixel. A job is admitted when the work ahead of it (the estimates of the jobs waiting
plus what is left of the running ones, over the threads) lets it start within
`max_wait_seconds` and finish before its deadline; otherwise it is refused at once
(ServiceBusy, with a Retry-After estimate), so a burst of full pages after small images is
judged by the pages' cost, not by the small images' time.

Only live work counts: a job whose client goes away leaves the queue at once (its executor
item is cancelled before a thread reaches it) and its Stop tells the running work to end at
the next reading. A job whose deadline passed while it waited is dropped before it starts.

With `gap_filler`, one job more than `threads` runs while jobs are short. Between short jobs
each thread spends a few percent of its time waiting for the GIL and for the event loop; the
extra job fills those gaps. Full pages gain nothing from it and would all slow down, so then
`threads` run.

One module, over 300 lines: admission, the queue and the threads decide together under one lock,
so they are not split.
"""

import asyncio
import itertools
import math
import threading
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import ParamSpec, TypeVar

from app.concurrency.stop import Stop
from app.core.errors import ClientGone, DeadlineExceeded, ServiceBusy

T = TypeVar("T")
P = ParamSpec("P")

DisconnectCheck = Callable[[], Awaitable[bool]]

SHORT_JOB_SECONDS = 0.5  # recent jobs shorter than this on average: let the gap filler run
DISCONNECT_POLL_SECONDS = 0.2


@dataclass(frozen=True, slots=True)
class Work:
    """What a job carries, known before it queues: `pages` pages of `megapixels` in all, of
    one `kind` (what the seconds per megapixel are learned for)."""

    kind: str = "other"
    megapixels: float = 0.0
    pages: int = 1


class CostModel:
    """Seconds a job of each kind takes: a fixed cost per page plus learned seconds per
    megapixel (a moving average of what finished jobs of that kind took)."""

    PAGE_SECONDS = 0.02  # decoding, analysis and the HTTP round trip of any page
    LEARNING_RATE = 0.3
    MIN_LEARNED_MEGAPIXELS = 0.01  # too small to say anything per megapixel

    def __init__(self, seconds_per_megapixel: float = 0.3) -> None:
        self.default_seconds_per_megapixel = seconds_per_megapixel
        self._rates: dict[str, float] = {}
        self._lock = threading.Lock()

    def seconds_per_megapixel(self, kind: str) -> float:
        return self._rates.get(kind, self.default_seconds_per_megapixel)

    def estimate(self, work: Work) -> float:
        return work.pages * self.PAGE_SECONDS + work.megapixels * self.seconds_per_megapixel(
            work.kind
        )

    def learn(self, work: Work, seconds: float) -> None:
        """A job of `work` took `seconds` (only jobs that finished reading teach anything)."""
        if work.megapixels < self.MIN_LEARNED_MEGAPIXELS:
            return
        observed = max(0.0, seconds - work.pages * self.PAGE_SECONDS) / work.megapixels
        with self._lock:
            known = self._rates.get(work.kind)
            self._rates[work.kind] = (
                observed
                if known is None
                else (1 - self.LEARNING_RATE) * known + self.LEARNING_RATE * observed
            )


@dataclass(slots=True)
class _Job:
    estimate: float
    started: float | None = None  # time.monotonic() once it runs


class OcrRunner:
    def __init__(
        self,
        *,
        threads: int,
        max_queue: int,
        max_wait_seconds: float = 15.0,
        gap_filler: bool = False,
        spare_threads: int = 0,
        costs: CostModel | None = None,
    ) -> None:
        self.threads = threads
        self.capacity = threads + max_queue
        self.max_wait_seconds = max_wait_seconds
        self.gap_filler = gap_filler
        self.costs = costs or CostModel()
        self._executor = ThreadPoolExecutor(
            max_workers=threads + int(gap_filler), thread_name_prefix="ocr"
        )
        self._spare_executor = (
            ThreadPoolExecutor(max_workers=spare_threads, thread_name_prefix="ocr-spare")
            if spare_threads > 0
            else None
        )
        self.spare_threads = spare_threads
        self._sparing = 0
        self._lock = threading.Lock()
        self._room = threading.Condition(self._lock)
        self._jobs: dict[int, _Job] = {}  # admitted: waiting (started None) or running
        self._ids = itertools.count()
        self._running = 0
        self._mean_job_seconds = 0.1
        self.rejected = 0
        self.dropped = 0
        self.on_job_done: Callable[[float], None] | None = None
        self.on_rejected: Callable[[str], None] | None = None

    @property
    def admitted(self) -> int:
        return len(self._jobs)

    @property
    def waiting(self) -> int:
        with self._lock:
            return sum(1 for job in self._jobs.values() if job.started is None)

    @property
    def saturated(self) -> bool:
        """No room for a job of the smallest cost."""
        with self._lock:
            return len(self._jobs) >= self.capacity or self._expected_wait() > self.max_wait_seconds

    def expected_wait(self) -> float:
        """Seconds a job admitted now would wait for a thread."""
        with self._lock:
            return self._expected_wait()

    def _expected_wait(self) -> float:
        """(Called holding the lock.) No wait while a thread is free; else the work ahead,
        shared by the threads."""
        if len(self._jobs) < self.threads:
            return 0.0
        now = time.monotonic()
        ahead = sum(
            job.estimate if job.started is None else max(0.0, job.estimate - (now - job.started))
            for job in self._jobs.values()
        )
        return ahead / self.threads

    def retry_after_seconds(self) -> int:
        """When a job would likely be admitted again."""
        with self._lock:
            return self._retry_after(self._expected_wait(), 0.0)

    def _retry_after(self, wait: float, estimate: float) -> int:
        """Seconds until the work ahead has shrunk enough for a job of `estimate` seconds,
        facing `wait`, to fit the wait limit."""
        return max(1, math.ceil(wait - self.max_wait_seconds + estimate / self.threads))

    async def run(
        self,
        func: Callable[P, T],
        *args: P.args,
        **kwargs: P.kwargs,
    ) -> T:
        """Run func(*args, **kwargs) on the pool as unknown work with no deadline; see
        `submit` for work whose cost, deadline and client are known."""
        return await self.submit(lambda: func(*args, **kwargs))

    async def submit(
        self,
        job: Callable[[], T],
        *,
        work: Work | None = None,
        stop: Stop | None = None,
        disconnected: DisconnectCheck | None = None,
    ) -> T:
        """Run `job` on the pool if its `work` fits (else ServiceBusy at once). `stop` is
        cancelled when `disconnected` says the client left; its deadline drops the job if it
        passes before a thread is free."""
        work = work or Work()
        stop = stop or Stop()
        estimate = self.costs.estimate(work)
        with self._lock:
            wait = self._expected_wait()
            time_left = stop.remaining()
            too_long = wait > self.max_wait_seconds or (
                time_left is not None and wait > 0 and wait + estimate > time_left
            )
            if len(self._jobs) >= self.capacity or too_long:
                self.rejected += 1
                self._report_rejection("busy")
                raise ServiceBusy(retry_after=self._retry_after(wait, estimate))
            job_id = next(self._ids)
            self._jobs[job_id] = _Job(estimate)
        try:
            future = self._executor.submit(self._job, job_id, job, work, stop)
        except BaseException:
            self._leave(job_id)
            raise
        future.add_done_callback(lambda _: self._leave(job_id))
        return await self._wait(future, stop, disconnected)

    async def _wait(
        self, future: "Future[T]", stop: Stop, disconnected: DisconnectCheck | None
    ) -> T:
        wrapped = asyncio.wrap_future(future)
        try:
            if disconnected is None:
                return await wrapped
            while True:
                done, _ = await asyncio.wait({wrapped}, timeout=DISCONNECT_POLL_SECONDS)
                if done:
                    return wrapped.result()
                if await disconnected():
                    self._abandon(future, stop)
                    self._report_rejection("disconnected")
                    raise ClientGone()
        except asyncio.CancelledError:
            self._abandon(future, stop)
            raise

    def _abandon(self, future: "Future[T]", stop: Stop) -> None:
        """Nobody waits for this job any more: out of the queue now if it has not started
        (the done callback frees its place), else told to stop at its next reading."""
        stop.cancel()
        if future.cancel():
            self.dropped += 1
        with self._lock:
            self._room.notify_all()  # a job waiting for room sees its Stop at once

    def _job(self, job_id: int, job: Callable[[], T], work: Work, stop: Stop) -> T:
        with self._lock:
            while self._running >= self._parallel_jobs() and not stop.cancelled:
                self._room.wait()
            gone = stop.cancelled
            late = stop.deadline is not None and time.monotonic() > stop.deadline
            if gone or late:
                self.dropped += 1
                self._room.notify()
            else:
                self._running += 1
                self._jobs[job_id].started = time.monotonic()
        # Checked once the job may run: waiting for room can take a whole job's time.
        if gone:
            raise ClientGone()
        if late:
            self._report_rejection("deadline")
            raise DeadlineExceeded(retry_after=self.retry_after_seconds())
        started = time.perf_counter()
        finished = False
        try:
            result = job()
            finished = True
            return result
        finally:
            elapsed = time.perf_counter() - started
            with self._lock:
                self._running -= 1
                self._mean_job_seconds = 0.8 * self._mean_job_seconds + 0.2 * elapsed
                self._room.notify()
            if finished and not stop.cancelled:
                self.costs.learn(work, elapsed)
            if self.on_job_done is not None:
                self.on_job_done(elapsed)

    def _parallel_jobs(self) -> int:
        """How many jobs may run at once now (called holding the lock)."""
        short = self._mean_job_seconds < SHORT_JOB_SECONDS
        return self.threads + 1 if self.gap_filler and short else self.threads

    def spare(self, func: Callable[[], T]) -> "Future[T] | None":
        """Start func now on a spare thread if a core is idle (fewer jobs and spares running
        than threads; a job only waits when none is); None when there is no idle core or
        spare thread."""
        if self._spare_executor is None:
            return None
        with self._lock:
            idle = self._running + self._sparing < self.threads
            if not idle or self._sparing >= self.spare_threads:
                return None
            self._sparing += 1
        try:
            future = self._spare_executor.submit(func)
        except BaseException:
            self._spare_done()
            raise
        future.add_done_callback(lambda _: self._spare_done())
        return future

    def _spare_done(self) -> None:
        with self._lock:
            self._sparing -= 1

    def _report_rejection(self, reason: str) -> None:
        if self.on_rejected is not None:
            self.on_rejected(reason)

    def _leave(self, job_id: int) -> None:
        with self._lock:
            self._jobs.pop(job_id, None)

    def shutdown(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)
        if self._spare_executor is not None:
            self._spare_executor.shutdown(wait=False, cancel_futures=True)
