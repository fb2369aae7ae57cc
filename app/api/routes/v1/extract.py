"""POST /v1/extract: a receipt's or an invoice's fields, items and checks."""

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Form, Query, Response

from app.api.deps import AuthDep, RateLimitDep
from app.api.options import ReadingOptionsDep
from app.api.reading import InteractiveDep
from app.api.routes.v1.engines import engine_details, engines_used
from app.extract.documents import extract as extract_document
from app.extract.model import Extraction
from app.ocr.engines.neural_engine import NeuralEngine
from app.ocr.engines.protocol import OcrEngine
from app.ocr.pipeline.documents import read_document
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
    interactive: InteractiveDep,
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
    options = interactive.options(reading)
    preparation = "prepared" if options.preprocess else "as-sent"
    upload, engine = interactive.upload, interactive.engine

    def read_and_extract() -> tuple[list[Page], Extraction]:
        pages = read_document(
            upload, engine, options, interactive.limits, reading.pages, interactive.runner.spare
        )
        interactive.mark("ocr")
        return pages, extract_document(pages, reading.lang.split("+"), kind)

    pages, extraction = await interactive.run(
        read_and_extract, f"{reading.lang}:{reading.engine}:{preparation}:json", reading.pages
    )
    if output == "csv":
        return Response(content=tables_csv(extraction.tables), media_type=CSV_MEDIA_TYPE)
    if output == "markdown":
        text = "\n\n".join(table_markdown(table) for table in extraction.tables)
        return Response(content=text + "\n" if text else "", media_type=MEDIA_TYPE)
    timings = interactive.timings_ms("ocr", "extract")
    return extraction_result(pages, extraction, reading.lang, engine, interactive.neural, timings)


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
