"""A small accuracy regression check on real eval pages (the full run is make bench-accuracy)."""

import csv
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from PIL import Image

from app.ocr.decoding.images import upright
from app.ocr.engines.protocol import OcrEngine
from app.ocr.pipeline.options import PageOptions
from app.ocr.pipeline.page import recognize_page
from bench.metrics import bow_error, cer

CASES = [
    # (folder, image, CER bound for the pipeline); plain Tesseract scores 0.8+ on the first four
    pytest.param("derived-degradations", "phototest__rot90.png", 0.05, id="rot90"),
    pytest.param("derived-degradations", "phototest__rot180.png", 0.05, id="rot180"),
    pytest.param("tesseract-test", "phototest-rotated-L.png", 0.05, id="rotated-left"),
    pytest.param("derived-degradations", "eurotext__skew-6.png", 0.05, id="skew-6"),
    pytest.param("derived-degradations", "phototest__salt-pepper.png", 0.05, id="salt-pepper"),
    pytest.param("derived-degradations", "receipt_03__third-size.png", 0.05, id="small-receipt"),
    pytest.param("derived-degradations", "eurotext__photo-sim.jpg", 0.05, id="photo"),
]


@pytest.mark.parametrize(("folder", "name", "bound"), CASES)
def test_hard_pages_are_read(
    engine_with_larger_models: OcrEngine, eval_dir: Path, folder: str, name: str, bound: float
) -> None:
    path = eval_dir / folder / name
    truth = path.with_suffix(".txt").read_text(encoding="utf-8")
    image, _ = upright(Image.open(path))
    page = recognize_page(image, engine_with_larger_models, PageOptions())
    assert cer(truth, page.text) <= bound, page.steps


def test_a_second_opinion_reads_receipts_better(
    engine_with_larger_models: OcrEngine, eval_dir: Path
) -> None:
    """Every fourth receipt of the eval set: the larger models' second opinion on hesitant
    pages leaves fewer words wrong, pooled (the full set: make bench-accuracy)."""
    with (eval_dir / "MANIFEST.csv").open() as manifest:
        names = [row["image"] for row in csv.DictReader(manifest) if row["set"] == "sroie-receipts"]

    def errors(name: str) -> tuple[float, float]:
        path = eval_dir / "sroie-receipts" / name
        truth = path.with_suffix(".txt").read_text(encoding="utf-8")
        image, _ = upright(Image.open(path))
        alone, merged = (
            recognize_page(
                image, engine_with_larger_models, PageOptions(second_opinion=switch)
            ).text
            for switch in (False, None)
        )
        return bow_error(truth, alone, fold_case=True), bow_error(truth, merged, fold_case=True)

    with ThreadPoolExecutor(2) as pool:
        scores = list(pool.map(errors, names[::4]))
    alone = sum(score[0] for score in scores) / len(scores)
    merged = sum(score[1] for score in scores) / len(scores)
    assert merged < alone - 0.01, (alone, merged)
