"""The Django example (examples/django_site): its upload view, run with Django's test client,
sends the file to the real service and shows the text; a document goes as a job, whose page
shows its progress, a Cancel button, and then every page's text."""

import base64
import os
import random
import re
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from io import BytesIO
from pathlib import Path
from typing import TYPE_CHECKING
from wsgiref.simple_server import WSGIRequestHandler, make_server

import pytest
import requests

from bench.documents import COUNTRIES, receipt
from bench.server import free_port
from tests.conftest import REPO_ROOT, TEST_TOKEN, LiveServer, text_image
from tests.helpers.documents import dense_page, scanned_pdf
from tests.helpers.waiting import poll_for

if TYPE_CHECKING:
    from django.http import HttpResponse
    from django.test import Client

pytestmark = pytest.mark.e2e

SITE_DIR = REPO_ROOT / "examples" / "django_site"


@pytest.fixture(scope="module")
def django_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The example's own settings module, set up once; the test environment for its client."""
    os.environ["OCR_EXAMPLE_DB"] = str(tmp_path_factory.mktemp("django") / "db.sqlite3")
    sys.path.insert(0, str(SITE_DIR))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "django_site.settings")
    import django
    from django.test.utils import setup_test_environment, teardown_test_environment

    django.setup()
    from django.core.management import call_command
    from ocr_upload.ocr import close_clients

    call_command("migrate", verbosity=0)  # the receipts table, in the test's own SQLite file

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


def test_the_reader_chosen_on_the_form_reads_the_upload(
    django_site: None, live_server: LiveServer
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import Client, override_settings

    page = text_image("Invoice 2041 for the garden works")
    with override_settings(OCR_SERVICE_URL=live_server.url, OCR_SERVICE_TOKEN=TEST_TOKEN):
        form = Client().get("/").content.decode()
        assert 'name="reader"' in form
        assert 'value="neural"' in form
        response = Client().post(
            "/", {"image": SimpleUploadedFile("page.png", page), "reader": "neural"}
        )
        wrong = Client().post("/", {"image": SimpleUploadedFile("p.png", page), "reader": "x"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "garden works" in html
    assert "Read by neural." in html
    assert wrong.status_code == 400
    assert "reader" in wrong.context["form"].errors


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


# --- documents: sent as jobs, with a page that shows their progress until the text is there.

AUTH = {"Authorization": f"Bearer {TEST_TOKEN}"}
SECRET = "whsec_" + base64.b64encode(b"0123456789abcdef0123456789abcdef").decode()


@contextmanager
def service(url: str, token: str = TEST_TOKEN, **more: object) -> Iterator[None]:
    """The example's settings pointed at a service, for every request of a flow."""
    from django.test import override_settings

    with override_settings(OCR_SERVICE_URL=url, OCR_SERVICE_TOKEN=token, **more):
        yield


def submit(browser: "Client", name: str, data: bytes) -> str:
    """Upload through the form; the URL of the job page it redirects to."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = browser.post("/", {"image": SimpleUploadedFile(name, data)})
    assert response.status_code == 302, response.content.decode()
    location: str = response["Location"]
    assert re.fullmatch(r"/jobs/j_[\w-]+/", location), location
    return location


def job_id_of(job_url: str) -> str:
    return job_url.strip("/").split("/")[-1]


def until_finished(browser: "Client", job_url: str) -> "HttpResponse":
    """The job page once it no longer reloads itself: the job has ended."""

    def finished() -> "HttpResponse | None":
        page = browser.get(job_url)
        assert page.status_code == 200, page.content.decode()
        return None if b'http-equiv="refresh"' in page.content else page

    return poll_for(finished, 120, interval=0.25)


def service_status(server: LiveServer, job_id: str) -> dict:
    response = requests.get(f"{server.url}/v1/jobs/{job_id}", headers=AUTH, timeout=10)
    assert response.status_code == 200, response.text
    status: dict = response.json()
    return status


def test_a_pdf_goes_as_a_job_and_its_page_ends_with_every_pages_text(
    django_site: None, live_server: LiveServer
) -> None:
    from django.test import Client

    pages = [text_image("Alpha page says hello"), text_image("Beta page says goodbye")]
    browser = Client()
    # Every upload written to a temporary file, as Django does with large ones: the client
    # then streams it from disk.
    with service(live_server.url, FILE_UPLOAD_MAX_MEMORY_SIZE=0):
        job_url = submit(browser, "report", scanned_pdf(pages, dpi=150))  # told by its bytes
        page = until_finished(browser, job_url)
    html = page.content.decode()
    assert "2 pages." in html
    first, second = html.index("Alpha page says hello"), html.index("Beta page says goodbye")
    assert html.index("Page 1") < first < html.index("Page 2") < second
    status = service_status(live_server, job_id_of(job_url))
    assert (status["status"], status["pages_total"], status["pages_done"]) == ("succeeded", 2, 2)


def test_the_job_page_shows_progress_and_cancel_cancels(
    django_site: None, live_server: LiveServer
) -> None:
    from django.test import Client

    book = scanned_pdf([dense_page(number) for number in range(1, 9)])
    browser = Client()
    with service(live_server.url):
        job_url = submit(browser, "book.pdf", book)
        page = browser.get(job_url)
        html = page.content.decode()
        assert page.status_code == 200
        assert '<meta http-equiv="refresh" content="2">' in html
        assert re.search(r"Reading page [1-8] of 8", html), html
        assert re.search(r'<progress id="progress" value="[0-7]" max="8"', html), html
        # Another visitor's session neither sees nor cancels it.
        assert Client().get(job_url).status_code == 404
        assert Client().post(job_url + "cancel/").status_code == 404
        canceled = browser.post(job_url + "cancel/")
        assert canceled.status_code == 302
        assert canceled["Location"] == job_url
        page = browser.get(job_url)
    assert b"Canceled" in page.content
    assert b'http-equiv="refresh"' not in page.content
    status = service_status(live_server, job_id_of(job_url))
    assert status["status"] == "canceled"
    assert status["pages_done"] < 8


def test_a_large_image_goes_as_a_job(
    django_site: None, live_server: LiveServer, sample_png: bytes
) -> None:
    from django.test import Client

    browser = Client()
    with service(live_server.url, OCR_JOB_MIN_BYTES=len(sample_png)):
        page = until_finished(browser, submit(browser, "ingredients.png", sample_png))
    assert b"chili powder" in page.content
    assert b"1 page." in page.content


@pytest.fixture
def django_over_http(django_site: None) -> Iterator[str]:
    """The example site served over HTTP on a free port (for the service's callbacks)."""
    from django.core.handlers.wsgi import WSGIHandler

    class Quiet(WSGIRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

    server = make_server("127.0.0.1", free_port(), WSGIHandler(), handler_class=Quiet)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


def test_the_services_callback_ends_the_wait(start_server, django_over_http: str) -> None:
    from django.test import Client
    from ocr_upload.jobs import finished_status

    server = start_server(CALLBACK_SECRET=SECRET, CALLBACK_ALLOW_PRIVATE="1")
    browser = Client()
    callbacks = {
        "OCR_CALLBACK_URL": f"{django_over_http}/ocr-callback/",
        "OCR_CALLBACK_SECRET": SECRET,
    }
    with service(server.url, **callbacks):
        job_url = submit(browser, "letter.pdf", scanned_pdf([text_image("Dear reader")], dpi=150))
        job_id = job_id_of(job_url)
        assert poll_for(lambda: finished_status(job_id), 60) == "succeeded"
        page = browser.get(job_url)
    assert page.status_code == 200
    assert b"Dear reader" in page.content
    assert page.context["status"] is None  # the service was not asked how the job went


def test_a_callback_not_signed_with_the_secret_is_refused(django_site: None) -> None:
    from django.test import Client
    from ocr_upload.jobs import finished_status

    from app.jobs.callbacks import finished_payload, signed_headers

    links = {"self": "/v1/jobs/j_forged", "result": "/v1/jobs/j_forged/result"}
    body = finished_payload("j_forged", "succeeded", links, int(time.time()))
    genuine = signed_headers(SECRET, "msg_1", int(time.time()), body)
    other_secret = "whsec_" + base64.b64encode(b"another key, not the site's").decode()
    forged = signed_headers(other_secret, "msg_1", int(time.time()), body)
    tampered = body.replace(b"j_forged", b"j_other0")
    settings = {"OCR_CALLBACK_URL": "http://site/ocr-callback/", "OCR_CALLBACK_SECRET": SECRET}

    def post(data: bytes, headers: dict[str, str], **more: object) -> int:
        with service("http://127.0.0.1:9", **{**settings, **more}):
            response = Client().post(
                "/ocr-callback/", data=data, content_type="application/json", headers=headers
            )
        return response.status_code

    assert post(body, forged) == 400
    assert post(tampered, genuine) == 400
    assert post(body, {**genuine, "webhook-signature": "v1"}) == 400  # malformed
    assert post(body, {}) == 400
    assert post(body, genuine, OCR_CALLBACK_SECRET="") == 404  # callbacks not set up
    assert finished_status("j_forged") is None
    assert finished_status("j_other0") is None
    assert post(body, genuine) == 204
    assert finished_status("j_forged") == "succeeded"


def test_a_receipt_is_stored_with_its_total_and_date(
    django_site: None, live_server: LiveServer
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import Client, override_settings
    from ocr_upload.models import Receipt

    document = receipt(random.Random(11), COUNTRIES[0], "DejaVuSansMono.ttf", "clean", "r")
    buffer = BytesIO()
    document.image.save(buffer, format="PNG")
    with override_settings(OCR_SERVICE_URL=live_server.url, OCR_SERVICE_TOKEN=TEST_TOKEN):
        response = Client().post(
            "/receipts/", {"receipt": SimpleUploadedFile("r.png", buffer.getvalue())}
        )
        assert response.status_code == 302
        page = Client().get("/receipts/").content.decode()
    stored = Receipt.objects.get()
    assert str(stored.total) == document.fields["total"]
    assert stored.date.isoformat() == document.fields["transaction_date"]
    assert (stored.currency, stored.consistent) == ("USD", True)
    assert stored.merchant == document.fields["merchant_name"]
    assert document.fields["transaction_date"] in page
    assert document.fields["total"] in page


def test_a_file_that_is_no_image_is_explained_on_the_receipts_form(
    django_site: None, live_server: LiveServer
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import Client, override_settings

    with override_settings(OCR_SERVICE_URL=live_server.url, OCR_SERVICE_TOKEN=TEST_TOKEN):
        response = Client().post(
            "/receipts/", {"receipt": SimpleUploadedFile("r.txt", b"not an image")}
        )
    assert response.status_code == 400
    assert response.context["form"].errors["receipt"]
