"""POST /v1/extract: a receipt's or an invoice's fields, items and checks."""

import time
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Form, Query, Request, Response

from app.api.deps import (
    AuthDep,
    EngineDep,
    LimitsDep,
    NeuralDep,
    RateLimitDep,
    RunnerDep,
    SettingsDep,
    UploadDep,
    measure_work,
)
from app.api.routes.v1.engines import engine_details, engines_used
from app.api.routes.v1.options import ReadingOptionsDep
from app.concurrency.stop import Stop
from app.extract.documents import extract as extract_document
from app.extract.model import Extraction
from app.ocr.engines.neural_engine import NeuralEngine
from app.ocr.engines.protocol import OcrEngine
from app.ocr.pipeline.documents import read_document
from app.ocr.pipeline.options import PageOptions
from app.ocr.rendering.markdown import CSV_MEDIA_TYPE, MEDIA_TYPE, table_markdown, tables_csv
from app.ocr.results import Page
from app.schemas.extraction import ExtractPage, ExtractResult
from app.schemas.pages import ErrorBody

router = APIRouter(tags=["extract"])

ExtractKindName = Literal["auto", "receipt", "invoice", "table"]
ExtractFormat = Literal["json", "csv", "markdown"]

_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "JSON by default; the tables as CSV or Markdown with `format`.",
        "content": {"application/json": {}, "text/csv": {}, "text/markdown": {}},
    },
    **{status: {"model": ErrorBody} for status in (400, 401, 413, 415, 422, 429, 503, 504)},
}


@router.post(
    "/extract",
    dependencies=[AuthDep, RateLimitDep],
    response_model=ExtractResult,
    responses=_RESPONSES,
)
async def extract(
    request: Request,
    upload: UploadDep,
    settings: SettingsDep,
    engine: EngineDep,
    neural: NeuralDep,
    runner: RunnerDep,
    limits: LimitsDep,
    reading: ReadingOptionsDep,
    kind: Annotated[
        ExtractKindName,
        Form(
            description="`receipt`, `invoice`, `table` (its tables only), or `auto`: told "
            "from the document (a page with no sums and no table is `other`, with no fields).",
            examples=["auto"],
        ),
    ] = "auto",
    output: Annotated[
        ExtractFormat,
        Query(
            alias="format",
            description="`json` (fields, items, checks, tables), or the tables alone as `csv` "
            "(a blank line between two tables) or as `markdown` tables.",
        ),
    ] = "json",
) -> ExtractResult | Response:
    """Read a receipt or an invoice (an image or a PDF, as `file`) into data: the merchant,
    its address, phone and tax id, the date and time, the document number, the subtotal, tax,
    tip, discount and total, the currency, the line items, and checks of whether they add up.

    Each field holds its normalised `value`, its `text` as printed, a `confidence`, its `page`
    and its `box` on the page as sent. Reading takes the same options as /v1/ocr (`lang`,
    `engine`, `pages`, preparation).
    """
    received = time.monotonic()
    stop = Stop.after(settings.request_timeout_seconds, received)
    options = PageOptions(
        lang=reading.lang,
        psm=reading.psm,
        dpi=reading.dpi,
        timeout_seconds=settings.request_timeout_seconds,
        stop=stop,
        engine=reading.engine,
        neural=neural,
        **reading.switches,
    )
    preparation = "prepared" if options.preprocess else "as-sent"
    work = await measure_work(
        upload, limits, reading.pages, f"{reading.lang}:{reading.engine}:{preparation}:json"
    )
    marks: dict[str, float] = {}

    def read_and_extract() -> tuple[list[Page], Extraction]:
        marks["started"] = time.monotonic()
        pages = read_document(upload, engine, options, limits, reading.pages, runner.spare)
        marks["read"] = time.monotonic()
        return pages, extract_document(pages, reading.lang.split("+"), kind)

    pages, extraction = await runner.submit(
        read_and_extract, work=work, stop=stop, disconnected=request.is_disconnected
    )
    done = time.monotonic()
    if output == "csv":
        return Response(content=tables_csv(extraction.tables), media_type=CSV_MEDIA_TYPE)
    if output == "markdown":
        text = "\n\n".join(table_markdown(table) for table in extraction.tables)
        return Response(content=text + "\n" if text else "", media_type=MEDIA_TYPE)
    timings = {
        "queue": round((marks["started"] - received) * 1000, 1),
        "ocr": round((marks["read"] - marks["started"]) * 1000, 1),
        "extract": round((done - marks["read"]) * 1000, 1),
        "total": round((done - received) * 1000, 1),
    }
    return extraction_result(pages, extraction, reading.lang, engine, neural, timings)


def extraction_result(
    pages: list[Page],
    extraction: Extraction,
    lang: str,
    engine: OcrEngine,
    neural: NeuralEngine,
    timings: dict[str, float],
) -> ExtractResult:
    """The JSON of an extraction, for /v1/extract and a job's `format=extract`."""
    return ExtractResult.model_validate(
        {
            "kind": extraction.kind,
            "fields": extraction.fields,
            "items": extraction.items,
            "checks": extraction.checks,
            "tables": extraction.tables,
            "text": "\f".join(page.text for page in pages),
            "pages": [ExtractPage.model_validate(page) for page in pages],
            "lang": lang,
            "engines": engines_used(
                [page.engine for page in pages], engine_details(engine, neural)
            ),
            "timings_ms": timings,
        },
        from_attributes=True,
    )
