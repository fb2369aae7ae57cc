"""POST /: the token-protected prediction, with the original service's response contract."""

import time
from functools import partial
from typing import Any

from fastapi import APIRouter, Request

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
from app.concurrency.stop import Stop
from app.ocr.pipeline.options import PageOptions
from app.ocr.pipeline.page import recognize_image
from app.schemas.pages import ErrorBody, Prediction

router = APIRouter(tags=["prediction"])

_ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorBody} for status in (400, 401, 413, 415, 422, 429, 503, 504)
}


@router.post("/", dependencies=[AuthDep, RateLimitDep], responses=_ERRORS)
async def predict(
    request: Request,
    upload: UploadDep,
    settings: SettingsDep,
    engine: EngineDep,
    neural: NeuralDep,
    runner: RunnerDep,
    limits: LimitsDep,
) -> Prediction:
    """Read the text of one image. Send `Authorization: Bearer <token>` and the image as `file`."""
    timeout = settings.request_timeout_seconds
    stop = Stop.after(timeout, time.monotonic())
    options = PageOptions(
        lang=settings.default_lang,
        timeout_seconds=timeout,
        stop=stop,
        engine=settings.ocr_engine,
        neural=neural,
    )
    kind = f"{settings.default_lang}:{settings.ocr_engine}"
    work = await measure_work(upload, limits, None, kind=kind)
    page = await runner.submit(
        partial(recognize_image, upload, engine, options, limits, runner.spare),
        work=work,
        stop=stop,
        disconnected=request.is_disconnected,
    )
    return Prediction(results=page.text_lines, original=page.text)
