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
