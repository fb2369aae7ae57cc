"""The preparation's own bookkeeping (pipeline/prepare.py)."""

from io import BytesIO

import pytest
from PIL import Image

from app.ocr.engines.protocol import OcrEngine
from app.ocr.pipeline import prepare
from app.ocr.pipeline.options import PageOptions
from tests.conftest import text_image

TEXT = "\n".join(f"Line {n} of a page that was scanned a little tilted" for n in range(12))


def analyses(monkeypatch: pytest.MonkeyPatch, options: PageOptions, engine: OcrEngine) -> int:
    page = Image.open(BytesIO(text_image(TEXT, size=28))).convert("L")
    tilted = page.rotate(3, expand=True, fillcolor=255)
    calls = []
    measure = prepare.analyse
    monkeypatch.setattr(prepare, "analyse", lambda image: calls.append(1) or measure(image))
    prepared = prepare.improve(prepare.plain(tilted), options, engine)
    assert any(step.startswith("deskew:") for step in prepared.steps)
    return len(calls)


def test_a_deskewed_page_is_measured_again_only_for_the_steps_its_look_decides(
    monkeypatch: pytest.MonkeyPatch, engine: OcrEngine
) -> None:
    # Tesseract's preparation goes on to rules, scale and thresholding, told by the look of
    # the page as turned; the neural reader's has none of them.
    assert analyses(monkeypatch, PageOptions(), engine) == 2
    neural = PageOptions(remove_lines=False, rescale=False, binarize=False, smooth=False)
    assert analyses(monkeypatch, neural, engine) == 1
