"""The body size limit: refused from Content-Length, or as soon as the streamed bytes pass it."""

from collections.abc import Iterator

from fastapi.testclient import TestClient

from tests.conftest import SettingsFactory


def test_declared_length_over_the_limit_is_413(
    client: TestClient, override_settings: SettingsFactory, auth_headers: dict
) -> None:
    override_settings(max_upload_bytes=1000)
    response = client.post(
        "/",
        headers={**auth_headers, "Content-Type": "multipart/form-data; boundary=b"},
        content=b"x" * 100_000,
    )
    assert response.status_code == 413
    assert "MAX_UPLOAD_BYTES" in response.json()["detail"]


def test_streamed_body_is_cut_off_at_the_limit(
    client: TestClient, override_settings: SettingsFactory, auth_headers: dict
) -> None:
    override_settings(max_upload_bytes=1000)

    def body() -> Iterator[bytes]:  # chunked: no Content-Length to go by
        yield b'--b\r\nContent-Disposition: form-data; name="file"; filename="a.png"\r\n\r\n'
        for _ in range(1000):
            yield b"\0" * 4096

    response = client.post(
        "/",
        headers={**auth_headers, "Content-Type": "multipart/form-data; boundary=b"},
        content=body(),
    )
    assert response.status_code == 413
    assert "MAX_UPLOAD_BYTES" in response.json()["detail"]
    # How soon reading stops is proven over a real socket in tests/test_server.py.


def test_small_bodies_pass(client: TestClient, sample_png: bytes, auth_headers: dict) -> None:
    response = client.post("/", headers=auth_headers, files={"file": ("a.png", sample_png)})
    assert response.status_code == 200
