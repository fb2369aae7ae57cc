"""The load a benchmark puts on a server, shared by bench.py, load.py, jobs.py, soak.py and
the tests: the A4 page sent, multipart bodies, closed-loop clients (`drive`) and open-loop
arrivals (`open_loop`), and what they measured (`Load`)."""

import http.client
import os
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path
from urllib.parse import urlsplit

from PIL import Image, ImageDraw, ImageFont

REPO = Path(__file__).resolve().parent.parent


SAMPLE = Path(os.environ.get("OCR_SHARED_DIR", REPO.parent / "shared")) / "samples"


TOKEN = "bench-token"


FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")


@dataclass
class Load:
    name: str
    clients: int
    requests: int = 0
    ok: int = 0
    busy: int = 0
    errors: int = 0
    timeouts: int = 0
    seconds: float = 0.0
    steady_pages: int = 0
    steady_seconds: float = 0.0
    latencies_ms: list[float] = field(default_factory=list, repr=False)
    refused_ms: list[float] = field(default_factory=list, repr=False)
    finished_at: list[float] = field(default_factory=list, repr=False)

    @property
    def rps(self) -> float:
        """The sustained rate: see steady_rate."""
        return self.steady_pages / self.steady_seconds if self.steady_seconds else 0.0

    def close_window(self, stop_at: float, parallel: int) -> None:
        self.steady_pages, self.steady_seconds = steady_rate(self.finished_at, stop_at, parallel)

    def record(self, status: int, elapsed_ms: float) -> None:
        """One request's outcome: its status, -1 for a timeout, 0 for no answer or a wrong
        one (the caller holds the lock)."""
        self.requests += 1
        if status == 200:
            self.ok += 1
            self.finished_at.append(time.monotonic())
            self.latencies_ms.append(elapsed_ms)
        elif status in (503, 429):
            self.busy += 1
            self.refused_ms.append(elapsed_ms)
        elif status == -1:
            self.timeouts += 1
        else:
            self.errors += 1

    @property
    def not_ok(self) -> int:
        """Answers other than 200, and requests that got none."""
        return self.requests - self.ok

    def percentile(self, q: float) -> float:
        return _percentile(self.latencies_ms, q)

    def refused_percentile(self, q: float) -> float:
        return _percentile(self.refused_ms, q)

    def summary(self) -> dict[str, object]:
        return {
            "name": self.name, "clients": self.clients, "rps": round(self.rps, 2),
            "p50_ms": round(self.percentile(0.5), 1), "p95_ms": round(self.percentile(0.95), 1),
            "ok": self.ok, "busy_503": self.busy, "errors": self.errors, "timeouts": self.timeouts,
            "not_ok": self.not_ok,
        }  # fmt: skip


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def a4_page() -> bytes:
    """A full A4 page at 300 dpi of ordinary body text."""
    image = Image.new("L", (2480, 3508), 255)
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(str(FONT), 42) if FONT.exists() else ImageFont.load_default(42)
    words = [
        "the", "quick", "brown", "fox", "jumps", "over", "a", "lazy", "dog", "while",
        "invoices", "receipts", "and", "forms", "arrive", "in", "every", "shape", "and",
        "size", "for", "reading", "by", "the", "service",
    ]  # fmt: skip
    y = 200
    for row in range(55):
        line = " ".join(words[(row * 7 + i) % len(words)] for i in range(11))
        draw.text((200, y), line, fill=0, font=font)
        y += 58
    buffer = BytesIO()
    image.save(buffer, format="PNG", dpi=(300, 300))
    return buffer.getvalue()


def steady_rate(finished_at: list[float], stop_at: float, parallel: int) -> tuple[int, float]:
    """(pages, seconds) between the moment every one of `parallel` engine threads has finished
    a first page and the last page finished before `stop_at`. The start, where all threads
    begin together, and the drain, where the last pages finish one by one, are left out on
    both sides alike; a fixed window would instead count whole pages and favour whichever side
    happens to fit one more page in it."""
    times = sorted(t for t in finished_at if t <= stop_at)
    if len(times) <= parallel:
        return 0, 0.0
    return len(times) - parallel, times[-1] - times[parallel - 1]


def multipart(image: bytes) -> tuple[bytes, str]:
    """The request body for one upload in the field `file`, and its Content-Type."""
    boundary = uuid.uuid4().hex
    head = (
        f"--{boundary}\r\n"
        'Content-Disposition: form-data; name="file"; filename="page.png"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    )
    body = head.encode() + image + f"\r\n--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


def drive(url: str, image: bytes, clients: int, seconds: float, name: str, timeout: float = 120,
          token: str = TOKEN, parallel: int | None = None) -> Load:  # fmt: skip
    """`clients` threads, each posting `image` back to back for `seconds` over one kept-alive
    connection. The body is encoded once and sent with http.client: the load generator shares
    the machine's cores with the server, so it must cost as little CPU as it can."""
    load = Load(name=name, clients=clients)
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds
    target = urlsplit(url)
    path = (target.path if target.path.strip("/") else "/") + (
        f"?{target.query}" if target.query else ""
    )
    body, content_type = multipart(image)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": content_type}

    def client() -> None:
        connection: http.client.HTTPConnection | None = None
        while time.monotonic() < stop_at:
            started = time.perf_counter()
            retry_after = 0.0
            if connection is None:
                connection = http.client.HTTPConnection(
                    target.hostname or "127.0.0.1", target.port, timeout=timeout
                )
            try:
                connection.request("POST", path, body=body, headers=headers)
                response = connection.getresponse()
                response.read()
                status = response.status
                retry_after = float(response.getheader("Retry-After") or 0)
                if response.will_close:
                    connection.close()
                    connection = None
            except TimeoutError:
                status = -1
            except (OSError, http.client.HTTPException):
                status = 0
            if status <= 0 and connection is not None:
                connection.close()
                connection = None
            with lock:
                load.record(status, (time.perf_counter() - started) * 1000)
            if status in (503, 429):
                # A well-behaved client (ours does) waits as told, within the run.
                time.sleep(max(0.0, min(retry_after, stop_at - time.monotonic())))
        if connection is not None:
            connection.close()

    started = time.monotonic()
    with ThreadPoolExecutor(clients) as pool:
        for future in [pool.submit(client) for _ in range(clients)]:
            future.result()
    load.seconds = time.monotonic() - started
    if parallel is None:  # the pages the server reads at once
        from app.concurrency.cpus import usable_cpus

        parallel = min(clients, usable_cpus())
    load.close_window(stop_at, parallel)
    return load


def merged(name: str, parts: list[Load]) -> Load:
    """One Load from several slices of the same run."""
    whole = Load(name=name, clients=parts[0].clients)
    counters = ("requests", "ok", "busy", "errors", "timeouts", "seconds", "steady_pages",
                "steady_seconds")  # fmt: skip
    for part in parts:
        for counter in counters:
            setattr(whole, counter, getattr(whole, counter) + getattr(part, counter))
        whole.latencies_ms += part.latencies_ms
        whole.refused_ms += part.refused_ms
    return whole


WARM_UP_SECONDS = 12


MAX_IN_FLIGHT = 256  # arrivals past this many unanswered ones are counted as timeouts


def open_loop(url: str, image: bytes, rate: float, seconds: float, name: str,
              token: str = TOKEN, timeout: float = 120) -> Load:  # fmt: skip
    """A request every 1/`rate` seconds for `seconds`, each on a new connection. 503s and
    their latency land in `refused_ms`."""
    load = Load(name=name, clients=0)
    lock = threading.Lock()
    target = urlsplit(url)
    path = target.path.rstrip("/") + "/"
    body, content_type = multipart(image)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": content_type}

    def one() -> None:
        started = time.perf_counter()
        connection = http.client.HTTPConnection(
            target.hostname or "127.0.0.1", target.port, timeout=timeout
        )
        try:
            connection.request("POST", path, body=body, headers=headers)
            response = connection.getresponse()
            response.read()
            status = response.status
            if status == 429 or (status == 503 and not response.getheader("Retry-After")):
                status = 0  # a refusal must say when to come back; no rate limit is on
        except TimeoutError:
            status = -1
        except (OSError, http.client.HTTPException):
            status = 0
        finally:
            connection.close()
        with lock:
            load.record(status, (time.perf_counter() - started) * 1000)

    started = time.monotonic()
    with ThreadPoolExecutor(MAX_IN_FLIGHT) as pool:
        sent = 0
        while (now := time.monotonic()) < started + seconds:
            due = started + sent / rate
            if now < due:
                time.sleep(due - now)
                continue
            pool.submit(one)
            sent += 1
    load.seconds = time.monotonic() - started
    load.clients = sent
    from app.concurrency.cpus import usable_cpus

    load.close_window(time.monotonic(), usable_cpus())
    return load
