"""A real gunicorn server on loopback, started and stopped by the benchmarks and the tests
alike: `gunicorn app.main:app` exactly as production runs it (or another app and config)."""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

from bench.rss import rss_mb

REPO = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class GunicornServer:
    def __init__(
        self,
        env: dict[str, str] | None = None,
        *,
        args: tuple[str, ...] = ("app.main:app",),
        port: int | None = None,
        ready_path: str = "/v1/ready",
    ) -> None:
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.args = args
        self.ready_path = ready_path
        self.env = {**os.environ, "PORT": str(self.port), "WEB_CONCURRENCY": "1", **(env or {})}
        self.log_path: Path | None = None
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, log_dir: Path | None = None) -> "GunicornServer":
        """Start it and wait until it answers `ready_path` (its log in `log_dir`, if given)."""
        gunicorn = Path(sys.executable).parent / "gunicorn"
        self.log_path = log_dir / f"gunicorn-{self.port}.log" if log_dir else None
        with self.log_path.open("wb") if self.log_path else open(os.devnull, "wb") as log:
            self.process = subprocess.Popen(
                [str(gunicorn), *self.args],
                cwd=REPO,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited early:\n{self.log()}")
            try:
                if requests.get(self.url + self.ready_path, timeout=1).status_code == 200:
                    return self
            except (requests.ConnectionError, requests.Timeout):
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"gunicorn did not become ready:\n{self.log()}")

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path else ""

    def rss_mb(self) -> float:
        """Resident memory of the gunicorn master and all its workers."""
        assert self.process is not None
        return rss_mb(self.process.pid)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
