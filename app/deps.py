"""FastAPI dependencies, as `Annotated` aliases the routes declare."""

import hashlib
import hmac
from typing import Annotated

from fastapi import Depends, FastAPI, File, Request, UploadFile
from fastapi.security import APIKeyHeader

from app.config import Settings, get_settings
from app.errors import BadRequest, PayloadTooLarge, Unauthorized
from app.ocr.engine import OcrEngine
from app.ocr.pipeline import Limits
from app.ocr.runner import OcrRunner


def too_large_detail(max_bytes: int) -> str:
    return f"The upload is larger than the limit of {max_bytes} bytes (MAX_UPLOAD_BYTES)."


SettingsDep = Annotated[Settings, Depends(get_settings)]


def resolve_settings(app: FastAPI) -> Settings:
    """The settings outside a request's dependencies (lifespan, middleware), honouring overrides."""
    provider = app.dependency_overrides.get(get_settings, get_settings)
    return provider()


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


async def require_token(
    settings: SettingsDep,
    authorization: Annotated[str | None, Depends(_authorization_header)] = None,
) -> None:
    if settings.auth_disabled:
        return
    if not authorization:
        raise Unauthorized("Missing Authorization header; send `Authorization: Bearer <token>`.")
    parts = authorization.split()
    if len(parts) != 2:
        raise Unauthorized("Malformed Authorization header; send `Authorization: Bearer <token>`.")
    if not token_matches(parts[1], settings.auth_tokens):
        raise Unauthorized("Invalid token.")


def token_matches(candidate: str, tokens: tuple[str, ...]) -> bool:
    """Constant-time comparison against every accepted token (no early exit)."""
    given = candidate.encode()
    matched = False
    for token in tokens:
        matched |= hmac.compare_digest(given, token.encode())
    return matched


async def enforce_rate_limits(request: Request, settings: SettingsDep) -> None:
    """Spend one request of the client address's budget, and of the token's."""
    limiter = request.app.state.rate_limiter
    address = request.client.host if request.client else "unknown"
    limiter.check(f"address:{address}", settings.rate_limit_per_address)
    parts = (request.headers.get("authorization") or "").split()
    if len(parts) == 2:
        # Keyed by a digest: the limiter never holds a token itself.
        digest = hashlib.sha256(parts[1].encode()).hexdigest()[:32]
        limiter.check(f"token:{digest}", settings.rate_limit_per_token)


async def get_engine(request: Request) -> OcrEngine:
    return request.app.state.engine


async def get_runner(request: Request) -> OcrRunner:
    return request.app.state.runner


async def get_limits(settings: SettingsDep) -> Limits:
    return Limits(max_pixels=settings.max_image_pixels, max_pages=settings.max_pages)


AuthDep = Depends(require_token)
RateLimitDep = Depends(enforce_rate_limits)
EngineDep = Annotated[OcrEngine, Depends(get_engine)]
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
