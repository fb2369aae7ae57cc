"""How right /v1/extract is: per field, the share exactly right after normalisation.

    make bench-extract            # python -m bench.extract [--quick] [--engine auto ...]

Two sets, reported apart, each read by the service's pipeline and extractor as /v1/extract
reads them, with the default engine (auto) and with engine=tesseract side by side:

- real: the SROIE receipts of ../shared/eval/sroie-receipts (company, date, address, total;
  scored as SROIE's key-information task scores them: amounts as decimals, dates as dates,
  names and addresses upper-cased with everything but letters and digits removed);
- generated: receipts and invoices from bench/documents.py, with every field and the items
  written beside them (items F1: an item is right when its description and amount both are),
  and whether the checks are right: each document adds up as printed, so they must say so
  exactly when every figure was read right.

The figures land in docs/extraction.md.
"""

import argparse
import datetime
import json
import os
import re
import sys
import time
from collections import defaultdict
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from PIL import Image

from app.extract.documents import extract
from app.extract.model import Extraction
from app.ocr.decoding.images import upright
from app.ocr.engines.neural_engine import NeuralEngine
from app.ocr.engines.tessdata import find_accurate_tessdata, find_tessdata
from app.ocr.engines.tesserocr_engine import TesserocrEngine
from app.ocr.pipeline.options import PageOptions
from app.ocr.pipeline.page import recognize_page
from bench.documents import Document, GeneratedTable, documents, tables
from bench.report import update

REPO = Path(__file__).resolve().parent.parent
EVAL = Path(os.environ.get("OCR_SHARED_DIR", REPO.parent / "shared")) / "eval"
SROIE = EVAL / "sroie-receipts"
# SROIE's key names and ours.
SROIE_FIELDS = {
    "company": "merchant_name",
    "date": "transaction_date",
    "address": "merchant_address",
    "total": "total",
}
TRUTH_DATE_FORMATS = ("%d/%m/%Y", "%d/%m/%y", "%d-%m-%Y", "%d-%m-%y", "%d.%m.%Y", "%d %b %Y",
                      "%d/%b/%Y", "%d-%b-%Y")  # fmt: skip
AMOUNT_FIELDS = {"subtotal", "tax", "tip", "discount", "total"}
DATE_FIELDS = {"transaction_date", "due_date"}
TEXT_FIELDS = {"merchant_name", "merchant_address", "customer_name", "customer_address"}


def normalise(name: str, value: str | None) -> str | None:
    """A value as SROIE's scoring compares it."""
    if value is None:
        return None
    if name in AMOUNT_FIELDS:
        match = re.search(r"-?\d[\d,]*(?:\.\d+)?", value)
        if match is None:
            return None
        try:
            return str(Decimal(match.group(0).replace(",", "")).normalize())
        except InvalidOperation:
            return None
    if name in DATE_FIELDS:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            return value  # already a date: dateutil's dayfirst would swap 2021-08-12
        for pattern in TRUTH_DATE_FORMATS:  # SROIE's receipts are Malaysian: day first
            try:
                return datetime.datetime.strptime(value.strip(), pattern).date().isoformat()
            except ValueError:
                continue
        return value
    if name in TEXT_FIELDS:
        return re.sub(r"[^A-Z0-9]", "", value.upper())
    return value.strip()


@dataclass
class Tally:
    right: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    asked: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    items_true: int = 0
    items_found: int = 0
    items_right: int = 0
    documents: int = 0
    checks_right: int = 0
    seconds: float = 0.0
    misses: list[str] = field(default_factory=list)

    def score(
        self, document: str, truth: dict[str, str], found: Extraction, fields: Iterable[str]
    ) -> None:
        self.documents += 1
        for name in fields:
            want = truth.get(name)
            if want is None:
                continue
            got = found.fields.get(name)
            self.asked[name] += 1
            if normalise(name, got.value if got else None) == normalise(name, want):
                self.right[name] += 1
            else:
                self.misses.append(
                    f"{document} {name}: want {want!r}, got {got.value if got else None!r}"
                )

    def score_items(
        self,
        document: str,
        truth: list[dict[str, str | None]],
        fields: dict[str, str],
        found: Extraction,
    ) -> None:
        wanted = [
            (_words(str(item["description"])), Decimal(str(item["amount"]))) for item in truth
        ]
        got = [(_words(item.description), Decimal(item.amount)) for item in found.items]
        self.items_true += len(wanted)
        self.items_found += len(got)
        right = 0
        for pair in got:
            if pair in wanted:
                wanted.remove(pair)
                right += 1
        self.items_right += right
        # Every generated document adds up as printed: its checks are right when they say so
        # exactly when every figure was read right, and say it does not otherwise.
        figures_right = right == len(truth) == len(got) and all(
            normalise(name, found.fields[name].value if name in found.fields else None)
            == normalise(name, fields[name])
            for name in AMOUNT_FIELDS & set(fields)
        )
        self.checks_right += int(found.checks.consistent == figures_right)
        if found.checks.consistent != figures_right:
            self.misses.append(f"{document} checks: {found.checks}, figures right: {figures_right}")

    def share(self, name: str) -> float | None:
        return self.right[name] / self.asked[name] if self.asked[name] else None

    @property
    def items_f1(self) -> float | None:
        if not self.items_true or not self.items_found:
            return None
        precision, recall = self.items_right / self.items_found, self.items_right / self.items_true
        return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def _words(text: str) -> str:
    return re.sub(r"[^A-Z0-9]", "", text.upper())


def read(
    image: Image.Image,
    lang: str,
    engine_name: str,
    engine: TesserocrEngine,
    neural: NeuralEngine | None,
    kind: str = "auto",
) -> Extraction:
    page = recognize_page(image, engine, PageOptions(lang=lang, engine=engine_name, neural=neural))
    return extract([page], lang.split("+"), kind)


def run_sroie(
    engine_name: str,
    engine: TesserocrEngine,
    neural: NeuralEngine | None,
    workers: int,
    quick: bool,
) -> Tally:
    tally = Tally()
    paths = sorted(SROIE.glob("*.fields.json"))[:: 4 if quick else 1]

    def one(path: Path) -> tuple[str, dict[str, str], Extraction, float]:
        image, _ = upright(Image.open(path.with_name(path.name.replace(".fields.json", ".jpg"))))
        started = time.monotonic()
        found = read(image, "eng", engine_name, engine, neural, "receipt")
        truth = json.loads(path.read_text(encoding="utf-8"))
        return (
            path.name.split(".")[0],
            {SROIE_FIELDS[key]: value for key, value in truth.items()},
            found,
            time.monotonic() - started,
        )

    with ThreadPoolExecutor(workers) as pool:
        for name, truth, found, seconds in pool.map(one, paths):
            tally.score(name, truth, found, SROIE_FIELDS.values())
            tally.seconds += seconds
    return tally


def run_generated(
    engine_name: str,
    engine: TesserocrEngine,
    neural: NeuralEngine | None,
    workers: int,
    quick: bool,
) -> dict[str, Tally]:
    made = documents()[:: 3 if quick else 1]
    tallies: dict[str, Tally] = defaultdict(Tally)

    def one(document: Document) -> tuple[Document, Extraction, float]:
        started = time.monotonic()
        return (
            document,
            read(document.image, document.language, engine_name, engine, neural),
            time.monotonic() - started,
        )

    with ThreadPoolExecutor(workers) as pool:
        for document, found, seconds in pool.map(one, made):
            for tally in (tallies[document.kind], tallies["all"]):
                tally.score(document.name, document.fields, found, document.fields)
                tally.score_items(document.name, document.items, document.fields, found)
                tally.seconds += seconds
                if found.kind != document.kind:
                    tally.misses.append(
                        f"{document.name} kind: want {document.kind}, got {found.kind}"
                    )
    return tallies


def _share(part: int, whole: int) -> str:
    return _percent(part / whole if whole else None)


@dataclass
class TableTally:
    cells: int = 0
    right: int = 0
    tables: int = 0
    found: int = 0
    misses: list[str] = field(default_factory=list)

    def score(self, generated: GeneratedTable, found: Extraction) -> None:
        self.tables += 1
        truth = generated.grid
        self.cells += sum(len(row) for row in truth)
        if not found.tables:
            self.misses.append(f"{generated.name}: no table found")
            return
        self.found += 1
        grid = max(found.tables, key=lambda table: table.rows * table.columns).grid()
        for row_number, row in enumerate(truth):
            for column, want in enumerate(row):
                got = (
                    grid[row_number][column]
                    if row_number < len(grid) and column < len(grid[row_number])
                    else None
                )
                if got is not None and _cell(got) == _cell(want):
                    self.right += 1
                else:
                    self.misses.append(
                        f"{generated.name} [{row_number},{column}]: want {want!r}, got {got!r}"
                    )


def _cell(text: str) -> str:
    return "".join(text.split())


def run_tables(
    engine_name: str,
    engine: TesserocrEngine,
    neural: NeuralEngine | None,
    workers: int,
    quick: bool,
) -> TableTally:
    tally = TableTally()
    made = tables()[:: 3 if quick else 1]

    def one(generated: GeneratedTable) -> tuple[GeneratedTable, Extraction]:
        return generated, read(generated.image, "eng", engine_name, engine, neural, "table")

    with ThreadPoolExecutor(workers) as pool:
        for generated, found in pool.map(one, made):
            tally.score(generated, found)
    return tally


def _percent(value: float | None) -> str:
    return "   -" if value is None else f"{value:.2f}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help="a quarter of SROIE, a third of the generated set"
    )
    parser.add_argument("--engine", action="append", choices=("auto", "tesseract", "neural"))
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--show", action="store_true", help="print every field that was wrong")
    args = parser.parse_args()
    engines = args.engine or ["auto", "tesseract"]
    engine = TesserocrEngine(
        tessdata=find_tessdata(),
        accurate_tessdata=find_accurate_tessdata(),
        max_handles=3 * args.workers,
    )
    neural = NeuralEngine(max_readers=args.workers) if set(engines) - {"tesseract"} else None
    lines: list[str] = []
    sroie: dict[str, Tally] = {}
    generated: dict[str, dict[str, Tally]] = {}
    table_tallies: dict[str, TableTally] = {}
    for name in engines:
        sroie[name] = run_sroie(name, engine, neural, args.workers, args.quick)
        generated[name] = run_generated(name, engine, neural, args.workers, args.quick)
        table_tallies[name] = run_tables(name, engine, neural, args.workers, args.quick)
    count = sroie[engines[0]].documents
    lines.append(f"Real SROIE receipts ({count}), share of fields exactly right:")
    lines.append(f"{'field':<18}" + "".join(f"{name:>12}" for name in engines) + "      target")
    targets = {
        "total": 0.95,
        "transaction_date": 0.95,
        "merchant_name": 0.85,
        "merchant_address": 0.75,
    }
    for ours in SROIE_FIELDS.values():
        lines.append(
            f"{ours:<18}"
            + "".join(f"{_percent(sroie[name].share(ours)):>12}" for name in engines)
            + f"      >= {targets[ours]:.2f}"
        )
    lines.append(
        f"{'seconds a page':<18}"
        + "".join(
            f"{sroie[name].seconds / max(1, sroie[name].documents):>12.2f}" for name in engines
        )
    )
    lines.append("")
    for kind in ("receipt", "invoice"):
        first = generated[engines[0]][kind]
        lines.append(f"Generated {kind}s ({first.documents}), share of fields exactly right:")
        lines.append(f"{'field':<18}" + "".join(f"{name:>12}" for name in engines) + "      target")
        names = sorted(first.asked, key=lambda key: list(first.asked).index(key))
        for field_name in names:
            lines.append(
                f"{field_name:<18}"
                + "".join(
                    f"{_percent(generated[name][kind].share(field_name)):>12}" for name in engines
                )
                + "      >= 0.95"
            )
        lines.append(
            f"{'items F1':<18}"
            + "".join(f"{_percent(generated[name][kind].items_f1):>12}" for name in engines)
            + "      >= 0.95"
        )
        lines.append(
            f"{'checks right':<18}"
            + "".join(
                f"{_share(generated[name][kind].checks_right, generated[name][kind].documents):>12}"
                for name in engines
            )
            + "      1.00"
        )
        lines.append("")
    first_tables = table_tallies[engines[0]]
    lines.append(f"Generated tables ({first_tables.tables}, ruled and unruled), cells right:")
    lines.append(f"{'':<18}" + "".join(f"{name:>12}" for name in engines) + "      target")
    lines.append(
        f"{'tables found':<18}"
        + "".join(
            f"{_share(table_tallies[name].found, table_tallies[name].tables):>12}"
            for name in engines
        )
        + "      1.00"
    )
    lines.append(
        f"{'cells right':<18}"
        + "".join(
            f"{_share(table_tallies[name].right, table_tallies[name].cells):>12}"
            for name in engines
        )
        + "      >= 0.97"
    )
    text = "\n".join(lines)
    print(text)
    if args.show:
        for name in engines:
            print(f"\nwrong with engine={name}:")
            for miss in (
                sroie[name].misses + generated[name]["all"].misses + table_tallies[name].misses
            ):
                print("  " + miss)
    if not args.quick:
        print(f"updated {update('extraction.md', 'bench-extract', text).relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
