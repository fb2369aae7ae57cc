"""POST /v1/ocr: documents and images, options, boxes and standard output formats."""

from functools import partial
from typing import Annotated, Any, Literal, TypeVar

from fastapi import APIRouter, Query, Response

from app.api.deps import AuthDep, RateLimitDep
from app.api.options import LayoutQuery, ReadingOptionsDep, check_layout
from app.api.reading import InteractiveDep
from app.api.routes.v1.engines import engine_details, engines_used
from app.ocr.pipeline.documents import read_document, render_document
from app.ocr.rendering.formats import OUTPUT_FORMATS
from app.ocr.rendering.markdown import MEDIA_TYPE, render_markdown
from app.ocr.rendering.preserved import preserved_text
from app.schemas.pages import ErrorBody, PageResult
from app.schemas.results import OcrResult
from app.schemas.service import EngineInfo

router = APIRouter(tags=["ocr"])

T = TypeVar("T")

FormatName = Literal["json", "text", "markdown", "hocr", "alto", "tsv", "pdf"]

_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "JSON by default; with `format`, a standard format.",
        "content": {
            media_type.split(";")[0]: {}
            for media_type in [*(fmt.media_type for fmt in OUTPUT_FORMATS.values()), MEDIA_TYPE]
        },
    },
    **{status: {"model": ErrorBody} for status in (400, 401, 413, 415, 422, 429, 503, 504)},
}


@router.post(
    "/ocr", dependencies=[AuthDep, RateLimitDep], response_model=OcrResult, responses=_RESPONSES
)
async def ocr(
    interactive: InteractiveDep,
    reading: ReadingOptionsDep,
    output: Annotated[
        FormatName,
        Query(
            alias="format",
            description="`json` (page -> line -> word tree with boxes), `text`, `markdown` "
            "(headings, paragraphs, lists and tables), `hocr`, `alto`, `tsv`, or `pdf` (one "
            "searchable PDF for all pages).",
            examples=["json", "hocr", "pdf"],
            openapi_examples={
                name: {"summary": summary, "value": name}
                for name, summary in (
                    ("json", "Pages, lines and words with boxes (application/json)"),
                    ("text", "Plain text (text/plain)"),
                    ("markdown", "Headings, paragraphs, lists, tables (text/markdown)"),
                    ("hocr", "hOCR (text/html)"),
                    ("alto", "ALTO XML (application/xml)"),
                    ("tsv", "Tesseract TSV (text/tab-separated-values)"),
                    ("pdf", "One searchable PDF (application/pdf)"),
                )
            },
        ),
    ] = "json",
    layout: LayoutQuery = "reading",
) -> OcrResult | Response:
    """Read an image (PNG, JPEG, TIFF, WebP, BMP, GIF) or a PDF. Send the file as `file`.

    The kind of file is told from its bytes. Every page of a TIFF is read; a PDF's pages are
    rendered at 300 dpi, and a page that already carries a text layer returns that text
    without OCR (`"source": "text-layer"`). The JSON is a page -> line -> word tree whose boxes
    are in the pixels of the page as sent (after EXIF rotation); each page names the engine
    that read it (`engine`). Other `format`s are rendered from the same reading, whatever the
    engine, with their standard media types and their boxes in the pixels of the pages as
    sent; `pdf` is one searchable PDF of all the pages, showing them as sent.
    """
    check_layout(layout, output)
    options = interactive.options(reading)
    upload, engine, limits = interactive.upload, interactive.engine, interactive.limits
    spare, selection = interactive.runner.spare, reading.pages
    # Seconds per megapixel differ by language, by engine, by preparation and by format:
    # each is learned apart.
    preparation = "prepared" if options.preprocess else "as-sent"
    kind = f"{reading.lang}:{reading.engine}:{preparation}:{output}"
    if output not in ("json", "text", "markdown"):
        fmt = OUTPUT_FORMATS[output]
        render = partial(render_document, upload, engine, options, limits, fmt, selection, spare)
        body = await interactive.run(render, kind, selection)
        return Response(content=body, media_type=fmt.media_type)
    read = partial(read_document, upload, engine, options, limits, selection, spare)
    result_pages = await interactive.run(read, kind, selection)
    if output == "markdown":
        return Response(content=render_markdown(result_pages), media_type=MEDIA_TYPE)
    if output == "text":
        # What Tesseract's text renderer writes (page texts, form feeds between them), read like
        # the JSON: the same preparation, and a PDF page's own text layer is kept as it is.
        text = "\f".join(
            preserved_text(page) if layout == "preserve" else page.text for page in result_pages
        )
        media_type = OUTPUT_FORMATS["text"].media_type
        return Response(content=text, media_type=media_type)
    return OcrResult(
        text="\f".join(page.text for page in result_pages),
        pages=[PageResult.model_validate(page) for page in result_pages],
        lang=reading.lang,
        engine=EngineInfo(name=engine.name, version=engine.version()),
        engines=engines_used(
            [page.engine for page in result_pages], engine_details(engine, interactive.neural)
        ),
        timings_ms=interactive.timings_ms("ocr"),
    )
