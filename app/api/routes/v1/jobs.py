"""/v1/jobs: documents of any size, read in the background, with progress.

Over 300 lines: one router for the resource (submit, status, result in each format, cancel,
delete) with its OpenAPI descriptions, as every route module here.
"""

import asyncio
import itertools
import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Annotated, Any, Literal, cast

from fastapi import APIRouter, Depends, Header, Query, Request, Response
from fastapi.responses import FileResponse, StreamingResponse
from starlette.concurrency import run_in_threadpool

from app.api.deps import PASSED_GATE, AuthDep, EngineDep, NeuralDep, RateLimitDep, SettingsDep
from app.api.options import LayoutQuery, ReadingOptionsDep, check_layout
from app.api.routes.v1.engines import engine_details, engines_used
from app.api.routes.v1.extract import ExtractKindName, extraction_result
from app.api.uploads import stream_upload
from app.core.errors import UnprocessableOption
from app.extract.documents import extract as extract_document
from app.jobs.models import RENDERER_FORMATS, Job, JobOptions
from app.jobs.reading.pages import PageReading
from app.jobs.service import JobService, NewJob, new_job_id
from app.ocr.decoding.documents import count_pages
from app.ocr.engines.neural_engine import NeuralEngine
from app.ocr.engines.protocol import OcrEngine
from app.ocr.rendering.formats import OUTPUT_FORMATS
from app.ocr.rendering.markdown import MEDIA_TYPE as MARKDOWN_MEDIA_TYPE
from app.ocr.rendering.markdown import render_markdown
from app.ocr.rendering.preserved import preserved_text
from app.schemas.extraction import ExtractResult
from app.schemas.jobs import JobLinks, JobStatusBody
from app.schemas.pages import ErrorBody

router = APIRouter(prefix="/jobs", tags=["jobs"])

ResultFormat = Literal["json", "text", "markdown", "extract", "hocr", "alto", "tsv", "pdf"]
# Extraction holds every page tree of the document at once: longer documents are refused.
EXTRACT_MAX_PAGES = 200


async def get_jobs(request: Request) -> JobService:
    service = request.app.state.jobs
    assert isinstance(service, JobService)
    return service


async def get_owner(request: Request) -> str:
    """Whose jobs these are: the digest of the token that passed the gate."""
    return cast(str, request.scope["state"][PASSED_GATE])


JobsDep = Annotated[JobService, Depends(get_jobs)]
OwnerDep = Annotated[str, Depends(get_owner)]

_ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorBody} for status in (400, 401, 404, 409, 410, 413, 415, 422, 429)
}
_UPLOAD_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {
                        "file": {
                            "type": "string",
                            "format": "binary",
                            "description": "The document: a PDF, a (multi-page) TIFF, or "
                            "any image /v1/ocr reads.",
                        }
                    },
                }
            }
        },
    }
}


def _time(value: float | None) -> str | None:
    if value is None:
        return None
    return datetime.fromtimestamp(value, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def status_body(request: Request, job: Job) -> JobStatusBody:
    prefix = f"{request.scope.get('root_path', '')}/v1/jobs/{job.id}"
    return JobStatusBody(
        id=job.id,
        status=job.state.value,
        pages_total=job.pages_total,
        pages_done=job.pages_done,
        pages_failed=job.pages_failed,
        error=ErrorBody(detail=job.error) if job.error else None,
        created_at=_time(job.created_at) or "",
        started_at=_time(job.started_at),
        finished_at=_time(job.finished_at),
        expires_at=_time(job.expires_at),
        formats=["json", "text", "markdown", "extract", *job.options.formats],
        links=JobLinks.model_validate({"self": prefix, "result": f"{prefix}/result"}),
    )


def _status_response(
    request: Request, jobs: JobService, job: Job, status_code: int = 200
) -> Response:
    headers = {} if job.state.finished else {"Retry-After": str(jobs.retry_after(job))}
    if status_code == 202:
        headers["Location"] = f"{request.scope.get('root_path', '')}/v1/jobs/{job.id}"
    body = status_body(request, job).model_dump_json()
    return Response(body, status_code, headers=headers, media_type="application/json")


def _formats(value: str | None) -> tuple[str, ...]:
    names = {name.strip() for name in (value or "").split(",") if name.strip()}
    names -= {"json", "text", "markdown", "extract"}  # every job has them
    unknown = names - set(RENDERER_FORMATS)
    if unknown:
        raise UnprocessableOption(
            f"formats={value!r}: {', '.join(sorted(unknown))} is not one of "
            f"{', '.join(RENDERER_FORMATS)} (json, text, markdown and extract are always there)."
        )
    return tuple(name for name in RENDERER_FORMATS if name in names)


@router.post(
    "",
    dependencies=[AuthDep, RateLimitDep],
    status_code=202,
    response_model=JobStatusBody,
    responses=_ERRORS,
    openapi_extra=_UPLOAD_BODY,
)
async def submit_job(
    request: Request,
    reading: ReadingOptionsDep,
    jobs: JobsDep,
    owner: OwnerDep,
    settings: SettingsDep,
    formats: Annotated[
        str | None,
        Query(
            description="Renderer outputs to make besides json and text, comma-separated: "
            "`hocr`, `alto`, `tsv`, `pdf`. Each is one more reading of every page.",
            examples=["pdf", "hocr,alto"],
            max_length=100,
        ),
    ] = None,
    callback_url: Annotated[
        str | None,
        Query(
            description="Where to POST when the job ends (signed per Standard Webhooks).",
            examples=["https://example.com/ocr-callback"],
            max_length=2000,
        ),
    ] = None,
    idempotency_key: Annotated[
        str | None,
        Header(
            description="A retried submission with the same key (and file) returns the same "
            "job instead of a second one.",
            max_length=200,
        ),
    ] = None,
) -> Response:
    """Submit a document of any size (up to JOBS_MAX_BYTES and JOBS_MAX_PAGES) to be read in
    the background. Poll `Location` for progress, then fetch `/result` in any format."""
    await asyncio.to_thread(jobs.admit, owner)
    renderer_formats = _formats(formats)
    callback = await asyncio.to_thread(jobs.check_callback, callback_url)
    job_id = new_job_id()
    reading_limits = request.app.state.page_reading
    assert isinstance(reading_limits, PageReading)
    received = await asyncio.to_thread(jobs.files.receive_path, job_id)
    try:
        out = await asyncio.to_thread(received.open, "wb")
        try:
            upload = await stream_upload(
                request, out, max_bytes=settings.jobs_max_bytes, setting="JOBS_MAX_BYTES"
            )
        finally:
            await asyncio.to_thread(out.close)
        existing = await asyncio.to_thread(jobs.existing, owner, idempotency_key, upload.sha256)
        if existing is not None:
            await asyncio.to_thread(jobs.files.delete, job_id)
            return _status_response(request, jobs, existing, 202)
        numbers = await asyncio.to_thread(
            count_pages, received, reading_limits.limits, reading.pages
        )
        await asyncio.to_thread(jobs.files.store_document, job_id, received, numbers)
    except BaseException:
        await asyncio.to_thread(jobs.files.delete, job_id)
        raise
    options = JobOptions(
        lang=reading.lang,
        psm=reading.psm,
        dpi=reading.dpi,
        switches=reading.switches,
        formats=renderer_formats,
        engine=reading.engine,
        vocabulary=reading.vocabulary,
    )
    new = NewJob(
        id=job_id,
        owner=owner,
        options=options,
        pages=tuple(numbers),
        callback_url=callback,
        base_url=str(request.base_url),
        idempotency_key=idempotency_key,
        upload_digest=upload.sha256,
    )
    job = await asyncio.to_thread(jobs.create, new)
    return _status_response(request, jobs, job, 202)


@router.get("/{job_id}", dependencies=[AuthDep], response_model=JobStatusBody, responses=_ERRORS)
async def job_status(request: Request, job_id: str, jobs: JobsDep, owner: OwnerDep) -> Response:
    """The job's progress; `Retry-After` says when to poll again while it is not finished."""
    job = await asyncio.to_thread(jobs.get, owner, job_id)
    return _status_response(request, jobs, job)


@router.get(
    "/{job_id}/result",
    dependencies=[AuthDep],
    responses={
        200: {
            "description": "What /v1/ocr gives for the whole document in this format.",
            "content": {fmt.media_type.split(";")[0]: {} for fmt in OUTPUT_FORMATS.values()},
        },
        **_ERRORS,
    },
)
async def job_result(
    job_id: str,
    jobs: JobsDep,
    owner: OwnerDep,
    engine: EngineDep,
    neural: NeuralDep,
    output: Annotated[
        ResultFormat,
        Query(
            alias="format",
            description="`json`, `text`, `markdown`, `extract` (what /v1/extract gives: "
            "fields, items, checks, tables), or a format the job was made with.",
        ),
    ] = "json",
    kind: Annotated[
        ExtractKindName,
        Query(description="With `format=extract`: as /v1/extract's `kind`."),
    ] = "auto",
    layout: LayoutQuery = "reading",
) -> Response:
    """The job's result, as /v1/ocr (or, with `format=extract`, /v1/extract) gives it for the
    whole document: 409 until the job has finished, 410 once it has expired."""
    check_layout(layout, output)
    job = await asyncio.to_thread(jobs.finished_job, owner, job_id)
    if output == "text" and layout == "preserve":
        return await _streamed(_preserved_result(jobs, job), OUTPUT_FORMATS["text"].media_type)
    if output == "markdown":
        return await _streamed(_markdown_result(jobs, job), MARKDOWN_MEDIA_TYPE)
    if output == "extract":
        result = await run_in_threadpool(_extract_result, jobs, job, kind, engine, neural)
        return Response(result.model_dump_json(), media_type="application/json")
    if output == "json":
        return await _streamed(_json_result(jobs, job, engine, neural), "application/json")
    if output == "text":
        return await _streamed(_text_result(jobs, job), OUTPUT_FORMATS["text"].media_type)
    path = await asyncio.to_thread(jobs.rendered, job, output)
    return FileResponse(path, media_type=OUTPUT_FORMATS[output].media_type)


@router.delete("/{job_id}", dependencies=[AuthDep], response_model=JobStatusBody, responses=_ERRORS)
async def cancel_job(request: Request, job_id: str, jobs: JobsDep, owner: OwnerDep) -> Response:
    """Cancel the job (pages not started are never read) and delete its files."""
    job = await asyncio.to_thread(jobs.cancel, owner, job_id)
    return _status_response(request, jobs, job)


async def _streamed(chunks: Iterator[bytes], media_type: str) -> StreamingResponse:
    """A streamed result whose first chunk (the first page read from storage) is taken
    before the response starts: storage that cannot be read then gets its JSON error, not a
    response cut off after its status line."""
    first = await asyncio.to_thread(next, chunks, b"")
    return StreamingResponse(itertools.chain((first,), chunks), media_type=media_type)


def _markdown_result(jobs: JobService, job: Job) -> Iterator[bytes]:
    """/v1/ocr's Markdown, a page at a time."""
    for index, page in enumerate(jobs.pages_read(job)):
        yield (("\n" if index else "") + render_markdown([page])).encode()


def _extract_result(
    jobs: JobService, job: Job, kind: str, engine: OcrEngine, neural: NeuralEngine
) -> ExtractResult:
    if job.pages_total > EXTRACT_MAX_PAGES:
        raise UnprocessableOption(
            f"format=extract reads documents of at most {EXTRACT_MAX_PAGES} pages; this one "
            f"has {job.pages_total}. Send its pages with the fields to /v1/extract?pages=..."
        )
    started = time.monotonic()
    pages = list(jobs.pages_read(job))
    extraction = extract_document(pages, job.options.lang.split("+"), kind)
    assert job.started_at is not None
    assert job.finished_at is not None
    timings = {
        "queue": round((job.started_at - job.created_at) * 1000, 1),
        "ocr": round((job.finished_at - job.started_at) * 1000, 1),
        "extract": round((time.monotonic() - started) * 1000, 1),
    }
    return extraction_result(pages, extraction, job.options.lang, engine, neural, timings)


def _preserved_result(jobs: JobService, job: Job) -> Iterator[bytes]:
    """/v1/ocr's text with layout=preserve, a page at a time."""
    for index, page in enumerate(jobs.pages_read(job)):
        yield (("\f" if index else "") + preserved_text(page)).encode()


def _text_result(jobs: JobService, job: Job) -> Iterator[bytes]:
    """Page texts with form feeds between them, as /v1/ocr's text: one page in memory."""
    for index, text in enumerate(jobs.page_texts(job)):
        yield (("\f" if index else "") + text).encode()


def _json_result(
    jobs: JobService, job: Job, engine: OcrEngine, neural: NeuralEngine
) -> Iterator[bytes]:
    """/v1/ocr's JSON, written a page at a time (a 2000-page job is never held whole)."""
    opening = b'{"text":"'  # sent with the first page's text: one chunk that reads storage
    for index, text in enumerate(jobs.page_texts(job)):
        yield (
            opening + json.dumps(("\f" if index else "") + text, ensure_ascii=False)[1:-1].encode()
        )
        opening = b""
    yield opening + b'","pages":['
    read_by: list[str] = []
    for index, page in enumerate(jobs.page_results(job)):
        read_by.append(str(page.get("engine", "tesseract")))
        yield (b"," if index else b"") + json.dumps(page, ensure_ascii=False).encode()
    assert job.started_at is not None
    assert job.finished_at is not None
    tail = {
        "lang": job.options.lang,
        "engine": {"name": engine.name, "version": engine.version()},
        "engines": [
            detail.model_dump(mode="json")
            for detail in engines_used(read_by, engine_details(engine, neural))
        ],
        "timings_ms": {
            "queue": round((job.started_at - job.created_at) * 1000, 1),
            "ocr": round((job.finished_at - job.started_at) * 1000, 1),
            "total": round((job.finished_at - job.created_at) * 1000, 1),
        },
    }
    yield b"]," + json.dumps(tail, ensure_ascii=False).encode()[1:]
