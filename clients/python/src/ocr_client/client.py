"""`OCRClient` and `AsyncOCRClient`: one pooled httpx connection set per client, typed results,
an exception per error status and retries that honour Retry-After. `Job` and `AsyncJob`: a
document of any size read in the background by `POST /v1/jobs`.

What each method sends, retries and returns is written once (`_operations`); the classes here
are the transports: they send its requests through httpx and sleep its pauses."""

from __future__ import annotations

import asyncio
import time
from typing import TypeVar

import httpx

from ocr_client import _operations, _requests
from ocr_client._core import DEFAULT_TIMEOUT, ClientCore, HTTPSettings, JobCore
from ocr_client._lifting import Awaiting, Blocking, awaiting, blocking
from ocr_client._operations import POLL_DEFAULT_SECONDS, POLL_MAX_SECONDS, POLL_MIN_SECONDS
from ocr_client._requests import (
    EVERY_JOB_HAS,
    Engine,
    ExtractKind,
    FileInput,
    Format,
    Layout,
    PathUpload,
    ProgressCallback,
    Switch,
    TextFormat,
    Upload,
    read_file,
    stream_file,
)
from ocr_client._steps import Operation, Pause, Run
from ocr_client.models import JobStatus

__all__ = [
    "DEFAULT_TIMEOUT",
    "EVERY_JOB_HAS",
    "POLL_DEFAULT_SECONDS",
    "POLL_MAX_SECONDS",
    "POLL_MIN_SECONDS",
    "AsyncJob",
    "AsyncOCRClient",
    "Engine",
    "ExtractKind",
    "FileInput",
    "Format",
    "Job",
    "Layout",
    "OCRClient",
    "PathUpload",
    "ProgressCallback",
    "Switch",
    "TextFormat",
    "Upload",
    "read_file",
    "stream_file",
]

T = TypeVar("T")


class OCRClient(Blocking, ClientCore["Job", httpx.BaseTransport]):
    """Blocking client. Reuse one instance (it keeps connections open); close it, or use `with`.

    >>> with OCRClient("http://127.0.0.1:8000", token) as ocr:
    ...     print(ocr.predict("scan.png").original)
    """

    _http: httpx.Client

    ocr = blocking(_operations.ocr)
    submit = blocking(_operations.submit)

    def __enter__(self) -> OCRClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def _connect(self, settings: HTTPSettings, transport: httpx.BaseTransport | None) -> None:
        self._http = httpx.Client(transport=transport, **settings)

    def _new_job(self, job_id: str, status: JobStatus | None = None) -> Job:
        return Job(self, job_id, status)

    def _run(self, operation: Operation[T]) -> T:
        run = Run(operation)
        for step in run:
            if isinstance(step, Pause):
                time.sleep(step.seconds)
                continue
            try:
                with _requests.arguments(step) as args:
                    run.reply = self._http.request(step.method, step.path, **args)
            except httpx.TransportError as error:
                run.reply = error
        return run.result


class AsyncOCRClient(Awaiting, ClientCore["AsyncJob", httpx.AsyncBaseTransport]):
    """The same API for asyncio. Reuse one instance; `await client.aclose()` or `async with`."""

    _http: httpx.AsyncClient

    ocr = awaiting(_operations.ocr)
    submit = awaiting(_operations.submit)

    async def __aenter__(self) -> AsyncOCRClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    def _connect(self, settings: HTTPSettings, transport: httpx.AsyncBaseTransport | None) -> None:
        self._http = httpx.AsyncClient(transport=transport, **settings)

    def _new_job(self, job_id: str, status: JobStatus | None = None) -> AsyncJob:
        return AsyncJob(self, job_id, status)

    async def _run(self, operation: Operation[T]) -> T:
        run = Run(operation)
        for step in run:
            if isinstance(step, Pause):
                await asyncio.sleep(step.seconds)
                continue
            try:
                with _requests.arguments(step) as args:
                    run.reply = await self._http.request(step.method, step.path, **args)
            except httpx.TransportError as error:
                run.reply = error
        return run.result


class Job(Blocking, JobCore[OCRClient]):
    """A document the service reads in the background (`OCRClient.submit`, `OCRClient.job`).

    >>> job = ocr.submit("book.pdf")
    >>> job.wait(on_progress=lambda s: print(s.pages_done, "/", s.pages_total))
    >>> print(job.result(format="text"))
    """

    def _run(self, operation: Operation[T]) -> T:
        return self.client._run(operation)

    result = blocking(_operations.result)


class AsyncJob(Awaiting, JobCore[AsyncOCRClient]):
    """`Job` for `AsyncOCRClient`: the same methods as coroutines."""

    async def _run(self, operation: Operation[T]) -> T:
        return await self.client._run(operation)

    result = awaiting(_operations.result)
