"""Throughput benchmark: the service, the original approach and the engine's own ceiling.

Starts the production server (`gunicorn app.main:app`) and the original service's approach on
loopback, drives each with N concurrent clients for a fixed time, and prints side by side:
requests/s, p50/p95 latency, the in-process ceiling (a tesserocr handle per core, no HTTP),
idle and peak RSS. Writes the same numbers to bench/results/bench-<time>.json.

    make bench            # full run, about 3 minutes
    make bench QUICK=1    # shorter runs, noisier numbers
"""

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path

import requests
from PIL import Image, ImageDraw, ImageFont

from bench.rss import rss_mb

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
    latencies_ms: list[float] = field(default_factory=list, repr=False)

    @property
    def rps(self) -> float:
        return self.ok / self.seconds if self.seconds else 0.0

    def percentile(self, q: float) -> float:
        if not self.latencies_ms:
            return float("nan")
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]

    def summary(self) -> dict[str, float | int | str]:
        return {
            "name": self.name, "clients": self.clients, "rps": round(self.rps, 2),
            "p50_ms": round(self.percentile(0.5), 1), "p95_ms": round(self.percentile(0.95), 1),
            "ok": self.ok, "busy_503": self.busy, "errors": self.errors, "timeouts": self.timeouts,
        }  # fmt: skip


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


class Server:
    def __init__(self, args: list[str], env: dict[str, str], port: int) -> None:
        self.url = f"http://127.0.0.1:{port}"
        gunicorn = str(Path(sys.executable).parent / "gunicorn")
        self.process = subprocess.Popen(
            [gunicorn, *args],
            cwd=REPO,
            env={**os.environ, "PORT": str(port), **env},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                requests.get(self.url + "/docs", timeout=1)
                return
            except requests.ConnectionError:
                time.sleep(0.2)
        raise RuntimeError("server did not start")

    def rss_mb(self) -> float:
        """Resident memory of the gunicorn master and all its workers."""
        return rss_mb(self.process.pid)

    def stop(self) -> None:
        os.killpg(self.process.pid, signal.SIGTERM)
        self.process.wait(timeout=30)


def drive(url: str, image: bytes, clients: int, seconds: float, name: str,
          timeout: float = 120, token: str = TOKEN) -> Load:  # fmt: skip
    """`clients` threads, each posting `image` back to back for `seconds`."""
    load = Load(name=name, clients=clients)
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds
    headers = {"Authorization": f"Bearer {token}"}

    def client() -> None:
        session = requests.Session()
        while time.monotonic() < stop_at:
            started = time.perf_counter()
            retry_after = 0.0
            try:
                response = session.post(
                    url + "/", headers=headers, files={"file": ("page.png", image)}, timeout=timeout
                )
                status = response.status_code
                retry_after = float(response.headers.get("Retry-After", 0))
            except requests.Timeout:
                status = -1
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                load.requests += 1
                if status == 200:
                    load.ok += 1
                    load.latencies_ms.append(elapsed)
                elif status in (503, 429):
                    load.busy += 1
                elif status == -1:
                    load.timeouts += 1
                else:
                    load.errors += 1
            if status in (503, 429):
                # A well-behaved client (ours does) waits as told, within the run.
                time.sleep(max(0.0, min(retry_after, stop_at - time.monotonic())))

    started = time.monotonic()
    with ThreadPoolExecutor(clients) as pool:
        for future in [pool.submit(client) for _ in range(clients)]:
            future.result()
    load.seconds = time.monotonic() - started
    return load


def decoded(data: bytes) -> Image.Image:
    image = Image.open(BytesIO(data))
    image.load()
    return image.convert("RGB") if image.mode not in ("L", "RGB") else image


def engine_ceiling(image: bytes, seconds: float) -> tuple[float, float]:
    """(pages/s with a handle per core, median single-page ms) with no HTTP at all."""
    from tesserocr import OEM, PyTessBaseAPI

    from app.ocr.cpus import usable_cpus
    from app.ocr.engine import find_tessdata

    tessdata = find_tessdata() + "/"
    with PyTessBaseAPI(path=tessdata, lang="eng", oem=OEM.LSTM_ONLY) as api:
        times = []
        for _ in range(5):
            started = time.perf_counter()
            api.SetImage(decoded(image))  # the engine's own time includes reading the file
            api.GetUTF8Text()
            times.append((time.perf_counter() - started) * 1000)
    single_ms = statistics.median(times)
    cores = usable_cpus()
    counts = [0] * cores
    stop_at = time.monotonic() + seconds

    def worker(index: int) -> None:
        with PyTessBaseAPI(path=tessdata, lang="eng", oem=OEM.LSTM_ONLY) as api:
            while time.monotonic() < stop_at:
                decoded = Image.open(BytesIO(image))  # decode too, as the service must
                decoded.load()
                api.SetImage(
                    decoded.convert("RGB") if decoded.mode not in ("L", "RGB") else decoded
                )
                api.GetUTF8Text()
                counts[index] += 1

    started = time.monotonic()
    threads = [threading.Thread(target=worker, args=(i,)) for i in range(cores)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(counts) / (time.monotonic() - started), single_ms


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="shorter runs")
    parser.add_argument("--clients", type=int, default=8)
    args = parser.parse_args()
    seconds = 4.0 if args.quick else 12.0
    images = {"small": (SAMPLE / "ingredients-2.png").read_bytes(), "a4": a4_page()}
    report: dict[str, object] = {"seconds_per_run": seconds, "clients": args.clients}
    rows: list[dict[str, object]] = []
    checks: list[tuple[str, bool, str]] = []

    ceilings = {}
    for name, image in images.items():
        ceiling, single_ms = engine_ceiling(image, seconds)
        ceilings[name] = (ceiling, single_ms)
        rows.append({"name": f"engine ceiling ({name})", "rps": round(ceiling, 2),
                     "p50_ms": round(single_ms, 1)})  # fmt: skip

    service = Server(["app.main:app"], {"APP_AUTH_TOKEN": TOKEN}, 8731)
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
            one = drive(service.url, image, 1, seconds, f"service 1 client ({name})")
            many = drive(service.url, image, args.clients, seconds,
                         f"service {args.clients} clients ({name})")  # fmt: skip
            loads[name] = (one, many)
            rows += [one.summary(), many.summary()]
        from app.ocr.cpus import usable_cpus

        capacity = usable_cpus()
        at_capacity = drive(service.url, images["a4"], capacity, seconds,
                            f"service at capacity, {capacity} clients (a4)")  # fmt: skip
        overload = drive(service.url, images["a4"], 4 * capacity, seconds,
                         f"service 4x overload, {4 * capacity} clients (a4)")  # fmt: skip
        rows += [at_capacity.summary(), overload.summary()]
        sampling.set()
        sampler.join()
    finally:
        service.stop()

    original = Server(["bench.original_app:app", "-k", "uvicorn_worker.UvicornWorker",
                       "--timeout", "300"], {}, 8732)  # fmt: skip
    try:
        old = drive(original.url, images["small"], args.clients, seconds,
                    f"original approach {args.clients} clients (small)", timeout=300)  # fmt: skip
        rows.append(old.summary())
    finally:
        original.stop()

    for name in images:
        ceiling, single_ms = ceilings[name]
        one, many = loads[name]
        checks.append(
            (
                f"{name}: {args.clients} clients vs engine ceiling",
                many.rps >= 0.95 * ceiling,
                f"{many.rps / ceiling:.2f}x (target >= 0.95)",
            )
        )
        checks.append((f"{name}: 1-client p50 vs engine time + 10 ms",
                       one.percentile(0.5) <= single_ms + 10,
                       f"{one.percentile(0.5):.1f} ms vs {single_ms + 10:.1f} ms"))  # fmt: skip
    small_many = loads["small"][1]
    checks.append(("small: service vs original approach", small_many.rps >= 20 * max(old.rps, 1e-9),
                   f"{small_many.rps / max(old.rps, 1e-9):.1f}x (target >= 20)"))  # fmt: skip
    checks.append(("4x overload: only 200 or immediate 503, no timeouts",
                   overload.timeouts == 0 and overload.errors == 0,
                   f"{overload.ok} ok, {overload.busy} busy, {overload.timeouts} timeouts, "
                   f"{overload.errors} errors"))  # fmt: skip
    checks.append(
        (
            "4x overload: p95 of accepted <= 2 x p95 at capacity",
            overload.percentile(0.95) <= 2 * at_capacity.percentile(0.95),
            f"{overload.percentile(0.95):.0f} ms vs {at_capacity.percentile(0.95):.0f} ms",
        )
    )
    checks.append(("idle RSS <= 150 MB", idle_rss <= 150, f"{idle_rss:.0f} MB"))
    checks.append(("peak RSS <= 450 MB", peak_rss <= 450, f"{peak_rss:.0f} MB"))

    print(f"\n{'run':<46} {'req/s':>8} {'p50 ms':>9} {'p95 ms':>9} {'ok':>6} {'503':>5} {'t/o':>4}")
    for row in rows:
        print(f"{row['name']:<46} {row['rps']:>8} {row.get('p50_ms', ''):>9} "
              f"{row.get('p95_ms', ''):>9} {row.get('ok', ''):>6} {row.get('busy_503', ''):>5} "
              f"{row.get('timeouts', ''):>4}")  # fmt: skip
    print(f"\nRSS: idle {idle_rss:.0f} MB, peak {peak_rss:.0f} MB\n")
    for label, ok, detail in checks:
        print(f"{verdict(ok)}  {label}: {detail}")
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
