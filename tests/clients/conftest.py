"""Fixtures of the client's tests: the CLI talking to a fake service."""

import functools

import httpx
import pytest
from ocr_client import AsyncOCRClient, cli

from tests.clients.test_client_plumbing import FakeService


@pytest.fixture
def service(monkeypatch: pytest.MonkeyPatch) -> FakeService:
    """The CLI's client sends its requests to a fake service, which records them."""
    fake = FakeService()
    with_fake = functools.partial(AsyncOCRClient, transport=httpx.MockTransport(fake))
    monkeypatch.setattr(cli, "AsyncOCRClient", with_fake)
    return fake
