"""Throughput benchmark: the service, the original approach and the engine's own ceiling.

Starts the production server (`gunicorn app.main:app`) and the original service's approach on
loopback, drives each with N concurrent clients for a fixed time, and prints side by side:
requests/s, p50/p95 latency, the in-process ceiling (a tesserocr handle per core, no HTTP),
the neural engine (engine=neural) against bare RapidOCR on every core, lang=auto against the
language named, idle and peak RSS.
Writes the same numbers to bench/results/bench-<time>.json.

    make bench            # full run, about 5 minutes
    make bench QUICK=1    # shorter runs, noisier numbers
"""

import argparse
import json
import statistics
import sys
import threading
import time
from io import BytesIO
from typing import Any

from PIL import Image

from bench.report import update
from bench.server import GunicornServer
from bench.traffic import REPO, SAMPLE, TOKEN, Load, a4_page, drive, merged, open_loop, steady_rate

ROUNDS = 3


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


def lang_auto_costs(
    url: str, images: dict[str, bytes], seconds: float
) -> dict[str, tuple[Load, Load]]:
    """One client reading each page with its language named and with lang=auto, in turns
    (slice by slice, as above): the English pages above and a generated French A4 page."""
    from bench.languages import language_page

    french = language_page("fra", 0, size=42, repeats=7).image
    buffer = BytesIO()
    french.save(buffer, format="PNG", dpi=(300, 300))
    pages = {"small (English)": ("eng", images["small"], seconds),
             "a4 (English)": ("eng", images["a4"], 2 * seconds),
             "a4 (French)": ("fra", buffer.getvalue(), 2 * seconds)}  # fmt: skip
    costs = {}
    for name, (language, image, run) in pages.items():
        drive(f"{url}/v1/ocr?lang=auto", image, 1, 1.5, "warm-up")
        named_parts, auto_parts = [], []
        for _ in range(ROUNDS):
            named_parts.append(drive(f"{url}/v1/ocr?lang={language}", image, 1, run / ROUNDS,
                                     "named"))  # fmt: skip
            auto_parts.append(drive(f"{url}/v1/ocr?lang=auto", image, 1, run / ROUNDS, "auto"))
        costs[name] = (merged(f"lang={language} ({name})", named_parts),
                       merged(f"lang=auto ({name})", auto_parts))  # fmt: skip
    return costs


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
        auto_costs = lang_auto_costs(service.url, images, seconds)
        from app.concurrency.cpus import usable_cpus

        capacity = usable_cpus()
        at_capacity = drive(service.url, images["a4"], capacity, run_seconds["a4"],
                            f"service at capacity, {capacity} clients (a4)")  # fmt: skip

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
    notes: list[str] = []
    for name, (named, auto) in auto_costs.items():
        rows += [named.summary(), auto.summary()]
        ratio = auto.percentile(0.5) / named.percentile(0.5)
        if name.startswith("small"):
            # The target is on a clean full page. A page of a few lines is read whole to tell
            # its language; its cost is printed for what it is.
            notes.append(f"INFO  {name}: lang=auto vs the language named, 1-client p50: "
                         f"{ratio:.2f}x, {auto.percentile(0.5):.0f} vs "
                         f"{named.percentile(0.5):.0f} ms")  # fmt: skip
            continue
        checks.append(
            (
                f"{name}: lang=auto vs the language named, 1-client p50",
                ratio <= 1.3 and auto.not_ok == named.not_ok == 0,
                f"{ratio:.2f}x (target <= 1.3), {auto.percentile(0.5):.0f} vs "
                f"{named.percentile(0.5):.0f} ms",
            )
        )
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
    out_lines += notes
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
