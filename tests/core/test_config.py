"""Settings: the token is required, lists rotate, .env is read, the app refuses to start without."""

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from app.core.config import Settings, get_settings
from app.core.errors import ConfigurationError
from app.main import create_app
from tests.conftest import make_settings


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("APP_AUTH_TOKEN", "DEBUG", "SKIP_AUTH", "ECHO_ACTIVE", "UPLOAD_DIR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # no stray .env
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.mark.usefixtures("clean_env")
def test_missing_token_is_refused_with_a_clear_message() -> None:
    with pytest.raises(ValidationError, match="APP_AUTH_TOKEN is not set"):
        Settings()


@pytest.mark.usefixtures("clean_env")
@pytest.mark.parametrize(
    ("env", "allowed"),
    [
        pytest.param({"DEBUG": "1", "SKIP_AUTH": "1"}, True, id="debug-and-skip-auth"),
        pytest.param({"SKIP_AUTH": "1"}, False, id="skip-auth-alone"),
        pytest.param({"DEBUG": "1"}, False, id="debug-alone"),
    ],
)
def test_skip_auth_needs_debug(monkeypatch: pytest.MonkeyPatch, env: dict, allowed: bool) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    if allowed:
        assert Settings().auth_disabled
    else:
        with pytest.raises(ValidationError):
            Settings()


@pytest.mark.usefixtures("clean_env")
def test_comma_separated_tokens_allow_rotation(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("APP_AUTH_TOKEN", "old-token, new-token ,")
    assert Settings().auth_tokens == ("old-token", "new-token")


@pytest.mark.usefixtures("clean_env")
def test_settings_read_from_dotenv(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(
        "APP_AUTH_TOKEN=from-file\nECHO_ACTIVE=1\nUPLOAD_DIR=/tmp/x\nMAX_UPLOAD_BYTES=1234\n"
    )
    settings = Settings()
    assert settings.auth_tokens == ("from-file",)
    assert settings.echo_active is True
    assert settings.upload_dir == Path("/tmp/x")
    assert settings.max_upload_bytes == 1234


@pytest.mark.usefixtures("clean_env")
def test_environment_overrides_dotenv(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("APP_AUTH_TOKEN=from-file\n")
    monkeypatch.setenv("APP_AUTH_TOKEN", "from-env")
    assert Settings().auth_tokens == ("from-env",)


@pytest.mark.usefixtures("clean_env")
def test_defaults_are_safe(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("APP_AUTH_TOKEN", "t")
    settings = Settings()
    assert settings.echo_active is False
    assert settings.debug is False
    assert settings.auth_disabled is False


def test_defaults_never_throttle_the_main_client(monkeypatch: pytest.MonkeyPatch) -> None:
    # One backend, one token, one address: no budget below what the instance serves, and a
    # wait a client can bear (seconds of queued pages, not one).
    monkeypatch.setenv("APP_AUTH_TOKEN", "t")
    settings = Settings()
    assert settings.rate_limit_per_token == 0
    assert settings.rate_limit_per_address == 0
    assert settings.ocr_max_wait_seconds >= 10


@pytest.mark.usefixtures("clean_env")
def test_app_refuses_to_start_without_token() -> None:
    with (
        pytest.raises(ConfigurationError, match="APP_AUTH_TOKEN is not set"),
        TestClient(create_app()),
    ):
        pass


def test_token_is_not_shown_in_repr() -> None:
    settings = Settings(_env_file=None, app_auth_token="very-secret-value")  # type: ignore[call-arg]
    assert "very-secret-value" not in repr(settings)


@pytest.mark.parametrize(
    ("ocr_threads", "threads", "gap_filler", "spare_threads"),
    [(None, 4, True, 3), (2, 2, False, 0), (4, 4, True, 3)],
    ids=["default-every-cpu", "fewer-threads-leave-cpus", "every-cpu-asked"],
)
def test_the_pool_has_a_thread_per_cpu_and_uses_idle_ones_only_with_every_cpu(
    monkeypatch: pytest.MonkeyPatch,
    ocr_threads: int | None,
    threads: int,
    gap_filler: bool,
    spare_threads: int,
) -> None:
    monkeypatch.setattr("app.main.usable_cpus", lambda: 4)
    app = create_app()
    settings = make_settings(ocr_threads=ocr_threads)
    app.dependency_overrides[get_settings] = lambda: settings
    with TestClient(app):
        assert app.state.runner.threads == threads
        assert app.state.runner.gap_filler is gap_filler
        assert app.state.runner.spare_threads == spare_threads


@pytest.mark.parametrize(
    ("changes", "accurate"),
    [({}, ["eng"]), ({"ocr_second_opinion": False}, [])],
    ids=["larger-models-by-default", "switched-off"],
)
def test_the_larger_models_are_loaded_unless_switched_off(
    changes: dict[str, object], accurate: list[str]
) -> None:
    app = create_app()
    settings = make_settings(**changes)
    app.dependency_overrides[get_settings] = lambda: settings
    with TestClient(app) as client:
        assert app.state.engine.accurate_languages() == accurate
        assert client.get("/v1/languages").json()["accurate"] == accurate


@pytest.mark.usefixtures("clean_env")
@pytest.mark.parametrize(
    ("env", "engine", "binding"),
    [
        ({}, "auto", "tesserocr"),
        ({"OCR_ENGINE": "neural"}, "neural", "tesserocr"),
        ({"OCR_ENGINE": "pytesseract"}, "tesseract", "pytesseract"),
        ({"OCR_ENGINE": "tesserocr"}, "tesseract", "tesserocr"),
        ({"OCR_ENGINE": "auto", "TESSERACT_BINDING": "pytesseract"}, "auto", "pytesseract"),
    ],
)
def test_ocr_engine_names_the_engine_and_its_old_values_the_binding(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], engine: str, binding: str
) -> None:
    monkeypatch.setenv("APP_AUTH_TOKEN", "t")
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    settings = Settings()
    assert (settings.ocr_engine, settings.tesseract_binding) == (engine, binding)


@pytest.mark.usefixtures("clean_env")
def test_an_unknown_engine_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("APP_AUTH_TOKEN", "t")
    monkeypatch.setenv("OCR_ENGINE", "easyocr")
    with pytest.raises(ValidationError, match="ocr_engine"):
        Settings()
