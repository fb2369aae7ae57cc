"""A bounded thread pool for blocking image and OCR work, with admission control.

At most `threads` jobs run and at most `max_queue` wait, and a job is only queued when its
expected wait (the jobs ahead of it times the recent job time, over the threads) is within
`max_wait_seconds`: small images may queue deeply, full pages hardly at all. Past that a job
is refused at once (ServiceBusy, with a Retry-After estimate) rather than queued without
limit. A job whose deadline passed while it waited, or whose client went away, is dropped
before it starts.

With `gap_filler`, one job more than `threads` runs while jobs are short. Between short jobs
each thread spends a few percent of its time waiting for the GIL and for the event loop; the
extra job fills those gaps (a small image, 8 clients, 2 cores: 0.94 -> 0.98 x the bare
engine). Full pages gain nothing from it and would all slow down, so then `threads` run.
"""

import asyncio
import math
import threading
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

from app.errors import ClientGone, DeadlineExceeded, ServiceBusy

T = TypeVar("T")

DisconnectCheck = Callable[[], Awaitable[bool]]

SHORT_JOB_SECONDS = 0.5  # recent jobs shorter than this on average: let the gap filler run


class OcrRunner:
    def __init__(
        self,
        *,
        threads: int,
        max_queue: int,
        max_wait_seconds: float = 1.0,
        gap_filler: bool = False,
        spare_threads: int = 0,
    ) -> None:
        self.threads = threads
        self.capacity = threads + max_queue
        self.max_wait_seconds = max_wait_seconds
        self.gap_filler = gap_filler
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
        self._admitted = 0
        self._running = 0
        self._mean_job_seconds = 0.1
        self.rejected = 0
        self.dropped = 0
        self.on_job_done: Callable[[float], None] | None = None
        self.on_rejected: Callable[[str], None] | None = None

    @property
    def admitted(self) -> int:
        return self._admitted

    @property
    def waiting(self) -> int:
        with self._lock:
            return max(0, self._admitted - self._running)

    @property
    def saturated(self) -> bool:
        return self._admitted >= self.capacity or self._expected_wait() > self.max_wait_seconds

    def _expected_wait(self) -> float:
        """Seconds a job admitted now would wait for a thread."""
        ahead = self._admitted - self.threads + 1
        return max(0, ahead) * self._mean_job_seconds / self.threads

    def retry_after_seconds(self) -> int:
        """When room is likely again: a thread frees up every mean job time over the threads."""
        return max(1, math.ceil(self._mean_job_seconds / self.threads))

    async def run(
        self,
        func: Callable[..., T],
        *args: object,
        deadline: float | None = None,
        disconnected: DisconnectCheck | None = None,
    ) -> T:
        """Run func(*args) on the pool; `deadline` is a time.monotonic() value."""
        with self._lock:
            if self.saturated:
                self.rejected += 1
                self._report_rejection("busy")
                raise ServiceBusy(retry_after=self.retry_after_seconds())
            self._admitted += 1
        cancelled = threading.Event()
        try:
            future = self._executor.submit(self._job, func, args, deadline, cancelled)
        except BaseException:
            self._leave()
            raise
        future.add_done_callback(lambda _: self._leave())
        return await self._wait(future, cancelled, disconnected)

    async def _wait(
        self, future: "Future[T]", cancelled: threading.Event, disconnected: DisconnectCheck | None
    ) -> T:
        wrapped = asyncio.wrap_future(future)
        try:
            if disconnected is None:
                return await wrapped
            while True:
                done, _ = await asyncio.wait({wrapped}, timeout=0.2)
                if done:
                    return wrapped.result()
                if await disconnected():
                    cancelled.set()
                    self._report_rejection("disconnected")
                    raise ClientGone()
        except asyncio.CancelledError:
            cancelled.set()
            raise

    def _job(
        self,
        func: Callable[..., T],
        args: tuple[object, ...],
        deadline: float | None,
        cancelled: threading.Event,
    ) -> T:
        with self._lock:
            while self._running >= self._parallel_jobs():
                self._room.wait()
            self._running += 1
        # Checked once the job may run: waiting for room can take a whole job's time.
        gone = cancelled.is_set()
        if gone or (deadline is not None and time.monotonic() > deadline):
            self._leave_room(None)
            self.dropped += 1
            if gone:
                raise ClientGone()
            self._report_rejection("deadline")
            raise DeadlineExceeded(retry_after=self.retry_after_seconds())
        started = time.perf_counter()
        try:
            return func(*args)
        finally:
            elapsed = time.perf_counter() - started
            self._leave_room(elapsed)
            if self.on_job_done is not None:
                self.on_job_done(elapsed)

    def _leave_room(self, elapsed: float | None) -> None:
        """A job is done (`elapsed` seconds) or was dropped before it ran (None)."""
        with self._lock:
            self._running -= 1
            if elapsed is not None:
                self._mean_job_seconds = 0.8 * self._mean_job_seconds + 0.2 * elapsed
            self._room.notify()

    def _parallel_jobs(self) -> int:
        """How many jobs may run at once now (called holding the lock)."""
        short = self._mean_job_seconds < SHORT_JOB_SECONDS
        return self.threads + 1 if self.gap_filler and short else self.threads

    def spare(self, func: Callable[[], T]) -> "Future[T] | None":
        """Start func now on a spare thread if a core is idle (fewer jobs and spares running
        than threads; a job only waits when none is); None when there is no idle core or
        spare thread."""
        with self._lock:
            idle = self._running + self._sparing < self.threads
            if not idle or self._sparing >= self.spare_threads:
                return None
            self._sparing += 1
        try:
            future = self._spare_executor.submit(func)  # type: ignore[union-attr]
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

    def _leave(self) -> None:
        with self._lock:
            self._admitted -= 1

    def shutdown(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)
        if self._spare_executor is not None:
            self._spare_executor.shutdown(wait=False, cancel_futures=True)
