"""The bearer token and the rate limits, checked at the ASGI level before the body is read.

FastAPI reads and parses a multipart body before it runs a route's dependencies, so a token
checked there would let anyone make the service read a whole upload before its 401. The gate
runs on the request's headers alone: a refused request costs its headers, and the
connection is closed instead of reading a body nobody will use. A small body (a typical
upload with a wrong token) is read and dropped first, within a second or two: a socket closed
on unread bytes is reset, and a client still sending would lose the answer.

Which routes it guards is read from the routes themselves: those that declare the
`require_token` dependency (app.api.deps), which documents the header in OpenAPI and refuses any
request that did not pass this gate.
"""

import hashlib
import hmac
import re
from dataclasses import dataclass

import anyio
from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts
from starlette._utils import get_route_path
from starlette.routing import compile_path
from starlette.types import ASGIApp, Receive, Scope, Send

from app.api.deps import PASSED_GATE, rate_limited, require_token, started_settings
from app.api.errors import error_response
from app.api.middleware.ratelimit import RateLimiter
from app.core.config import Settings
from app.core.errors import ServiceError, Unauthorized

# A refused request's body up to this size is read and dropped, for this long at most.
LINGER_BYTES = 1024 * 1024
LINGER_SECONDS = 2.0


def token_matches(candidate: str, tokens: tuple[str, ...]) -> bool:
    """Constant-time comparison against every accepted token (no early exit)."""
    given = candidate.encode()
    matched = False
    for token in tokens:
        matched |= hmac.compare_digest(given, token.encode())
    return matched


def authenticate(authorization: str | None, settings: Settings) -> str:
    """The token's digest (a key that never holds the token itself), or Unauthorized. Any
    one scheme word before the token is accepted: existing clients send `JWT <token>`."""
    if settings.auth_disabled:
        return ""
    if not authorization:
        raise Unauthorized("Missing Authorization header; send `Authorization: Bearer <token>`.")
    parts = authorization.split()
    if len(parts) != 2:
        raise Unauthorized("Malformed Authorization header; send `Authorization: Bearer <token>`.")
    if not token_matches(parts[1], settings.auth_tokens):
        raise Unauthorized("Invalid token.")
    return hashlib.sha256(parts[1].encode()).hexdigest()[:32]


def _uses(dependant: Dependant, call: object) -> bool:
    return dependant.call is call or any(_uses(sub, call) for sub in dependant.dependencies)


@dataclass(frozen=True, slots=True)
class _Guarded:
    """A route the gate stands before, at the path it is served under."""

    pattern: re.Pattern[str]
    methods: frozenset[str]
    route: APIRoute
    needs_token: bool  # else only the rate limits apply


class TokenGate:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._guarded: list[_Guarded] | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        guarded = self._guarded_for(scope) if scope["type"] == "http" else None
        if guarded is None:
            await self.app(scope, receive, send)
            return
        route = guarded.route
        application: FastAPI = scope["app"]
        settings = started_settings(application)
        limiter: RateLimiter = application.state.rate_limiter
        headers = dict(scope["headers"])
        try:
            authorization = _text(headers.get(b"authorization"))
            digest = authenticate(authorization, settings) if guarded.needs_token else ""
            address = scope["client"][0] if scope.get("client") else "unknown"
            limiter.check(f"address:{address}", settings.rate_limit_per_address)
            if digest:
                limiter.check(f"token:{digest}", settings.rate_limit_per_token)
        except ServiceError as error:
            scope["route"] = route  # what metrics and the access log label the request with
            drained = await _drop_small_body(headers, receive)
            # An unread body would be the next request on a kept-alive connection: closed.
            response = error_response(error, close=not drained)
            await response(scope, receive, send)
            return
        scope.setdefault("state", {})[PASSED_GATE] = digest
        await self.app(scope, receive, send)

    def _guarded_for(self, scope: Scope) -> _Guarded | None:
        """The guarded route the request is for, if it is for one."""
        if self._guarded is None:
            self._guarded = _guarded_routes(scope["app"])
        path, method = get_route_path(scope), scope["method"]
        for guarded in self._guarded:
            if method in guarded.methods and guarded.pattern.fullmatch(path):
                return guarded
        return None


def _guarded_routes(app: FastAPI) -> list[_Guarded]:
    """Each route declaring `require_token` or `rate_limited`, at the path it is served under
    (its routers' prefixes included): read once, from the routes' own dependencies."""
    guarded = []
    for context in iter_route_contexts(app.router.routes):
        route = context.route
        if not isinstance(route, APIRoute):
            continue
        needs_token = _uses(route.dependant, require_token)
        if needs_token or _uses(route.dependant, rate_limited):
            pattern, _, _ = compile_path(context.path or route.path)
            methods = frozenset(context.methods or ())
            guarded.append(_Guarded(pattern, methods, route, needs_token))
    return guarded


def _text(value: bytes | None) -> str | None:
    return value.decode("latin-1") if value is not None else None


async def _drop_small_body(headers: dict[bytes, bytes], receive: Receive) -> bool:
    """Read and drop a body of up to LINGER_BYTES; True once none is left unread."""
    if b"transfer-encoding" in headers:
        return False
    try:
        length = int(headers.get(b"content-length", b"0"))
    except ValueError:
        return False
    if length == 0:
        return True
    if length > LINGER_BYTES:
        return False
    read = 0
    with anyio.move_on_after(LINGER_SECONDS):
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return False
            read += len(message.get("body", b""))
            if read > length:
                return False
            if not message.get("more_body", False):
                return read == length
    return False
