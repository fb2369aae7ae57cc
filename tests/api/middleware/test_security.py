"""Secure by default: headers on every response, CORS closed, rate limits, no stored uploads."""

import os
import time
from pathlib import Path

import pytest
import yaml
from fastapi.testclient import TestClient

from app.api.echo_files import remove_older_than
from app.api.middleware.ratelimit import RateLimiter
from app.api.middleware.security import SECURITY_HEADERS
from app.core.errors import RateLimited
from tests.conftest import REPO_ROOT, TEST_TOKEN, SettingsFactory, text_image


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        pytest.param("GET", "/", 200, id="page"),
        pytest.param("GET", "/static/app.js", 200, id="asset"),
        pytest.param("GET", "/v1/health", 200, id="json"),
        pytest.param("POST", "/", 401, id="error"),
        pytest.param("GET", "/nowhere", 404, id="not-found"),
    ],
)
def test_security_headers_on_every_response(
    client: TestClient, method: str, path: str, status: int
) -> None:
    response = client.request(method, path)
    assert response.status_code == status
    for name, value in SECURITY_HEADERS.items():
        assert response.headers[name] == value
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp


def test_headers_also_on_the_early_413(
    client: TestClient, override_settings: SettingsFactory, auth_headers: dict
) -> None:
    override_settings(max_upload_bytes=10)
    response = client.post(
        "/", headers={**auth_headers, "Content-Type": "multipart/form-data; boundary=b"},
        content=b"x" * 50_000,
    )  # fmt: skip
    assert response.status_code == 413
    assert response.headers["x-content-type-options"] == "nosniff"


def test_cors_is_closed_by_default(client: TestClient) -> None:
    preflight = client.options(
        "/v1/ocr",
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
    )
    assert "access-control-allow-origin" not in preflight.headers
    simple = client.get("/v1/health", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in simple.headers


def test_cors_allows_only_listed_origins(
    client: TestClient, override_settings: SettingsFactory
) -> None:
    override_settings(cors_allow_origins="https://app.example, https://admin.example")
    allowed = client.options(
        "/v1/ocr",
        headers={
            "Origin": "https://app.example",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization",
        },
    )
    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == "https://app.example"
    other = client.get("/v1/health", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in other.headers


class TestRateLimiter:
    def test_budget_then_429_with_retry_after(self) -> None:
        now = [0.0]
        limiter = RateLimiter(clock=lambda: now[0])
        for _ in range(3):
            limiter.check("k", per_minute=3)
        with pytest.raises(RateLimited) as refused:
            limiter.check("k", per_minute=3)
        assert refused.value.status_code == 429
        assert refused.value.headers["Retry-After"] == "20"
        now[0] += 20
        limiter.check("k", per_minute=3)  # one request's worth refilled

    def test_keys_are_separate_and_zero_is_off(self) -> None:
        limiter = RateLimiter(clock=lambda: 0.0)
        limiter.check("a", per_minute=1)
        limiter.check("b", per_minute=1)
        for _ in range(100):
            limiter.check("c", per_minute=0)


@pytest.mark.parametrize(
    ("setting", "headers"),
    [
        pytest.param("rate_limit_per_address", {}, id="per-address"),
        pytest.param("rate_limit_per_token", {"Authorization": "Bearer x"}, id="per-token"),
    ],
)
def test_rate_limits_answer_429_with_retry_after(
    client: TestClient, override_settings: SettingsFactory, setting: str, headers: dict
) -> None:
    # A fresh limiter, so earlier tests' requests don't count.
    client.app.state.rate_limiter = RateLimiter()  # type: ignore[attr-defined]
    override_settings(**{setting: 2})
    image = text_image("rate")
    # Per address: every request from this client counts. Per token: every request with it.
    request_headers = headers or {"Authorization": f"Bearer {TEST_TOKEN}"}
    if setting == "rate_limit_per_token":
        override_settings(**{setting: 2}, app_auth_token="x")
    statuses = [
        client.post("/", files={"file": ("a.png", image)}, headers=request_headers).status_code
        for _ in range(3)
    ]
    assert statuses[:2] == [200, 200]
    assert statuses[2] == 429
    limited = client.post("/", files={"file": ("a.png", image)}, headers=request_headers)
    assert limited.status_code == 429
    assert int(limited.headers["retry-after"]) >= 1
    assert "retry" in limited.json()["detail"].lower()
    client.app.state.rate_limiter = RateLimiter()  # type: ignore[attr-defined]


def test_prediction_never_stores_uploads(
    client: TestClient, override_settings: SettingsFactory, tmp_path: Path, sample_png: bytes
) -> None:
    upload_dir = tmp_path / "must-stay-empty"
    override_settings(upload_dir=upload_dir, echo_active=True)
    headers = {"Authorization": f"Bearer {TEST_TOKEN}"}
    assert client.post("/", files={"file": ("a.png", sample_png)}, headers=headers).is_success
    assert client.post("/v1/ocr", files={"file": ("a.png", sample_png)}, headers=headers).is_success
    assert not upload_dir.exists() or not any(upload_dir.iterdir())


def test_old_echo_files_are_deleted(
    client: TestClient, override_settings: SettingsFactory, tmp_path: Path, sample_png: bytes
) -> None:
    upload_dir = tmp_path / "echo"
    upload_dir.mkdir()
    old = upload_dir / "old.png"
    old.write_bytes(b"x")
    past = time.time() - 7200
    os.utime(old, (past, past))
    override_settings(upload_dir=upload_dir, echo_active=True, echo_retention_seconds=3600)
    assert client.post("/img-echo/", files={"file": ("a.png", sample_png)}).status_code == 200
    names = [path.name for path in upload_dir.iterdir()]
    assert "old.png" not in names
    assert len(names) == 1


def test_remove_older_than_keeps_recent_files(tmp_path: Path) -> None:
    (tmp_path / "new.png").write_bytes(b"x")
    assert remove_older_than(tmp_path, 3600) == 0
    assert remove_older_than(tmp_path, 0) == 0
    assert (tmp_path / "new.png").exists()


def test_echo_is_off_in_the_production_template() -> None:
    spec = yaml.safe_load((REPO_ROOT / ".do" / "deploy.template.yaml").read_text())
    envs = {env["key"]: env.get("value") for env in spec["spec"]["services"][0]["envs"]}
    assert envs.get("ECHO_ACTIVE", "0") in ("0", "false", None)
