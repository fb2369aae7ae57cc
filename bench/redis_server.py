"""A real redis-server on loopback for the tests and benchmarks of the distributed backend:
Debian's /usr/bin/redis-server on a free port, its files in a temporary folder of its own."""

import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from bench.server import free_port

REDIS_SERVER = Path("/usr/bin/redis-server")


class RedisServer:
    """Without persistence by default; with `appendonly=True` every write is fsynced to the
    append-only file before it is answered, so a restart (or a kill) loses nothing answered."""

    def __init__(
        self,
        *,
        appendonly: bool = False,
        port: int | None = None,
        data_dir: Path | None = None,
        executable: Path = REDIS_SERVER,
    ) -> None:
        self.appendonly = appendonly
        self.port = port or free_port()
        self._own_dir = data_dir is None
        self.data_dir = data_dir or Path(tempfile.mkdtemp(prefix="ocr-redis-"))
        self.log_path = self.data_dir / "redis.log"
        self.executable = executable
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def _args(self) -> list[str]:
        args = [
            str(self.executable),
            "--bind", "127.0.0.1",
            "--port", str(self.port),
            "--daemonize", "no",
            "--dir", str(self.data_dir),
            "--logfile", str(self.log_path),
            "--save", "",
        ]  # fmt: skip
        if self.appendonly:
            args += ["--appendonly", "yes", "--appendfsync", "always"]
        else:
            args += ["--appendonly", "no"]
        return args

    def start(self, timeout: float = 30.0) -> "RedisServer":
        """Start it and wait until it answers PING (after loading its data, with persistence)."""
        if self.process is not None and self.process.poll() is None:
            return self
        self.process = subprocess.Popen(
            self._args(),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"redis-server exited early:\n{self.log()}")
            if self.ping():
                return self
            time.sleep(0.02)
        self.kill()
        raise RuntimeError(f"redis-server did not answer PING:\n{self.log()}")

    def ping(self) -> bool:
        """Whether it answers PING now (LOADING while it reads its data is not an answer)."""
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(64).startswith(b"+PONG")
        except OSError:
            return False

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def stop(self, timeout: float = 30.0) -> None:
        """SIGTERM: it writes what it persists, then exits."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.kill()
        self.process = None

    def kill(self) -> None:
        """SIGKILL: as if its machine went away (what appendfsync always wrote survives)."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self.process = None

    def restart(self) -> "RedisServer":
        """Stop it and start it again on the same port and data folder."""
        self.stop()
        return self.start()

    def remove(self) -> None:
        """Stop it and delete its data folder, if it made that folder itself."""
        self.stop()
        if self._own_dir:
            shutil.rmtree(self.data_dir, ignore_errors=True)
