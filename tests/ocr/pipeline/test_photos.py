"""Phone photos and the rule that a prepared reading is never much worse than the page as sent."""

import random
from io import BytesIO

import numpy as np
import pytest
from PIL import Image

from app.ocr.decoding.documents import Limits
from app.ocr.decoding.images import upright
from app.ocr.engines.protocol import OcrEngine, RecognizeOptions
from app.ocr.pipeline import page as pipeline_page
from app.ocr.pipeline import prepare as pipeline_prepare
from app.ocr.pipeline.options import PageOptions
from app.ocr.pipeline.page import recognize_image, recognize_page
from app.ocr.pipeline.prepare import Prepared
from app.ocr.preparation.analysis import analyse
from app.ocr.preparation.transforms import rotate
from bench.generated import _encode, close_photo, photo
from bench.metrics import cer
from tests.conftest import text_image
from tests.helpers.photos import REAL_PHOTO, assert_reads_the_real_photo

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

    monkeypatch.setattr(pipeline_page, "improve", lose_the_text)
    page = recognize_page(image, engine_with_larger_models, PageOptions())
    assert "kept-as-sent" in page.steps
    assert "lost" not in page.steps
    assert page.text_lines == text.splitlines()


def no_idle_core(work: object) -> None:
    """A spare that never has a core to give: one CPU, busy with other requests."""
    return None


def white_wedged(page: Image.Image, degrees: float) -> Image.Image:
    """A turn that paints the uncovered corners white whatever the paper: what deskewing did
    when the real photo came back empty."""
    return page.rotate(degrees, expand=True, fillcolor=255, resample=Image.Resampling.BICUBIC)


def test_the_real_photo_reads_in_french_in_reading_order(
    engine_with_larger_models: OcrEngine,
) -> None:
    page = recognize_image(
        REAL_PHOTO.read_bytes(), engine_with_larger_models, PageOptions(lang="fra"), LIMITS,
        spare=no_idle_core,
    )  # fmt: skip
    assert_reads_the_real_photo(page.text)
    # Read as prepared, deskewed: not saved by the page as sent.
    assert "deskew:1.0" in page.steps
    assert "kept-as-sent" not in page.steps


@pytest.mark.slow  # each reads a generated 12-megapixel photo: seconds of its own
@pytest.mark.parametrize(("seed", "angle", "exposure"), [(1, 1.0, 0.65), (4, 0.9, 0.7)])
def test_close_photos_with_little_ink_read_once_deskewed(
    engine: OcrEngine, seed: int, angle: float, exposure: float
) -> None:
    # A few lines of print on a sheet filling the frame in dim light: white corners left by
    # deskewing outweigh the ink, and the page read as one dark block lost every line.
    image, truth = close_photo(random.Random(seed), 6, angle, exposure)
    data = _encode(image, "JPEG", quality=85, orientation=6)
    page = recognize_image(data, engine, PageOptions(), LIMITS, spare=no_idle_core)
    assert any(step.startswith("deskew:") for step in page.steps)
    assert "kept-as-sent" not in page.steps
    assert cer(truth, page.text) < 0.02


def test_a_turned_page_is_filled_with_its_own_paper() -> None:
    grey_paper = np.full((400, 300), 150, dtype=np.uint8)
    grey_paper[100:110, 50:250] = 20  # a line of ink
    turned = np.asarray(rotate(Image.fromarray(grey_paper), 5.0))
    assert turned.shape[0] > 400
    assert turned.shape[1] > 300
    corners = [turned[0, 0], turned[0, -1], turned[-1, 0], turned[-1, -1]]
    assert all(abs(int(value) - 150) <= 2 for value in corners)
    assert rotate(Image.new("1", (50, 50), 1), 3.0).getpixel((0, 0)) == 255
    assert rotate(Image.new("RGB", (50, 50), (200, 200, 200)), 3.0).getpixel((0, 0)) == (
        255, 255, 255,
    )  # fmt: skip


def test_an_empty_reading_claims_no_confidence(engine: OcrEngine) -> None:
    # The real photo deskewed onto white corners: Tesseract finds no line, yet its mean
    # confidence of no words at all came back 95, and the page as sent (79) lost to it.
    photo_page = upright(Image.open(REAL_PHOTO))[0].convert("L")
    wedged = white_wedged(photo_page, -1.0)
    page = engine.recognize(wedged, RecognizeOptions(lang="fra"))
    assert page.lines == []
    assert page.confidence == 0.0


@pytest.mark.slow  # each reads the 12-megapixel photo twice: seconds of its own
@pytest.mark.parametrize("engine_name", ["engine", "subprocess_engine"])
def test_the_floor_holds_with_no_idle_core_for_the_early_reading(
    engine_name: str, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    either_engine: OcrEngine = request.getfixturevalue(engine_name)
    # The preparation loses every line again (corners painted white), and no core is free
    # to read the page as sent while it is prepared: it is read afterwards, and kept.
    monkeypatch.setattr(pipeline_prepare, "rotate", white_wedged)
    page = recognize_image(
        REAL_PHOTO.read_bytes(), either_engine, PageOptions(lang="fra"), LIMITS,
        spare=no_idle_core,
    )  # fmt: skip
    assert "kept-as-sent" in page.steps
    assert not any(step.startswith("deskew:") for step in page.steps)
    assert "Grèce Antique" in page.text
    assert "Les grecs ont inventé la démocratie" in page.text


def test_a_reading_with_far_fewer_lines_than_the_page_holds_is_checked(
    engine: OcrEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A confident reading of one line, where the analysis sees six: the page as sent is read
    # too, even though the first reading is sure of itself and no early reading exists.
    lines = ["First line of the page", "Second line of it", "Third line here",
             "Fourth line too", "Fifth line follows", "Sixth and last line"]  # fmt: skip
    image = Image.open(BytesIO(text_image("\n".join(lines))))
    first_line_only = Image.open(BytesIO(text_image(lines[0]))).convert("L")

    def keep_one_line(prepared: Prepared, options: PageOptions, engine: OcrEngine) -> Prepared:
        canvas = Image.new("L", image.size, 255)
        canvas.paste(first_line_only, (0, 0))
        return Prepared(image=canvas, steps=["one-line"], lines_seen=len(lines))

    monkeypatch.setattr(pipeline_page, "improve", keep_one_line)
    page = recognize_page(image, engine, PageOptions(smooth=False), spare=no_idle_core)
    assert "kept-as-sent" in page.steps
    assert page.text_lines == lines
