"""Exceptions: one class per error status the service answers with."""

from __future__ import annotations

from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING

import httpx

if TYPE_CHECKING:
    from ocr_client.models import JobStatus


class OCRError(Exception):
    """Base class of everything this client raises."""


class OCRConnectionError(OCRError):
    """The service could not be reached, or did not answer in time.

    `retryable` is true only when the request surely never reached the service (connection
    refused), so sending it again cannot do the work twice.
    """

    def __init__(self, message: str, *, retryable: bool = False) -> None:
        super().__init__(message)
        self.retryable = retryable


class APIError(OCRError):
    """The service answered with an error status; `detail` is its explanation."""

    status_code: int = 0

    def __init__(self, status_code: int, detail: str, response: httpx.Response | None = None):
        super().__init__(f"{status_code}: {detail}")
        self.status_code = status_code
        self.detail = detail
        self.response = response

    @property
    def retry_after(self) -> float | None:
        """Seconds the service asked us to wait (Retry-After), when it said so."""
        if self.response is None:
            return None
        return parse_retry_after(self.response.headers.get("Retry-After"))


class BadRequestError(APIError):
    """400: the file could not be decoded, or an option (e.g. an unknown language) is wrong."""


class AuthenticationError(APIError):
    """401: missing or wrong token."""


class NotFoundError(APIError):
    """404: the route does not exist here (or is switched off), or there is no such job for
    this token (never created, canceled, or another token's)."""


class ResultNotReadyError(APIError):
    """409: the job has no result: it has not finished yet, or it failed or was canceled."""


class JobExpiredError(APIError):
    """410: the job finished longer ago than the service keeps results; submit it again."""


class PayloadTooLargeError(APIError):
    """413: the upload is over a byte, pixel or page limit."""


class UnsupportedMediaTypeError(APIError):
    """415: not a supported image or document type."""


class UnprocessableError(APIError):
    """422: a missing or invalid field or option."""


class RateLimitedError(APIError):
    """429: too many requests from this client; retry after `retry_after` seconds."""


class ServiceUnavailableError(APIError):
    """503: the service is busy or starting; retry after `retry_after` seconds."""


class TimeLimitError(APIError):
    """504: recognition ran out of the service's time limit (send fewer pages at a time)."""


class ServerError(APIError):
    """Any other 5xx: the service failed."""


class JobFailedError(OCRError):
    """A job waited for ended `failed` (the document could not be read: `status.error` says
    why) or `canceled`. `status` is its final `JobStatus`."""

    def __init__(self, status: JobStatus) -> None:
        reason = f": {status.error}" if status.error else ""
        super().__init__(f"Job {status.id} {status.status}{reason}")
        self.status = status


class JobTimeoutError(OCRError, TimeoutError):
    """`Job.wait(timeout=...)` ran out before the job finished; the job goes on (cancel it,
    or wait again). `status` is the last `JobStatus` seen. Also a built-in `TimeoutError`."""

    def __init__(self, status: JobStatus, timeout: float) -> None:
        super().__init__(
            f"Job {status.id} still {status.status} after {timeout:g} s "
            f"({status.pages_done}/{status.pages_total} pages)"
        )
        self.status = status
        self.timeout = timeout


_BY_STATUS: dict[int, type[APIError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    404: NotFoundError,
    409: ResultNotReadyError,
    410: JobExpiredError,
    413: PayloadTooLargeError,
    415: UnsupportedMediaTypeError,
    422: UnprocessableError,
    429: RateLimitedError,
    503: ServiceUnavailableError,
    504: TimeLimitError,
}


def error_for(response: httpx.Response) -> APIError:
    """The exception matching an error response, carrying the service's `detail`."""
    detail = _detail(response)
    status = response.status_code
    cls = _BY_STATUS.get(status) or (ServerError if status >= 500 else APIError)
    return cls(status, detail, response)


def _detail(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text.strip() or response.reason_phrase
    if isinstance(body, dict) and "detail" in body:
        detail = body["detail"]
        return detail if isinstance(detail, str) else str(detail)
    return str(body)


def parse_retry_after(value: str | None) -> float | None:
    """Retry-After as seconds: either a number of seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())
