"""Python client for the OCR service: `OCRClient`, `AsyncOCRClient` and the `ocr` command."""

__version__ = "1.0.0"

from ocr_client.client import AsyncOCRClient, OCRClient
from ocr_client.errors import (
    APIError,
    AuthenticationError,
    BadRequestError,
    NotFoundError,
    OCRConnectionError,
    OCRError,
    PayloadTooLargeError,
    RateLimitedError,
    ServerError,
    ServiceUnavailableError,
    TimeLimitError,
    UnprocessableError,
    UnsupportedMediaTypeError,
)
from ocr_client.models import Line, OCRResult, Page, Prediction, Word
from ocr_client.retry import NO_RETRY, RetryPolicy

__all__ = [
    "NO_RETRY",
    "APIError",
    "AsyncOCRClient",
    "AuthenticationError",
    "BadRequestError",
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
    "RetryPolicy",
    "ServerError",
    "ServiceUnavailableError",
    "TimeLimitError",
    "UnprocessableError",
    "UnsupportedMediaTypeError",
    "Word",
    "__version__",
]
