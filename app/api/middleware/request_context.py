"""Each request's id (X-Request-ID, taken or made), its access log line and its metrics."""

import re
import time
import uuid

from starlette.datastructures import MutableHeaders
from starlette.types import Message, Receive, Scope, Send

from app.api.middleware.base import HttpMiddleware
from app.core.logs import access_logger, request_id_var

# A client's own id is kept only when it is short and plain, so it can't forge log lines.
_SANE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


class RequestContext(HttpMiddleware):
    """Takes X-Request-ID (or makes one), returns it, and for each request logs one access
    line and counts it in the metrics (one timing and one status for both)."""

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        given = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
        request_id = given if _SANE_REQUEST_ID.match(given) else uuid.uuid4().hex
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableHeaders(scope=message)["X-Request-ID"] = request_id
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            route = scope.get("route")
            seconds = time.perf_counter() - started
            metrics = getattr(scope["app"].state, "metrics", None)
            if metrics is not None:
                template = getattr(route, "path", None) or "unmatched"
                metrics.observe_request(template, scope["method"], status, seconds)
            access_logger.info(
                "request",
                extra={
                    "method": scope["method"],
                    "path": scope["path"],
                    "route": getattr(route, "path", None),
                    "status": status,
                    "duration_ms": round(seconds * 1000, 1),
                    "client": (scope.get("client") or ("-",))[0],
                },
            )
            request_id_var.reset(token)
