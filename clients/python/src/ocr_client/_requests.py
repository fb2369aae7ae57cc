"""What the client sends: the service's vocabulary (formats, engines, switches), the upload
of a file given as a path, bytes or a file object, and the request of each endpoint. Pure:
nothing here talks to the network."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Literal, TypedDict
from urllib.parse import quote

from ocr_client.models import JobStatus

FileInput = str | os.PathLike[str] | bytes | IO[bytes]
TextFormat = Literal["text", "markdown", "hocr", "alto", "tsv"]
Format = Literal["json", "text", "markdown", "hocr", "alto", "tsv", "pdf"]
EVERY_JOB_HAS = ("json", "text", "markdown")
# auto: Tesseract, and the neural reader on the pages it hesitates over.
Engine = Literal["auto", "tesseract", "neural"]
# With format="text": reading, the lines in reading order; preserve, each word at its column.
Layout = Literal["reading", "preserve"]
ExtractKind = Literal["auto", "receipt", "invoice", "table"]
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


class ReadOptions(TypedDict, total=False):
    """How the service reads the pages, as `ocr()` and `submit()` take them: every one may be
    left out (None), and the service then decides. `lang="auto"` has each page's languages
    found (`Page.languages`); `words` and `patterns` go as one query parameter each."""

    lang: str | None
    psm: int | None
    engine: Engine | None
    dpi: int | None
    pages: str | None
    switches: Mapping[Switch, bool] | None
    chars_allow: str | None
    chars_deny: str | None
    words: Sequence[str] | None
    patterns: Sequence[str] | None


class OCROptions(ReadOptions, total=False):
    """The keyword arguments of `ocr()` besides `format`."""

    filename: str | None
    layout: Layout | None


class JobOptions(ReadOptions, total=False):
    """The keyword arguments of `submit()` (a job's `layout` is asked of `Job.result`)."""

    filename: str | None
    formats: Iterable[Format] | None
    callback_url: str | None
    idempotency_key: str | None


def accept(function: str, given: Mapping[str, object], known: frozenset[str]) -> None:
    """The TypeError Python raises for a keyword a function does not take: `**options`
    would otherwise swallow a misspelt option without a word."""
    for name in sorted(given.keys() - known):
        raise TypeError(f"{function}() got an unexpected keyword argument {name!r}")


@dataclass(frozen=True)
class PathUpload:
    """A file sent from its path: opened anew for every attempt and streamed from disk, so
    that a document of hundreds of megabytes is never held in memory."""

    name: str
    path: Path


Upload = tuple[str, bytes] | PathUpload


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


Params = dict[str, str | list[str]]
"""A request's query: a list is sent as the parameter repeated, once for each of its values."""


@dataclass(frozen=True)
class Request:
    """One HTTP request, sent as it is on every attempt."""

    method: str
    path: str
    params: Params | None = None
    upload: Upload | None = None
    headers: dict[str, str] | None = None
    form: dict[str, str] | None = None


@contextmanager
def arguments(request: Request) -> Iterator[dict[str, Any]]:
    """The keyword arguments of `httpx.Client.request` (and of the async one) besides method
    and path; a path upload's file stays open while it is sent, and only then."""
    args: dict[str, Any] = {"params": request.params}
    if request.form:
        args["data"] = request.form
    if request.headers:
        args["headers"] = request.headers
    if isinstance(request.upload, PathUpload):
        with request.upload.path.open("rb") as handle:
            args["files"] = {"file": (request.upload.name, handle)}
            yield args
        return
    if request.upload is not None:
        args["files"] = {"file": request.upload}
    yield args


def _params(options: ReadOptions) -> Params:
    params: Params = {}
    named = ("lang", "psm", "engine", "dpi", "pages", "chars_allow", "chars_deny")
    for key in named:
        value = options.get(key)
        if value is not None:
            params[key] = str(value)
    for key, listed in (("words", options.get("words")), ("patterns", options.get("patterns"))):
        # One word given as a string is that word, not its letters.
        values = [listed] if isinstance(listed, str) else list(listed or ())
        if values:
            params[key] = values
    for name, on in (options.get("switches") or {}).items():
        params[name] = "true" if on else "false"
    return params


def predict(file: FileInput, filename: str | None) -> Request:
    return Request("POST", "/", upload=read_file(file, filename))


def ocr(file: FileInput, format: Format, options: OCROptions) -> Request:
    upload = read_file(file, options.get("filename"))
    params: Params = {"format": format, **_params(options)}
    layout = options.get("layout")
    if layout is not None:
        params["layout"] = layout
    return Request("POST", "/v1/ocr", params=params, upload=upload)


def extract(file: FileInput, kind: ExtractKind, options: OCROptions) -> Request:
    upload = read_file(file, options.get("filename"))
    form: dict[str, str] = {"kind": kind}
    return Request("POST", "/v1/extract", params=_params(options), upload=upload, form=form)


def submit(file: FileInput, options: JobOptions) -> Request:
    params = _params(options)
    formats = options.get("formats")
    if formats is not None:
        names = formats.split(",") if isinstance(formats, str) else formats
        # json, text and markdown come with every job: the service is asked for the others.
        extra = dict.fromkeys(
            name.strip() for name in names if name.strip() not in ("", *EVERY_JOB_HAS)
        )
        if extra:
            params["formats"] = ",".join(extra)
    callback_url = options.get("callback_url")
    if callback_url is not None:
        params["callback_url"] = callback_url
    # One key for every attempt of this submission: a retried POST finds the job it created.
    headers = {"Idempotency-Key": options.get("idempotency_key") or str(uuid.uuid4())}
    upload = stream_file(file, options.get("filename"))
    return Request("POST", "/v1/jobs", params=params, upload=upload, headers=headers)


def job(job_id: str, method: str = "GET") -> Request:
    return Request(method, f"/v1/jobs/{quote(job_id, safe='')}")


def job_result(job_id: str, format: Format, layout: Layout | None = None) -> Request:
    path = f"{job(job_id).path}/result"
    params: Params = {"format": format}
    if layout is not None:
        params["layout"] = layout
    return Request("GET", path, params=params)
