"""A small accuracy regression check on real eval pages (the full run is make bench-accuracy)."""

from pathlib import Path

import pytest
from PIL import Image

from app.ocr.engine import OcrEngine, create_engine, find_tessdata
from app.ocr.images import upright
from app.ocr.pipeline import PageOptions, recognize_page
from bench.metrics import cer

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


@pytest.fixture(scope="module")
def engine() -> OcrEngine:
    return create_engine("tesserocr", tessdata=find_tessdata(), max_handles=2)


@pytest.mark.parametrize(("folder", "name", "bound"), CASES)
def test_hard_pages_are_read(
    engine: OcrEngine, eval_dir: Path, folder: str, name: str, bound: float
) -> None:
    path = eval_dir / folder / name
    truth = path.with_suffix(".txt").read_text(encoding="utf-8")
    image, _ = upright(Image.open(path))
    page = recognize_page(image, engine, PageOptions())
    assert cer(truth, page.text) <= bound, page.steps
