"""GET /v1/health and /v1/ready: liveness, and readiness that reflects saturation."""

import pytest
from fastapi.testclient import TestClient

from app.concurrency.runner import OcrRunner


def test_health_is_alive(client: TestClient) -> None:
    response = client.get("/v1/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_ready_when_there_is_room(client: TestClient) -> None:
    response = client.get("/v1/ready")
    assert response.status_code == 200
    assert response.json()["status"] == "ready"


def test_not_ready_when_saturated(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(OcrRunner, "saturated", property(lambda self: True))
    response = client.get("/v1/ready")
    assert response.status_code == 503
    assert int(response.headers["retry-after"]) >= 1
    assert response.json()["status"] == "busy"
    assert client.get("/v1/health").status_code == 200  # alive all the same
