"""The distributed layout on one machine, all on loopback: a real redis-server, a real
S3-compatible server (moto's server mode), web instances (`gunicorn app.main:app` on distinct
ports) and worker processes (`python -m app.jobs.worker`). `make run-cluster` runs it until
Ctrl-C; `make bench-cluster` and the tests start the parts they need.

    python -m bench.cluster [--webs 2] [--workers 2] [--port 8000]
"""

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.redis_server import RedisServer
from bench.s3_server import S3Server
from bench.server import REPO, GunicornServer

READY_LINE = "reading job pages"


class WorkerProcess:
    """`python -m app.jobs.worker`, optionally pinned to CPUs with taskset."""

    def __init__(
        self,
        env: dict[str, str],
        *,
        threads: int = 1,
        cpus: str | None = None,
        log_path: Path,
    ) -> None:
        self.env = {**os.environ, **env}
        self.threads = threads
        self.cpus = cpus
        self.log_path = log_path
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def start(self, *, ready_timeout: float = 60) -> "WorkerProcess":
        command = [sys.executable, "-m", "app.jobs.worker", "--threads", str(self.threads)]
        if self.cpus is not None:
            command = ["taskset", "-c", self.cpus, *command]
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                command,
                cwd=REPO,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.wait_for_line(READY_LINE, timeout=ready_timeout)
        return self

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def wait_for_line(self, text: str, *, timeout: float, count: int = 1) -> None:
        """Until the log has `text` `count` times (the worker's readiness, a replacement...)."""
        deadline = time.monotonic() + timeout
        while self.log().count(text) < count:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"the worker exited early:\n{self.log()}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"the worker never logged {text!r}:\n{self.log()}")
            time.sleep(0.1)

    def reader_pids(self) -> list[int]:
        """The supervising process's children: the process reading pages."""
        children = Path(f"/proc/{self.pid}/task/{self.pid}/children")
        try:
            return [int(pid) for pid in children.read_text().split()]
        except FileNotFoundError:
            return []

    def stop(self, timeout: float = 60) -> int | None:
        """SIGTERM (the pages in hand finish), then SIGKILL past the timeout."""
        if self.process is None or self.process.poll() is not None:
            return self.process.returncode if self.process else None
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            return None

    def kill(self) -> None:
        """kill -9 of the supervisor and the reader alike."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


class Cluster:
    def __init__(
        self,
        token: str,
        *,
        root: Path,
        redelivery_seconds: float = 60.0,
        appendonly: bool = False,
        extra_env: dict[str, str] | None = None,
    ) -> None:
        self.token = token
        self.root = root
        self.redis = RedisServer(data_dir=root / "redis", appendonly=appendonly)
        self.s3 = S3Server()
        self.redelivery_seconds = redelivery_seconds
        self.extra_env = extra_env or {}
        self.webs: list[GunicornServer] = []
        self.workers: list[WorkerProcess] = []

    def start_stores(self) -> "Cluster":
        self.redis.data_dir.mkdir(parents=True, exist_ok=True)
        self.redis.start()
        self.s3.start(log_dir=self.root)
        return self

    def env(self, name: str) -> dict[str, str]:
        """The settings of one process of the cluster (each has a DATA_DIR of its own: only
        Redis and the bucket are shared)."""
        return {
            "APP_AUTH_TOKEN": self.token,
            "JOBS_BROKER_URL": self.redis.url,
            "JOBS_REDELIVERY_SECONDS": str(self.redelivery_seconds),
            "DATA_DIR": str(self.root / name / "data"),
            "UPLOAD_DIR": str(self.root / name / "uploads"),
            **self.s3.env(),
            **self.extra_env,
        }

    def start_web(self, *, port: int | None = None, **env: str) -> GunicornServer:
        name = f"web-{len(self.webs)}"
        server = GunicornServer({**self.env(name), **env}, port=port)
        self.webs.append(server.start(log_dir=self.root))
        return server

    def start_worker(
        self, *, threads: int = 1, cpus: str | None = None, **env: str
    ) -> WorkerProcess:
        name = f"worker-{len(self.workers)}"
        worker = WorkerProcess(
            {**self.env(name), **env},
            threads=threads,
            cpus=cpus,
            log_path=self.root / f"{name}.log",
        )
        self.workers.append(worker.start())
        return worker

    def stop(self) -> None:
        for worker in self.workers:
            worker.stop()
        for web in self.webs:
            web.stop()
        self.s3.stop()
        self.redis.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--webs", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    parser.add_argument("--token", default=os.environ.get("APP_AUTH_TOKEN", "dev-cluster"))
    args = parser.parse_args()
    # Started in the background by a shell without job control, a process inherits SIGINT
    # ignored (and Python then leaves it so): Ctrl-C, or a script's SIGINT, must stop it.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    root = Path(tempfile.mkdtemp(prefix="ocr-cluster-"))
    # Web instances only accept, report and assemble here: the workers read the pages.
    cluster = Cluster(args.token, root=root, extra_env={"JOBS_THREADS": "0"})
    try:
        cluster.start_stores()
        print(f"Redis {cluster.redis.url}, S3 {cluster.s3.endpoint_url}, logs in {root}")
        for index in range(args.webs):
            web = cluster.start_web(port=args.port + index)
            print(f"web instance {index}: {web.url}")
        for index in range(args.workers):
            worker = cluster.start_worker(threads=1)
            print(f"worker {index}: pid {worker.pid}")
        print(f"token: {args.token}   Ctrl-C stops everything")
        signal.signal(signal.SIGTERM, _interrupt)
        while True:
            signal.pause()  # until Ctrl-C (KeyboardInterrupt) or SIGTERM (made one)
    except KeyboardInterrupt:
        pass
    finally:
        cluster.stop()
    return 0


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


if __name__ == "__main__":
    sys.exit(main())
