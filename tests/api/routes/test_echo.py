"""POST /img-echo/: validates by decoding, saves under a uuid name, returns the same image."""

import re
from io import BytesIO
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from PIL import Image, ImageChops

from tests.conftest import SettingsFactory, text_image

UUID_NAME = re.compile(r"^[0-9a-f]{32}\.(png|jpg|tif|webp|bmp|gif)$")


@pytest.fixture
def upload_dir(override_settings: SettingsFactory, tmp_path: Path) -> Path:
    directory = tmp_path / "echo-uploads"
    override_settings(echo_active=True, upload_dir=directory)
    return directory


def echo(client: TestClient, data: bytes, name: str = "photo.png", content_type: str = "image/png"):
    return client.post("/img-echo/", files={"file": (name, data, content_type)})


def encoded(fmt: str, mode: str = "RGB") -> bytes:
    image = Image.open(BytesIO(text_image("echo me"))).convert(mode)
    buffer = BytesIO()
    image.save(buffer, format=fmt)
    return buffer.getvalue()


def test_echo_is_off_by_default(client: TestClient, sample_png: bytes) -> None:
    response = echo(client, sample_png)
    assert response.status_code == 404
    assert "ECHO_ACTIVE" in response.json()["detail"]


@pytest.mark.parametrize(
    ("fmt", "media_type", "extension"),
    [
        pytest.param("PNG", "image/png", ".png", id="png"),
        pytest.param("JPEG", "image/jpeg", ".jpg", id="jpeg"),
        pytest.param("TIFF", "image/tiff", ".tif", id="tiff"),
        pytest.param("WEBP", "image/webp", ".webp", id="webp"),
        pytest.param("BMP", "image/bmp", ".bmp", id="bmp"),
        pytest.param("GIF", "image/gif", ".gif", id="gif"),
    ],
)
def test_echo_returns_the_same_pixels_and_saves_by_detected_format(
    client: TestClient, upload_dir: Path, fmt: str, media_type: str, extension: str
) -> None:
    data = encoded(fmt)
    # The client's name and content type lie; the bytes decide.
    response = echo(client, data, name="holiday.exe", content_type="application/octet-stream")
    assert response.status_code == 200
    assert response.headers["content-type"] == media_type
    sent, returned = Image.open(BytesIO(data)), Image.open(BytesIO(response.content))
    assert returned.size == sent.size
    assert ImageChops.difference(sent.convert("RGB"), returned.convert("RGB")).getbbox() is None
    saved = list(upload_dir.iterdir())
    assert len(saved) == 1
    assert UUID_NAME.match(saved[0].name)
    assert saved[0].suffix == extension
    assert saved[0].read_bytes() == data


@pytest.mark.parametrize(
    ("data", "status"),
    [
        pytest.param(b"plain text pretending to be a png", 415, id="text"),
        pytest.param(b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, 400, id="broken-png"),
        pytest.param(b"", 400, id="empty"),
    ],
)
def test_non_images_are_refused_and_not_saved(
    client: TestClient, upload_dir: Path, data: bytes, status: int
) -> None:
    response = echo(client, data)
    assert response.status_code == status
    assert response.json()["detail"]
    assert not upload_dir.exists() or not any(upload_dir.iterdir())


def test_truncated_image_is_refused(client: TestClient, upload_dir: Path) -> None:
    whole = encoded("PNG")
    response = echo(client, whole[: len(whole) // 2])
    assert response.status_code == 400
    assert not upload_dir.exists() or not any(upload_dir.iterdir())
