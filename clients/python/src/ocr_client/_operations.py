"""Every endpoint once: its request built, sent with the client's retries, its response made
its result; and how `wait` polls a job. Each is an operation (`_steps`): the blocking and the
asyncio clients share it, and its docstring is their method's."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any, Literal, TypeVar, overload

from ocr_client import _requests, _responses
from ocr_client._requests import (
    Engine,
    ExtractKind,
    FileInput,
    Format,
    JobOptions,
    Layout,
    OCROptions,
    ProgressCallback,
    TextFormat,
)
from ocr_client._steps import Operation, Pause, exchange
from ocr_client.errors import APIError, JobFailedError, JobTimeoutError
from ocr_client.models import Extraction, JobStatus, OCRResult, Prediction
from ocr_client.retry import NO_RETRY

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from ocr_client._core import ClientCore, JobCore

    Client = ClientCore[Any, Any]
    AnyJob = JobCore[Any]

J = TypeVar("J")

POLL_MIN_SECONDS = 0.2
"""`Job.wait` polls no more often than this, whatever Retry-After says..."""
POLL_MAX_SECONDS = 5.0
"""...and no less often than this."""
POLL_DEFAULT_SECONDS = 1.0
"""The pause when an unfinished job's status comes without Retry-After."""


def predict(
    client: Client, file: FileInput, *, filename: str | None = None
) -> Operation[Prediction]:
    """`POST /`: the lines and the full text of one image."""
    response = yield from exchange(_requests.predict(file, filename), client.retry)
    return Prediction.from_json(response.json())


# The reading options are one TypedDict for ocr and submit; a type checker sees each of its
# keys as a keyword of its own, and `accept` refuses any other at run time.
@overload
def ocr(
    client: Client, file: FileInput, *, format: Literal["json"] = ..., **options: Unpack[OCROptions]
) -> Operation[OCRResult]: ...
@overload
def ocr(
    client: Client, file: FileInput, *, format: TextFormat, **options: Unpack[OCROptions]
) -> Operation[str]: ...
@overload
def ocr(
    client: Client, file: FileInput, *, format: Literal["pdf"], **options: Unpack[OCROptions]
) -> Operation[bytes]: ...
def ocr(
    client: Client, file: FileInput, *, format: Format = "json", **options: Unpack[OCROptions]
) -> Operation[OCRResult | str | bytes]:
    """`POST /v1/ocr`: an image or document. JSON gives an `OCRResult`; text, Markdown,
    hOCR, ALTO and TSV give a `str`; PDF gives the searchable PDF's bytes. `switches` turns the
    preparation steps on or off (`{"deskew": False}`, `{"preprocess": False}`). `lang` names
    the languages (`eng+fra`), or `auto` to have each page's found (`Page.languages`).
    `chars_allow` and `chars_deny` limit the characters read; `words` and `patterns` (lists)
    are the request's own vocabulary, for Tesseract. `layout="preserve"` (with
    `format="text"`) puts each word at its column on the page. The other options: `psm`,
    `engine`, `dpi`, `pages`, `filename`."""
    _requests.accept("ocr", options, OCROptions.__optional_keys__)
    response = yield from exchange(_requests.ocr(file, format, options), client.retry)
    return _responses.document(response, format)


def extract(
    client: Client,
    file: FileInput,
    *,
    kind: ExtractKind = "auto",
    lang: str | None = None,
    engine: Engine | None = None,
    pages: str | None = None,
    filename: str | None = None,
) -> Operation[Extraction]:
    """`POST /v1/extract`: a receipt's or an invoice's fields, items and checks
    (`result.value("total")`, `result.consistent`)."""
    options = OCROptions(lang=lang, engine=engine, pages=pages, filename=filename)
    response = yield from exchange(_requests.extract(file, kind, options), client.retry)
    return Extraction.from_json(response.json())


def submit(
    client: ClientCore[J, Any], file: FileInput, **options: Unpack[JobOptions]
) -> Operation[J]:
    """`POST /v1/jobs`: hand a document of any size to the service, which reads it in the
    background; returns at once with the `Job` (`job.wait()`, then `job.result()`).

    A path is streamed from disk. `formats` names the outputs wanted besides json and
    text (hocr, alto, tsv, pdf). `callback_url` is POSTed when the job ends. The
    `idempotency_key` (a fresh UUID when not given) makes the client's own retries, and
    yours with the same key, return the same job instead of a second one. The reading
    options are those of `ocr`: `lang`, `psm`, `engine`, `dpi`, `pages`, `switches`,
    `chars_allow`, `chars_deny`, `words`, `patterns` (a job's `layout` is `result`'s)."""
    _requests.accept("submit", options, JobOptions.__optional_keys__)
    response = yield from exchange(_requests.submit(file, options), client.retry)
    status, _ = _responses.job_status(response)
    return client._new_job(status.id, status)


def languages(client: Client) -> Operation[list[str]]:
    """`GET /v1/languages`: the installed language codes."""
    response = yield from exchange(_requests.Request("GET", "/v1/languages"), client.retry)
    return _responses.languages(response)


def health(client: Client) -> Operation[dict[str, Any]]:
    """`GET /v1/health`: raises if the service is not answering."""
    response = yield from exchange(_requests.Request("GET", "/v1/health"), client.retry)
    return _responses.health(response)


def ready(client: Client) -> Operation[bool]:
    """`GET /v1/ready`: true when the engine is loaded and not saturated (never retried)."""
    try:
        yield from exchange(_requests.Request("GET", "/v1/ready"), NO_RETRY)
    except APIError as error:
        if error.status_code == 503:
            return False
        raise
    return True


def status(job: AnyJob) -> Operation[JobStatus]:
    """`GET /v1/jobs/{id}`: where the job is now."""
    return (yield from _poll(job))[0]


def wait(
    job: AnyJob,
    *,
    on_progress: ProgressCallback | None = None,
    timeout: float | None = None,
    poll_interval: float | None = None,
) -> Operation[JobStatus]:
    """Poll the job until it ends; return its final status when it succeeded.

    Sleeps between polls as long as the service's Retry-After says (bounded to between
    0.2 and 5 s), or `poll_interval` seconds when given. Calls `on_progress` with the
    first status and then whenever `status` or `pages_done` changes. Raises
    `JobFailedError` when the job failed or was canceled, and `JobTimeoutError` (also a
    `TimeoutError`) when it is still unfinished `timeout` seconds after the wait began;
    the job itself goes on."""
    waiting = _Waiting(on_progress, timeout, poll_interval)
    while True:
        current, retry_after = yield from _poll(job)
        pause = waiting.pause(current, retry_after)
        if pause is None:
            return current
        yield Pause(pause)


@overload
def result(
    job: AnyJob, format: Literal["json"] = ..., *, layout: Layout | None = ...
) -> Operation[OCRResult]: ...
@overload
def result(job: AnyJob, format: TextFormat, *, layout: Layout | None = ...) -> Operation[str]: ...
@overload
def result(
    job: AnyJob, format: Literal["pdf"], *, layout: Layout | None = ...
) -> Operation[bytes]: ...
def result(
    job: AnyJob, format: Format = "json", *, layout: Layout | None = None
) -> Operation[OCRResult | str | bytes]:
    """`GET /v1/jobs/{id}/result`: what `ocr()` gives for the whole document (a page that
    could not be read has `error` and no lines); `layout="preserve"` with `format="text"`
    as for `ocr()`. `ResultNotReadyError` (409) until the job succeeded;
    `UnprocessableError` (422) for a format it was not submitted with; `JobExpiredError`
    (410) once the service no longer keeps it."""
    request = _requests.job_result(job.id, format, layout)
    response = yield from exchange(request, job.client.retry)
    return _responses.document(response, format)


def cancel(job: AnyJob) -> Operation[None]:
    """`DELETE /v1/jobs/{id}`: stop the job (pages not yet started are never read) and
    delete its files. Its status then reads `canceled`, and its result is gone."""
    yield from exchange(_requests.job(job.id, "DELETE"), job.client.retry)


def _poll(job: AnyJob) -> Operation[tuple[JobStatus, float | None]]:
    response = yield from exchange(_requests.job(job.id), job.client.retry)
    job.last_status, retry_after = _responses.job_status(response)
    return job.last_status, retry_after


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
