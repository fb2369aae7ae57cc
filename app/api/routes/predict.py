"""POST /: the token-protected prediction, with the original service's response contract."""

from functools import partial
from typing import Any

from fastapi import APIRouter

from app.api.deps import AuthDep, RateLimitDep
from app.api.reading import InteractiveDep
from app.ocr.pipeline.page import recognize_image
from app.schemas.pages import ErrorBody, Prediction

router = APIRouter(tags=["prediction"])

_ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorBody} for status in (400, 401, 413, 415, 422, 429, 503, 504)
}


@router.post("/", dependencies=[AuthDep, RateLimitDep], responses=_ERRORS)
async def predict(reading: InteractiveDep) -> Prediction:
    """Read the text of one image. Send `Authorization: Bearer <token>` and the image as `file`."""
    settings = reading.settings
    options = reading.options()
    read = partial(
        recognize_image, reading.upload, reading.engine, options, reading.limits,
        reading.runner.spare,
    )  # fmt: skip
    page = await reading.run(read, kind=f"{settings.default_lang}:{settings.ocr_engine}")
    return Prediction(results=page.text_lines, original=page.text)
