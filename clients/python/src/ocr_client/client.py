"""`OCRClient` and `AsyncOCRClient`: one pooled httpx connection set per client, typed results,
an exception per error status and retries that honour Retry-After. `Job` and `AsyncJob`: a
document of any size read in the background by `POST /v1/jobs`."""

from __future__ import annotations

import asyncio
import os
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Literal, overload
from urllib.parse import quote

import httpx

from ocr_client import __version__
from ocr_client.errors import (
    APIError,
    JobFailedError,
    JobTimeoutError,
    OCRConnectionError,
    OCRError,
    error_for,
    parse_retry_after,
)
from ocr_client.models import Extraction, JobStatus, OCRResult, Prediction
from ocr_client.retry import RetryPolicy

FileInput = str | os.PathLike[str] | bytes | IO[bytes]
TextFormat = Literal["text", "markdown", "hocr", "alto", "tsv"]
Format = Literal["json", "text", "markdown", "hocr", "alto", "tsv", "pdf"]
EVERY_JOB_HAS = ("json", "text", "markdown")
# auto: Tesseract, and the neural reader on the pages it hesitates over.
Engine = Literal["auto", "tesseract", "neural"]
ExtractKind = Literal["auto", "receipt", "invoice", "table"]
Expect = Literal["json", "text", "bytes", "response"]
Switch = Literal[
    "preprocess",
    "auto_rotate",
    "deskew",
    "rescale",
    "denoise",
    "invert",
    "binarize",
    "remove_lines",
    "remove_border",
    "smooth",
    "drop_noise",
    "second_opinion",
]
"""The preparation switches of /v1/ocr and /v1/jobs: True forces a step, False turns it off,
left out the service decides from the page."""
ProgressCallback = Callable[[JobStatus], None]

DEFAULT_TIMEOUT = 120.0
POLL_MIN_SECONDS = 0.2
"""`Job.wait` polls no more often than this, whatever Retry-After says..."""
POLL_MAX_SECONDS = 5.0
"""...and no less often than this."""
POLL_DEFAULT_SECONDS = 1.0
"""The pause when an unfinished job's status comes without Retry-After."""


@dataclass(frozen=True)
class PathUpload:
    """A file sent from its path: opened anew for every attempt and streamed from disk, so
    that a document of hundreds of megabytes is never held in memory."""

    name: str
    path: Path


Upload = tuple[str, bytes] | PathUpload


@dataclass(frozen=True)
class _Call:
    method: str
    path: str
    params: dict[str, str] | None = None
    upload: Upload | None = None
    expect: Expect = "json"
    headers: dict[str, str] | None = None
    form: dict[str, str] | None = None


def read_file(file: FileInput, filename: str | None = None) -> tuple[str, bytes]:
    """(name, bytes) of an upload; read once so that a retry sends the same bytes."""
    if isinstance(file, bytes):
        return filename or "upload", file
    if isinstance(file, (str, os.PathLike)):
        path = Path(file)
        return filename or path.name, path.read_bytes()
    name = filename or Path(str(getattr(file, "name", "upload"))).name
    return name, file.read()


def stream_file(file: FileInput, filename: str | None = None) -> Upload:
    """The upload of a job: a path is streamed from disk (reopened for each attempt); bytes
    and file objects are read once, as `read_file` does, so a retry sends the same bytes."""
    if isinstance(file, (str, os.PathLike)):
        path = Path(file)
        return PathUpload(filename or path.name, path)
    return read_file(file, filename)


def _options(
    lang: str | None,
    psm: int | None,
    engine: Engine | None,
    dpi: int | None,
    pages: str | None,
    switches: Mapping[Switch, bool] | None,
) -> dict[str, str]:
    params: dict[str, str] = {}
    named = (("lang", lang), ("psm", psm), ("engine", engine), ("dpi", dpi), ("pages", pages))
    for key, value in named:
        if value is not None:
            params[key] = str(value)
    for name, on in (switches or {}).items():
        params[name] = "true" if on else "false"
    return params


class _Base:
    def __init__(
        self,
        base_url: str,
        token: str | None = None,
        *,
        timeout: float | httpx.Timeout = DEFAULT_TIMEOUT,
        retry: RetryPolicy | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.retry = retry or RetryPolicy()
        self._timeout = (
            timeout if isinstance(timeout, httpx.Timeout) else httpx.Timeout(timeout, connect=10.0)
        )
        self._headers = {"User-Agent": f"ocr-service-client/{__version__}", **(headers or {})}
        if token:
            self._headers["Authorization"] = f"Bearer {token}"

    @staticmethod
    @contextmanager
    def _request_args(call: _Call) -> Iterator[dict[str, Any]]:
        """The request's arguments; a path upload's file stays open while it is sent."""
        args: dict[str, Any] = {"params": call.params}
        if call.form:
            args["data"] = call.form
        if call.headers:
            args["headers"] = call.headers
        if isinstance(call.upload, PathUpload):
            with call.upload.path.open("rb") as handle:
                args["files"] = {"file": (call.upload.name, handle)}
                yield args
            return
        if call.upload is not None:
            args["files"] = {"file": call.upload}
        yield args

    @staticmethod
    def _result(response: httpx.Response, expect: Expect) -> Any:
        if response.status_code >= 400:
            raise error_for(response)
        if expect == "json":
            return response.json()
        if expect == "text":
            return response.text
        if expect == "response":
            return response
        return response.content

    @staticmethod
    def _transport_error(error: httpx.TransportError) -> OCRConnectionError:
        retryable = isinstance(error, httpx.ConnectError)
        kind = "timed out" if isinstance(error, httpx.TimeoutException) else "failed"
        return OCRConnectionError(f"Request {kind}: {error!r}", retryable=retryable)


class OCRClient(_Base):
    """Blocking client. Reuse one instance (it keeps connections open); close it, or use `with`.

    >>> with OCRClient("http://127.0.0.1:8000", token) as ocr:
    ...     print(ocr.predict("scan.png").original)
    """

    def __init__(
        self,
        base_url: str,
        token: str | None = None,
        *,
        timeout: float | httpx.Timeout = DEFAULT_TIMEOUT,
        retry: RetryPolicy | None = None,
        headers: Mapping[str, str] | None = None,
        max_connections: int = 10,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        super().__init__(base_url, token, timeout=timeout, retry=retry, headers=headers)
        self._http = httpx.Client(
            base_url=self.base_url,
            headers=self._headers,
            timeout=self._timeout,
            limits=httpx.Limits(max_connections=max_connections),
            transport=transport,
        )

    def __enter__(self) -> OCRClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def predict(self, file: FileInput, *, filename: str | None = None) -> Prediction:
        """`POST /`: the lines and the full text of one image."""
        call = _Call("POST", "/", upload=read_file(file, filename))
        return Prediction.from_json(self._send(call))

    @overload
    def ocr(
        self,
        file: FileInput,
        *,
        lang: str | None = ...,
        psm: int | None = ...,
        engine: Engine | None = ...,
        dpi: int | None = ...,
        pages: str | None = ...,
        switches: Mapping[Switch, bool] | None = ...,
        format: Literal["json"] = ...,
        filename: str | None = ...,
    ) -> OCRResult: ...
    @overload
    def ocr(
        self,
        file: FileInput,
        *,
        lang: str | None = ...,
        psm: int | None = ...,
        engine: Engine | None = ...,
        dpi: int | None = ...,
        pages: str | None = ...,
        switches: Mapping[Switch, bool] | None = ...,
        format: TextFormat,
        filename: str | None = ...,
    ) -> str: ...
    @overload
    def ocr(
        self,
        file: FileInput,
        *,
        lang: str | None = ...,
        psm: int | None = ...,
        engine: Engine | None = ...,
        dpi: int | None = ...,
        pages: str | None = ...,
        switches: Mapping[Switch, bool] | None = ...,
        format: Literal["pdf"],
        filename: str | None = ...,
    ) -> bytes: ...
    def ocr(
        self,
        file: FileInput,
        *,
        lang: str | None = None,
        psm: int | None = None,
        engine: Engine | None = None,
        dpi: int | None = None,
        pages: str | None = None,
        switches: Mapping[Switch, bool] | None = None,
        format: Format = "json",
        filename: str | None = None,
    ) -> OCRResult | str | bytes:
        """`POST /v1/ocr`: an image or document. JSON gives an `OCRResult`; text, Markdown,
        hOCR, ALTO and TSV give a `str`; PDF gives the searchable PDF's bytes. `switches` turns the
        preparation steps on or off (`{"deskew": False}`, `{"preprocess": False}`)."""
        call = _v1_call(read_file(file, filename), lang, psm, engine, dpi, pages, switches, format)
        data = self._send(call)
        return OCRResult.from_json(data) if format == "json" else data

    def extract(
        self,
        file: FileInput,
        *,
        kind: ExtractKind = "auto",
        lang: str | None = None,
        engine: Engine | None = None,
        pages: str | None = None,
        filename: str | None = None,
    ) -> Extraction:
        """`POST /v1/extract`: a receipt's or an invoice's fields, items and checks
        (`result.value("total")`, `result.consistent`)."""
        return Extraction.from_json(
            self._send(_extract_call(read_file(file, filename), kind, lang, engine, pages))
        )

    def submit(
        self,
        file: FileInput,
        *,
        lang: str | None = None,
        psm: int | None = None,
        engine: Engine | None = None,
        dpi: int | None = None,
        pages: str | None = None,
        switches: Mapping[Switch, bool] | None = None,
        formats: Iterable[Format] | None = None,
        callback_url: str | None = None,
        idempotency_key: str | None = None,
        filename: str | None = None,
    ) -> Job:
        """`POST /v1/jobs`: hand a document of any size to the service, which reads it in the
        background; returns at once with the `Job` (`job.wait()`, then `job.result()`).

        A path is streamed from disk. `formats` names the outputs wanted besides json and
        text (hocr, alto, tsv, pdf). `callback_url` is POSTed when the job ends. The
        `idempotency_key` (a fresh UUID when not given) makes the client's own retries, and
        yours with the same key, return the same job instead of a second one."""
        call = _submit_call(
            stream_file(file, filename),
            _job_params(lang, psm, engine, dpi, pages, switches, formats, callback_url),
            idempotency_key,
        )
        status, _ = _status_of(self._send(call))
        return Job(self, status.id, status)

    def job(self, job_id: str) -> Job:
        """The job of that id (submitted earlier, perhaps by another process); no request."""
        return Job(self, job_id)

    def languages(self) -> list[str]:
        """`GET /v1/languages`: the installed language codes."""
        return _languages(self._send(_Call("GET", "/v1/languages")))

    def health(self) -> dict[str, Any]:
        """`GET /v1/health`: raises if the service is not answering."""
        health: dict[str, Any] = self._send(_Call("GET", "/v1/health"))
        return health

    def ready(self) -> bool:
        """`GET /v1/ready`: true when the engine is loaded and not saturated (never retried)."""
        try:
            self._send_once(_Call("GET", "/v1/ready"))
        except APIError as error:
            if error.status_code == 503:
                return False
            raise
        return True

    def _send(self, call: _Call) -> Any:
        started = time.monotonic()
        attempt = 1
        while True:
            try:
                return self._send_once(call)
            except OCRError as error:
                wait = self.retry.next_wait(attempt, error, started)
                if wait is None:
                    raise
            time.sleep(wait)
            attempt += 1

    def _send_once(self, call: _Call) -> Any:
        try:
            with self._request_args(call) as args:
                response = self._http.request(call.method, call.path, **args)
        except httpx.TransportError as error:
            raise self._transport_error(error) from error
        return self._result(response, call.expect)


class AsyncOCRClient(_Base):
    """The same API for asyncio. Reuse one instance; `await client.aclose()` or `async with`."""

    def __init__(
        self,
        base_url: str,
        token: str | None = None,
        *,
        timeout: float | httpx.Timeout = DEFAULT_TIMEOUT,
        retry: RetryPolicy | None = None,
        headers: Mapping[str, str] | None = None,
        max_connections: int = 10,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        super().__init__(base_url, token, timeout=timeout, retry=retry, headers=headers)
        self._http = httpx.AsyncClient(
            base_url=self.base_url,
            headers=self._headers,
            timeout=self._timeout,
            limits=httpx.Limits(max_connections=max_connections),
            transport=transport,
        )

    async def __aenter__(self) -> AsyncOCRClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    async def predict(self, file: FileInput, *, filename: str | None = None) -> Prediction:
        call = _Call("POST", "/", upload=read_file(file, filename))
        return Prediction.from_json(await self._send(call))

    @overload
    async def ocr(
        self,
        file: FileInput,
        *,
        lang: str | None = ...,
        psm: int | None = ...,
        engine: Engine | None = ...,
        dpi: int | None = ...,
        pages: str | None = ...,
        switches: Mapping[Switch, bool] | None = ...,
        format: Literal["json"] = ...,
        filename: str | None = ...,
    ) -> OCRResult: ...
    @overload
    async def ocr(
        self,
        file: FileInput,
        *,
        lang: str | None = ...,
        psm: int | None = ...,
        engine: Engine | None = ...,
        dpi: int | None = ...,
        pages: str | None = ...,
        switches: Mapping[Switch, bool] | None = ...,
        format: TextFormat,
        filename: str | None = ...,
    ) -> str: ...
    @overload
    async def ocr(
        self,
        file: FileInput,
        *,
        lang: str | None = ...,
        psm: int | None = ...,
        engine: Engine | None = ...,
        dpi: int | None = ...,
        pages: str | None = ...,
        switches: Mapping[Switch, bool] | None = ...,
        format: Literal["pdf"],
        filename: str | None = ...,
    ) -> bytes: ...
    async def ocr(
        self,
        file: FileInput,
        *,
        lang: str | None = None,
        psm: int | None = None,
        engine: Engine | None = None,
        dpi: int | None = None,
        pages: str | None = None,
        switches: Mapping[Switch, bool] | None = None,
        format: Format = "json",
        filename: str | None = None,
    ) -> OCRResult | str | bytes:
        call = _v1_call(read_file(file, filename), lang, psm, engine, dpi, pages, switches, format)
        data = await self._send(call)
        return OCRResult.from_json(data) if format == "json" else data

    async def extract(
        self,
        file: FileInput,
        *,
        kind: ExtractKind = "auto",
        lang: str | None = None,
        engine: Engine | None = None,
        pages: str | None = None,
        filename: str | None = None,
    ) -> Extraction:
        call = _extract_call(read_file(file, filename), kind, lang, engine, pages)
        return Extraction.from_json(await self._send(call))

    async def submit(
        self,
        file: FileInput,
        *,
        lang: str | None = None,
        psm: int | None = None,
        engine: Engine | None = None,
        dpi: int | None = None,
        pages: str | None = None,
        switches: Mapping[Switch, bool] | None = None,
        formats: Iterable[Format] | None = None,
        callback_url: str | None = None,
        idempotency_key: str | None = None,
        filename: str | None = None,
    ) -> AsyncJob:
        call = _submit_call(
            stream_file(file, filename),
            _job_params(lang, psm, engine, dpi, pages, switches, formats, callback_url),
            idempotency_key,
        )
        status, _ = _status_of(await self._send(call))
        return AsyncJob(self, status.id, status)

    def job(self, job_id: str) -> AsyncJob:
        return AsyncJob(self, job_id)

    async def languages(self) -> list[str]:
        return _languages(await self._send(_Call("GET", "/v1/languages")))

    async def health(self) -> dict[str, Any]:
        health: dict[str, Any] = await self._send(_Call("GET", "/v1/health"))
        return health

    async def ready(self) -> bool:
        try:
            await self._send_once(_Call("GET", "/v1/ready"))
        except APIError as error:
            if error.status_code == 503:
                return False
            raise
        return True

    async def _send(self, call: _Call) -> Any:
        started = time.monotonic()
        attempt = 1
        while True:
            try:
                return await self._send_once(call)
            except OCRError as error:
                wait = self.retry.next_wait(attempt, error, started)
                if wait is None:
                    raise
            await asyncio.sleep(wait)
            attempt += 1

    async def _send_once(self, call: _Call) -> Any:
        try:
            with self._request_args(call) as args:
                response = await self._http.request(call.method, call.path, **args)
        except httpx.TransportError as error:
            raise self._transport_error(error) from error
        return self._result(response, call.expect)


def _expect(format: Format) -> Expect:
    return "json" if format == "json" else "bytes" if format == "pdf" else "text"


def _v1_call(
    upload: tuple[str, bytes],
    lang: str | None,
    psm: int | None,
    engine: Engine | None,
    dpi: int | None,
    pages: str | None,
    switches: Mapping[Switch, bool] | None,
    format: Format,
) -> _Call:
    params = {"format": format, **_options(lang, psm, engine, dpi, pages, switches)}
    return _Call("POST", "/v1/ocr", params=params, upload=upload, expect=_expect(format))


def _extract_call(
    upload: tuple[str, bytes],
    kind: ExtractKind,
    lang: str | None,
    engine: Engine | None,
    pages: str | None,
) -> _Call:
    params = _options(lang, None, engine, None, pages, None)
    return _Call("POST", "/v1/extract", params=params, upload=upload, form={"kind": kind})


def _job_params(
    lang: str | None,
    psm: int | None,
    engine: Engine | None,
    dpi: int | None,
    pages: str | None,
    switches: Mapping[Switch, bool] | None,
    formats: Iterable[str] | None,
    callback_url: str | None,
) -> dict[str, str]:
    params = _options(lang, psm, engine, dpi, pages, switches)
    if formats is not None:
        names = formats.split(",") if isinstance(formats, str) else formats
        # json, text and markdown come with every job: the service is asked for the others.
        extra = dict.fromkeys(
            name.strip() for name in names if name.strip() not in ("", *EVERY_JOB_HAS)
        )
        if extra:
            params["formats"] = ",".join(extra)
    if callback_url is not None:
        params["callback_url"] = callback_url
    return params


def _submit_call(upload: Upload, params: dict[str, str], idempotency_key: str | None) -> _Call:
    # One key for every attempt of this submission: a retried POST finds the job it created.
    headers = {"Idempotency-Key": idempotency_key or str(uuid.uuid4())}
    return _Call(
        "POST", "/v1/jobs", params=params, upload=upload, expect="response", headers=headers
    )


def _job_path(job_id: str) -> str:
    return f"/v1/jobs/{quote(job_id, safe='')}"


def _status_of(response: httpx.Response) -> tuple[JobStatus, float | None]:
    """The status body of a job's response, and the Retry-After it came with."""
    status = JobStatus.from_json(response.json())
    return status, parse_retry_after(response.headers.get("Retry-After"))


def _result_call(job_id: str, format: Format) -> _Call:
    path = f"{_job_path(job_id)}/result"
    return _Call("GET", path, params={"format": format}, expect=_expect(format))


class _Waiting:
    """What `wait` does with each status it polls: reports changes, ends the wait, or says
    how long to sleep before the next poll."""

    def __init__(
        self,
        on_progress: ProgressCallback | None,
        timeout: float | None,
        poll_interval: float | None,
    ) -> None:
        self.on_progress = on_progress
        self.timeout = timeout
        self.poll_interval = poll_interval
        self.started = time.monotonic()
        self.reported: tuple[str, int] | None = None

    def pause(self, status: JobStatus, retry_after: float | None) -> float | None:
        """Seconds to sleep before polling again; None when the job succeeded. Raises
        `JobFailedError` when it failed or was canceled, `JobTimeoutError` past the timeout."""
        seen = (status.status, status.pages_done)
        if seen != self.reported:
            self.reported = seen
            if self.on_progress is not None:
                self.on_progress(status)
        if status.finished:
            if status.status != "succeeded":
                raise JobFailedError(status)
            return None
        if self.poll_interval is not None:
            pause = self.poll_interval
        else:
            asked = POLL_DEFAULT_SECONDS if retry_after is None else retry_after
            pause = min(max(asked, POLL_MIN_SECONDS), POLL_MAX_SECONDS)
        if self.timeout is not None:
            left = self.started + self.timeout - time.monotonic()
            if left <= 0:
                raise JobTimeoutError(status, self.timeout)
            pause = min(pause, left)
        return pause


class Job:
    """A document the service reads in the background (`OCRClient.submit`, `OCRClient.job`).

    >>> job = ocr.submit("book.pdf")
    >>> job.wait(on_progress=lambda s: print(s.pages_done, "/", s.pages_total))
    >>> print(job.result(format="text"))
    """

    def __init__(self, client: OCRClient, job_id: str, status: JobStatus | None = None) -> None:
        self.client = client
        self.id = job_id
        self.last_status = status
        """The latest status this object has seen (the submission's answer, then each poll)."""

    def __repr__(self) -> str:
        return f"Job({self.id!r})"

    def status(self) -> JobStatus:
        """`GET /v1/jobs/{id}`: where the job is now."""
        return self._poll()[0]

    def wait(
        self,
        *,
        on_progress: ProgressCallback | None = None,
        timeout: float | None = None,
        poll_interval: float | None = None,
    ) -> JobStatus:
        """Poll the job until it ends; return its final status when it succeeded.

        Sleeps between polls as long as the service's Retry-After says (bounded to between
        0.2 and 5 s), or `poll_interval` seconds when given. Calls `on_progress` with the
        first status and then whenever `status` or `pages_done` changes. Raises
        `JobFailedError` when the job failed or was canceled, and `JobTimeoutError` (also a
        `TimeoutError`) when it is still unfinished `timeout` seconds after the wait began;
        the job itself goes on."""
        waiting = _Waiting(on_progress, timeout, poll_interval)
        while True:
            status, retry_after = self._poll()
            pause = waiting.pause(status, retry_after)
            if pause is None:
                return status
            time.sleep(pause)

    @overload
    def result(self, format: Literal["json"] = ...) -> OCRResult: ...
    @overload
    def result(self, format: TextFormat) -> str: ...
    @overload
    def result(self, format: Literal["pdf"]) -> bytes: ...
    def result(self, format: Format = "json") -> OCRResult | str | bytes:
        """`GET /v1/jobs/{id}/result`: what `ocr()` gives for the whole document (a page that
        could not be read has `error` and no lines). `ResultNotReadyError` (409) until the
        job succeeded; `UnprocessableError` (422) for a format it was not submitted with;
        `JobExpiredError` (410) once the service no longer keeps it."""
        data = self.client._send(_result_call(self.id, format))
        return OCRResult.from_json(data) if format == "json" else data

    def cancel(self) -> None:
        """`DELETE /v1/jobs/{id}`: stop the job (pages not yet started are never read) and
        delete its files. Its status then reads `canceled`, and its result is gone."""
        self.client._send(_Call("DELETE", _job_path(self.id), expect="response"))

    def _poll(self) -> tuple[JobStatus, float | None]:
        response = self.client._send(_Call("GET", _job_path(self.id), expect="response"))
        self.last_status, retry_after = _status_of(response)
        return self.last_status, retry_after


class AsyncJob:
    """`Job` for `AsyncOCRClient`: the same methods as coroutines."""

    def __init__(
        self, client: AsyncOCRClient, job_id: str, status: JobStatus | None = None
    ) -> None:
        self.client = client
        self.id = job_id
        self.last_status = status

    def __repr__(self) -> str:
        return f"AsyncJob({self.id!r})"

    async def status(self) -> JobStatus:
        return (await self._poll())[0]

    async def wait(
        self,
        *,
        on_progress: ProgressCallback | None = None,
        timeout: float | None = None,  # noqa: ASYNC109 (as Job.wait has it)
        poll_interval: float | None = None,
    ) -> JobStatus:
        waiting = _Waiting(on_progress, timeout, poll_interval)
        while True:
            status, retry_after = await self._poll()
            pause = waiting.pause(status, retry_after)
            if pause is None:
                return status
            await asyncio.sleep(pause)

    @overload
    async def result(self, format: Literal["json"] = ...) -> OCRResult: ...
    @overload
    async def result(self, format: TextFormat) -> str: ...
    @overload
    async def result(self, format: Literal["pdf"]) -> bytes: ...
    async def result(self, format: Format = "json") -> OCRResult | str | bytes:
        data = await self.client._send(_result_call(self.id, format))
        return OCRResult.from_json(data) if format == "json" else data

    async def cancel(self) -> None:
        await self.client._send(_Call("DELETE", _job_path(self.id), expect="response"))

    async def _poll(self) -> tuple[JobStatus, float | None]:
        response = await self.client._send(_Call("GET", _job_path(self.id), expect="response"))
        self.last_status, retry_after = _status_of(response)
        return self.last_status, retry_after


def _languages(data: Any) -> list[str]:
    """The installed languages of GET /v1/languages: `{"languages": [...], ...}`."""
    return [str(code) for code in data["languages"]]
