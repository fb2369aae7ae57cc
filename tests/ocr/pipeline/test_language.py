"""lang=auto in the pipeline: the page's languages found, then the page read in them."""

import random
from dataclasses import dataclass

import pytest
from PIL import Image

from app.ocr.engines.protocol import OcrEngine, RecognizeOptions
from app.ocr.pipeline.language import candidates, detect_languages
from app.ocr.pipeline.options import PageOptions
from app.ocr.pipeline.page import recognize_page
from app.ocr.results import Page
from bench.documents import COUNTRIES, receipt
from bench.languages import language_page
from bench.metrics import cer


@pytest.mark.parametrize("language", ["fra", pytest.param("deu", marks=pytest.mark.slow)])
def test_auto_finds_the_language_and_reads_as_if_it_had_been_named(
    engine: OcrEngine, language: str
) -> None:
    sample = language_page(language, 1, size=28, width=1600, repeats=2)  # 16 lines
    auto = recognize_page(sample.image, engine, PageOptions(lang="auto", engine="tesseract"))
    named = recognize_page(sample.image, engine, PageOptions(lang=language, engine="tesseract"))
    assert [found.language for found in auto.languages] == [language]
    assert auto.languages[0].confidence > 0.5
    assert auto.text == named.text
    assert cer(sample.truth, auto.text) < 0.01
    assert named.languages == ()  # a named language is not detected


@pytest.mark.slow  # seconds of its own: orientation detection and a page read twice
def test_a_sideways_page_is_turned_for_its_sample(engine: OcrEngine) -> None:
    page = language_page("ita", 2, size=28, width=1600, repeats=2).image.rotate(90, expand=True)
    found = detect_languages(page, engine, PageOptions(lang="auto", engine="tesseract"))
    assert [item.language for item in found.languages] == ["ita"]
    assert found.whole_reading is None  # the turned sample is no reading of the page as sent


def test_a_page_with_too_little_text_falls_back_to_english_unsure(engine: OcrEngine) -> None:
    blank = Image.new("L", (600, 200), 255)
    found = detect_languages(blank, engine, PageOptions(lang="auto"))
    assert [(item.language, item.confidence) for item in found.languages] == [("eng", 0.0)]


@dataclass
class ReadsOnly:
    """A neural reader's plumbing: the languages it reads, nothing else."""

    name: str = "neural"
    covered: tuple[str, ...] = ("eng", "fra")

    def version(self) -> str:
        return "0"

    def languages(self) -> list[str]:
        return list(self.covered)

    def recognize(self, image: Image.Image, options: RecognizeOptions) -> Page:
        raise AssertionError("not read here")


def test_engine_neural_chooses_only_among_the_languages_it_reads(engine: OcrEngine) -> None:
    installed = candidates(engine, PageOptions(lang="auto"))
    assert {"eng", "deu", "fra", "nld"} <= set(installed)
    assert "osd" not in installed
    neural = candidates(engine, PageOptions(lang="auto", engine="neural", neural=ReadsOnly()))
    assert neural == ["eng", "fra"]


def test_a_page_of_short_lines_is_told_from_all_of_it(engine: OcrEngine) -> None:
    # Six lines of this receipt ("Date: 09/03/2025 Orange juice Coffee Subtotal") read as
    # Dutch to the identifier; the whole receipt reads as the English it is.
    receipt_page = receipt(random.Random(11), COUNTRIES[0], "DejaVuSansMono.ttf", "clean", "r")
    assert COUNTRIES[0].language == "eng"
    found = detect_languages(receipt_page.image.convert("L"), engine, PageOptions(lang="auto"))
    assert [item.language for item in found.languages] == ["eng"]
    assert found.whole_reading is not None


class CountsReadings:
    """The real engine, counting the readings asked of it."""

    def __init__(self, engine: OcrEngine) -> None:
        self.engine = engine
        self.readings = 0

    def recognize(self, image: Image.Image, options: RecognizeOptions) -> Page:
        self.readings += 1
        return self.engine.recognize(image, options)

    def __getattr__(self, name: str) -> object:
        return getattr(self.engine, name)


def test_a_short_english_page_read_whole_for_its_language_is_not_read_again(
    engine: OcrEngine,
) -> None:
    short = language_page("eng", 3, size=28, width=1600, repeats=1).image  # seven lines
    named, auto = CountsReadings(engine), CountsReadings(engine)
    by_name = recognize_page(short, named, PageOptions(lang="eng", engine="tesseract"))
    found = recognize_page(short, auto, PageOptions(lang="auto", engine="tesseract"))
    assert [item.language for item in found.languages] == ["eng"]
    assert found.text == by_name.text
    assert auto.readings == named.readings  # the reading that told the language is the page's


def test_a_short_french_page_is_read_again_in_french(engine: OcrEngine) -> None:
    short = language_page("fra", 3, size=28, width=1600, repeats=1).image
    named, auto = CountsReadings(engine), CountsReadings(engine)
    by_name = recognize_page(short, named, PageOptions(lang="fra", engine="tesseract"))
    found = recognize_page(short, auto, PageOptions(lang="auto", engine="tesseract"))
    assert [item.language for item in found.languages] == ["fra"]
    assert found.text == by_name.text  # its accents, which the English first reading lacks
    assert auto.readings == named.readings + 1
