"""`make run`, the README's first command, serves the page with a printed development token."""

import os
import re
import shutil
import signal
import subprocess
import time

import pytest
import requests

from bench.server import free_port
from tests.conftest import REPO_ROOT

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed"),
]


def test_make_run_serves_the_page_and_prints_a_token(sample_png: bytes) -> None:
    port = free_port()
    env = {key: value for key, value in os.environ.items() if key != "APP_AUTH_TOKEN"}
    process = subprocess.Popen(
        ["make", "--no-print-directory", "run", f"PORT={port}"],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        assert process.stdout is not None
        token = None
        deadline = time.monotonic() + 120
        while token is None and time.monotonic() < deadline:
            line = process.stdout.readline().decode()
            assert line or process.poll() is None, "make run exited early"
            match = re.search(r"development token: (\S+)", line)
            token = match.group(1) if match else None
        assert token, "make run prints the development token"
        url = f"http://127.0.0.1:{port}"
        page = None
        while time.monotonic() < deadline:
            try:
                page = requests.get(f"{url}/", timeout=2)
                break
            except (requests.ConnectionError, requests.Timeout):
                time.sleep(0.3)
        assert page is not None
        assert page.status_code == 200
        assert 'type="file"' in page.text
        prediction = requests.post(
            f"{url}/",
            headers={"Authorization": f"Bearer {token}"},
            files={"file": ("a.png", sample_png)},
            timeout=60,
        )
        assert "chili powder" in prediction.json()["original"]
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
        if process.stdout is not None:
            process.stdout.close()


def test_make_run_cluster_serves_one_job_across_two_instances() -> None:
    """The README's way to try the distributed layout: Redis, S3, two web instances on PORT
    and PORT+1 and a worker; a job sent to one is finished and fetched on the other; Ctrl-C
    stops every part."""
    from tests.conftest import text_image
    from tests.helpers.documents import scanned_pdf
    from tests.helpers.waiting import poll_for

    port = free_port()
    while not _free(port + 1):
        port = free_port()
    process = subprocess.Popen(
        ["make", "--no-print-directory", "run-cluster", f"PORT={port}", "WORKERS=1"],
        cwd=REPO_ROOT,
        env={**os.environ, "APP_AUTH_TOKEN": "cluster-token"},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    auth = {"Authorization": "Bearer cluster-token"}
    try:
        assert process.stdout is not None
        printed = ""
        deadline = time.monotonic() + 180
        while "Ctrl-C stops everything" not in printed and time.monotonic() < deadline:
            line = process.stdout.readline().decode()
            assert line or process.poll() is None, f"make run-cluster exited early:\n{printed}"
            printed += line
        first, second = f"http://127.0.0.1:{port}", f"http://127.0.0.1:{port + 1}"
        assert first in printed
        assert second in printed
        document = scanned_pdf([text_image(f"Cluster page {n}") for n in (1, 2)])
        response = requests.post(
            f"{first}/v1/jobs", files={"file": ("a.pdf", document)}, headers=auth, timeout=60
        )
        assert response.status_code == 202, response.text
        job_id = response.json()["id"]

        def succeeded() -> bool | None:
            body = requests.get(f"{second}/v1/jobs/{job_id}", headers=auth, timeout=10).json()
            return True if body["status"] == "succeeded" else None

        poll_for(succeeded, 120, interval=0.2)
        text = requests.get(
            f"{second}/v1/jobs/{job_id}/result?format=text", headers=auth, timeout=30
        ).text
        assert "Cluster page 1" in text
        assert "Cluster page 2" in text
    finally:
        os.killpg(process.pid, signal.SIGINT)
        try:
            process.wait(timeout=90)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGTERM)  # its handler stops every part it started
            process.wait(timeout=90)
            raise
        if process.stdout is not None:
            process.stdout.close()
    for url in (first, second):
        with pytest.raises(requests.ConnectionError):
            requests.get(f"{url}/v1/health", timeout=2)


def _free(port: int) -> bool:
    import socket

    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True
