"""What the client makes of what comes back: a response to use, or the exception its status or
the failed connection stands for; and each endpoint's body as its typed result."""

from __future__ import annotations

from typing import Any

import httpx

from ocr_client._requests import Format
from ocr_client.errors import OCRConnectionError, error_for, parse_retry_after
from ocr_client.models import JobStatus, OCRResult

Reply = httpx.Response | httpx.TransportError
"""What a transport hands back for a request: the response, or the error that stopped it."""


def checked(reply: Reply) -> httpx.Response:
    """The response when it succeeded; raises `OCRConnectionError` or the `APIError` of its
    status otherwise."""
    if isinstance(reply, httpx.TransportError):
        raise connection_error(reply) from reply
    if reply.status_code >= 400:
        raise error_for(reply)
    return reply


def connection_error(error: httpx.TransportError) -> OCRConnectionError:
    # Only a refused connection surely never reached the service: a retry cannot do the
    # work twice.
    retryable = isinstance(error, httpx.ConnectError)
    kind = "timed out" if isinstance(error, httpx.TimeoutException) else "failed"
    return OCRConnectionError(f"Request {kind}: {error!r}", retryable=retryable)


def document(response: httpx.Response, format: Format) -> OCRResult | str | bytes:
    """A read document in `format`: an `OCRResult` from JSON, the PDF's bytes, or text."""
    if format == "json":
        return OCRResult.from_json(response.json())
    if format == "pdf":
        return response.content
    return response.text


def job_status(response: httpx.Response) -> tuple[JobStatus, float | None]:
    """The status body of a job's response, and the Retry-After it came with."""
    status = JobStatus.from_json(response.json())
    return status, parse_retry_after(response.headers.get("Retry-After"))


def languages(response: httpx.Response) -> list[str]:
    """The installed languages of GET /v1/languages: `{"languages": [...], ...}`."""
    return [str(code) for code in response.json()["languages"]]


def health(response: httpx.Response) -> dict[str, Any]:
    body: dict[str, Any] = response.json()
    return body
