"""POST /v1/ocr: documents and images, options, boxes and standard output formats."""

import time
from collections.abc import Callable
from functools import partial
from typing import Annotated, Any, Literal, TypeVar

from fastapi import APIRouter, Query, Request, Response

from app.deps import (
    AuthDep,
    EngineDep,
    LimitsDep,
    RateLimitDep,
    RunnerDep,
    SettingsDep,
    UploadDep,
    measure_work,
)
from app.errors import UnprocessableOption
from app.ocr.documents import parse_pages, read_document, render_document
from app.ocr.engines.tessdata import check_languages
from app.ocr.formats import OUTPUT_FORMATS
from app.ocr.pipeline import PageOptions
from app.ocr.results import Page
from app.ocr.stop import Stop
from app.schemas import EngineInfo, ErrorBody, OcrResult, PageResult, PreparationQuery

router = APIRouter(tags=["ocr"])

T = TypeVar("T")

FormatName = Literal["json", "text", "hocr", "alto", "tsv", "pdf"]
# 0 is orientation detection only and 2 is layout without OCR: neither gives text.
SUPPORTED_PSM = (1, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13)

_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "JSON by default; with `format`, Tesseract's own output.",
        "content": {fmt.media_type.split(";")[0]: {} for fmt in OUTPUT_FORMATS.values()},
    },
    **{status: {"model": ErrorBody} for status in (400, 401, 413, 415, 422, 429, 503, 504)},
}


@router.post(
    "/ocr", dependencies=[AuthDep, RateLimitDep], response_model=OcrResult, responses=_RESPONSES
)
async def ocr(
    request: Request,
    prepare: Annotated[PreparationQuery, Query()],
    upload: UploadDep,
    settings: SettingsDep,
    engine: EngineDep,
    runner: RunnerDep,
    limits: LimitsDep,
    lang: Annotated[
        str | None,
        Query(
            description="Tesseract language(s), `+`-joined; see GET /v1/languages. "
            "Default: DEFAULT_LANG.",
            examples=["eng", "eng+fra"],
            openapi_examples={
                "english": {"summary": "English", "value": "eng"},
                "french": {"summary": "French", "value": "fra"},
                "two": {"summary": "English and French on one page", "value": "eng+fra"},
            },
            max_length=200,
        ),
    ] = None,
    psm: Annotated[
        int | None,
        Query(
            description="Tesseract page segmentation mode (1, 3-13). Default: chosen per page.",
            examples=[6],
            openapi_examples={
                "auto": {"summary": "3: automatic page segmentation", "value": 3},
                "block": {"summary": "6: one uniform block of text", "value": 6},
                "line": {"summary": "7: a single text line", "value": 7},
                "sparse": {"summary": "11: sparse text, as much as possible", "value": 11},
            },
        ),
    ] = None,
    dpi: Annotated[
        int | None,
        Query(
            ge=50,
            le=2400,
            description="Resolution hint (dots per inch) for images whose file carries none; "
            "PDF pages are always rendered at 300.",
            examples=[300],
            openapi_examples={"scan": {"summary": "A 300 dpi scan", "value": 300}},
        ),
    ] = None,
    pages: Annotated[
        str | None,
        Query(
            description="Pages to read, 1-based: `1-3,7`. Default: all.",
            examples=["1-3,7"],
            openapi_examples={
                "first": {"summary": "The first page", "value": "1"},
                "some": {"summary": "Pages 1 to 3 and 7", "value": "1-3,7"},
            },
            max_length=200,
        ),
    ] = None,
    output: Annotated[
        FormatName,
        Query(
            alias="format",
            description="`json` (page -> line -> word tree with boxes), `text`, `hocr`, "
            "`alto`, `tsv`, or `pdf` (one searchable PDF for all pages).",
            examples=["json", "hocr", "pdf"],
            openapi_examples={
                name: {"summary": summary, "value": name}
                for name, summary in (
                    ("json", "Pages, lines and words with boxes (application/json)"),
                    ("text", "Plain text (text/plain)"),
                    ("hocr", "hOCR (text/html)"),
                    ("alto", "ALTO XML (application/xml)"),
                    ("tsv", "Tesseract TSV (text/tab-separated-values)"),
                    ("pdf", "One searchable PDF (application/pdf)"),
                )
            },
        ),
    ] = "json",
) -> OcrResult | Response:
    """Read an image (PNG, JPEG, TIFF, WebP, BMP, GIF) or a PDF. Send the file as `file`.

    The kind of file is told from its bytes. Every page of a TIFF is read; a PDF's pages are
    rendered at 300 dpi, and a page that already carries a text layer returns that text
    without OCR (`"source": "text-layer"`). The JSON is a page -> line -> word tree whose boxes
    are in the pixels of the page as sent (after EXIF rotation). Other `format`s are
    Tesseract's own output, with their standard media types, read after the same preparation
    as the JSON and with their boxes in the pixels of the pages as sent; `pdf` is one
    searchable PDF of all the pages, showing them as sent.
    """
    received = time.monotonic()
    language = check_languages(lang or settings.default_lang, engine.languages())
    if psm is not None and psm not in SUPPORTED_PSM:
        raise UnprocessableOption(f"psm={psm} is not supported; use one of {SUPPORTED_PSM}.")
    selection = parse_pages(pages)
    timeout = settings.request_timeout_seconds
    stop = Stop.after(timeout, received)
    options = PageOptions(
        lang=language, psm=psm, dpi=dpi, timeout_seconds=timeout, stop=stop, **prepare.switches()
    )
    # Seconds per megapixel differ by language, by preparation and between Tesseract's
    # renderers and our reading: each is learned apart.
    kind = f"{language}:{'prepared' if options.preprocess else 'as-sent'}:{output}"
    work = await measure_work(upload, limits, selection, kind)

    async def admitted(job: Callable[[], T]) -> T:
        return await runner.submit(job, work=work, stop=stop, disconnected=request.is_disconnected)

    if output not in ("json", "text"):
        fmt = OUTPUT_FORMATS[output]
        body = await admitted(
            partial(render_document, upload, engine, options, limits, fmt, selection, runner.spare)
        )
        return Response(content=body, media_type=fmt.media_type)

    started: list[float] = []

    def read() -> list[Page]:
        started.append(time.monotonic())
        return read_document(upload, engine, options, limits, selection, runner.spare)

    result_pages = await admitted(read)
    done = time.monotonic()
    if output == "text":
        # What Tesseract's text renderer writes (page texts, form feeds between them), read like
        # the JSON: the same preparation, and a PDF page's own text layer is kept as it is.
        text = "\f".join(page.text for page in result_pages)
        media_type = OUTPUT_FORMATS["text"].media_type
        return Response(content=text, media_type=media_type)
    return OcrResult(
        text="\f".join(page.text for page in result_pages),
        pages=[PageResult.model_validate(page) for page in result_pages],
        lang=language,
        engine=EngineInfo(name=engine.name, version=engine.version()),
        timings_ms={
            "queue": round((started[0] - received) * 1000, 1),
            "ocr": round((done - started[0]) * 1000, 1),
            "total": round((done - received) * 1000, 1),
        },
    )
