"""GET /metrics: Prometheus exposition of this worker's metrics."""

from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from app.api.deps import SettingsDep
from app.core.errors import NotFound

router = APIRouter(tags=["operations"])


@router.get("/metrics", response_class=Response, responses={200: {"content": {"text/plain": {}}}})
async def metrics(request: Request, settings: SettingsDep) -> Response:
    """Requests, latency, OCR time, queue depth, rejections and engine handles."""
    if not settings.metrics_enabled:
        raise NotFound("Metrics are disabled (METRICS_ENABLED).")
    body = generate_latest(request.app.state.metrics.registry)
    return Response(content=body, media_type=CONTENT_TYPE_LATEST)
