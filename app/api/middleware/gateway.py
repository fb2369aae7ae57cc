"""Serving under a path prefix behind an API gateway or reverse proxy (the ROOT_PATH setting).

The ASGI `root_path` is what Starlette builds URLs from (`url_for`, /docs, the OpenAPI
`servers`), and what it strips before routing. A gateway may forward either `/ocr/x` or the
stripped `/x`: both reach the same route. X-Forwarded-For and -Proto are honoured by the
server itself (uvicorn's proxy headers), only from the addresses in FORWARDED_ALLOW_IPS: see
gunicorn.conf.py.
"""

from starlette.types import ASGIApp, Receive, Scope, Send

from app.api.deps import started_settings


class RootPath:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            prefix = started_settings(scope["app"]).root_path
            current = scope.get("root_path", "")
            if prefix and not current.endswith(prefix):
                root_path = current + prefix
                scope["root_path"] = root_path
                path = scope["path"]
                # ASGI wants `path` to include `root_path`; a gateway that stripped the prefix
                # sent it without, so put it back (Starlette's mounts, /static, rely on it).
                if path != root_path and not path.startswith(root_path + "/"):
                    scope["path"] = root_path + path
                    raw_path = scope.get("raw_path")
                    if raw_path is not None:
                        scope["raw_path"] = root_path.encode() + raw_path
        await self.app(scope, receive, send)
