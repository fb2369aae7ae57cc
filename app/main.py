"""Wires the application: settings, engine, routes, middleware and the error handler."""

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from pydantic import ValidationError

from app.api.deps import resolve_settings
from app.api.errors import error_response
from app.api.metrics import Metrics
from app.api.middleware.auth import TokenGate
from app.api.middleware.body import BodySizeLimit
from app.api.middleware.gateway import RootPath
from app.api.middleware.ratelimit import RateLimiter
from app.api.middleware.request_context import RequestContext
from app.api.middleware.security import AllowListedCORS, SecurityHeaders
from app.api.routes import docs, echo, metrics, page, predict, v1
from app.concurrency.cpus import usable_cpus
from app.concurrency.runner import OcrRunner
from app.concurrency.sizing import pool_size
from app.core.config import refusal
from app.core.errors import ServiceError
from app.core.logs import configure_logging
from app.jobs.backend import start_jobs
from app.ocr.engines import check_default_language, create_engine, create_neural
from app.ocr.engines.tessdata import find_accurate_tessdata, find_tessdata
from app.ocr.pipeline.language import warm_language

logger = logging.getLogger("app")

STATIC_DIR = Path(__file__).resolve().parent / "static"


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    try:
        settings = resolve_settings(app)
    except ValidationError as error:
        configure_logging("INFO")
        raise refusal(error) from None
    configure_logging("DEBUG" if settings.debug else "INFO")
    app.state.settings = settings
    size = pool_size(usable_cpus(), settings.ocr_threads, settings.ocr_max_queue)
    tessdata = find_tessdata(settings.tessdata_prefix)
    accurate_tessdata = (
        find_accurate_tessdata(settings.accurate_tessdata_prefix)
        if settings.ocr_second_opinion
        else None
    )
    job_threads = settings.jobs_threads if settings.jobs_threads is not None else usable_cpus()
    engine = create_engine(
        settings.tesseract_binding,
        tessdata=tessdata,
        accurate_tessdata=accurate_tessdata,
        # Job readers hold handles of their own: interactive requests never wait for theirs.
        max_handles=size.engine_handles + job_threads,
    )
    runner = OcrRunner(
        threads=size.threads,
        max_queue=size.max_queue,
        max_wait_seconds=settings.ocr_max_wait_seconds,
        gap_filler=size.gap_filler,
        spare_threads=size.spare_threads,
    )
    # One reader a reading thread: interactive, spare and job threads each may read neurally.
    neural = create_neural(
        device=settings.ocr_device, max_readers=size.threads + size.spare_threads + job_threads
    )
    if settings.ocr_engine == "neural":
        # Every request that names no language would otherwise be refused.
        check_default_language(settings.default_lang, neural.languages())
    await asyncio.gather(
        asyncio.to_thread(engine.warm_up, warm_language(settings.default_lang)),
        asyncio.to_thread(neural.warm_up),
    )
    app.state.engine = engine
    app.state.neural = neural
    app.state.runner = runner
    app.state.rate_limiter = RateLimiter()
    app.state.metrics = Metrics()
    app.state.metrics.watch(runner, engine)
    jobs = await asyncio.to_thread(start_jobs, settings, engine, neural, job_threads)
    app.state.jobs = jobs.service
    app.state.page_reading = jobs.reading
    logger.info(
        "OCR engine %s %s ready: %d threads, queue %d, tessdata %s, larger models %s",
        engine.name,
        engine.version(),
        size.threads,
        size.max_queue,
        tessdata,
        accurate_tessdata or "none",
    )
    try:
        yield
    finally:
        await asyncio.to_thread(jobs.stop)
        runner.shutdown()
        engine.close()
        neural.close()


async def handle_service_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, ServiceError)
    return error_response(error)


async def handle_unexpected_error(request: Request, error: Exception) -> JSONResponse:
    logger.exception("Unhandled error on %s %s", request.method, request.url.path)
    return JSONResponse({"detail": "Internal error."}, 500)


def create_app() -> FastAPI:
    app = FastAPI(
        title="OCR service",
        summary="Images and documents in, text out.",
        version="1.0.0",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )
    # Outermost last: ids and headers wrap everything, the body limit sits next to the app,
    # and the token is checked before it: an unauthenticated body is never read.
    for middleware in (
        BodySizeLimit,
        TokenGate,
        AllowListedCORS,
        SecurityHeaders,
        RequestContext,
        RootPath,
    ):
        app.add_middleware(middleware)
    app.add_exception_handler(ServiceError, handle_service_error)
    app.add_exception_handler(Exception, handle_unexpected_error)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    for routes in (page, echo, predict, v1, docs, metrics):
        app.include_router(routes.router)
    return app


app = create_app()
