"""What a client and a job are, whatever their transport: a client's settings and its methods
declared once (`Lifted`), a job's identity and last status. `OCRClient` and `AsyncOCRClient`
(`Job` and `AsyncJob`) add only how requests are sent and pauses slept."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Generic, TypedDict, TypeVar

import httpx

from ocr_client import __version__, _operations
from ocr_client._lifting import Lifted
from ocr_client.models import JobStatus
from ocr_client.retry import RetryPolicy

J = TypeVar("J")
"""The client's job class."""
TransportT = TypeVar("TransportT")
"""The client's httpx transport class (blocking or async)."""
C = TypeVar("C", bound="ClientCore[Any, Any]")
"""The job's client class."""

DEFAULT_TIMEOUT = 120.0


class HTTPSettings(TypedDict):
    """What `httpx.Client` and `httpx.AsyncClient` are both made with."""

    base_url: str
    headers: dict[str, str]
    timeout: httpx.Timeout
    limits: httpx.Limits


class ClientCore(Generic[J, TransportT]):
    def __init__(
        self,
        base_url: str,
        token: str | None = None,
        *,
        timeout: float | httpx.Timeout = DEFAULT_TIMEOUT,
        retry: RetryPolicy | None = None,
        headers: Mapping[str, str] | None = None,
        max_connections: int = 10,
        transport: TransportT | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.retry = retry or RetryPolicy()
        sent = {"User-Agent": f"ocr-service-client/{__version__}", **(headers or {})}
        if token:
            sent["Authorization"] = f"Bearer {token}"
        if not isinstance(timeout, httpx.Timeout):
            timeout = httpx.Timeout(timeout, connect=10.0)
        limits = httpx.Limits(max_connections=max_connections)
        settings = HTTPSettings(
            base_url=self.base_url, headers=sent, timeout=timeout, limits=limits
        )
        self._connect(settings, transport)

    def _connect(self, settings: HTTPSettings, transport: TransportT | None) -> None:
        """Open the connection pool the transport sends through."""
        raise NotImplementedError

    def _new_job(self, job_id: str, status: JobStatus | None = None) -> J:
        raise NotImplementedError

    def job(self, job_id: str) -> J:
        """The job of that id (submitted earlier, perhaps by another process); no request."""
        return self._new_job(job_id)

    predict = Lifted(_operations.predict)
    extract = Lifted(_operations.extract)
    languages = Lifted(_operations.languages)
    health = Lifted(_operations.health)
    ready = Lifted(_operations.ready)


class JobCore(Generic[C]):
    def __init__(self, client: C, job_id: str, status: JobStatus | None = None) -> None:
        self.client = client
        self.id = job_id
        self.last_status = status
        """The latest status this object has seen (the submission's answer, then each poll)."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.id!r})"

    status = Lifted(_operations.status)
    wait = Lifted(_operations.wait)
    cancel = Lifted(_operations.cancel)
