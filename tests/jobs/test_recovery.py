"""A job accepted is never lost: kill -9 of the whole service mid-job, then a restart."""

import os
import signal
import sqlite3
from pathlib import Path

import requests

from tests.conftest import TEST_TOKEN
from tests.helpers.documents import dense_page, scanned_pdf
from tests.helpers.waiting import poll_for

AUTH = {"Authorization": f"Bearer {TEST_TOKEN}"}
PAGES = 8


def _status(url: str, job_id: str) -> dict:
    response = requests.get(f"{url}/v1/jobs/{job_id}", headers=AUTH, timeout=10)
    assert response.status_code == 200, response.text
    return response.json()


def _stored_pages(folder: Path) -> dict[str, tuple[int, int]]:
    """Each stored page result's identity: its inode and when it was written."""
    return {
        path.name: (path.stat().st_ino, path.stat().st_mtime_ns)
        for path in folder.glob("page-*.json")
    }


def test_a_killed_service_finishes_the_job_without_reading_a_page_twice(
    start_server, tmp_path: Path
) -> None:
    data_dir = tmp_path / "data"
    document = scanned_pdf([dense_page(number, lines=20) for number in range(1, PAGES + 1)])
    server = start_server(DATA_DIR=str(data_dir))
    response = requests.post(
        f"{server.url}/v1/jobs", files={"file": ("book.pdf", document)}, headers=AUTH, timeout=60
    )
    assert response.status_code == 202
    job_id = response.json()["id"]
    folder = data_dir / "jobs" / job_id

    poll_for(lambda: True if _status(server.url, job_id)["pages_done"] >= 2 else None, 120)
    assert server.process is not None
    os.killpg(server.process.pid, signal.SIGKILL)  # master and workers, no goodbye
    server.process.wait(10)
    before = _stored_pages(folder)
    assert 2 <= len(before) < PAGES, "the kill must land in the middle of the job"

    restarted = start_server(DATA_DIR=str(data_dir))

    def finished() -> dict | None:
        status = _status(restarted.url, job_id)
        return status if status["status"] not in ("queued", "running") else None

    done = poll_for(finished, 180)
    assert done["status"] == "succeeded"
    assert (done["pages_done"], done["pages_failed"]) == (PAGES, 0)
    after = _stored_pages(folder)
    assert len(after) == PAGES
    for name, identity in before.items():
        assert after[name] == identity, f"{name} was read again"
    with sqlite3.connect(data_dir / "jobs.sqlite3") as db:
        attempts = dict(
            db.execute("SELECT number, attempts FROM pages WHERE job_id = ?", (job_id,))
        )
    for name in before:
        assert attempts[int(name.split("-")[1].split(".")[0])] == 1

    result = requests.get(f"{restarted.url}/v1/jobs/{job_id}/result", headers=AUTH, timeout=30)
    pages = result.json()["pages"]
    assert [page["number"] for page in pages] == list(range(1, PAGES + 1))
    for number, page in enumerate(pages, start=1):
        assert f"Page {number} line" in page["text"]
