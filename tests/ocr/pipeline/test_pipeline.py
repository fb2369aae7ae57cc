"""Each preparation step does its job on pages made by the test, and boxes map back."""

import random
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from io import BytesIO
from pathlib import Path
from typing import cast

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageOps

from app.core.errors import PayloadTooLarge, ProcessingTimeout
from app.ocr.engines import create_engine
from app.ocr.engines.protocol import MAX_SIDE, OcrEngine, RecognizeOptions
from app.ocr.engines.tessdata import find_tessdata
from app.ocr.pipeline.options import PageOptions
from app.ocr.pipeline.page import recognize_page
from app.ocr.pipeline.prepare import DARK_BORDER_SHARE, MIN_RULE_SHARE, prepare
from app.ocr.pipeline.readings import HESITANT_CONFIDENCE
from app.ocr.preparation.analysis import ANALYSIS_WIDTH, PageLook, analyse
from app.ocr.preparation.geometry import Affine, rotation_map, scale_map
from app.ocr.preparation.layout import PSM_AUTO, PSM_SINGLE_BLOCK, PSM_SINGLE_LINE, choose_psm
from app.ocr.results import Page
from tests.conftest import text_image

TEXT = "\n".join(
    [
        "The quick brown fox jumps over the lazy dog.",
        "Pack my box with five dozen liquor jugs now.",
        "How vexingly quick daft zebras jump today.",
        "Sphinx of black quartz, judge my vow again.",
        "Bright vixens jump; dozy fowl quack loudly.",
    ]
)


@pytest.fixture(scope="module")
def page() -> Image.Image:
    return Image.open(BytesIO(text_image(TEXT, size=36, padding=60))).convert("L")


def words_read(text: str) -> float:
    expected = TEXT.replace("\n", " ").split()
    found = set(text.split())
    return sum(word in found for word in expected) / len(expected)


def test_clean_page_is_left_alone(engine: OcrEngine, page: Image.Image) -> None:
    result = recognize_page(page, engine, PageOptions())
    assert result.steps == []
    assert result.rotation == 0
    assert words_read(result.text) > 0.95


@pytest.mark.parametrize("degrees", [90, 180, 270])
def test_turned_pages_are_turned_upright(
    engine: OcrEngine, page: Image.Image, degrees: int
) -> None:
    turned = page.rotate(degrees, expand=True)
    result = recognize_page(turned, engine, PageOptions())
    assert words_read(result.text) > 0.9
    assert any(step.startswith("rotate:") for step in result.steps)
    assert result.rotation in (90, 180, 270)
    if degrees == 180:  # (Tesseract itself copes with some sideways pages, never this one)
        off = recognize_page(turned, engine, PageOptions(auto_rotate=False))
        assert words_read(off.text) < 0.5


@pytest.mark.parametrize("degrees", [-6, 4])
def test_skewed_pages_are_straightened(engine: OcrEngine, page: Image.Image, degrees: int) -> None:
    skewed = page.rotate(degrees, expand=True, fillcolor=255, resample=Image.Resampling.BICUBIC)
    result = recognize_page(skewed, engine, PageOptions())
    deskew = [step for step in result.steps if step.startswith("deskew:")]
    assert deskew
    assert float(deskew[0].split(":")[1]) == pytest.approx(degrees, abs=0.5)
    assert words_read(result.text) > 0.95


def test_a_bitonal_scan_is_measured_and_straightened(engine: OcrEngine) -> None:
    # Two grey levels only, as a fax or a 1-bit TIFF: every Otsu threshold splits alike. Small
    # enough to be measured as it is, not on a reduced (grey again) copy.
    page = Image.open(BytesIO(text_image(TEXT, size=24, padding=40))).convert("L")
    bitonal = page.point(lambda value: 255 if value > 128 else 0)
    bitonal = bitonal.rotate(6, expand=True, fillcolor=255)
    assert bitonal.width < 1.5 * ANALYSIS_WIDTH
    assert set(np.unique(np.asarray(bitonal))) == {0, 255}
    look = analyse(bitonal)
    assert look.skew_degrees == pytest.approx(6, abs=0.5)
    assert look.line_height is not None
    result = recognize_page(bitonal, engine, PageOptions())
    assert result.steps[0].startswith("deskew:")
    assert words_read(result.text) > 0.9


class ReadingThreads:
    """The real engine, noting on which thread each page reading ran: "spare" or "job"."""

    def __init__(self, engine: OcrEngine) -> None:
        self.engine = engine
        self.threads: list[str] = []

    def recognize(self, image: Image.Image, options: RecognizeOptions) -> Page:
        name = threading.current_thread().name
        self.threads.append("spare" if name.startswith("spare") else "job")
        return self.engine.recognize(image, options)

    def __getattr__(self, name: str) -> object:
        return getattr(self.engine, name)


@pytest.mark.parametrize(
    ("make_page", "options", "readings"),
    [
        (lambda page: page, PageOptions(), ["spare"]),
        (ImageOps.invert, PageOptions(), ["spare", "job"]),
        (lambda page: page, PageOptions(psm=PSM_SINGLE_BLOCK), ["job"]),
    ],
    ids=["clean-page-read-early", "prepared-page-read-again", "chosen-psm-not-read-early"],
)
def test_an_idle_core_reads_the_page_as_sent_while_it_is_analysed(
    engine: OcrEngine,
    page: Image.Image,
    make_page: Callable[[Image.Image], Image.Image],
    options: PageOptions,
    readings: list[str],
) -> None:
    sent = make_page(page)
    engine_readings = ReadingThreads(engine)
    with ThreadPoolExecutor(1, thread_name_prefix="spare") as pool:
        result = recognize_page(sent, engine_readings, options, spare=pool.submit)  # type: ignore[arg-type]
    assert engine_readings.threads == readings
    # The early reading is only ever used when it is the reading the page would get anyway.
    alone = recognize_page(sent, engine, options)
    assert (result.text, result.steps, result.confidence) == (
        alone.text,
        alone.steps,
        alone.confidence,
    )
    assert words_read(result.text) > 0.95


def test_without_an_idle_core_the_job_reads_the_page_itself(
    engine: OcrEngine, page: Image.Image
) -> None:
    engine_readings = ReadingThreads(engine)
    result = recognize_page(page, engine_readings, PageOptions(), spare=lambda _: None)  # type: ignore[arg-type]
    assert engine_readings.threads == ["job"]
    assert words_read(result.text) > 0.95


def test_light_on_dark_is_inverted(engine: OcrEngine, page: Image.Image) -> None:
    result = recognize_page(ImageOps.invert(page), engine, PageOptions())
    assert "invert" in result.steps
    assert words_read(result.text) > 0.95


def test_salt_and_pepper_is_removed(engine: OcrEngine, page: Image.Image) -> None:
    pixels = np.asarray(page).copy()
    rng = np.random.default_rng(7)
    noise = rng.random(pixels.shape)
    pixels[noise < 0.03] = 0
    pixels[noise > 0.97] = 255
    noisy = Image.fromarray(pixels)
    result = recognize_page(noisy, engine, PageOptions())
    assert "denoise:median" in result.steps
    plain = recognize_page(noisy, engine, PageOptions(denoise=False))
    assert words_read(result.text) > words_read(plain.text)


def test_small_text_is_scaled_up_and_huge_text_down(engine: OcrEngine, page: Image.Image) -> None:
    small = page.resize((page.width // 3, page.height // 3), Image.Resampling.LANCZOS)
    result = recognize_page(small, engine, PageOptions())
    factors = [float(s.split(":")[1]) for s in result.steps if s.startswith("rescale:")]
    assert factors
    assert factors[0] > 1.5
    huge = page.resize((page.width * 6, page.height * 6), Image.Resampling.BICUBIC)
    prepared = prepare(huge, PageOptions(), engine)
    assert prepared.image.width < huge.width  # less work for the same text
    assert words_read(recognize_page(huge, engine, PageOptions()).text) > 0.95


def test_uneven_light_switches_to_adaptive_thresholding(
    engine: OcrEngine, page: Image.Image
) -> None:
    gradient = np.linspace(90, 255, page.width, dtype=np.float32)[None, :]
    shaded = Image.fromarray((np.asarray(page, dtype=np.float32) * gradient / 255).astype(np.uint8))
    prepared = prepare(shaded, PageOptions(), engine)
    assert "binarize:sauvola" in prepared.steps
    assert ("thresholding_method", "2") in prepared.variables
    assert words_read(recognize_page(shaded, engine, PageOptions()).text) > 0.9


def _form(page: Image.Image) -> Image.Image:
    """The page as a form: each line of text underlined by a fill-in rule, in a framed box."""
    form = page.copy()
    draw = ImageDraw.Draw(form)
    line_pitch = int(36 * 1.5)
    for index in range(len(TEXT.splitlines())):
        baseline = 60 + index * line_pitch + 44
        draw.line([(40, baseline), (form.width - 40, baseline)], fill=0, width=3)
    draw.rectangle([(20, 20), (form.width - 20, form.height - 20)], outline=0, width=4)
    return form


def test_form_rules_are_removed(engine: OcrEngine, page: Image.Image) -> None:
    form = _form(page)
    assert analyse(form).rules >= MIN_RULE_SHARE
    prepared = prepare(form, PageOptions(), engine)
    assert "remove-lines" in prepared.steps
    # The frame and the rules are gone, the text is not.
    cleaned = np.asarray(prepared.image)
    assert cleaned[22, form.width // 2] == 255
    assert cleaned[:, 25].min() == 255
    result = recognize_page(form, engine, PageOptions())
    assert words_read(result.text) > 0.9
    assert "__" not in result.text
    assert "|" not in result.text
    kept = prepare(form, PageOptions(remove_lines=False), engine)
    assert "remove-lines" not in kept.steps
    assert np.asarray(kept.image)[:, 25].min() < 128


def test_rules_of_a_page_left_tilted_are_not_removed(engine: OcrEngine, page: Image.Image) -> None:
    # Rules are found as straight horizontal and vertical runs: only once the page is level.
    tilted = _form(page).rotate(2, expand=True, fillcolor=255)
    straightened = prepare(tilted, PageOptions(), engine)
    assert straightened.steps[0].startswith("deskew:")
    assert "remove-lines" in straightened.steps
    assert "remove-lines" not in prepare(tilted, PageOptions(deskew=False), engine).steps


def test_a_scanners_dark_surround_is_painted_over(engine: OcrEngine, page: Image.Image) -> None:
    # The sheet lies on a black lid: dark bands above, below and down one side.
    scan = Image.new("L", (page.width + 80, page.height + 160), 10)
    scan.paste(page, (60, 80))
    assert analyse(scan).dark_border >= DARK_BORDER_SHARE
    prepared = prepare(scan, PageOptions(), engine)
    assert "remove-border" in prepared.steps
    assert np.asarray(prepared.image)[:40].min() > 200
    assert words_read(recognize_page(scan, engine, PageOptions()).text) > 0.9
    kept = prepare(scan, PageOptions(remove_border=False), engine)
    assert "remove-border" not in kept.steps
    assert np.asarray(kept.image)[:40].max() < 50


def test_text_alone_has_no_rules(page: Image.Image) -> None:
    assert analyse(page).rules < MIN_RULE_SHARE


def test_preprocess_off_means_no_step(engine: OcrEngine, page: Image.Image) -> None:
    result = recognize_page(page.rotate(180), engine, PageOptions(preprocess=False))
    assert result.steps == []


@pytest.mark.parametrize("degrees", [90, 180, 270, -5])
def test_boxes_come_back_in_the_pixels_of_the_page_sent(
    engine: OcrEngine, page: Image.Image, degrees: int
) -> None:
    sent = page.rotate(degrees, expand=True, fillcolor=255, resample=Image.Resampling.BICUBIC)
    result = recognize_page(sent, engine, PageOptions())
    assert (result.width, result.height) == sent.size
    words = [word for line in result.lines for word in line.words]
    assert len(words) > 30
    for word in words:
        x0, y0, x1, y1 = word.bbox
        assert 0 <= x0 < x1 <= sent.width
        assert 0 <= y0 < y1 <= sent.height
        assert sent.crop(word.bbox).getextrema()[0] < 100, f"no ink under {word.text!r}"


def test_rotation_map_inverts_pillows_rotate() -> None:
    image = Image.new("L", (200, 100), 255)
    image.putpixel((150, 20), 0)
    for degrees in (7.5, -12, 90):
        turned = image.rotate(degrees, expand=True, fillcolor=255)
        ys, xs = np.nonzero(np.asarray(turned) < 128)
        mapped = rotation_map(degrees, image.size, turned.size) @ [xs.mean(), ys.mean(), 1]
        assert mapped[:2] == pytest.approx([150.5, 20.5], abs=1.5)


def test_affine_boxes_compose_and_clip() -> None:
    transform = Affine.identity().then(scale_map(2.0))
    assert transform.box((10, 20, 30, 40), 100, 100) == (5, 10, 15, 20)
    assert transform.box((150, 150, 400, 400), 100, 100) == (75, 75, 100, 100)


def test_analysis_measures_the_page(page: Image.Image) -> None:
    look = analyse(page)
    assert 4 <= look.line_count <= 8  # five lines; a descender row may count apart
    assert look.line_height is not None
    assert 15 < look.line_height < 70
    assert abs(look.skew_degrees) < 0.5
    assert not look.dark
    assert not look.sideways
    assert look.speckles < 0.001


def _look(**changes: object) -> PageLook:
    values = dict(skew_degrees=0.0, line_height=40.0, line_count=20, single_column=True,
                  speckles=0.0, background_spread=0.0, dark=False, sideways=False)  # fmt: skip
    values.update(changes)
    return PageLook(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("look", "size", "psm"),
    [
        pytest.param(_look(), (2480, 3508), PSM_AUTO, id="a4-page"),
        pytest.param(_look(single_column=False), (2480, 3508), PSM_AUTO, id="columns"),
        pytest.param(_look(), (600, 1500), PSM_SINGLE_BLOCK, id="receipt"),
        pytest.param(_look(single_column=False), (600, 1500), PSM_AUTO, id="tall-two-columns"),
        pytest.param(_look(line_count=1), (1500, 60), PSM_SINGLE_LINE, id="line-strip"),
        pytest.param(_look(line_count=0, line_height=None), (30, 40), PSM_SINGLE_LINE, id="tiny"),
        pytest.param(_look(line_count=3, line_height=3.0), (23, 33), PSM_SINGLE_LINE, id="glyph"),
        pytest.param(_look(line_count=3, line_height=15.0), (600, 60), PSM_AUTO, id="small-print"),
    ],
)
def test_segmentation_follows_the_page(look: PageLook, size: tuple[int, int], psm: int) -> None:
    assert choose_psm(look, size) == psm


def test_a_single_printed_digit_is_read(engine: OcrEngine, eval_dir: Path) -> None:
    # A 23x33 crop of one digit, whose strokes the analysis counts as three thin lines.
    digit = Image.open(eval_dir / "uw3-lines-calamari" / "test_010017.png")
    page = recognize_page(digit, engine, PageOptions(engine="tesseract"))
    assert page.text.strip() == "3", page.steps


def test_receipt_rows_stay_whole(engine: OcrEngine) -> None:
    rows = [("Coffee", "3.50"), ("Bagel with cheese", "4.25"), ("Orange juice", "2.75"),
            ("Muffin", "2.10"), ("Tea", "1.90"), ("Total", "14.50")]  # fmt: skip
    random.seed(3)
    lines = [f"{item:<24}{price:>8}" for item, price in rows]
    receipt = Image.open(BytesIO(text_image("\n\n".join(lines), size=30))).convert("L")
    receipt = ImageOps.expand(receipt, border=(0, 400), fill=255)  # tall and narrow
    result = recognize_page(receipt, engine, PageOptions())
    read = [line.text for line in result.lines]
    for item, price in rows:
        assert any(item.split()[0] in line and price in line for line in read), (item, read)


@pytest.mark.parametrize(
    ("size", "level"),
    [((1, 1), 255), ((20, 10), 255), ((3000, 5), 255), ((400, 300), 128)],
    ids=["one-pixel", "tiny", "strip", "grey-page"],
)
def test_a_blank_page_reads_as_no_text(
    engine: OcrEngine, size: tuple[int, int], level: int
) -> None:
    result = recognize_page(Image.new("L", size, level), engine, PageOptions())
    assert result.text == ""
    assert result.lines == []
    assert (result.width, result.height) == size


def test_faint_text_is_not_taken_for_a_blank_page(engine: OcrEngine, page: Image.Image) -> None:
    faint = page.point(lambda value: 200 + value * 40 // 255)  # ink 200 on paper 240
    assert words_read(recognize_page(faint, engine, PageOptions()).text) > 0.9


@pytest.mark.slow  # seconds of its own: out of the fast tier
def test_a_page_longer_than_the_engine_reads_is_read_smaller(
    engine: OcrEngine, page: Image.Image
) -> None:
    roll = Image.new("L", (page.width, MAX_SIDE + 2000), 255)  # a till roll
    roll.paste(page, (0, MAX_SIDE))
    result = recognize_page(roll, engine, PageOptions())
    assert any(step.startswith("rescale:0.9") for step in result.steps)
    assert words_read(result.text) > 0.9
    assert all(line.bbox[1] >= MAX_SIDE - 10 for line in result.lines)  # in the roll's pixels
    with pytest.raises(PayloadTooLarge, match=f"at most {MAX_SIDE} pixels on a side"):
        recognize_page(roll, engine, PageOptions(rescale=False))


def dotted_print(size: int = 28) -> Image.Image:
    """Dot-matrix print on grainy paper, saved as a JPEG: every other 2x2 cell of ink is
    missing, as the dots of a thermal or dot-matrix printer leave gaps."""
    pixels = np.asarray(
        Image.open(BytesIO(text_image(TEXT, size=size, padding=40))).convert("L"), dtype=float
    )
    ys, xs = np.indices(pixels.shape)
    gaps = (xs // 2 + ys // 2) % 2 == 1
    pixels = np.where(gaps & (pixels < 128), 200.0, pixels)
    pixels += np.random.default_rng(1).normal(0, 25, pixels.shape)
    buffer = BytesIO()
    Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8)).save(buffer, "JPEG", quality=50)
    return Image.open(buffer)


class CountingEngine:
    """The real engine, counting its readings and noting which models each used."""

    def __init__(self, engine: OcrEngine) -> None:
        self.engine = engine
        self.readings = 0
        self.models: list[str] = []

    def recognize(self, image: Image.Image, options: RecognizeOptions) -> Page:
        self.readings += 1
        self.models.append("larger" if options.accurate else "standard")
        return self.engine.recognize(image, options)

    def __getattr__(self, name: str) -> object:
        return getattr(self.engine, name)


def test_a_hesitant_grey_page_is_read_smoothed_too(engine: OcrEngine) -> None:
    page = dotted_print()
    counting = CountingEngine(engine)
    result = recognize_page(page, counting, PageOptions())  # type: ignore[arg-type]
    assert "smooth" in result.steps
    assert counting.readings == 2
    assert words_read(result.text) > 0.9
    assert words_read(recognize_page(page, engine, PageOptions(smooth=False)).text) < 0.7


@pytest.mark.parametrize("kind", ["confident", "bitonal"])
def test_confident_or_bitonal_pages_are_read_once(engine: OcrEngine, page: Image.Image,
                                                  kind: str) -> None:  # fmt: skip
    # A bitonal page has no grain to smooth, however hesitantly it reads.
    sent = page if kind == "confident" else dotted_print().point(lambda v: 255 * (v > 150))
    counting = CountingEngine(engine)
    result = recognize_page(sent, counting, PageOptions(auto_rotate=False))  # type: ignore[arg-type]
    if kind == "bitonal":
        assert result.confidence < HESITANT_CONFIDENCE
    assert counting.readings == 1
    assert "smooth" not in result.steps


def test_smoothing_can_be_forced(engine: OcrEngine, page: Image.Image) -> None:
    counting = CountingEngine(engine)
    result = recognize_page(page, counting, PageOptions(smooth=True))  # type: ignore[arg-type]
    assert "smooth" in result.steps
    assert counting.readings == 1
    assert words_read(result.text) > 0.9


def receipt(eval_dir: Path) -> Image.Image:
    """A thermal-print receipt read hesitantly even when smoothed."""
    return Image.open(eval_dir / "sroie-receipts" / "079.jpg")


def test_a_hesitant_page_gets_a_second_opinion_from_the_larger_models(
    engine_with_larger_models: OcrEngine, eval_dir: Path
) -> None:
    counting = CountingEngine(engine_with_larger_models)
    result = recognize_page(receipt(eval_dir), counting, PageOptions())  # type: ignore[arg-type]
    # read as prepared, smoothed, then the more confident of those with the larger models
    assert counting.models == ["standard", "standard", "larger"]
    opinion = [step for step in result.steps if step.startswith("second-opinion:")]
    assert len(opinion) == 1
    assert int(opinion[0].split(":")[1]) > 0
    assert "TOTAL" in result.text


@pytest.mark.parametrize(
    ("kind", "switch", "larger"),
    [
        ("confident", None, False),
        ("confident", True, True),
        ("hesitant", False, False),
    ],
    ids=["confident-page-read-once", "forced-on", "switched-off"],
)
def test_the_second_opinion_is_for_hesitant_pages_unless_switched(
    engine_with_larger_models: OcrEngine,
    page: Image.Image,
    eval_dir: Path,
    kind: str,
    switch: bool | None,
    larger: bool,
) -> None:
    sent = page if kind == "confident" else receipt(eval_dir)
    counting = CountingEngine(engine_with_larger_models)
    options = PageOptions(second_opinion=switch)
    result = recognize_page(sent, counting, options)  # type: ignore[arg-type]
    assert ("larger" in counting.models) is larger
    assert any(step.startswith("second-opinion:") for step in result.steps) is larger
    if kind == "confident":
        assert words_read(result.text) > 0.9


def test_a_failing_larger_model_leaves_the_first_reading(
    page: Image.Image, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / "eng.traineddata").write_bytes(b"not a model")
    broken = create_engine(
        "tesserocr", tessdata=find_tessdata(), accurate_tessdata=str(tmp_path), max_handles=2
    )
    result = recognize_page(page, broken, PageOptions(second_opinion=True))
    assert words_read(result.text) > 0.9
    assert not any(step.startswith("second-opinion:") for step in result.steps)
    assert "No second opinion" in caplog.text
    broken.close()


def test_without_larger_models_a_page_is_read_with_the_standard_ones(engine: OcrEngine) -> None:
    assert engine.accurate_languages() == []
    counting = CountingEngine(engine)
    options = PageOptions(second_opinion=True)
    result = recognize_page(dotted_print(), counting, options)  # type: ignore[arg-type]
    assert counting.models == ["standard", "standard"]
    assert not any(step.startswith("second-opinion:") for step in result.steps)


class SlowSecondReading(CountingEngine):
    """The real engine, whose second reading runs out of time."""

    def __init__(self, engine: OcrEngine) -> None:
        super().__init__(engine)
        self.limits: list[float | None] = []

    def recognize(self, image: Image.Image, options: RecognizeOptions) -> Page:
        self.limits.append(options.timeout_seconds)
        if self.readings == 1:
            self.readings += 1
            raise ProcessingTimeout()
        return super().recognize(image, options)


def test_a_second_reading_stays_within_the_time_limit_or_gives_way(engine: OcrEngine) -> None:
    slow = SlowSecondReading(engine)
    options = PageOptions(timeout_seconds=30)
    result = recognize_page(dotted_print(), slow, options)  # type: ignore[arg-type]
    # The smoothed reading ran out of time: the first reading stands, no error.
    assert slow.readings == 2
    assert "smooth" not in result.steps
    assert result.text
    first, second = slow.limits
    assert first == 30
    assert second is not None
    assert second < 30  # only what the first reading left


class OrientationCounting(CountingEngine):
    def __init__(self, engine: OcrEngine) -> None:
        super().__init__(engine)
        self.orientations = 0

    def detect_orientation(self, image: Image.Image) -> tuple[int, float]:
        self.orientations += 1
        return self.engine.detect_orientation(image)


@pytest.mark.parametrize(("switch", "asked"), [(None, 0), (True, 1), (False, 0)])
def test_auto_rotate_true_asks_for_the_orientation_of_an_upright_page(
    engine: OcrEngine, page: Image.Image, switch: bool | None, asked: int
) -> None:
    counting = OrientationCounting(engine)
    result = recognize_page(page, cast(OcrEngine, counting), PageOptions(auto_rotate=switch))
    assert counting.orientations == asked
    assert result.rotation == 0  # asked, and told it is upright


@pytest.mark.parametrize(("switch", "rescaled"), [(None, False), (True, True), (False, False)])
def test_rescale_true_scales_text_already_of_a_readable_size(
    engine: OcrEngine, page: Image.Image, switch: bool | None, rescaled: bool
) -> None:
    steps = recognize_page(page, engine, PageOptions(rescale=switch)).steps
    assert any(step.startswith("rescale:") for step in steps) == rescaled


@pytest.mark.parametrize(("degrees", "turned"), [(0.7, False), (2.5, True)])
def test_a_slight_tilt_is_left_to_tesseract_a_clear_one_is_straightened(
    engine: OcrEngine, page: Image.Image, degrees: float, turned: bool
) -> None:
    # Turning resamples the page; below a degree Tesseract copes with the tilt itself.
    tilted = page.rotate(degrees, expand=True, fillcolor=255, resample=Image.Resampling.BICUBIC)
    prepared = prepare(tilted, PageOptions(), engine)
    assert any(step.startswith("deskew:") for step in prepared.steps) == turned
