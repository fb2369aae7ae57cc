"""POST /: the token-protected prediction and its exact contract."""

from io import BytesIO
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from PIL import Image

from tests.conftest import TEST_TOKEN, SettingsFactory, text_image


def predict(client: TestClient, data: bytes, headers: dict[str, str], name: str = "x.png"):
    return client.post("/", files={"file": (name, data, "image/png")}, headers=headers)


def test_the_original_contract(client: TestClient, sample_png: bytes, auth_headers: dict) -> None:
    # What existing clients rely on: the lines of the text, and the text itself. What the
    # samples read is the engine's test (tests/ocr/engines/test_engines.py).
    response = predict(client, sample_png, auth_headers)
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"results", "original"}
    assert body["results"] == [
        line.strip() for line in body["original"].splitlines() if line.strip()
    ]
    assert any("kosher salt" in line for line in body["results"])


def test_an_idle_core_is_offered_for_the_reading(
    client: TestClient, sample_png: bytes, auth_headers: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    runner = client.app.state.runner  # type: ignore[attr-defined]
    offered: list[object] = []
    monkeypatch.setattr(runner, "spare", offered.append)  # None: no core lent, read anyway
    response = predict(client, sample_png, auth_headers)
    assert response.status_code == 200
    assert "chili powder" in response.json()["original"]
    assert len(offered) == 1


def test_contract_is_exact(client: TestClient, sample_png: bytes, auth_headers: dict) -> None:
    body = predict(client, sample_png, auth_headers).json()
    assert set(body) == {"results", "original"}
    assert isinstance(body["original"], str)
    assert body["results"] == [
        line.strip() for line in body["original"].splitlines() if line.strip()
    ]
    assert "" not in body["results"]
    # Reading order: the first ingredient comes before the last one.
    joined = "\n".join(body["results"])
    assert joined.index("chicken") < joined.index("lime")


@pytest.mark.parametrize("scheme", ["Bearer", "bearer", "JWT", "Token"])
def test_any_one_scheme_word_is_accepted(
    client: TestClient, sample_png: bytes, scheme: str
) -> None:
    response = predict(client, sample_png, {"Authorization": f"{scheme} {TEST_TOKEN}"})
    assert response.status_code == 200


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param({}, id="missing"),
        pytest.param({"Authorization": ""}, id="empty"),
        pytest.param({"Authorization": "Bearer"}, id="scheme-only"),
        pytest.param({"Authorization": TEST_TOKEN}, id="token-only"),
        pytest.param({"Authorization": f"Bearer {TEST_TOKEN} extra"}, id="three-words"),
        pytest.param({"Authorization": "Bearer wrong-token"}, id="wrong-token"),
        pytest.param({"Authorization": f"Bearer {TEST_TOKEN}x"}, id="token-prefix"),
        pytest.param({"Authorization": "Bearer \u00e9\u00e8".encode("latin-1")}, id="non-ascii"),
    ],
)
def test_bad_authorization_is_401(client: TestClient, sample_png: bytes, headers: dict) -> None:
    response = predict(client, sample_png, headers)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.headers["content-type"] == "application/json"
    assert response.json()["detail"]


def test_rotated_tokens_are_all_accepted(
    client: TestClient, override_settings: SettingsFactory, sample_png: bytes
) -> None:
    override_settings(app_auth_token="old-token,new-token")
    for token in ("old-token", "new-token"):
        assert predict(client, sample_png, {"Authorization": f"Bearer {token}"}).status_code == 200
    assert predict(client, sample_png, {"Authorization": "Bearer other"}).status_code == 401


def test_debug_skip_auth_needs_no_token(
    client: TestClient, override_settings: SettingsFactory, sample_png: bytes
) -> None:
    override_settings(app_auth_token=None, debug=True, skip_auth=True)
    assert predict(client, sample_png, {}).status_code == 200


def test_missing_file_is_422(client: TestClient, auth_headers: dict) -> None:
    response = client.post("/", headers=auth_headers, data={"other": "x"})
    assert response.status_code == 422
    assert response.json()["detail"]


@pytest.mark.parametrize(
    ("payload", "status"),
    [
        pytest.param(b"just some text, not an image\n", 415, id="text"),
        pytest.param(b"<html><body>hi</body></html>", 415, id="html"),
        pytest.param(b"", 400, id="empty"),
    ],
)
def test_non_images_are_refused(
    client: TestClient, auth_headers: dict, payload: bytes, status: int
) -> None:
    response = predict(client, payload, auth_headers, name="fake.png")
    assert response.status_code == status
    assert response.json()["detail"]


@pytest.mark.parametrize("fmt", ["PNG", "JPEG"])
def test_truncated_image_is_400(client: TestClient, auth_headers: dict, fmt: str) -> None:
    whole = text_image("truncated", fmt=fmt)
    response = predict(client, whole[: len(whole) // 2], auth_headers)
    assert response.status_code == 400
    assert "decoded" in response.json()["detail"]


def test_unsupported_image_format_is_415(client: TestClient, auth_headers: dict) -> None:
    buffer = BytesIO()
    Image.new("RGB", (64, 64), "white").save(buffer, format="ICO")
    response = predict(client, buffer.getvalue(), auth_headers, name="x.ico")
    assert response.status_code == 415


def test_too_many_bytes_is_413(
    client: TestClient, override_settings: SettingsFactory, sample_png: bytes, auth_headers: dict
) -> None:
    override_settings(max_upload_bytes=len(sample_png) - 1)
    response = predict(client, sample_png, auth_headers)
    assert response.status_code == 413
    assert "MAX_UPLOAD_BYTES" in response.json()["detail"]


def test_too_many_pixels_is_413(
    client: TestClient, override_settings: SettingsFactory, sample_png: bytes, auth_headers: dict
) -> None:
    override_settings(max_image_pixels=1000)
    response = predict(client, sample_png, auth_headers)
    assert response.status_code == 413
    assert "MAX_IMAGE_PIXELS" in response.json()["detail"]


def test_exif_orientation_is_honoured(
    client: TestClient, samples_dir: Path, auth_headers: dict
) -> None:
    upright = Image.open(samples_dir / "ingredients-2.png").convert("RGB")
    # Stored sideways, with EXIF saying "rotate 90 degrees clockwise to display" (orientation 6).
    stored = upright.transpose(Image.Transpose.ROTATE_90)
    exif = Image.Exif()
    exif[0x0112] = 6
    buffer = BytesIO()
    stored.save(buffer, format="JPEG", quality=95, exif=exif)
    body = predict(client, buffer.getvalue(), auth_headers).json()
    assert "kosher salt" in body["original"]
