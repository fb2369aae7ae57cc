"""When to try a request again: on 429 and 503 (after their Retry-After) and on refused
connections, within a bounded number of attempts and a bounded total time."""

from __future__ import annotations

import time
from dataclasses import dataclass

from ocr_client.errors import APIError, OCRConnectionError, OCRError

RETRY_STATUSES = frozenset({429, 503})


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 4
    """Attempts in all, the first one included; 1 turns retries off."""
    max_total_seconds: float = 120.0
    """No retry starts if its wait would end later than this after the first attempt began."""
    max_wait_seconds: float = 30.0
    """A longer Retry-After is not waited for: the error is raised instead."""
    backoff_seconds: float = 0.5
    """First wait when the service gives no Retry-After (doubling each time)."""

    def next_wait(self, attempt: int, error: OCRError, started: float) -> float | None:
        """Seconds to sleep before attempt `attempt + 1`, or None to give up and raise `error`.

        `attempt` counts from 1; `started` is the `time.monotonic()` of the first attempt.
        """
        if attempt >= self.max_attempts:
            return None
        if isinstance(error, APIError):
            if error.status_code not in RETRY_STATUSES:
                return None
            wait = error.retry_after
        elif isinstance(error, OCRConnectionError) and error.retryable:
            wait = None
        else:
            return None
        if wait is None:
            wait = self.backoff_seconds * 2 ** (attempt - 1)
        if wait > self.max_wait_seconds:
            return None
        if time.monotonic() - started + wait > self.max_total_seconds:
            return None
        return wait


NO_RETRY = RetryPolicy(max_attempts=1)
