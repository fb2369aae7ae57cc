"""Python client for the OCR service: `OCRClient`, `AsyncOCRClient` (with `Job` and `AsyncJob`
for documents of any size) and the `ocr` command."""

__version__ = "1.0.0"

from ocr_client.client import AsyncJob, AsyncOCRClient, Engine, Job, OCRClient, Switch
from ocr_client.errors import (
    APIError,
    AuthenticationError,
    BadRequestError,
    JobExpiredError,
    JobFailedError,
    JobTimeoutError,
    NotFoundError,
    OCRConnectionError,
    OCRError,
    PayloadTooLargeError,
    RateLimitedError,
    ResultNotReadyError,
    ServerError,
    ServiceUnavailableError,
    TimeLimitError,
    UnprocessableError,
    UnsupportedMediaTypeError,
)
from ocr_client.models import JobStatus, Line, OCRResult, Page, Prediction, Word
from ocr_client.retry import NO_RETRY, RetryPolicy

__all__ = [
    "NO_RETRY",
    "APIError",
    "AsyncJob",
    "AsyncOCRClient",
    "AuthenticationError",
    "BadRequestError",
    "Engine",
    "Job",
    "JobExpiredError",
    "JobFailedError",
    "JobStatus",
    "JobTimeoutError",
    "Line",
    "NotFoundError",
    "OCRClient",
    "OCRConnectionError",
    "OCRError",
    "OCRResult",
    "Page",
    "PayloadTooLargeError",
    "Prediction",
    "RateLimitedError",
    "ResultNotReadyError",
    "RetryPolicy",
    "ServerError",
    "ServiceUnavailableError",
    "Switch",
    "TimeLimitError",
    "UnprocessableError",
    "UnsupportedMediaTypeError",
    "Word",
    "__version__",
]
