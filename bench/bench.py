"""Throughput benchmark: the service, the original approach and the engine's own ceiling.

Starts the production server (`gunicorn app.main:app`) and the original service's approach on
loopback, drives each with N concurrent clients for a fixed time, and prints side by side:
requests/s, p50/p95 latency, the in-process ceiling (a tesserocr handle per core, no HTTP),
the neural engine (engine=neural) against bare RapidOCR on every core, idle and peak RSS.
Writes the same numbers to bench/results/bench-<time>.json.

    make bench            # full run, about 3 minutes
    make bench QUICK=1    # shorter runs, noisier numbers
"""

import argparse
import http.client
import json
import os
import statistics
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from PIL import Image, ImageDraw, ImageFont

from bench.report import update
from bench.server import GunicornServer

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


ROUNDS = 3


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


class EngineCeiling:
    """Bare tesserocr with a loaded handle per usable core and no HTTP: what the engine itself
    does with the same file (decoded, as the service must, and read with Tesseract defaults)."""

    def __init__(self) -> None:
        from tesserocr import OEM, PyTessBaseAPI

        from app.concurrency.cpus import usable_cpus
        from app.ocr.engines.tessdata import find_tessdata

        tessdata = find_tessdata() + "/"
        self.apis = [
            PyTessBaseAPI(path=tessdata, lang="eng", oem=OEM.LSTM_ONLY)
            for _ in range(usable_cpus())
        ]

    @staticmethod
    def _read(api: Any, image: bytes) -> None:
        from app.ocr.engines.tesserocr_engine import set_image

        decoded = Image.open(BytesIO(image))
        decoded.load()
        # Raw pixels, as the service hands them: tesserocr's own SetImage would compress a
        # PNG page again for Leptonica to decode, a tenth of a full page's time.
        set_image(api, decoded, None)
        api.GetUTF8Text()

    def page_times_ms(self, image: bytes, pages: int) -> list[float]:
        """One page after another on one handle: the engine's own time per page."""
        times = []
        for _ in range(pages):
            started = time.perf_counter()
            self._read(self.apis[0], image)
            times.append((time.perf_counter() - started) * 1000)
        return times

    def throughput(self, image: bytes, seconds: float) -> tuple[int, float]:
        """(pages, seconds) with every handle busy for `seconds`, counted as the service's
        rate is (steady_rate)."""
        finished_at: list[float] = []
        stop_at = time.monotonic() + seconds

        def worker(index: int) -> None:
            while time.monotonic() < stop_at:
                self._read(self.apis[index], image)
                finished_at.append(time.monotonic())

        threads = [threading.Thread(target=worker, args=(i,)) for i in range(len(self.apis))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return steady_rate(finished_at, stop_at, len(self.apis))

    def close(self) -> None:
        for api in self.apis:
            api.End()


class NeuralCeiling:
    """Bare RapidOCR, one instance per usable core reading on one thread each, with the
    service's detection size and recognition batch and no HTTP: what the neural engine itself
    does with the file."""

    def __init__(self) -> None:
        from rapidocr import RapidOCR

        from app.concurrency.cpus import usable_cpus
        from app.ocr.engines.neural_engine import DETECTION_MAX_SIDE, RECOGNITION_BATCH

        params = {
            "Global.log_level": "error",
            "Global.return_word_box": True,
            "EngineConfig.onnxruntime.intra_op_num_threads": 1,
            "EngineConfig.onnxruntime.inter_op_num_threads": 1,
            "Det.limit_type": "max",
            "Det.limit_side_len": DETECTION_MAX_SIDE,
            "Rec.rec_batch_num": RECOGNITION_BATCH,
        }
        self.readers = [RapidOCR(params=params) for _ in range(usable_cpus())]

    @staticmethod
    def _read(reader: Any, image: bytes) -> None:
        import numpy as np

        decoded = Image.open(BytesIO(image)).convert("RGB")
        reader(np.asarray(decoded))

    def page_times_ms(self, image: bytes, pages: int) -> list[float]:
        times = []
        for _ in range(pages):
            started = time.perf_counter()
            self._read(self.readers[0], image)
            times.append((time.perf_counter() - started) * 1000)
        return times

    def throughput(self, image: bytes, seconds: float) -> tuple[int, float]:
        finished_at: list[float] = []
        stop_at = time.monotonic() + seconds

        def worker(index: int) -> None:
            while time.monotonic() < stop_at:
                self._read(self.readers[index], image)
                finished_at.append(time.monotonic())

        threads = [threading.Thread(target=worker, args=(i,)) for i in range(len(self.readers))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return steady_rate(finished_at, stop_at, len(self.readers))


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="shorter runs")
    parser.add_argument("--clients", type=int, default=8)
    args = parser.parse_args()
    seconds = 4.0 if args.quick else 12.0
    images = {"small": (SAMPLE / "ingredients-2.png").read_bytes(), "a4": a4_page()}
    # A full page takes over a second: its runs are longer, or they would hold a dozen pages.
    run_seconds = {"small": seconds, "a4": 3.5 * seconds}
    report: dict[str, object] = {"seconds_per_run": run_seconds, "clients": args.clients,
                                 "rounds": ROUNDS}  # fmt: skip
    rows: list[dict[str, object]] = []
    checks: list[tuple[str, bool, str]] = []
    ceiling = EngineCeiling()
    ceilings: dict[str, tuple[float, float]] = {}

    service = GunicornServer({"APP_AUTH_TOKEN": TOKEN}).start()
    try:
        time.sleep(1)
        idle_rss = service.rss_mb()
        peak_rss = idle_rss
        sampling = threading.Event()

        def sample_rss() -> None:
            nonlocal peak_rss
            while not sampling.wait(0.2):
                peak_rss = max(peak_rss, service.rss_mb())

        sampler = threading.Thread(target=sample_rss)
        sampler.start()
        loads = {}
        for name, image in images.items():
            drive(service.url, image, 2, 1.5, "warm-up")
            ceiling.throughput(image, 1.0)
            # The engine and the service take turns, slice by slice, so that a change in the
            # machine's speed during the run (other tenants, heat) weighs on both alike.
            slice_seconds = run_seconds[name] / ROUNDS
            page_times: list[float] = []
            ones, manys = [], []
            pages = seconds_taken = 0.0
            for _ in range(ROUNDS):
                page_times += ceiling.page_times_ms(image, 3 if name == "a4" else 10)
                ones.append(drive(service.url, image, 1, slice_seconds, "one"))
                read, took = ceiling.throughput(image, slice_seconds)
                pages, seconds_taken = pages + read, seconds_taken + took
                manys.append(drive(service.url, image, args.clients, slice_seconds, "many"))
            ceilings[name] = (pages / seconds_taken, statistics.median(page_times))
            one = merged(f"service 1 client ({name})", ones)
            many = merged(f"service {args.clients} clients ({name})", manys)
            loads[name] = (one, many)
            bare = {"name": f"engine ceiling ({name})", "rps": round(ceilings[name][0], 2),
                    "p50_ms": round(ceilings[name][1], 1)}  # fmt: skip
            rows += [bare, one.summary(), many.summary()]
        from app.concurrency.cpus import usable_cpus

        capacity = usable_cpus()
        at_capacity = drive(service.url, images["a4"], capacity, run_seconds["a4"],
                            f"service at capacity, {capacity} clients (a4)")  # fmt: skip
        from bench.load import open_loop

        # Overload is arrivals faster than pages are read: closed-loop clients only queue.
        overload_rate = 4 * at_capacity.rps
        overload = open_loop(service.url, images["a4"], overload_rate, run_seconds["a4"],
                             f"service 4x overload, {overload_rate:.1f} pages/s (a4)")  # fmt: skip
        rows += [at_capacity.summary(), overload.summary()]
        # The neural engine through the service (engine=neural) against bare RapidOCR on
        # every core, in alternating slices as above; the service's RSS keeps being sampled.
        neural_ceiling = NeuralCeiling()
        receipt = (SAMPLE.parent / "eval" / "sroie-receipts" / "079.jpg").read_bytes()
        neural_url = f"{service.url}/v1/ocr?engine=neural"
        drive(neural_url, receipt, 2, 3.0, "warm-up")
        neural_ceiling.throughput(receipt, 2.0)
        neural_parts: list[Load] = []
        neural_pages = neural_seconds = 0.0
        neural_times: list[float] = []
        for _ in range(ROUNDS):
            neural_times += neural_ceiling.page_times_ms(receipt, 2)
            read, took = neural_ceiling.throughput(receipt, run_seconds["a4"] / ROUNDS)
            neural_pages, neural_seconds = neural_pages + read, neural_seconds + took
            neural_parts.append(
                drive(neural_url, receipt, args.clients, run_seconds["a4"] / ROUNDS, "many")
            )
        neural_rps = neural_pages / neural_seconds
        neural_many = merged(f"engine=neural {args.clients} clients (receipt)", neural_parts)
        rows += [
            {"name": "bare RapidOCR ceiling (receipt)", "rps": round(neural_rps, 2),
             "p50_ms": round(statistics.median(neural_times), 1)},
            neural_many.summary(),
        ]  # fmt: skip
        checks.append(
            (
                f"receipt: engine=neural, {args.clients} clients vs bare RapidOCR, only 200s",
                neural_many.rps >= 0.9 * neural_rps and neural_many.not_ok == 0,
                f"{neural_many.rps / neural_rps:.2f}x (target >= 0.9), "
                f"{neural_many.not_ok} not 200",
            )
        )
        sampling.set()
        sampler.join()
    finally:
        service.stop()
        ceiling.close()

    original = GunicornServer(
        args=("--config", "bench/original.conf.py", "bench.original_app:app"), ready_path="/docs"
    ).start()
    try:
        old = drive(original.url, images["small"], args.clients, run_seconds["a4"],
                    f"original approach {args.clients} clients (small)", timeout=300,
                    parallel=1)  # fmt: skip
        rows.append(old.summary())
    finally:
        original.stop()

    from app.core.config import Settings

    max_wait = Settings.model_fields["ocr_max_wait_seconds"].default
    for name in images:
        engine_rps, single_ms = ceilings[name]
        one, many = loads[name]
        checks.append(
            (
                f"{name}: {args.clients} clients vs engine ceiling, only 200s",
                many.rps >= 0.9 * engine_rps and many.not_ok == 0,
                f"{many.rps / engine_rps:.2f}x (target >= 0.9), {many.not_ok} not 200 "
                f"({many.busy} 503/429, {many.errors} errors, {many.timeouts} timeouts)",
            )
        )
        checks.append((f"{name}: 1-client p50 vs engine time + 10 ms",
                       one.percentile(0.5) <= single_ms + 10,
                       f"{one.percentile(0.5):.1f} ms vs {single_ms + 10:.1f} ms"))  # fmt: skip
    small_many = loads["small"][1]
    old_rps = max(old.rps, 1e-9)
    # No server can beat the engine itself, so the engine's own ratio is printed beside ours.
    checks.append(("small: service vs original approach", small_many.rps >= 20 * old_rps,
                   f"{small_many.rps / old_rps:.1f}x (target >= 20; the bare engine: "
                   f"{ceilings['small'][0] / old_rps:.1f}x)"))  # fmt: skip
    checks.append(("4x overload: only 200 or 503 with Retry-After, no timeouts, some 503",
                   overload.timeouts == 0 and overload.errors == 0 and overload.busy > 0,
                   f"{overload.ok} ok, {overload.busy} busy, {overload.timeouts} timeouts, "
                   f"{overload.errors} errors"))  # fmt: skip
    page_ms = ceilings["a4"][1]
    bound_ms = max_wait * 1000 + 2 * page_ms
    checks.append(
        (
            "4x overload: p95 of accepted <= wait limit + 2 page times",
            overload.percentile(0.95) <= bound_ms,
            f"{overload.percentile(0.95):.0f} ms vs {bound_ms:.0f} ms "
            f"(OCR_MAX_WAIT_SECONDS {max_wait:g})",
        )
    )
    checks.append(("4x overload: refusals are immediate (p95 <= 1 s)",
                   overload.refused_percentile(0.95) <= 1000,
                   f"{overload.refused_percentile(0.95):.0f} ms"))  # fmt: skip
    # Both engines loaded: Tesseract's handles and the neural reader's sessions.
    checks.append(("idle RSS <= 350 MB", idle_rss <= 350, f"{idle_rss:.0f} MB"))
    checks.append(("peak RSS <= 700 MB", peak_rss <= 700, f"{peak_rss:.0f} MB"))

    out_lines = [f"{'run':<50} {'req/s':>8} {'p50 ms':>9} {'p95 ms':>9} {'ok':>6} "
                 f"{'not 200':>8} {'503':>5} {'t/o':>4}"]  # fmt: skip
    for row in rows:
        out_lines.append(
            f"{row['name']:<50} {row['rps']:>8} {row.get('p50_ms', ''):>9} "
            f"{row.get('p95_ms', ''):>9} {row.get('ok', ''):>6} {row.get('not_ok', ''):>8} "
            f"{row.get('busy_503', ''):>5} {row.get('timeouts', ''):>4}"
        )
    out_lines += ["", f"RSS: idle {idle_rss:.0f} MB, peak {peak_rss:.0f} MB", ""]
    out_lines += [f"{verdict(ok)}  {label}: {detail}" for label, ok, detail in checks]
    printed = "\n".join(out_lines)
    print("\n" + printed)
    if not args.quick:
        print(f"\nupdated {update('performance.md', 'bench', printed).relative_to(REPO)}")
    report.update(
        rows=rows,
        idle_rss_mb=round(idle_rss, 1),
        peak_rss_mb=round(peak_rss, 1),
        checks=[{"check": c, "pass": ok, "detail": d} for c, ok, d in checks],
    )
    out = REPO / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"bench-{time.strftime('%Y%m%d-%H%M%S')}.json"
    path.write_text(json.dumps(report, indent=2))
    print(f"\nwritten to {path.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
