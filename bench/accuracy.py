"""Accuracy benchmark: the service's own pipeline against plain Tesseract, on ../shared/eval.

    make bench-accuracy            # every page of MANIFEST.csv
    make bench-accuracy QUICK=1    # every fourth page of each set

Prints, per set and per tag, the pooled character error rate (CER) and the mean bag-of-words
error (BoW) of plain Tesseract defaults (psm 3; psm 7 for single lines, as the eval README's
baseline) next to the pipeline's, and seconds per page for each: the CPU seconds of the thread
that reads the page (Tesseract runs in it, single-threaded), so pages read side by side on the
other core do not blur the comparison. Writes the same to
bench/results/accuracy-<time>.json.
"""

import argparse
import csv
import json
import os
import sys
import threading
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image
from tesserocr import OEM, PyTessBaseAPI

from app.ocr.engine import find_accurate_tessdata, find_tessdata
from app.ocr.images import to_engine_mode, upright
from app.ocr.pipeline import PageOptions, recognize_page
from app.ocr.tesserocr_engine import TesserocrEngine, set_image
from bench.metrics import bow_error, edits

REPO = Path(__file__).resolve().parent.parent
DEFAULT_EVAL = Path(os.environ.get("OCR_SHARED_DIR", REPO.parent / "shared")) / "eval"
CASE_INSENSITIVE_SETS = {"sroie-receipts"}


@dataclass
class Score:
    edits: int = 0
    chars: int = 0
    bows: list[float] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)
    worst: float = 0.0  # the highest CER of any one page

    def add(self, distance: int, length: int, bow: float, seconds: float) -> None:
        self.edits += distance
        self.chars += length
        self.worst = max(self.worst, distance / max(1, length))
        self.bows.append(bow)
        self.seconds.append(seconds)

    def row(self) -> dict[str, float]:
        return {
            "cer": round(self.edits / max(1, self.chars), 4),
            "bow": round(sum(self.bows) / max(1, len(self.bows)), 4),
            "s_per_page": round(sum(self.seconds) / max(1, len(self.seconds)), 3),
            "worst_cer": round(self.worst, 4),
        }


_handles = threading.local()


def plain_tesseract(image: Image.Image, psm: int) -> str:
    """Tesseract's own text for the page, as `tesseract IMG OUT --psm N` writes it: the
    baseline must not get the service's own post-processing of the words."""
    api = getattr(_handles, "api", None)
    if api is None:
        api = _handles.api = PyTessBaseAPI(
            path=find_tessdata() + "/", lang="eng", oem=OEM.LSTM_ONLY
        )
    api.SetPageSegMode(psm)
    set_image(api, image, None)  # the file's pixels, as the command reads them
    return api.GetUTF8Text()


def read_manifest(eval_dir: Path, quick: bool) -> list[dict[str, str]]:
    with (eval_dir / "MANIFEST.csv").open() as manifest:
        rows = list(csv.DictReader(manifest))
    if not quick:
        return rows
    by_set: dict[str, list[dict[str, str]]] = defaultdict(list)
    for row in rows:
        by_set[row["set"]].append(row)
    return [row for rows_of_set in by_set.values() for row in rows_of_set[::4]]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--eval-dir", type=Path, default=DEFAULT_EVAL)
    parser.add_argument("--quick", action="store_true", help="every fourth page of each set")
    parser.add_argument("--set", action="append", help="only these sets")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--show", action="store_true", help="print each page's scores")
    args = parser.parse_args()
    rows = read_manifest(args.eval_dir, args.quick)
    if args.set:
        rows = [row for row in rows if row["set"] in args.set]
    engine = TesserocrEngine(
        tessdata=find_tessdata(),
        accurate_tessdata=find_accurate_tessdata(),
        max_handles=3 * args.workers,
    )
    scores: dict[tuple[str, str, str], Score] = defaultdict(Score)

    def run(row: dict[str, str]) -> None:
        folder = args.eval_dir / row["set"]
        truth = (folder / row["truth"]).read_text(encoding="utf-8")
        image, _ = upright(Image.open(folder / row["image"]))
        image.load()
        fold = row["set"] in CASE_INSENSITIVE_SETS
        line_psm = 7 if row["set"] == "uw3-lines-calamari" else 3
        started = time.thread_time()
        plain = plain_tesseract(to_engine_mode(image), line_psm)
        plain_seconds = time.thread_time() - started
        started = time.thread_time()
        page = recognize_page(image, engine, PageOptions())
        ours_seconds = time.thread_time() - started
        results = {"defaults": (plain, plain_seconds), "pipeline": (page.text, ours_seconds)}
        for mode, (text, seconds) in results.items():
            distance, length = edits(truth, text, fold_case=fold)
            bow = bow_error(truth, text, fold_case=fold)
            keys = [("set", row["set"]), *[("tag", tag) for tag in row["tags"].split(";") if tag]]
            for kind, name in keys:
                scores[(kind, name, mode)].add(distance, length, bow, seconds)
        if args.show:
            print(f"{row['set']}/{row['image']}: steps {page.steps}, psm choice, "
                  f"CER {edits(truth, plain, fold_case=fold)[0]} -> "
                  f"{edits(truth, page.text, fold_case=fold)[0]} edits", flush=True)  # fmt: skip

    started = time.monotonic()
    with ThreadPoolExecutor(args.workers) as pool:
        list(pool.map(run, rows))
    report = []
    print(f"\n{len(rows)} pages in {time.monotonic() - started:.0f} s\n")
    header = f"{'':<6} {'name':<24} {'CER default':>11} {'CER ours':>9} {'BoW default':>11} "
    print(header + f"{'BoW ours':>9} {'s/page default':>14} {'s/page ours':>11} {'worst ours':>10}")
    for kind in ("set", "tag"):
        names = sorted({name for k, name, _ in scores if k == kind})
        for name in names:
            default = scores[(kind, name, "defaults")].row()
            ours = scores[(kind, name, "pipeline")].row()
            report.append({"kind": kind, "name": name, "defaults": default, "pipeline": ours})
            print(f"{kind:<6} {name:<24} {default['cer']:>11.3f} {ours['cer']:>9.3f} "
                  f"{default['bow']:>11.3f} {ours['bow']:>9.3f} "
                  f"{default['s_per_page']:>14.2f} {ours['s_per_page']:>11.2f} "
                  f"{ours['worst_cer']:>10.3f}")  # fmt: skip
        print()
    out = REPO / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"accuracy-{time.strftime('%Y%m%d-%H%M%S')}.json"
    path.write_text(json.dumps({"pages": len(rows), "quick": args.quick, "rows": report}, indent=2))
    print(f"written to {path.relative_to(REPO)}")
    engine.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
