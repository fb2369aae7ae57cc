"""Liveness and readiness, for the container HEALTHCHECK and the platform's health checks."""

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from app.api.deps import RunnerDep

router = APIRouter(tags=["health"])


@router.get("/health")
async def health() -> dict[str, str]:
    """The process is up and answering."""
    return {"status": "ok"}


@router.get("/ready", responses={503: {"description": "Starting, or saturated."}})
async def ready(request: Request, runner: RunnerDep) -> JSONResponse:
    """The engine is loaded and there is room for another request."""
    engine = getattr(request.app.state, "engine", None)
    if engine is None or runner.saturated:
        return JSONResponse(
            {"status": "busy", "queued": runner.waiting},
            status_code=503,
            headers={"Retry-After": str(runner.retry_after_seconds())},
        )
    return JSONResponse({"status": "ready", "queued": runner.waiting})
