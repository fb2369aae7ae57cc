"""The smoke suite's target: a deployed service when SMOKE_URL is set (`make smoke URL=...
TOKEN=...`), otherwise the local real server, so `make test` exercises the same checks."""

import os
from dataclasses import dataclass

import pytest

from tests.conftest import TEST_TOKEN


@dataclass(frozen=True)
class Target:
    url: str
    token: str
    deployed: bool


@pytest.fixture(scope="session")
def target(request: pytest.FixtureRequest) -> Target:
    url = os.environ.get("SMOKE_URL", "").strip().rstrip("/")
    if url:
        token = os.environ.get("SMOKE_TOKEN", "")
        if not token:
            pytest.fail("SMOKE_URL is set but SMOKE_TOKEN is not: the prediction needs the token")
        return Target(url, token, deployed=True)
    server = request.getfixturevalue("live_server")
    return Target(server.url, TEST_TOKEN, deployed=False)
