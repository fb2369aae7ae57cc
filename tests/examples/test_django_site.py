"""The Django example (examples/django_site): its upload view, run with Django's test client,
sends the file to the real service and shows the text."""

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from bench.server import free_port
from tests.conftest import REPO_ROOT, TEST_TOKEN, LiveServer

pytestmark = pytest.mark.e2e

SITE_DIR = REPO_ROOT / "examples" / "django_site"


@pytest.fixture(scope="module")
def django_site() -> Iterator[None]:
    """The example's own settings module, set up once; the test environment for its client."""
    sys.path.insert(0, str(SITE_DIR))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "django_site.settings")
    import django
    from django.test.utils import setup_test_environment, teardown_test_environment

    django.setup()
    from ocr_upload.ocr import close_clients

    setup_test_environment()
    yield
    close_clients()
    teardown_test_environment()
    sys.path.remove(str(SITE_DIR))


def post_image(name: str, data: bytes, url: str, token: str):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import Client, override_settings

    with override_settings(OCR_SERVICE_URL=url, OCR_SERVICE_TOKEN=token):
        return Client().post("/", {"image": SimpleUploadedFile(name, data)})


def test_form_page_renders(django_site: None) -> None:
    from django.test import Client

    response = Client().get("/")
    assert response.status_code == 200
    assert b'enctype="multipart/form-data"' in response.content
    assert b'type="file"' in response.content


def test_upload_shows_the_recognised_text(
    django_site: None, live_server: LiveServer, samples_dir: Path
) -> None:
    data = (samples_dir / "ingredients-2.png").read_bytes()
    response = post_image("ingredients.png", data, live_server.url, TEST_TOKEN)
    assert response.status_code == 200
    page = response.content.decode()
    assert "chili powder" in page
    assert "ground cumin" in page
    lines = response.context["result"].results
    assert f"{len(lines)} lines read" in page


def test_service_explanation_is_shown_on_the_form(
    django_site: None, live_server: LiveServer
) -> None:
    response = post_image("notes.txt", b"plain text, not an image", live_server.url, TEST_TOKEN)
    assert response.status_code == 400
    errors = response.context["form"].errors["image"]
    assert errors
    assert errors[0] in response.content.decode()


@pytest.mark.parametrize(
    ("where", "status"),
    [("wrong-token", 502), ("service-down", 503)],
    ids=["wrong-token", "service-down"],
)
def test_service_problems_become_a_try_again_page(
    django_site: None, live_server: LiveServer, sample_png: bytes, where: str, status: int
) -> None:
    if where == "wrong-token":
        url, token = live_server.url, "not-the-token"
    else:
        url, token = f"http://127.0.0.1:{free_port()}", TEST_TOKEN
    response = post_image("sample.png", sample_png, url, token)
    assert response.status_code == status
    assert b"unavailable right now" in response.content
