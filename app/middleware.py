"""ASGI middleware that enforces the upload byte limit while the body streams in."""

import json

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.deps import resolve_settings, too_large_detail
from app.errors import PayloadTooLarge

# Room for the multipart envelope (boundaries, part headers) around a file at the limit.
MULTIPART_OVERHEAD_BYTES = 16 * 1024


class BodySizeLimit:
    """Refuse a request body over `max_bytes`: at once from Content-Length when it is declared,
    otherwise as soon as the bytes received pass the limit, so nothing buffers past it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = resolve_settings(scope["app"]).max_upload_bytes
        max_body = limit + MULTIPART_OVERHEAD_BYTES
        declared = _content_length(scope)
        if declared is not None and declared > max_body:
            await _send_too_large(send, limit)
            return
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > max_body:
                    raise PayloadTooLarge(too_large_detail(limit))
            return message

        await self.app(scope, limited_receive, send)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def _send_too_large(send: Send, max_bytes: int) -> None:
    body = json.dumps({"detail": too_large_detail(max_bytes)}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
