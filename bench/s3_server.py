"""A real S3-compatible server on loopback for the tests and local clusters: moto's server
mode, run as its own process so the service talks to it over HTTP exactly as it would to
Spaces or MinIO (sockets, timeouts, a server that stops answering), not through mocks."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import TracebackType
from typing import Any

import boto3
import requests

from bench.server import free_port

ACCESS_KEY = "test"
SECRET_KEY = "test"
REGION = "us-east-1"


class S3Server:
    def __init__(self, *, bucket: str = "ocr-jobs", port: int | None = None) -> None:
        self.port = port or free_port()
        self._bucket = bucket
        self.log_path: Path | None = None
        self.process: subprocess.Popen[bytes] | None = None
        self.paused = False

    @property
    def endpoint_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def bucket(self) -> str:
        return self._bucket

    def env(self, prefix: str = "jobs") -> dict[str, str]:
        """The service's settings for job files in this server's bucket."""
        return {
            "STORAGE_URL": f"s3://{self.bucket}/{prefix}" if prefix else f"s3://{self.bucket}",
            "STORAGE_ENDPOINT_URL": self.endpoint_url,
            "STORAGE_REGION": REGION,
            "STORAGE_ACCESS_KEY_ID": ACCESS_KEY,
            "STORAGE_SECRET_ACCESS_KEY": SECRET_KEY,
        }

    def start(self, log_dir: Path | None = None) -> "S3Server":
        """Start it, wait until it answers HTTP, and create the bucket."""
        self.log_path = log_dir / f"moto-s3-{self.port}.log" if log_dir else None
        with self.log_path.open("wb") if self.log_path else open(os.devnull, "wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(self.port)],
                stdout=log,
                stderr=subprocess.STDOUT,
                # Its own session: Ctrl-C in a terminal running the tests reaches pytest, which
                # then stops this server in order instead of both dying at once.
                start_new_session=True,
            )
        deadline = time.monotonic() + 30
        while not self._answers():
            if self.process.poll() is not None:
                raise RuntimeError(f"moto's S3 server exited early:\n{self.log()}")
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"moto's S3 server did not start:\n{self.log()}")
            time.sleep(0.05)
        self.client().create_bucket(Bucket=self.bucket)
        return self

    def _answers(self) -> bool:
        try:
            requests.get(self.endpoint_url, timeout=1)
        except (requests.ConnectionError, requests.Timeout):
            return False
        # Any answer at all, even an S3 error document, means it is serving.
        return True

    def client(self) -> Any:
        """A boto3 client of this server, for tests to look at the bucket directly."""
        return boto3.client(
            "s3",
            endpoint_url=self.endpoint_url,
            region_name=REGION,
            aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=SECRET_KEY,
        )

    def pause(self) -> None:
        """An outage that loses nothing: the kernel still accepts connections on the port but
        nothing answers them, as with a store that hangs, until `resume`."""
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGSTOP)
        self.paused = True

    def resume(self) -> None:
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGCONT)
        self.paused = False

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path else ""

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        if self.paused:
            # A stopped process would only take the SIGTERM once continued.
            self.resume()
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def __enter__(self) -> "S3Server":
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
