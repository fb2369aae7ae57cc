"""Domain errors, raised deep. Each class carries the HTTP status it maps to and, as its
docstring, the detail a client is told; app.api.errors turns one into JSON."""

from typing import Any, ClassVar


class ConfigurationError(RuntimeError):
    """The service cannot start with these settings or this installation (not a client's
    error: it stops the start-up with its message)."""


class ServiceError(Exception):
    """Internal error."""

    status_code: ClassVar[int] = 500
    detail: str = "Internal error."

    def __init_subclass__(cls, status: int | None = None, **kwargs: Any) -> None:
        # A subclass is its status and its docstring: the docstring, folded to one line,
        # is what the client reads unless the class sets `detail` itself.
        super().__init_subclass__(**kwargs)
        if status is not None:
            cls.status_code = status
        if "detail" not in cls.__dict__ and cls.__doc__:
            cls.detail = " ".join(cls.__doc__.split())

    def __init__(self, detail: str | None = None, *, headers: dict[str, str] | None = None) -> None:
        super().__init__(detail or self.detail)
        self.detail = detail or self.detail
        self.headers = headers or {}


class BadRequest(ServiceError, status=400):
    """Bad request."""


class InvalidImage(ServiceError, status=400):
    """The file could not be decoded as an image; it may be truncated or corrupt."""


class EmptyUpload(ServiceError, status=400):
    """The uploaded file is empty."""


class UnknownLanguage(ServiceError, status=400):
    """Unknown language."""


class UnsupportedMediaType(ServiceError, status=415):
    """Unsupported file type."""


class PayloadTooLarge(ServiceError, status=413):
    """The upload is too large."""


class Unauthorized(ServiceError, status=401):
    """Missing or invalid token."""

    def __init__(self, detail: str | None = None) -> None:
        super().__init__(detail, headers={"WWW-Authenticate": "Bearer"})


class NotFound(ServiceError, status=404):
    """Not found."""


class UnprocessableOption(ServiceError, status=422):
    """Invalid option."""


class JobNotFound(NotFound):
    """No such job (it may belong to another token, or have been deleted)."""


class ResultNotReady(ServiceError, status=409):
    """The job has no result yet; poll GET /v1/jobs/{id} until it has finished."""

    def __init__(self, detail: str | None = None, *, retry_after: int | None = None) -> None:
        headers = {"Retry-After": str(max(1, retry_after))} if retry_after else None
        super().__init__(detail, headers=headers)


class JobExpired(ServiceError, status=410):
    """The job's result has expired and was deleted (JOBS_RETENTION_SECONDS)."""


class _RetryLater(ServiceError):
    def __init__(self, detail: str | None = None, *, retry_after: int = 1) -> None:
        super().__init__(detail, headers={"Retry-After": str(max(1, retry_after))})
        self.retry_after = max(1, retry_after)


class RateLimited(_RetryLater, status=429):
    """Too many requests; retry after the time in the Retry-After header."""


class TooManyJobs(_RetryLater, status=429):
    """Too many unfinished jobs for this token (JOBS_MAX_UNFINISHED)."""


class ServiceBusy(_RetryLater, status=503):
    """The OCR service is busy; retry after the time in the Retry-After header."""


class StorageUnavailable(_RetryLater, status=503):
    """The job storage (STORAGE_URL) is unreachable just now; nothing already accepted is
    lost. Retry after the time in the Retry-After header."""


class JobStoreUnavailable(_RetryLater, status=503):
    """The job store (JOBS_BROKER_URL) is unreachable just now; nothing already accepted is
    lost. Retry after the time in the Retry-After header."""


class DeadlineExceeded(_RetryLater, status=504):
    """The request waited for the engine past its time limit (REQUEST_TIMEOUT_SECONDS);
    retry after the time in the Retry-After header."""


class ClientGone(ServiceError, status=499):  # nginx's "client closed request"
    """The client disconnected before the result was ready."""


class ProcessingTimeout(ServiceError, status=504):
    """Recognition did not finish within the time limit (REQUEST_TIMEOUT_SECONDS). Send a
    long document as a job: POST /v1/jobs."""

    def __init__(self, limit_seconds: float | None = None) -> None:
        """`limit_seconds`: the limit that ran out, named in the detail when known (out of
        the server's time, not the client's input: so not a 4xx)."""
        value = f" of {limit_seconds:g} seconds" if limit_seconds else ""
        super().__init__(
            f"Recognition did not finish within the time limit{value} "
            "(REQUEST_TIMEOUT_SECONDS). Send a long document as a job: POST /v1/jobs."
        )


class EngineFailure(ServiceError, status=500):
    """The OCR engine failed on this input."""
