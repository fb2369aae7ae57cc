"""Client plumbing the real server cannot be made to show on demand (429, 500, an HTTP-date
Retry-After, waits over the bound), through httpx's mock transport. HTTP only: no OCR here."""

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest
from ocr_client import (
    APIError,
    OCRClient,
    RateLimitedError,
    RetryPolicy,
    ServerError,
    ServiceUnavailableError,
    TimeLimitError,
)
from ocr_client.errors import parse_retry_after

HEALTHY = httpx.Response(200, json={"status": "ok"})


def scripted(*responses: httpx.Response) -> tuple[httpx.MockTransport, list[httpx.Request]]:
    """A transport answering with `responses` in turn, and the list of requests it saw."""
    seen: list[httpx.Request] = []
    queue = list(responses)

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return queue.pop(0) if len(queue) > 1 else queue[0]

    return httpx.MockTransport(handler), seen


def mock(transport: httpx.MockTransport, retry: RetryPolicy | None = None) -> OCRClient:
    return OCRClient("http://ocr.test", "t", transport=transport, retry=retry)


def busy(status: int, retry_after: str) -> httpx.Response:
    return httpx.Response(status, json={"detail": "busy"}, headers={"Retry-After": retry_after})


@pytest.mark.parametrize("status", [429, 503], ids=["429", "503"])
def test_retry_statuses_are_retried_then_succeed(status: int) -> None:
    transport, seen = scripted(busy(status, "0"), busy(status, "0"), HEALTHY)
    with mock(transport) as ocr:
        assert ocr.health() == {"status": "ok"}
    assert len(seen) == 3


@pytest.mark.parametrize(
    ("status", "error"),
    [(429, RateLimitedError), (503, ServiceUnavailableError)],
    ids=["429", "503"],
)
def test_attempts_are_bounded(status: int, error: type[APIError]) -> None:
    transport, seen = scripted(busy(status, "0"))
    with mock(transport, RetryPolicy(3)) as ocr, pytest.raises(error):
        ocr.health()
    assert len(seen) == 3


def test_a_wait_longer_than_allowed_is_not_waited_for() -> None:
    transport, seen = scripted(busy(503, "3600"), HEALTHY)
    with mock(transport) as ocr, pytest.raises(ServiceUnavailableError) as raised:
        ocr.health()
    assert raised.value.retry_after == 3600
    assert len(seen) == 1


def test_total_time_bound_stops_retries() -> None:
    transport, seen = scripted(busy(503, "2"), HEALTHY)
    policy = RetryPolicy(max_attempts=5, max_total_seconds=1.0)
    with mock(transport, policy) as ocr, pytest.raises(ServiceUnavailableError):
        ocr.health()
    assert len(seen) == 1


@pytest.mark.parametrize("status", [500, 502], ids=["500", "502"])
def test_other_server_errors_are_server_errors_and_not_retried(status: int) -> None:
    transport, seen = scripted(httpx.Response(status, text="upstream broke"), HEALTHY)
    with mock(transport) as ocr, pytest.raises(ServerError) as raised:
        ocr.health()
    assert raised.value.status_code == status
    assert raised.value.detail == "upstream broke"
    assert len(seen) == 1


def test_retry_after_as_an_http_date() -> None:
    when = datetime.now(UTC) + timedelta(seconds=30)
    seconds = parse_retry_after(format_datetime(when, usegmt=True))
    assert seconds is not None
    assert 25 <= seconds <= 30


def test_token_is_sent_as_bearer() -> None:
    transport, seen = scripted(HEALTHY)
    with OCRClient("http://ocr.test/", "s3cret", transport=transport) as ocr:
        ocr.health()
    assert seen[0].headers["Authorization"] == "Bearer s3cret"
    assert seen[0].url == "http://ocr.test/v1/health"


def test_a_time_limit_is_its_own_error_and_not_retried() -> None:
    detail = "Recognition did not finish within the time limit (REQUEST_TIMEOUT_SECONDS)."
    transport, seen = scripted(httpx.Response(504, json={"detail": detail}), HEALTHY)
    with mock(transport) as ocr, pytest.raises(TimeLimitError) as raised:
        ocr.health()
    assert raised.value.detail == detail
    assert len(seen) == 1  # the same document would run out of time again
