"""When a job must stop: its deadline, and whether its client went away.

The runner cancels a job's Stop when the client disconnects; the work checks it before each
reading and between pages, and bounds each engine call by the time left, so neither a gone
client nor a passed deadline holds a thread for longer than the reading in hand.
"""

import threading
import time

from app.core.errors import ClientGone, ProcessingTimeout


class Stop:
    def __init__(self, deadline: float | None = None, limit_seconds: float | None = None) -> None:
        """`deadline` is a time.monotonic() value; `limit_seconds` the limit it came from, for
        the error a client reads."""
        self.deadline = deadline
        self.limit_seconds = limit_seconds
        self._cancelled = threading.Event()

    @classmethod
    def after(cls, seconds: float, start: float | None = None) -> "Stop":
        """A Stop `seconds` after `start` (now by default)."""
        begun = time.monotonic() if start is None else start
        return cls(begun + seconds, seconds)

    def cancel(self) -> None:
        self._cancelled.set()

    @property
    def cancelled(self) -> bool:
        return self._cancelled.is_set()

    def remaining(self) -> float | None:
        """Seconds left before the deadline (never below zero); None when there is none."""
        if self.deadline is None:
            return None
        return max(0.0, self.deadline - time.monotonic())

    def check(self) -> None:
        """Raise ClientGone once cancelled, ProcessingTimeout once the deadline passed."""
        if self.cancelled:
            raise ClientGone()
        if self.deadline is not None and time.monotonic() >= self.deadline:
            raise ProcessingTimeout(self.limit_seconds)

    def bound(self, timeout: float | None) -> float | None:
        """`timeout` shortened to the time left (after `check`): an engine call given this
        cannot outlive the deadline."""
        self.check()
        left = self.remaining()
        if left is None:
            return timeout
        return left if timeout is None else min(timeout, left)
