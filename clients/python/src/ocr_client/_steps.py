"""The client's operations are written once, as generators that do no I/O: each yields the
`Request` to send or the `Pause` to sleep, is sent the `Reply` a request got, and returns its
result. A transport, blocking or asyncio, only steps through them (`Run`). One request with
its retries is `exchange`."""

from __future__ import annotations

import time
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from typing import Generic, TypeVar

import httpx

from ocr_client._requests import Request
from ocr_client._responses import Reply, checked
from ocr_client.errors import OCRError
from ocr_client.retry import RetryPolicy

T = TypeVar("T")


@dataclass(frozen=True)
class Pause:
    """Sleep this long, then go on (the operation is sent None)."""

    seconds: float


Step = Request | Pause
Operation = Generator[Step, Reply | None, T]


def exchange(request: Request, retry: RetryPolicy) -> Operation[httpx.Response]:
    """Send `request` until it succeeds or `retry` gives up: the successful response, or the
    last attempt's error raised."""
    started = time.monotonic()
    attempt = 1
    while True:
        reply = yield request
        assert reply is not None, "a transport answers every request it is given"
        try:
            return checked(reply)
        except OCRError as error:
            wait = retry.next_wait(attempt, error, started)
            if wait is None:
                raise
        yield Pause(wait)
        attempt += 1


class Run(Generic[T]):
    """An operation stepped through by a transport: iterate for the steps; answer each
    `Request` by setting `reply` before the next; `result` is there once the steps end (an
    error the operation raises comes out of the iteration)."""

    result: T

    def __init__(self, operation: Operation[T]) -> None:
        self._operation = operation
        self.reply: Reply | None = None

    def __iter__(self) -> Iterator[Step]:
        while True:
            reply, self.reply = self.reply, None
            try:
                step = self._operation.send(reply)
            except StopIteration as done:
                self.result = done.value
                return
            yield step
