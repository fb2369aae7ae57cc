"""Domain errors as HTTP answers: the one mapping from a ServiceError to its JSON."""

from starlette.responses import JSONResponse

from app.core.errors import ServiceError


def error_response(error: ServiceError, *, close: bool = False) -> JSONResponse:
    """The JSON a client gets for `error`; `close` ends the connection after it (a request
    answered before its body was read)."""
    headers = {**error.headers, "Connection": "close"} if close else error.headers
    return JSONResponse({"detail": error.detail}, error.status_code, headers=headers)
