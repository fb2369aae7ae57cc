"""FastAPI dependencies, as `Annotated` aliases the routes declare."""

import asyncio
from typing import Annotated, cast

from fastapi import Depends, FastAPI, File, Request, UploadFile
from fastapi.security import APIKeyHeader
from starlette.applications import Starlette

from app.concurrency.runner import OcrRunner, Work
from app.core.config import Settings, get_settings
from app.core.errors import BadRequest, PayloadTooLarge, Unauthorized
from app.ocr.decoding.documents import Limits, is_pdf, measure
from app.ocr.engines.neural_engine import NeuralEngine
from app.ocr.engines.protocol import OcrEngine


def too_large_detail(max_bytes: int, setting: str = "MAX_UPLOAD_BYTES") -> str:
    return f"The upload is larger than the limit of {max_bytes} bytes ({setting})."


SettingsDep = Annotated[Settings, Depends(get_settings)]


def resolve_settings(app: FastAPI) -> Settings:
    """The settings the app starts with (its lifespan), honouring a dependency override."""
    provider = app.dependency_overrides.get(get_settings, get_settings)
    settings = provider()
    assert isinstance(settings, Settings)
    return settings


def started_settings(app: Starlette) -> Settings:
    """The settings resolved once at start (app.state.settings), for middleware: it runs on
    every request, before any dependency."""
    settings = getattr(app.state, "settings", None)
    if settings is None:  # an app whose lifespan has not run
        settings = get_settings()
    assert isinstance(settings, Settings)
    return settings


# The request-path dependencies below are `async def` although they never await: they only
# read memory, and FastAPI would otherwise hand each sync one to its thread pool, a round
# trip per dependency per request that competes with OCR for the CPU.

# Declared as an API key header (not HTTPBearer) because existing clients send any one scheme
# word before the token, e.g. `JWT <token>`; /docs still offers an "Authorize" box for it.
_authorization_header = APIKeyHeader(
    name="Authorization",
    auto_error=False,
    description="`Bearer <token>` (any one scheme word followed by the token is accepted).",
)


# Set in a request's state by app.api.middleware.auth.TokenGate once its token passed (the
# token's digest, or "" with authentication off).
PASSED_GATE = "token_gate"


async def require_token(
    request: Request,
    authorization: Annotated[str | None, Depends(_authorization_header)] = None,
) -> None:
    """Marks a route as token-protected. The token itself is checked by
    app.api.middleware.auth.TokenGate, before the body is read; this refuses whatever reached
    the route without passing it."""
    if PASSED_GATE not in request.scope.get("state", {}):
        raise Unauthorized("Missing Authorization header; send `Authorization: Bearer <token>`.")


async def rate_limited() -> None:
    """Marks a route whose requests count against the address's budget (RATE_LIMIT_PER_ADDRESS),
    and the token's where it has one; app.api.middleware.auth.TokenGate spends them before the
    body is read."""


async def get_engine(request: Request) -> OcrEngine:
    return cast(OcrEngine, request.app.state.engine)


async def get_neural(request: Request) -> NeuralEngine:
    neural = request.app.state.neural
    assert isinstance(neural, NeuralEngine)
    return neural


async def get_runner(request: Request) -> OcrRunner:
    runner = request.app.state.runner
    assert isinstance(runner, OcrRunner)
    return runner


async def get_limits(settings: SettingsDep) -> Limits:
    return Limits(max_pixels=settings.max_image_pixels, max_pages=settings.max_pages)


async def measure_work(data: bytes, limits: Limits, pages: set[int] | None, kind: str) -> Work:
    """What reading the upload will cost, from its headers, for admission (OcrRunner). An
    image's header is read in tens of microseconds, less than a thread's round trip; a PDF's
    page tree can take longer, so it is read on a thread."""
    if is_pdf(data):
        megapixels, count = await asyncio.to_thread(measure, data, limits, pages)
    else:
        megapixels, count = measure(data, limits, pages)
    return Work(kind=kind, megapixels=megapixels, pages=count)


AuthDep = Depends(require_token)
RateLimitDep = Depends(rate_limited)
EngineDep = Annotated[OcrEngine, Depends(get_engine)]
NeuralDep = Annotated[NeuralEngine, Depends(get_neural)]
RunnerDep = Annotated[OcrRunner, Depends(get_runner)]
LimitsDep = Annotated[Limits, Depends(get_limits)]


async def read_upload(
    request: Request,
    settings: SettingsDep,
    file: Annotated[UploadFile, File(description="The image to read (PNG, JPEG, TIFF, ...).")],
) -> bytes:
    """The uploaded file's bytes, at most MAX_UPLOAD_BYTES, from exactly one `file` part."""
    form = await request.form()
    if len(form.getlist("file")) != 1:
        raise BadRequest("Send exactly one file, in the multipart field `file`.")
    data = await file.read(settings.max_upload_bytes + 1)
    if len(data) > settings.max_upload_bytes:
        raise PayloadTooLarge(too_large_detail(settings.max_upload_bytes))
    return data


UploadDep = Annotated[bytes, Depends(read_upload)]
