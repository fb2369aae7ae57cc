"""ASGI middleware that enforces the upload byte limit while the body streams in."""

import json

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.deps import resolve_settings, too_large_detail

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
        refused = False
        response_started = False

        async def limited_receive() -> Message:
            nonlocal received, refused
            message = await receive()
            if message["type"] == "http.request" and not refused:
                received += len(message.get("body", b""))
                if received > max_body and not response_started:
                    # Answer now, then tell the app the client is gone: whatever the app makes
                    # of that (a parse error) is never sent, and no more body is read.
                    refused = True
                    await _send_too_large(send, limit)
                    return {"type": "http.disconnect"}
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
