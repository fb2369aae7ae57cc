"""POST /: the token-protected prediction, with the original service's response contract."""

import time

from fastapi import APIRouter, Request

from app.deps import AuthDep, EngineDep, LimitsDep, RateLimitDep, RunnerDep, SettingsDep, UploadDep
from app.ocr.pipeline import PageOptions, recognize_image
from app.schemas import ErrorBody, Prediction

router = APIRouter(tags=["prediction"])

_ERRORS = {status: {"model": ErrorBody} for status in (400, 401, 413, 415, 422, 503)}


@router.post("/", dependencies=[AuthDep, RateLimitDep], responses=_ERRORS)
async def predict(
    request: Request,
    upload: UploadDep,
    settings: SettingsDep,
    engine: EngineDep,
    runner: RunnerDep,
    limits: LimitsDep,
) -> Prediction:
    """Read the text of one image. Send `Authorization: Bearer <token>` and the image as `file`."""
    timeout = settings.request_timeout_seconds
    options = PageOptions(lang=settings.default_lang, timeout_seconds=timeout)
    page = await runner.run(
        recognize_image,
        upload,
        engine,
        options,
        limits,
        runner.spare,
        deadline=time.monotonic() + timeout,
        disconnected=request.is_disconnected,
    )
    return Prediction(results=page.text_lines, original=page.text)
