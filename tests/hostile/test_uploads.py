"""Hostile files and multipart bodies: each gets a clear JSON 4xx (or 200 when it is an image)."""

import io
import os
import re
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from PIL import Image

from tests.conftest import SettingsFactory, text_image
from tests.helpers.documents import blank_png


def encoded(image: Image.Image, fmt: str, **params: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **params)
    return buffer.getvalue()


def truncated(fmt: str) -> bytes:
    whole = text_image("truncated text", fmt=fmt)
    return whole[: len(whole) * 2 // 3]


def zip_named_png() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("payload.txt", "not an image")
    return buffer.getvalue()


XXE_SVG = (
    b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    b'<svg xmlns="http://www.w3.org/2000/svg"><text x="0" y="20">&xxe;</text></svg>'
)


def many_frames(fmt: str, count: int) -> bytes:
    frames = [Image.new("L", (16, 16), (i * 37) % 256) for i in range(count)]
    if fmt == "GIF":
        frames = [frame.convert("P") for frame in frames]
    return encoded(frames[0], fmt, save_all=True, append_images=frames[1:])


REFUSED = [
    pytest.param(b"", 400, id="empty"),
    pytest.param(truncated("PNG"), 400, id="truncated-png"),
    pytest.param(truncated("JPEG"), 400, id="truncated-jpeg"),
    pytest.param(b"hello, I am text\n" * 20, 415, id="text-as-png"),
    pytest.param(b"<!doctype html><html><body><script>x()</script></body></html>", 415, id="html"),
    pytest.param(zip_named_png(), 415, id="zip"),
    pytest.param(XXE_SVG, 415, id="svg-with-xxe"),
    pytest.param(lambda: blank_png(30000), 413, id="decompression-bomb"),
    pytest.param(lambda: blank_png(10000), 413, id="100-megapixel-blank"),
    pytest.param(os.urandom(300_000), 415, id="random-bytes"),
]


@pytest.mark.parametrize("path", ["/", "/v1/ocr", "/v1/ocr?engine=neural"])
@pytest.mark.parametrize(("data", "status"), REFUSED)
def test_hostile_files_get_clear_json_errors(
    client: TestClient,
    auth_headers: dict,
    path: str,
    data: bytes | Callable[[], bytes],
    status: int,
) -> None:
    body = data() if callable(data) else data
    response = client.post(path, files={"file": ("upload.png", body)}, headers=auth_headers)
    assert response.status_code == status
    assert response.headers["content-type"] == "application/json"
    assert isinstance(response.json()["detail"], str)
    assert response.json()["detail"]


@pytest.mark.slow  # seconds of its own: out of the fast tier
def test_tiff_with_thousands_of_pages(client: TestClient, auth_headers: dict) -> None:
    data = many_frames("TIFF", 3000)
    document = client.post("/v1/ocr", files={"file": ("a.tif", data)}, headers=auth_headers)
    assert document.status_code == 413
    assert "MAX_PAGES" in document.json()["detail"]
    # POST / reads the first page only, as it always did.
    assert client.post("/", files={"file": ("a.tif", data)}, headers=auth_headers).is_success


def test_gif_with_thousands_of_frames_reads_only_the_first(
    client: TestClient, auth_headers: dict
) -> None:
    frames = [Image.open(io.BytesIO(text_image("First frame"))).convert("P")]
    frames += [Image.new("P", frames[0].size, i % 200 + 20) for i in range(2000)]
    data = encoded(frames[0], "GIF", save_all=True, append_images=frames[1:])
    response = client.post("/v1/ocr", files={"file": ("a.gif", data)}, headers=auth_headers)
    assert response.status_code == 200
    assert len(response.json()["pages"]) == 1
    assert "First frame" in response.json()["text"]


def _mode_image(mode: str) -> bytes:
    base = Image.open(io.BytesIO(text_image("Unusual modes work"))).convert("RGB")
    if mode == "I;16":
        return encoded(base.convert("I").point(lambda v: v * 256).convert("I;16"), "PNG")
    fmt = "TIFF" if mode == "CMYK" else ("JPEG" if mode == "CMYK-JPEG" else "PNG")
    return encoded(base.convert(mode.removesuffix("-JPEG")), fmt)


@pytest.mark.parametrize("mode", ["CMYK", "CMYK-JPEG", "I;16", "P", "LA", "1", "RGBA"])
def test_unusual_modes_are_read(client: TestClient, auth_headers: dict, mode: str) -> None:
    response = client.post("/", files={"file": ("a.png", _mode_image(mode))}, headers=auth_headers)
    assert response.status_code == 200
    assert "Unusual modes work" in response.json()["original"]


@pytest.mark.parametrize("mode", ["CMYK", "I;16", "P", "LA", "1", "RGBA"])
def test_unusual_modes_are_read_neurally(client: TestClient, auth_headers: dict, mode: str) -> None:
    response = client.post(
        "/v1/ocr?engine=neural", files={"file": ("a.png", _mode_image(mode))}, headers=auth_headers
    )
    assert response.status_code == 200
    assert {"Unusual", "work"} <= set(response.json()["text"].split())
    assert response.json()["pages"][0]["engine"] == "neural"


@pytest.mark.parametrize(
    "size", [(1, 1), (3, 2000), (2000, 3), (8000, 40)], ids=["pixel", "thin", "flat", "strip"]
)
@pytest.mark.parametrize("engine", ["tesseract", "neural", "auto"])
def test_degenerate_shapes_read_as_little_or_nothing(
    client: TestClient, auth_headers: dict, size: tuple[int, int], engine: str
) -> None:
    image = Image.new("L", size, 255)
    image.paste(0, (0, 0, max(1, size[0] // 2), max(1, size[1] // 2)))  # some ink
    response = client.post(
        f"/v1/ocr?engine={engine}",
        files={"file": ("a.png", encoded(image, "PNG"))},
        headers=auth_headers,
    )
    assert response.status_code == 200, response.text
    assert len(response.json()["pages"]) == 1


def test_random_bytes_over_the_limit_are_413(
    client: TestClient, override_settings: SettingsFactory, auth_headers: dict
) -> None:
    override_settings(max_upload_bytes=1_000_000)
    response = client.post(
        "/", files={"file": ("a.png", os.urandom(3_000_000))}, headers=auth_headers
    )
    assert response.status_code == 413


@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [
        pytest.param(b"--b\r\nnot a header\r\n\r\nbody", "multipart/form-data; boundary=b", 400,
                     id="malformed-multipart"),
        pytest.param(b"whatever", "multipart/form-data", 400, id="missing-boundary"),
        pytest.param(b"file=abc", "application/x-www-form-urlencoded", 422, id="urlencoded"),
        pytest.param(b'{"file": "abc"}', "application/json", 422, id="json-body"),
    ],
)  # fmt: skip
def test_malformed_bodies(
    client: TestClient, auth_headers: dict, body: bytes, content_type: str, status: int
) -> None:
    response = client.post(
        "/", content=body, headers={**auth_headers, "Content-Type": content_type}
    )
    assert response.status_code == status
    assert response.json()["detail"]


def test_two_files_are_refused(client: TestClient, auth_headers: dict) -> None:
    files = [("file", ("a.png", text_image("a"))), ("file", ("b.png", text_image("b")))]
    response = client.post("/", files=files, headers=auth_headers)
    assert response.status_code == 400
    assert "exactly one file" in response.json()["detail"]


def test_wrong_field_name_is_422(client: TestClient, auth_headers: dict) -> None:
    response = client.post("/", files={"image": ("a.png", text_image("a"))}, headers=auth_headers)
    assert response.status_code == 422


def test_a_text_field_instead_of_a_file_is_422(client: TestClient, auth_headers: dict) -> None:
    response = client.post("/", data={"file": "not a file"}, headers=auth_headers)
    assert response.status_code == 422


@pytest.mark.parametrize(
    "name",
    [
        pytest.param("../../../../tmp/escape.png", id="traversal"),
        pytest.param("/abs/path.png", id="absolute"),
        pytest.param("..\\..\\windows.png", id="backslashes"),
        pytest.param("ctl\x01\x7f\t.png", id="control-characters"),
        pytest.param("x" * 4000 + ".png", id="4000-characters"),
    ],
)
def test_echo_saves_stay_inside_upload_dir(
    client: TestClient, override_settings: SettingsFactory, tmp_path: Path, name: str
) -> None:
    upload_dir = tmp_path / "inside"
    override_settings(echo_active=True, upload_dir=upload_dir)
    response = client.post("/img-echo/", files={"file": (name, text_image("x"))})
    assert response.status_code == 200
    saved = [path for path in tmp_path.rglob("*") if path.is_file()]
    assert len(saved) == 1
    assert saved[0].parent == upload_dir
    assert re.fullmatch(r"[0-9a-f]{32}\.png", saved[0].name)  # our name, never the client's


def test_file_name_longer_than_a_part_header_is_a_clear_400(
    client: TestClient, auth_headers: dict
) -> None:
    response = client.post(
        "/", files={"file": ("x" * 10_000 + ".png", text_image("x"))}, headers=auth_headers
    )
    assert response.status_code == 400
    assert response.json()["detail"]
