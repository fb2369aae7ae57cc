"""Domain errors. Each carries the HTTP status it maps to; one handler turns them into JSON."""

from starlette.responses import JSONResponse


class ConfigurationError(RuntimeError):
    """The service cannot start with these settings or this installation (not a client's
    error: it stops the start-up with its message)."""


class ServiceError(Exception):
    status_code: int = 500
    detail: str = "Internal error."

    def __init__(self, detail: str | None = None, *, headers: dict[str, str] | None = None) -> None:
        super().__init__(detail or self.detail)
        self.detail = detail or self.detail
        self.headers = headers or {}


class BadRequest(ServiceError):
    status_code = 400
    detail = "Bad request."


class InvalidImage(ServiceError):
    status_code = 400
    detail = "The file could not be decoded as an image; it may be truncated or corrupt."


class EmptyUpload(ServiceError):
    status_code = 400
    detail = "The uploaded file is empty."


class UnknownLanguage(ServiceError):
    status_code = 400
    detail = "Unknown language."


class UnsupportedMediaType(ServiceError):
    status_code = 415
    detail = "Unsupported file type."


class PayloadTooLarge(ServiceError):
    status_code = 413
    detail = "The upload is too large."


class Unauthorized(ServiceError):
    status_code = 401
    detail = "Missing or invalid token."

    def __init__(self, detail: str | None = None) -> None:
        super().__init__(detail, headers={"WWW-Authenticate": "Bearer"})


class NotFound(ServiceError):
    status_code = 404
    detail = "Not found."


class UnprocessableOption(ServiceError):
    status_code = 422
    detail = "Invalid option."


class JobNotFound(NotFound):
    detail = "No such job (it may belong to another token, or have been deleted)."


class ResultNotReady(ServiceError):
    status_code = 409
    detail = "The job has no result yet; poll GET /v1/jobs/{id} until it has finished."

    def __init__(self, detail: str | None = None, *, retry_after: int | None = None) -> None:
        headers = {"Retry-After": str(max(1, retry_after))} if retry_after else None
        super().__init__(detail, headers=headers)


class JobExpired(ServiceError):
    status_code = 410
    detail = "The job's result has expired and was deleted (JOBS_RETENTION_SECONDS)."


class _RetryLater(ServiceError):
    def __init__(self, detail: str | None = None, *, retry_after: int = 1) -> None:
        super().__init__(detail, headers={"Retry-After": str(max(1, retry_after))})
        self.retry_after = max(1, retry_after)


class RateLimited(_RetryLater):
    status_code = 429
    detail = "Too many requests; retry after the time in the Retry-After header."


class TooManyJobs(_RetryLater):
    status_code = 429
    detail = "Too many unfinished jobs for this token (JOBS_MAX_UNFINISHED)."


class ServiceBusy(_RetryLater):
    status_code = 503
    detail = "The OCR service is busy; retry after the time in the Retry-After header."


class StorageUnavailable(_RetryLater):
    """The object store that holds job files (STORAGE_URL) did not answer: nothing accepted
    is lost, the request can be retried."""

    status_code = 503
    detail = (
        "The job storage (STORAGE_URL) is unreachable just now; nothing already accepted is "
        "lost. Retry after the time in the Retry-After header."
    )


class JobStoreUnavailable(_RetryLater):
    """The job store or queue (JOBS_BROKER_URL) did not answer."""

    status_code = 503
    detail = (
        "The job store (JOBS_BROKER_URL) is unreachable just now; nothing already accepted is "
        "lost. Retry after the time in the Retry-After header."
    )


class DeadlineExceeded(_RetryLater):
    status_code = 504
    detail = (
        "The request waited for the engine past its time limit (REQUEST_TIMEOUT_SECONDS); "
        "retry after the time in the Retry-After header."
    )


class ClientGone(ServiceError):
    status_code = 499  # nginx's "client closed request": nobody is left to read it
    detail = "The client disconnected before the result was ready."


class ProcessingTimeout(ServiceError):
    """Out of time: the server's limit, not the client's input (so not a 4xx)."""

    status_code = 504

    def __init__(self, limit_seconds: float | None = None) -> None:
        """`limit_seconds`: the limit that ran out, named in the detail when known."""
        value = f" of {limit_seconds:g} seconds" if limit_seconds else ""
        super().__init__(
            f"Recognition did not finish within the time limit{value} "
            "(REQUEST_TIMEOUT_SECONDS). Send a long document as a job: POST /v1/jobs."
        )


class EngineFailure(ServiceError):
    status_code = 500
    detail = "The OCR engine failed on this input."


def error_response(error: ServiceError, *, close: bool = False) -> JSONResponse:
    """The JSON a client gets for `error`; `close` ends the connection after it (a request
    answered before its body was read)."""
    headers = {**error.headers, "Connection": "close"} if close else error.headers
    return JSONResponse({"detail": error.detail}, error.status_code, headers=headers)
