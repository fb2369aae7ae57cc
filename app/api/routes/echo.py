"""POST /img-echo/: validate an upload as an image, keep it, and send it back."""

import asyncio
from functools import partial
from uuid import uuid4

import aiofiles
import aiofiles.os
from fastapi import APIRouter, Response

from app.api.deps import LimitsDep, RateLimitDep, RunnerDep, SettingsDep, UploadDep, measure_work
from app.api.echo_files import remove_older_than
from app.core.errors import NotFound
from app.ocr.decoding.documents import validate_image
from app.schemas.pages import ErrorBody

router = APIRouter(tags=["echo"])


@router.post(
    "/img-echo/",
    dependencies=[RateLimitDep],
    response_class=Response,
    responses={
        200: {"content": {"image/*": {}}, "description": "The image, byte for byte."},
        400: {"model": ErrorBody},
        404: {"model": ErrorBody, "description": "Echo is disabled (ECHO_ACTIVE)."},
        413: {"model": ErrorBody},
        415: {"model": ErrorBody},
    },
)
async def echo_image(
    upload: UploadDep, settings: SettingsDep, runner: RunnerDep, limits: LimitsDep
) -> Response:
    if not settings.echo_active:
        raise NotFound("Image echo is disabled; set ECHO_ACTIVE=1 to enable it.")
    work = await measure_work(upload, limits, None, kind="decode")
    kind = await runner.submit(partial(validate_image, upload, limits), work=work)
    # The name is ours: nothing the client sent reaches the file system.
    await aiofiles.os.makedirs(settings.upload_dir, exist_ok=True)
    path = settings.upload_dir / f"{uuid4().hex}{kind.extension}"
    async with aiofiles.open(path, "wb") as saved:
        await saved.write(upload)
    await asyncio.to_thread(remove_older_than, settings.upload_dir, settings.echo_retention_seconds)
    return Response(content=upload, media_type=kind.media_type)
