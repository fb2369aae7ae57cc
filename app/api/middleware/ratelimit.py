"""Per-token and per-address request budgets (token buckets), kept in each worker's memory."""

import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from app.core.errors import RateLimited

MAX_TRACKED_KEYS = 10_000


@dataclass(slots=True)
class _Bucket:
    tokens: float
    updated: float


class RateLimiter:
    """`per_minute` requests a minute per key, with bursts of up to a minute's worth."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._buckets: OrderedDict[str, _Bucket] = OrderedDict()
        self._lock = threading.Lock()

    def check(self, key: str, per_minute: int) -> None:
        """Spend one request of `key`'s budget, or raise RateLimited with the wait in seconds."""
        if per_minute <= 0:
            return
        rate = per_minute / 60.0
        now = self._clock()
        with self._lock:
            bucket = self._buckets.pop(key, None) or _Bucket(tokens=per_minute, updated=now)
            bucket.tokens = min(per_minute, bucket.tokens + (now - bucket.updated) * rate)
            bucket.updated = now
            self._buckets[key] = bucket
            while len(self._buckets) > MAX_TRACKED_KEYS:
                self._buckets.popitem(last=False)
            if bucket.tokens < 1:
                wait = math.ceil((1 - bucket.tokens) / rate)
                raise RateLimited(retry_after=wait)
            bucket.tokens -= 1
