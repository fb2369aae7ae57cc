"""ASGI middleware that bounds the request body while it streams in: its size and its pace."""

import asyncio
import json

from starlette._utils import get_route_path
from starlette.types import Message, Receive, Scope, Send

from app.api.deps import started_settings, too_large_detail
from app.api.middleware.base import HttpMiddleware

# Room for the multipart envelope (boundaries, part headers) around a file at the limit.
MULTIPART_OVERHEAD_BYTES = 16 * 1024
# Documents of any size: submitted jobs have a limit of their own.
JOBS_PATH = "/v1/jobs"


class BodySizeLimit(HttpMiddleware):
    """Refuse a request body over MAX_UPLOAD_BYTES: at once from Content-Length when it is
    declared, otherwise as soon as the bytes received pass the limit, so nothing buffers past
    it. A client that stalls mid-body for BODY_TIMEOUT_SECONDS gets a 408 and is let go."""

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        settings = started_settings(scope["app"])
        limit, setting = settings.max_upload_bytes, "MAX_UPLOAD_BYTES"
        if scope["method"] == "POST" and get_route_path(scope).rstrip("/") == JOBS_PATH:
            limit, setting = settings.jobs_max_bytes, "JOBS_MAX_BYTES"
        body_timeout = settings.body_timeout_seconds
        max_body = limit + MULTIPART_OVERHEAD_BYTES
        declared = _content_length(scope)
        if declared is not None and declared > max_body:
            await _send_error(send, 413, too_large_detail(limit, setting))
            return
        received = 0
        refused = False
        response_started = False
        body_complete = False

        async def refuse(status: int, detail: str) -> Message:
            # Answer now, then tell the app the client is gone: whatever the app makes of that
            # (a parse error) is never sent, and no more body is read.
            nonlocal refused
            refused = True
            await _send_error(send, status, detail)
            return {"type": "http.disconnect"}

        async def limited_receive() -> Message:
            nonlocal received, body_complete
            if body_complete or refused:
                return await receive()
            try:
                message = await asyncio.wait_for(receive(), body_timeout)
            except TimeoutError:
                if response_started:
                    return {"type": "http.disconnect"}
                return await refuse(
                    408,
                    f"The request body stalled for {body_timeout:g} seconds "
                    "(BODY_TIMEOUT_SECONDS).",
                )
            if message["type"] == "http.request":
                body_complete = not message.get("more_body", False)
                received += len(message.get("body", b""))
                if received > max_body and not response_started:
                    return await refuse(413, too_large_detail(limit, setting))
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal response_started
            if refused:
                return
            response_started = True
            await send(message)

        await self.app(scope, limited_receive, guarded_send)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def _send_error(send: Send, status: int, detail: str) -> None:
    body = json.dumps({"detail": detail}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
