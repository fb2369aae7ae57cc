"""Which engine reads a page (PageOptions.engine): the neural reader behind our preparation,
and `auto`, Tesseract with the neural reading laid over the pages Tesseract hesitates over."""

from io import BytesIO
from pathlib import Path

import pytest
from PIL import Image, ImageFilter

from app.core.errors import EngineFailure
from app.ocr.decoding.images import upright
from app.ocr.engines.neural_engine import NeuralEngine
from app.ocr.engines.protocol import OcrEngine, RecognizeOptions
from app.ocr.pipeline.neural import NEURAL_CONFIDENCE
from app.ocr.pipeline.options import PageOptions
from app.ocr.pipeline.page import recognize_page
from app.ocr.pipeline.readings import HESITANT_CONFIDENCE, SECOND_OPINION_CONFIDENCE
from app.ocr.results import Page
from bench.metrics import edits
from tests.conftest import text_image

TEXT = "\n".join(
    [
        "Invoice 2041 for the garden works",
        "Hedge trimmed along the north wall",
        "Total due within thirty days",
    ]
)
WORDS = {"Invoice", "garden", "Hedge", "north", "Total", "thirty"}


def clean_page() -> Image.Image:
    return Image.open(BytesIO(text_image(TEXT, size=36))).convert("RGB")


def hesitant_page() -> Image.Image:
    """Small, blurred print, compressed hard: Tesseract reads it, unsure of itself, and
    misreads words the neural reader gets right."""
    page = Image.open(BytesIO(text_image(TEXT, size=16))).convert("L")
    buffer = BytesIO()
    page.filter(ImageFilter.GaussianBlur(1.4)).save(buffer, "JPEG", quality=30)
    return Image.open(buffer)


def found(page: Page) -> set[str]:
    return WORDS & set(page.text.replace(".", " ").split())


class NarrowNeural:
    """The neural reader, said to read English only: what `auto` does for a language the
    neural dictionary lacks."""

    name = "neural"

    def __init__(self, neural: NeuralEngine) -> None:
        self._neural = neural

    def version(self) -> str:
        return self._neural.version()

    def languages(self) -> list[str]:
        return ["eng"]

    def recognize(self, image: Image.Image, options: RecognizeOptions) -> Page:
        raise AssertionError("auto read a language the neural reader lacks neurally")


def test_the_neural_reader_reads_a_sideways_page_after_our_orientation(
    engine: OcrEngine, neural: NeuralEngine
) -> None:
    sideways = clean_page().rotate(90, expand=True)
    page = recognize_page(sideways, engine, PageOptions(engine="neural", neural=neural))
    assert page.engine == "neural"
    assert "rotate:270" in page.steps
    assert found(page) == WORDS
    # Boxes in the pixels of the page as sent: the sideways page is taller than wide.
    assert all(line.bbox[3] - line.bbox[1] > line.bbox[2] - line.bbox[0] for line in page.lines)
    bare = recognize_page(
        sideways, engine, PageOptions(engine="neural", neural=neural, preprocess=False)
    )
    assert found(bare) != WORDS  # without the preparation, the neural reader alone cannot


def count_orientation(engine: OcrEngine, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The real engine's orientation detection, counted: one entry a call."""
    calls: list[int] = []
    detect = engine.detect_orientation

    def counted(image: Image.Image) -> tuple[int, float]:
        calls.append(1)
        return detect(image)

    monkeypatch.setattr(engine, "detect_orientation", counted)
    return calls


def test_an_upright_page_is_read_neurally_without_orientation_detection(
    engine: OcrEngine, neural: NeuralEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked = count_orientation(engine, monkeypatch)
    page = recognize_page(clean_page(), engine, PageOptions(engine="neural", neural=neural))
    assert found(page) == WORDS
    assert len(asked) == 0  # the reading itself says the page is upright


def test_an_upside_down_page_is_turned_by_the_neural_readers_own_classifier(
    engine: OcrEngine, neural: NeuralEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked = count_orientation(engine, monkeypatch)
    upside_down = clean_page().rotate(180)
    page = recognize_page(upside_down, engine, PageOptions(engine="neural", neural=neural))
    assert "rotate:180" in page.steps
    assert len(asked) == 0
    assert page.text_lines[0].startswith("Invoice 2041")  # in reading order, top line first
    assert found(page) == WORDS


def test_a_sideways_page_is_turned_once_its_neural_lines_stand_up(
    engine: OcrEngine, neural: NeuralEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked = count_orientation(engine, monkeypatch)
    sideways = clean_page().rotate(90, expand=True)
    page = recognize_page(sideways, engine, PageOptions(engine="neural", neural=neural))
    assert len(asked) == 1  # asked only because the lines read stood up
    assert "rotate:270" in page.steps
    assert page.text_lines[0].startswith("Invoice 2041")
    assert found(page) == WORDS


def test_auto_leaves_a_page_tesseract_is_sure_of_to_tesseract(
    engine: OcrEngine, neural: NeuralEngine
) -> None:
    page = recognize_page(clean_page(), engine, PageOptions(neural=neural))
    assert page.confidence >= SECOND_OPINION_CONFIDENCE
    assert page.engine == "tesseract"
    assert not [step for step in page.steps if step.startswith("neural")]
    assert found(page) == WORDS


def test_auto_takes_the_neural_reading_of_a_hesitant_page(
    engine: OcrEngine, neural: NeuralEngine
) -> None:
    image = hesitant_page()
    alone = recognize_page(image, engine, PageOptions(engine="tesseract", second_opinion=False))
    assert alone.confidence < NEURAL_CONFIDENCE
    page = recognize_page(image, engine, PageOptions(neural=neural))
    assert page.engine == "neural"
    assert "neural:all" in page.steps
    assert edits(TEXT, page.text)[0] < edits(TEXT, alone.text)[0]


def test_auto_leaves_a_fairly_sure_clean_label_to_tesseract(
    engine: OcrEngine, neural: NeuralEngine, samples_dir: Path
) -> None:
    # The seed's sample: Tesseract reads it with confidence between hesitant and sure, and
    # the neural reading would cost several times Tesseract's on every such request.
    label, _ = upright(Image.open(samples_dir / "ingredients-2.png"))
    page = recognize_page(label, engine, PageOptions(neural=neural))
    assert HESITANT_CONFIDENCE <= page.confidence < NEURAL_CONFIDENCE
    assert page.engine == "tesseract"
    assert not [step for step in page.steps if step.startswith("neural")]


def test_auto_asks_the_neural_reader_about_a_fairly_sure_form(
    engine: OcrEngine, neural: NeuralEngine, eval_dir: Path
) -> None:
    # A low-resolution form with no ruled lines: Tesseract is fairly sure of a reading whose
    # words it gets wrong (its page CER over 0.6, the neural reading's under 0.05).
    form = Image.open(eval_dir / "funsd-test" / "82491256.png")
    page = recognize_page(form, engine, PageOptions(neural=neural))
    assert "neural:all" in page.steps
    assert page.engine == "neural"


class FirstLineOnly:
    """The neural reader, made to miss every line but the first, as its detector misses
    small or faint print."""

    name = "neural"

    def __init__(self, neural: NeuralEngine) -> None:
        self._neural = neural

    def version(self) -> str:
        return self._neural.version()

    def languages(self) -> list[str]:
        return self._neural.languages()

    def recognize(self, image: Image.Image, options: RecognizeOptions) -> Page:
        page = self._neural.recognize(image, options)
        page.lines = page.lines[:1]
        page.text = page.lines[0].text if page.lines else ""
        return page


class Failing(FirstLineOnly):
    def recognize(self, image: Image.Image, options: RecognizeOptions) -> Page:
        raise EngineFailure("the neural reader failed")


def test_auto_keeps_tesseracts_lines_where_the_neural_reading_finds_less(
    engine: OcrEngine, neural: NeuralEngine
) -> None:
    image = hesitant_page()
    page = recognize_page(image, engine, PageOptions(neural=FirstLineOnly(neural)))
    assert page.engine in ("tesseract", "tesseract+neural")
    assert [step for step in page.steps if step.startswith("neural:")] != ["neural:all"]
    assert len(page.lines) == len(TEXT.splitlines())  # Tesseract's lines all stay


def test_a_failing_neural_reading_leaves_tesseracts(
    engine: OcrEngine, neural: NeuralEngine
) -> None:
    page = recognize_page(hesitant_page(), engine, PageOptions(neural=Failing(neural)))
    assert page.engine == "tesseract"
    assert found(page)


def test_auto_reads_a_language_the_neural_reader_lacks_with_tesseract_alone(
    engine: OcrEngine, neural: NeuralEngine
) -> None:
    page = recognize_page(
        hesitant_page(), engine, PageOptions(lang="fra", neural=NarrowNeural(neural))
    )
    assert page.engine == "tesseract"


def test_engine_neural_without_a_neural_reader_is_an_engine_failure(engine: OcrEngine) -> None:
    with pytest.raises(EngineFailure, match="neural reader"):
        recognize_page(clean_page(), engine, PageOptions(engine="neural"))


def test_auto_keeps_a_page_with_a_tesseract_layout_asked_for_to_tesseract(
    engine: OcrEngine, neural: NeuralEngine
) -> None:
    page = recognize_page(hesitant_page(), engine, PageOptions(psm=6, neural=neural))
    assert page.engine == "tesseract"


def test_auto_asks_the_neural_reader_about_a_page_tesseract_reads_as_nothing(
    engine: OcrEngine, neural: NeuralEngine
) -> None:
    # An amount in small blurred print: Tesseract sees no text in it at all.
    amount = Image.open(BytesIO(text_image("3518.04", size=12, padding=12))).convert("L")
    image = amount.filter(ImageFilter.GaussianBlur(2.2))
    alone = recognize_page(image, engine, PageOptions(engine="tesseract"))
    assert alone.text.strip() == ""
    page = recognize_page(image, engine, PageOptions(neural=neural))
    assert page.engine == "neural"
    assert page.text.strip() == "3518.04"
