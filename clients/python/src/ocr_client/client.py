"""`OCRClient` and `AsyncOCRClient`: one pooled httpx connection set per client, typed results,
an exception per error status and retries that honour Retry-After."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Literal, overload

import httpx

from ocr_client import __version__
from ocr_client.errors import APIError, OCRConnectionError, OCRError, error_for
from ocr_client.models import OCRResult, Prediction
from ocr_client.retry import RetryPolicy

FileInput = str | os.PathLike[str] | bytes | IO[bytes]
TextFormat = Literal["text", "hocr", "alto", "tsv"]
Format = Literal["json", "text", "hocr", "alto", "tsv", "pdf"]
Expect = Literal["json", "text", "bytes"]

DEFAULT_TIMEOUT = 120.0


@dataclass(frozen=True)
class _Call:
    method: str
    path: str
    params: dict[str, str] | None = None
    upload: tuple[str, bytes] | None = None
    expect: Expect = "json"


def read_file(file: FileInput, filename: str | None = None) -> tuple[str, bytes]:
    """(name, bytes) of an upload; read once so that a retry sends the same bytes."""
    if isinstance(file, bytes):
        return filename or "upload", file
    if isinstance(file, (str, os.PathLike)):
        path = Path(file)
        return filename or path.name, path.read_bytes()
    name = filename or Path(str(getattr(file, "name", "upload"))).name
    return name, file.read()


def _ocr_params(
    lang: str | None, psm: int | None, dpi: int | None, pages: str | None, format: str
) -> dict[str, str]:
    params = {"format": format}
    for key, value in (("lang", lang), ("psm", psm), ("dpi", dpi), ("pages", pages)):
        if value is not None:
            params[key] = str(value)
    return params


class _Base:
    def __init__(
        self,
        base_url: str,
        token: str | None = None,
        *,
        timeout: float | httpx.Timeout = DEFAULT_TIMEOUT,
        retry: RetryPolicy | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.retry = retry or RetryPolicy()
        self._timeout = (
            timeout if isinstance(timeout, httpx.Timeout) else httpx.Timeout(timeout, connect=10.0)
        )
        self._headers = {"User-Agent": f"ocr-service-client/{__version__}", **(headers or {})}
        if token:
            self._headers["Authorization"] = f"Bearer {token}"

    def _request_args(self, call: _Call) -> dict[str, Any]:
        args: dict[str, Any] = {"params": call.params}
        if call.upload is not None:
            args["files"] = {"file": call.upload}
        return args

    @staticmethod
    def _result(response: httpx.Response, expect: Expect) -> Any:
        if response.status_code >= 400:
            raise error_for(response)
        if expect == "json":
            return response.json()
        if expect == "text":
            return response.text
        return response.content

    @staticmethod
    def _transport_error(error: httpx.TransportError) -> OCRConnectionError:
        retryable = isinstance(error, httpx.ConnectError)
        kind = "timed out" if isinstance(error, httpx.TimeoutException) else "failed"
        return OCRConnectionError(f"Request {kind}: {error!r}", retryable=retryable)


class OCRClient(_Base):
    """Blocking client. Reuse one instance (it keeps connections open); close it, or use `with`.

    >>> with OCRClient("http://127.0.0.1:8000", token) as ocr:
    ...     print(ocr.predict("scan.png").original)
    """

    def __init__(
        self,
        base_url: str,
        token: str | None = None,
        *,
        timeout: float | httpx.Timeout = DEFAULT_TIMEOUT,
        retry: RetryPolicy | None = None,
        headers: Mapping[str, str] | None = None,
        max_connections: int = 10,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        super().__init__(base_url, token, timeout=timeout, retry=retry, headers=headers)
        self._http = httpx.Client(
            base_url=self.base_url,
            headers=self._headers,
            timeout=self._timeout,
            limits=httpx.Limits(max_connections=max_connections),
            transport=transport,
        )

    def __enter__(self) -> OCRClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def predict(self, file: FileInput, *, filename: str | None = None) -> Prediction:
        """`POST /`: the lines and the full text of one image."""
        call = _Call("POST", "/", upload=read_file(file, filename))
        return Prediction.from_json(self._send(call))

    @overload
    def ocr(
        self,
        file: FileInput,
        *,
        lang: str | None = ...,
        psm: int | None = ...,
        dpi: int | None = ...,
        pages: str | None = ...,
        format: Literal["json"] = ...,
        filename: str | None = ...,
    ) -> OCRResult: ...
    @overload
    def ocr(
        self,
        file: FileInput,
        *,
        lang: str | None = ...,
        psm: int | None = ...,
        dpi: int | None = ...,
        pages: str | None = ...,
        format: TextFormat,
        filename: str | None = ...,
    ) -> str: ...
    @overload
    def ocr(
        self,
        file: FileInput,
        *,
        lang: str | None = ...,
        psm: int | None = ...,
        dpi: int | None = ...,
        pages: str | None = ...,
        format: Literal["pdf"],
        filename: str | None = ...,
    ) -> bytes: ...
    def ocr(
        self,
        file: FileInput,
        *,
        lang: str | None = None,
        psm: int | None = None,
        dpi: int | None = None,
        pages: str | None = None,
        format: Format = "json",
        filename: str | None = None,
    ) -> OCRResult | str | bytes:
        """`POST /v1/ocr`: an image or document. JSON gives an `OCRResult`; text, hOCR, ALTO
        and TSV give a `str`; PDF gives the searchable PDF's bytes."""
        call = _v1_call(read_file(file, filename), lang, psm, dpi, pages, format)
        data = self._send(call)
        return OCRResult.from_json(data) if format == "json" else data

    def languages(self) -> list[str]:
        """`GET /v1/languages`: the installed language codes."""
        return _languages(self._send(_Call("GET", "/v1/languages")))

    def health(self) -> dict[str, Any]:
        """`GET /v1/health`: raises if the service is not answering."""
        health: dict[str, Any] = self._send(_Call("GET", "/v1/health"))
        return health

    def ready(self) -> bool:
        """`GET /v1/ready`: true when the engine is loaded and not saturated (never retried)."""
        try:
            self._send_once(_Call("GET", "/v1/ready"))
        except APIError as error:
            if error.status_code == 503:
                return False
            raise
        return True

    def _send(self, call: _Call) -> Any:
        started = time.monotonic()
        attempt = 1
        while True:
            try:
                return self._send_once(call)
            except OCRError as error:
                wait = self.retry.next_wait(attempt, error, started)
                if wait is None:
                    raise
            time.sleep(wait)
            attempt += 1

    def _send_once(self, call: _Call) -> Any:
        try:
            response = self._http.request(call.method, call.path, **self._request_args(call))
        except httpx.TransportError as error:
            raise self._transport_error(error) from error
        return self._result(response, call.expect)


class AsyncOCRClient(_Base):
    """The same API for asyncio. Reuse one instance; `await client.aclose()` or `async with`."""

    def __init__(
        self,
        base_url: str,
        token: str | None = None,
        *,
        timeout: float | httpx.Timeout = DEFAULT_TIMEOUT,
        retry: RetryPolicy | None = None,
        headers: Mapping[str, str] | None = None,
        max_connections: int = 10,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        super().__init__(base_url, token, timeout=timeout, retry=retry, headers=headers)
        self._http = httpx.AsyncClient(
            base_url=self.base_url,
            headers=self._headers,
            timeout=self._timeout,
            limits=httpx.Limits(max_connections=max_connections),
            transport=transport,
        )

    async def __aenter__(self) -> AsyncOCRClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    async def predict(self, file: FileInput, *, filename: str | None = None) -> Prediction:
        call = _Call("POST", "/", upload=read_file(file, filename))
        return Prediction.from_json(await self._send(call))

    @overload
    async def ocr(
        self,
        file: FileInput,
        *,
        lang: str | None = ...,
        psm: int | None = ...,
        dpi: int | None = ...,
        pages: str | None = ...,
        format: Literal["json"] = ...,
        filename: str | None = ...,
    ) -> OCRResult: ...
    @overload
    async def ocr(
        self,
        file: FileInput,
        *,
        lang: str | None = ...,
        psm: int | None = ...,
        dpi: int | None = ...,
        pages: str | None = ...,
        format: TextFormat,
        filename: str | None = ...,
    ) -> str: ...
    @overload
    async def ocr(
        self,
        file: FileInput,
        *,
        lang: str | None = ...,
        psm: int | None = ...,
        dpi: int | None = ...,
        pages: str | None = ...,
        format: Literal["pdf"],
        filename: str | None = ...,
    ) -> bytes: ...
    async def ocr(
        self,
        file: FileInput,
        *,
        lang: str | None = None,
        psm: int | None = None,
        dpi: int | None = None,
        pages: str | None = None,
        format: Format = "json",
        filename: str | None = None,
    ) -> OCRResult | str | bytes:
        call = _v1_call(read_file(file, filename), lang, psm, dpi, pages, format)
        data = await self._send(call)
        return OCRResult.from_json(data) if format == "json" else data

    async def languages(self) -> list[str]:
        return _languages(await self._send(_Call("GET", "/v1/languages")))

    async def health(self) -> dict[str, Any]:
        health: dict[str, Any] = await self._send(_Call("GET", "/v1/health"))
        return health

    async def ready(self) -> bool:
        try:
            await self._send_once(_Call("GET", "/v1/ready"))
        except APIError as error:
            if error.status_code == 503:
                return False
            raise
        return True

    async def _send(self, call: _Call) -> Any:
        started = time.monotonic()
        attempt = 1
        while True:
            try:
                return await self._send_once(call)
            except OCRError as error:
                wait = self.retry.next_wait(attempt, error, started)
                if wait is None:
                    raise
            await asyncio.sleep(wait)
            attempt += 1

    async def _send_once(self, call: _Call) -> Any:
        try:
            response = await self._http.request(call.method, call.path, **self._request_args(call))
        except httpx.TransportError as error:
            raise self._transport_error(error) from error
        return self._result(response, call.expect)


def _v1_call(
    upload: tuple[str, bytes],
    lang: str | None,
    psm: int | None,
    dpi: int | None,
    pages: str | None,
    format: Format,
) -> _Call:
    expect: Expect = "json" if format == "json" else "bytes" if format == "pdf" else "text"
    params = _ocr_params(lang, psm, dpi, pages, format)
    return _Call("POST", "/v1/ocr", params=params, upload=upload, expect=expect)


def _languages(data: Any) -> list[str]:
    """The installed languages of GET /v1/languages: `{"languages": [...], ...}`."""
    return [str(code) for code in data["languages"]]
