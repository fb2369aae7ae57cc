"""Accuracy benchmark: the service's own pipeline against plain Tesseract, on real phone photos
(bench/real), on ../shared/eval and on the sets bench/generated.py makes (receipts with row
truth, phone photos), each reported apart.

    make bench-accuracy            # every page of both
    make bench-accuracy QUICK=1    # every fourth page of each set
    make bench-accuracy NO_NEURAL=1   # Tesseract alone (no engine=neural, auto, bare neural)

Prints, per set and per tag (the kind of page), for plain Tesseract defaults (psm 3; psm 7
for single lines, as the eval README's baseline) next to the pipeline's: the pooled
character error rate (CER), the mean page CER (order-sensitive, so a kind that gets worse is
not hidden in a pooled figure), the mean bag-of-words error (BoW, order-blind), for receipts
the share of truth rows read as one line with the right words, the pages read empty where
the other found text, and seconds per page: the CPU seconds of the thread that reads the page
(Tesseract runs in it, single-threaded), so pages read side by side on the other core do not
blur the comparison. Writes the same to bench/results/accuracy-<time>.json.
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

from app.ocr.decoding.images import to_engine_mode, upright
from app.ocr.engines.neural_engine import NeuralEngine
from app.ocr.engines.protocol import RecognizeOptions
from app.ocr.engines.tessdata import find_accurate_tessdata, find_tessdata
from app.ocr.engines.tesserocr_engine import TesserocrEngine, set_image
from app.ocr.pipeline.options import PageOptions
from app.ocr.pipeline.page import recognize_page
from bench.generated import write as write_generated
from bench.metrics import bow_error, edits, normalise
from bench.report import update

REPO = Path(__file__).resolve().parent.parent
DEFAULT_EVAL = Path(os.environ.get("OCR_SHARED_DIR", REPO.parent / "shared")) / "eval"
CASE_INSENSITIVE_SETS = {"sroie-receipts"}


@dataclass
class Score:
    edits: int = 0
    chars: int = 0
    page_cers: list[float] = field(default_factory=list)
    bows: list[float] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)
    rows: int = 0  # truth rows of receipts
    rows_whole: int = 0  # of them, read as one line with the right words
    empty: int = 0  # pages read empty where the other reading found text

    def add(self, distance: int, length: int, bow: float, seconds: float) -> None:
        self.edits += distance
        self.chars += length
        self.page_cers.append(distance / max(1, length))
        self.bows.append(bow)
        self.seconds.append(seconds)

    def row(self) -> dict[str, float | None]:
        pages = max(1, len(self.page_cers))
        return {
            "cer": round(self.edits / max(1, self.chars), 4),
            "page_cer": round(sum(self.page_cers) / pages, 4),
            "bow": round(sum(self.bows) / max(1, len(self.bows)), 4),
            "rows_whole": round(self.rows_whole / self.rows, 3) if self.rows else None,
            "empty": self.empty,
            "s_per_page": round(sum(self.seconds) / max(1, len(self.seconds)), 3),
            "worst_cer": round(max(self.page_cers, default=0.0), 4),
        }


def rows_whole(truth: str, text: str, *, fold_case: bool) -> tuple[int, int]:
    """(truth rows, of them found as one line of `text` with exactly their words)."""
    found = {normalise(line, fold_case=fold_case) for line in text.splitlines()}
    rows = [normalise(line, fold_case=fold_case) for line in truth.splitlines() if line.strip()]
    return len(rows), sum(1 for row in rows if row in found)


_handles = threading.local()


def plain_tesseract(image: Image.Image, psm: int, lang: str = "eng") -> str:
    """Tesseract's own text for the page, as `tesseract IMG OUT -l LANG --psm N` writes it:
    the baseline must not get the service's own post-processing of the words."""
    apis: dict[str, PyTessBaseAPI] = _handles.__dict__.setdefault("apis", {})
    api = apis.get(lang)
    if api is None:
        api = apis[lang] = PyTessBaseAPI(path=find_tessdata() + "/", lang=lang, oem=OEM.LSTM_ONLY)
    api.SetPageSegMode(psm)
    set_image(api, image, None)  # the file's pixels, as the command reads them
    return str(api.GetUTF8Text())


GENERATED = REPO / "bench" / "results" / "generated"
REAL = REPO / "bench" / "real"
# Where a set comes from, in the order the report shows them: real pages first.
ORIGINS = ("real", "eval", "generated")


def page_lang(tags: list[str]) -> str:
    """The page's language, from its `lang:xxx` tag; English without one."""
    return next((tag.removeprefix("lang:") for tag in tags if tag.startswith("lang:")), "eng")


def read_manifest(eval_dir: Path, quick: bool) -> list[dict[str, str]]:
    """The pages of `eval_dir`'s MANIFEST.csv, each with its folder under "root"."""
    with (eval_dir / "MANIFEST.csv").open() as manifest:
        rows = [{**row, "root": str(eval_dir)} for row in csv.DictReader(manifest)]
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
    parser.add_argument("--no-generated", action="store_true", help="only the public eval")
    parser.add_argument(
        "--no-neural",
        dest="neural",
        action="store_false",
        help="Tesseract alone: leave out engine=neural, auto and the bare neural reader",
    )
    args = parser.parse_args()
    rows = [{**row, "origin": "real"} for row in read_manifest(REAL, quick=False)]
    rows += [{**row, "origin": "eval"} for row in read_manifest(args.eval_dir, args.quick)]
    if not args.no_generated:
        write_generated(GENERATED)  # deterministic: the same pages on every run
        rows += [{**row, "origin": "generated"} for row in read_manifest(GENERATED, args.quick)]
    if args.set:
        rows = [row for row in rows if row["set"] in args.set]
    engine = TesserocrEngine(
        tessdata=find_tessdata(),
        accurate_tessdata=find_accurate_tessdata(),
        max_handles=3 * args.workers,
    )
    neural, bare_neural = None, None
    if args.neural:
        neural = NeuralEngine(max_readers=args.workers)
        # The bare reader turns each line on the classifier's word alone, as RapidOCR does.
        bare_neural = NeuralEngine(max_readers=args.workers, lines_turn_alone=True)
    scores: dict[tuple[str, str, str], Score] = defaultdict(Score)

    def run(row: dict[str, str]) -> None:
        folder = Path(row["root"]) / row["set"]
        truth = (folder / row["truth"]).read_text(encoding="utf-8")
        image, _ = upright(Image.open(folder / row["image"]))
        image.load()
        fold = row["set"] in CASE_INSENSITIVE_SETS
        line_psm = 7 if row["set"] == "uw3-lines-calamari" else 3
        tags = [tag for tag in row["tags"].split(";") if tag]
        lang = page_lang(tags)
        started = time.thread_time()
        plain = plain_tesseract(to_engine_mode(image), line_psm, lang)
        plain_seconds = time.thread_time() - started
        started = time.thread_time()
        page = recognize_page(image, engine, PageOptions(lang=lang, engine="tesseract"))
        ours_seconds = time.thread_time() - started
        results = {"defaults": (plain, plain_seconds), "pipeline": (page.text, ours_seconds)}
        if neural is not None and bare_neural is not None:
            started = time.thread_time()
            bare = bare_neural.recognize(image, RecognizeOptions(lang=lang)).text
            results["neural"] = (bare, time.thread_time() - started)
            for mode, choice in (("engine-neural", "neural"), ("auto", "auto")):
                started = time.thread_time()
                options = PageOptions(lang=lang, engine=choice, neural=neural)
                text = recognize_page(image, engine, options).text
                results[mode] = (text, time.thread_time() - started)
        origin = row["origin"]
        keys = [(origin, row["set"]), *[(f"{origin} tag", tag) for tag in tags]]
        for mode, (text, seconds) in results.items():
            other = results["defaults" if mode != "defaults" else "pipeline"][0]
            distance, length = edits(truth, text, fold_case=fold)
            bow = bow_error(truth, text, fold_case=fold)
            counted, whole = rows_whole(truth, text, fold_case=fold)
            for kind, name in keys:
                score = scores[(kind, name, mode)]
                score.add(distance, length, bow, seconds)
                score.empty += int(not text.strip() and bool(other.strip()))
                if "receipt" in tags:
                    score.rows += counted
                    score.rows_whole += whole
        if args.show:
            print(f"{row['set']}/{row['image']}: steps {page.steps}, psm choice, "
                  f"CER {edits(truth, plain, fold_case=fold)[0]} -> "
                  f"{edits(truth, page.text, fold_case=fold)[0]} edits", flush=True)  # fmt: skip

    started = time.monotonic()
    with ThreadPoolExecutor(args.workers) as pool:
        list(pool.map(run, rows))
    report: list[object] = []
    neural_report: list[object] = []
    print(f"\n{len(rows)} pages in {time.monotonic() - started:.0f} s\n")
    table = _table(scores, "defaults", "plain", report)
    if neural is not None and bare_neural is not None:
        neural_table = _table(scores, "neural", "neural", neural_report)
        print("The bare neural reader (RapidOCR, PP-OCRv6, the page as sent) against ours:")
        print("\n".join(neural_table) + "\n")
        for mode, label in (("engine-neural", "engine=neural"), ("auto", "engine=auto")):
            mode_table = _table(scores, mode, label, neural_report)
            print(f"{label} against engine=tesseract (ours):")
            print("\n".join(mode_table) + "\n")
        neural.close()
        bare_neural.close()
        engines = _engines_table(scores)
        print("\n".join(engines) + "\n")
    print("\n".join(table))
    out = REPO / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"accuracy-{time.strftime('%Y%m%d-%H%M%S')}.json"
    results = {"pages": len(rows), "quick": args.quick, "rows": report}
    if neural_report:
        results["neural_rows"] = neural_report
    path.write_text(json.dumps(results, indent=2))
    print(f"written to {path.relative_to(REPO)}")
    if not args.quick and not args.set and not args.no_generated:
        summary = f"{len(rows)} pages\n\n" + "\n".join(table)
        if neural is not None:
            summary += "\n\n" + "\n".join(engines)
        print(f"updated {update('accuracy.md', 'accuracy', summary).relative_to(REPO)}")
    engine.close()
    return 0


def _table(
    scores: dict[tuple[str, str, str], "Score"], mode: str, label: str, report: list[object]
) -> list[str]:
    """Per origin, its sets then its tags: `mode`'s reading against ours, cell by cell."""
    columns = ("CER", "page CER", "BoW", "rows whole", "empty", "s/page")
    heading = f"{label}/ours"
    header = f"{'':<13} {'name':<24} " + " ".join(f"{c + ' ' + heading:>21}" for c in columns)
    table = [header]
    for kind in (kind for origin in ORIGINS for kind in (origin, f"{origin} tag")):
        names = sorted({name for k, name, _ in scores if k == kind})
        for name in names:
            other = scores[(kind, name, mode)].row()
            ours = scores[(kind, name, "pipeline")].row()
            report.append(
                {"kind": kind, "name": name, "mode": mode, "defaults": other, "pipeline": ours}
            )
            cells = [
                _pair(other[key], ours[key])
                for key in ("cer", "page_cer", "bow", "rows_whole", "empty", "s_per_page")
            ]
            table.append(f"{kind:<13} {name:<24} " + " ".join(f"{cell:>21}" for cell in cells))
        if names:
            table.append("")
    return table


ENGINE_MODES = (
    ("defaults", "plain"),
    ("pipeline", "tesseract"),
    ("engine-neural", "neural"),
    ("auto", "auto"),
    ("neural", "bare neural"),
)
AUTO_MARGIN = 0.005  # auto may trail the better of plain Tesseract and bare RapidOCR by this


def _engines_table(scores: dict[tuple[str, str, str], "Score"]) -> list[str]:
    """Per set and kind, the mean page CER of every engine choice side by side, auto's
    seconds a page against engine=tesseract's, and whether auto holds its bound: no worse
    than the better of plain Tesseract and the bare neural reader by more than AUTO_MARGIN."""
    header = f"{'':<13} {'name':<24} " + " ".join(f"{label:>11}" for _, label in ENGINE_MODES)
    table = ["Mean page CER per engine (engine=tesseract is the service before the neural "
             "reader):", header + f" {'auto s/tess s':>14} {'auto bound':>11}"]  # fmt: skip
    for kind in (kind for origin in ORIGINS for kind in (origin, f"{origin} tag")):
        names = sorted({name for k, name, _ in scores if k == kind})
        for name in names:
            cers = {mode: scores[(kind, name, mode)].row()["page_cer"] for mode, _ in ENGINE_MODES}
            auto_s = scores[(kind, name, "auto")].row()["s_per_page"] or 0.0
            tess_s = scores[(kind, name, "pipeline")].row()["s_per_page"] or 1e-9
            best = min(float(cers["defaults"] or 0), float(cers["neural"] or 0))
            holds = float(cers["auto"] or 0) <= best + AUTO_MARGIN
            cells = " ".join(f"{float(cers[mode] or 0):>11.4f}" for mode, _ in ENGINE_MODES)
            table.append(
                f"{kind:<13} {name:<24} {cells} {auto_s / tess_s:>13.2f}x "
                f"{'holds' if holds else 'MISSED':>11}"
            )
        if names:
            table.append("")
    return table


def _pair(plain: float | None, ours: float | None) -> str:
    if plain is None or ours is None:
        return "-"
    if isinstance(plain, int) and isinstance(ours, int):
        return f"{plain} / {ours}"
    return f"{plain:.3f} / {ours:.3f}"


if __name__ == "__main__":
    sys.exit(main())
