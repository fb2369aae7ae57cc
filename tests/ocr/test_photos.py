"""Phone photos and the rule that a prepared reading is never much worse than the page as sent."""

import random
from io import BytesIO

import numpy as np
import pytest
from PIL import Image

from app.ocr import pipeline
from app.ocr.engines.protocol import OcrEngine
from app.ocr.pipeline import Limits, PageOptions, Prepared, recognize_image, recognize_page
from app.ocr.preparation.analysis import analyse
from bench.generated import _encode, photo
from bench.metrics import cer
from tests.conftest import text_image

LIMITS = Limits(max_pixels=40_000_000, max_pages=5)


def dim_photo() -> tuple[bytes, str]:
    """A printed page on a darker table, shot in a dim room: the sheet reads mid grey, the
    frame around it darker still; stored on its side with EXIF orientation 6, 12 MP."""
    image, truth = photo(random.Random(2), 6, shade=0.95, fill=0.8, exposure=0.6)
    return _encode(image, "JPEG", quality=82, orientation=6), truth


def test_a_dim_phone_photo_of_a_printed_page_is_read(engine_with_larger_models: OcrEngine) -> None:
    data, truth = dim_photo()
    page = recognize_image(data, engine_with_larger_models, PageOptions(), LIMITS)
    assert page.steps[0] == "exif-orientation:6"
    assert "invert" not in page.steps  # a light sheet on a dark table is not a dark page
    assert cer(truth, page.text) < 0.05


def test_a_light_sheet_on_a_dark_table_is_not_a_dark_page() -> None:
    frame = np.full((600, 800), 40, dtype=np.uint8)
    frame[150:450, 250:550] = 200  # the sheet, a third of the frame
    assert not analyse(Image.fromarray(frame)).dark
    screen = np.full((600, 800), 30, dtype=np.uint8)  # light text on a dark screen
    screen[::20, 100:700] = 230
    assert analyse(Image.fromarray(screen)).dark


def test_a_preparation_that_loses_the_text_gives_way_to_the_page_as_sent(
    engine_with_larger_models: OcrEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = "The page as it was sent\nreads perfectly well"
    image = Image.open(BytesIO(text_image(text)))

    def lose_the_text(prepared: Prepared, options: PageOptions, engine: OcrEngine) -> Prepared:
        # What a preparation gone wrong leaves: specks where the text was.
        specks = np.random.default_rng(0).choice([0, 255], size=image.size[::-1], p=[0.02, 0.98])
        return Prepared(image=Image.fromarray(specks.astype(np.uint8)), steps=["lost"])

    monkeypatch.setattr(pipeline, "improve", lose_the_text)
    page = recognize_page(image, engine_with_larger_models, PageOptions())
    assert "kept-as-sent" in page.steps
    assert "lost" not in page.steps
    assert page.text_lines == text.splitlines()
