"""/v1/jobs in-process: submit, progress, results like /v1/ocr's, limits, cancel, expiry."""

import io
import json
import random
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.api.routes.v1 import jobs as jobs_routes
from app.core.config import get_settings
from app.main import create_app
from bench.documents import COUNTRIES, invoice
from tests.conftest import make_settings, text_image
from tests.helpers.documents import dense_page, scanned_pdf
from tests.helpers.waiting import poll, poll_for

AUTH = {"Authorization": "Bearer test-token"}
PAGES = [text_image(f"Page {n} says hello\nand the quick brown fox {n}") for n in (1, 2, 3)]


@pytest.fixture(scope="module")
def document() -> bytes:
    return scanned_pdf(PAGES)


@contextmanager
def jobs_client(tmp_path: Path, **changes: object) -> Iterator[TestClient]:
    """An app of its own, started with `changes` (the jobs backend is built at start)."""
    settings = make_settings(data_dir=tmp_path / "data", **changes)
    app = create_app()
    app.dependency_overrides[get_settings] = lambda: settings
    with TestClient(app) as client:
        yield client


def submit(client: TestClient, data: bytes, *, headers: dict[str, str] | None = None,
           **params: str) -> dict:  # fmt: skip
    response = client.post(
        "/v1/jobs", params=params, files={"file": ("doc.pdf", data)}, headers=headers or AUTH
    )
    assert response.status_code == 202, response.text
    return response.json()


def finished(client: TestClient, job_id: str, headers: dict[str, str] = AUTH) -> dict:
    def status() -> dict | None:
        body = client.get(f"/v1/jobs/{job_id}", headers=headers).json()
        return body if body["status"] in ("succeeded", "failed", "canceled") else None

    return poll_for(status, 120)


def test_a_job_reads_every_page_like_v1_ocr(client: TestClient, document: bytes) -> None:
    response = client.post("/v1/jobs", files={"file": ("doc.pdf", document)}, headers=AUTH)
    assert response.status_code == 202
    body = response.json()
    assert response.headers["location"] == f"/v1/jobs/{body['id']}"
    assert int(response.headers["retry-after"]) >= 1
    assert body["status"] in ("queued", "running")
    assert body["pages_total"] == 3
    assert body["error"] is None
    assert body["links"]["result"] == f"/v1/jobs/{body['id']}/result"

    done = finished(client, body["id"])
    assert done["status"] == "succeeded"
    assert (done["pages_done"], done["pages_failed"]) == (3, 0)
    assert done["finished_at"]
    assert done["started_at"]
    assert done["expires_at"]
    status = client.get(f"/v1/jobs/{body['id']}", headers=AUTH)
    assert "retry-after" not in status.headers

    result = client.get(f"/v1/jobs/{body['id']}/result", headers=AUTH)
    assert result.headers["content-type"] == "application/json"
    direct = client.post("/v1/ocr", files={"file": ("doc.pdf", document)}, headers=AUTH).json()
    job_result = result.json()
    assert job_result["pages"] == direct["pages"]
    assert job_result["text"] == direct["text"]
    assert "Page 2 says hello" in job_result["text"]
    assert job_result["lang"] == "eng"
    assert set(job_result["timings_ms"]) == {"queue", "ocr", "total"}

    text = client.get(f"/v1/jobs/{body['id']}/result", params={"format": "text"}, headers=AUTH)
    direct_text = client.post(
        "/v1/ocr", params={"format": "text"}, files={"file": ("d.pdf", document)}, headers=AUTH
    )
    assert text.text == direct_text.text
    assert text.headers["content-type"] == direct_text.headers["content-type"]


@pytest.mark.parametrize("fmt", ["hocr", "alto", "tsv"])
def test_renderer_formats_equal_v1_ocrs(client: TestClient, document: bytes, fmt: str) -> None:
    job = submit(client, document, formats=fmt)
    assert job["formats"] == ["json", "text", "markdown", "extract", fmt]
    assert finished(client, job["id"])["status"] == "succeeded"
    result = client.get(f"/v1/jobs/{job['id']}/result", params={"format": fmt}, headers=AUTH)
    direct = client.post(
        "/v1/ocr", params={"format": fmt}, files={"file": ("d.pdf", document)}, headers=AUTH
    )
    assert result.status_code == 200
    assert result.headers["content-type"] == direct.headers["content-type"]
    assert result.content == direct.content


def test_a_pdf_result_holds_every_page_and_its_text(client: TestClient, document: bytes) -> None:
    job = submit(client, document, formats="pdf")
    finished(client, job["id"])
    result = client.get(f"/v1/jobs/{job['id']}/result", params={"format": "pdf"}, headers=AUTH)
    assert result.headers["content-type"] == "application/pdf"
    pdf = pdfium.PdfDocument(result.content)
    assert len(pdf) == 3
    for number in (1, 2, 3):
        page_text = pdf[number - 1].get_textpage().get_text_range()
        assert f"Page {number}" in page_text


def test_a_format_not_asked_for_is_refused_by_name(client: TestClient, document: bytes) -> None:
    job = submit(client, document)
    finished(client, job["id"])
    result = client.get(f"/v1/jobs/{job['id']}/result", params={"format": "hocr"}, headers=AUTH)
    assert result.status_code == 422
    assert "formats=hocr" in result.json()["detail"]
    bad = client.post(
        "/v1/jobs", params={"formats": "docx"}, files={"file": ("d.pdf", document)}, headers=AUTH
    )
    assert bad.status_code == 422
    assert "docx" in bad.json()["detail"]


def test_a_job_belongs_to_its_token(client: TestClient, override_settings, document: bytes) -> None:
    override_settings(app_auth_token="test-token,other-token")
    job = submit(client, document)
    other = {"Authorization": "Bearer other-token"}
    for path in (f"/v1/jobs/{job['id']}", f"/v1/jobs/{job['id']}/result"):
        response = client.get(path, headers=other)
        assert response.status_code == 404, path
    assert client.delete(f"/v1/jobs/{job['id']}", headers=other).status_code == 404
    assert client.get(f"/v1/jobs/{job['id']}", headers=AUTH).status_code == 200
    assert client.get(f"/v1/jobs/{job['id']}").status_code == 401


def test_the_same_idempotency_key_returns_the_same_job(client: TestClient, document: bytes) -> None:
    key = {**AUTH, "Idempotency-Key": "order-4711"}
    first = submit(client, document, headers=key)
    second = submit(client, document, headers=key)
    assert second["id"] == first["id"]
    third = submit(client, document, headers={**AUTH, "Idempotency-Key": "order-4712"})
    assert third["id"] != first["id"]
    other_file = client.post("/v1/jobs", files={"file": ("d.png", PAGES[0])}, headers=key)
    assert other_file.status_code == 422
    assert "Idempotency-Key" in other_file.json()["detail"]


def test_while_nothing_reads_the_job_waits_and_its_result_is_409(
    tmp_path: Path, document: bytes
) -> None:
    with jobs_client(tmp_path, jobs_threads=0) as client:
        job = submit(client, document)
        status = client.get(f"/v1/jobs/{job['id']}", headers=AUTH)
        assert status.json()["status"] == "queued"
        assert int(status.headers["retry-after"]) >= 1
        result = client.get(f"/v1/jobs/{job['id']}/result", headers=AUTH)
        assert result.status_code == 409
        assert "queued" in result.json()["detail"]
        assert int(result.headers["retry-after"]) >= 1


def test_cancel_deletes_the_files_and_no_page_is_read(tmp_path: Path, document: bytes) -> None:
    with jobs_client(tmp_path, jobs_threads=0) as client:
        job = submit(client, document)
        folder = tmp_path / "data" / "jobs" / job["id"]
        assert (folder / "document").is_file()
        canceled = client.delete(f"/v1/jobs/{job['id']}", headers=AUTH)
        assert canceled.status_code == 200
        assert canceled.json()["status"] == "canceled"
        assert not folder.exists()
        assert client.get(f"/v1/jobs/{job['id']}", headers=AUTH).json()["status"] == "canceled"
        result = client.get(f"/v1/jobs/{job['id']}/result", headers=AUTH)
        assert result.status_code == 409
        assert "canceled" in result.json()["detail"]


def _pages(database: Path, job_id: str) -> list[tuple[int, str, int]]:
    with sqlite3.connect(database) as db:
        return db.execute(
            "SELECT number, state, attempts FROM pages WHERE job_id = ? ORDER BY number", (job_id,)
        ).fetchall()


def test_a_running_job_canceled_reads_no_page_more(tmp_path: Path) -> None:
    database = tmp_path / "data" / "jobs.sqlite3"
    with jobs_client(tmp_path, jobs_threads=1) as client:
        job = submit(client, scanned_pdf([dense_page(n, lines=25) for n in range(1, 7)]))
        poll_for(lambda: True if any(a for _, _, a in _pages(database, job["id"])) else None, 60)
        assert client.delete(f"/v1/jobs/{job['id']}", headers=AUTH).status_code == 200
        started = {number for number, _, attempts in _pages(database, job["id"]) if attempts}
        # The page in hand lets go (its reading stops, or ends and is thrown away).
        poll_for(
            lambda: (
                True
                if all(state != "running" for _, state, _ in _pages(database, job["id"]))
                else None
            ),
            60,
        )
        assert len(started) < 6
        read = {number for number, _, attempts in _pages(database, job["id"]) if attempts}
        assert read <= started
        assert not (tmp_path / "data" / "jobs" / job["id"]).exists()
        status = client.get(f"/v1/jobs/{job['id']}", headers=AUTH).json()
        assert status["status"] == "canceled"


def test_limits_are_refused_naming_their_setting(tmp_path: Path, document: bytes) -> None:
    with jobs_client(
        tmp_path, jobs_threads=0, jobs_max_bytes=len(document) - 1, jobs_max_unfinished=1
    ) as client:
        too_big = client.post("/v1/jobs", files={"file": ("d.pdf", document)}, headers=AUTH)
        assert too_big.status_code == 413
        assert "JOBS_MAX_BYTES" in too_big.json()["detail"]
        submit(client, PAGES[0])
        too_many = client.post("/v1/jobs", files={"file": ("d.png", PAGES[0])}, headers=AUTH)
        assert too_many.status_code == 429
        assert "JOBS_MAX_UNFINISHED" in too_many.json()["detail"]
        assert int(too_many.headers["retry-after"]) >= 1
    with jobs_client(tmp_path, jobs_threads=0, jobs_max_pages=2) as client:
        pages = client.post("/v1/jobs", files={"file": ("d.pdf", document)}, headers=AUTH)
        assert pages.status_code == 413
        assert "JOBS_MAX_PAGES" in pages.json()["detail"]
        selected = submit(client, document, pages="2-3")
        assert selected["pages_total"] == 2
    # More than /v1/ocr takes: a job has its own byte limit.
    with jobs_client(tmp_path, jobs_threads=0, max_upload_bytes=len(document) - 1) as client:
        assert submit(client, document)["pages_total"] == 3


def test_what_cannot_be_a_job_is_refused_at_once(client: TestClient) -> None:
    not_a_document = client.post(
        "/v1/jobs", files={"file": ("x.pdf", b"%PDF-1.4 garbage")}, headers=AUTH
    )
    assert not_a_document.status_code == 400
    empty = client.post("/v1/jobs", files={"file": ("x.pdf", b"")}, headers=AUTH)
    assert empty.status_code == 400
    no_file = client.post("/v1/jobs", data={"other": "x"}, headers=AUTH)
    assert no_file.status_code == 400
    assert "`file`" in no_file.json()["detail"]
    not_multipart = client.post("/v1/jobs", content=b"raw", headers=AUTH)
    assert not_multipart.status_code == 400
    unknown_lang = client.post(
        "/v1/jobs", params={"lang": "xyz"}, files={"file": ("d.png", PAGES[0])}, headers=AUTH
    )
    assert unknown_lang.status_code == 400
    missing = client.get("/v1/jobs/j_nope", headers=AUTH)
    assert missing.status_code == 404


def test_an_unreadable_page_is_reported_and_the_rest_is_read(client: TestClient) -> None:
    # A page too large to render (200 x 200 inches at 300 dpi) between two ordinary ones.
    pdf = pdfium.PdfDocument(scanned_pdf(PAGES[:2]))
    pdf.new_page(14400, 14400, index=1)
    buffer = io.BytesIO()
    pdf.save(buffer)
    job = submit(client, buffer.getvalue())
    done = finished(client, job["id"])
    assert done["status"] == "succeeded"
    assert (done["pages_done"], done["pages_failed"]) == (3, 1)
    pages = client.get(f"/v1/jobs/{job['id']}/result", headers=AUTH).json()["pages"]
    failed = [page for page in pages if page["error"]]
    assert len(failed) == 1
    assert "MAX_IMAGE_PIXELS" in failed[0]["error"]["detail"]
    assert failed[0]["lines"] == []
    read = [page for page in pages if not page["error"]]
    assert len(read) == 2
    assert all("says hello" in page["text"] for page in read)


def test_expired_results_are_gone_and_their_files_deleted(tmp_path: Path) -> None:
    with jobs_client(tmp_path, jobs_retention_seconds=1) as client:
        job = submit(client, PAGES[0])
        finished(client, job["id"])
        folder = tmp_path / "data" / "jobs" / job["id"]
        assert folder.exists()
        assert poll(
            lambda: client.get(f"/v1/jobs/{job['id']}/result", headers=AUTH).status_code == 410,
            10,
        )
        app = client.app
        assert isinstance(app, FastAPI)
        app.state.jobs.sweep()
        assert not folder.exists()


def test_the_status_names_every_field_of_the_contract(client: TestClient) -> None:
    job = submit(client, PAGES[0])
    assert set(job) == {
        "id", "status", "pages_total", "pages_done", "pages_failed", "error", "created_at",
        "started_at", "finished_at", "expires_at", "formats", "links",
    }  # fmt: skip
    assert json.loads(json.dumps(job))["created_at"].endswith("Z")


def test_a_page_past_its_own_time_limit_fails_alone(tmp_path: Path) -> None:
    with jobs_client(tmp_path, jobs_page_timeout_seconds=0.05) as client:
        job = submit(client, scanned_pdf([dense_page(1)]))
        done = finished(client, job["id"])
        assert done["status"] == "succeeded"
        assert done["pages_failed"] == 1
        (page,) = client.get(f"/v1/jobs/{job['id']}/result", headers=AUTH).json()["pages"]
        assert "JOBS_PAGE_TIMEOUT_SECONDS" in page["error"]["detail"]


@pytest.mark.slow
def test_a_long_receipt_document_is_extracted_from_its_job(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A scanned PDF of an invoice's pages as a job: format=extract gives what /v1/extract
    gives, and format=markdown what /v1/ocr gives, for the whole document."""
    document = invoice(random.Random(5), COUNTRIES[1], "DejaVuSans.ttf", "clean", "i")
    buffer = io.BytesIO()
    document.image.convert("RGB").save(buffer, format="PNG")
    pdf = scanned_pdf([buffer.getvalue(), PAGES[0]], dpi=150)
    job = submit(client, pdf)
    assert finished(client, job["id"])["status"] == "succeeded"
    response = client.get(
        f"/v1/jobs/{job['id']}/result", params={"format": "extract"}, headers=AUTH
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["kind"] == "invoice"
    values = {name: found["value"] for name, found in body["fields"].items()}
    for name in ("total", "due_date", "customer_name", "document_number"):
        assert values.get(name) == document.fields[name], name
    assert [page["number"] for page in body["pages"]] == [1, 2]
    assert body["fields"]["total"]["page"] == 1
    as_receipt = client.get(
        f"/v1/jobs/{job['id']}/result",
        params={"format": "extract", "kind": "receipt"},
        headers=AUTH,
    )
    assert as_receipt.json()["kind"] == "receipt"
    markdown = client.get(
        f"/v1/jobs/{job['id']}/result", params={"format": "markdown"}, headers=AUTH
    )
    assert markdown.headers["content-type"].startswith("text/markdown")
    assert "| Description | Qty | Unit Price | Amount |" in markdown.text
    assert "Page 1 says hello" in markdown.text  # the second page follows the first
    # Extraction holds all the document's pages at once: a longer one is refused by name.
    monkeypatch.setattr(jobs_routes, "EXTRACT_MAX_PAGES", 1)
    refused = client.get(f"/v1/jobs/{job['id']}/result", params={"format": "extract"}, headers=AUTH)
    assert refused.status_code == 422
    assert "at most 1 pages" in refused.json()["detail"]
