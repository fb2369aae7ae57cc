"""The characters a reading may say, and a request's own words and patterns, in each engine."""

import os
import re
import stat
from io import BytesIO
from pathlib import Path

import pytest
from PIL import Image

from app.core.errors import UnprocessableOption
from app.ocr.engines.neural_engine import NeuralEngine
from app.ocr.engines.protocol import OcrEngine, RecognizeOptions
from app.ocr.engines.vocabulary import Vocabulary, checked_vocabulary, word_files
from bench.options import PRODUCT_NAMES, product_lines
from tests.conftest import text_image

METER = "Meter 0O1l 4B8S 12.50 kWh"
DIGITS = "0123456789."


def meter() -> Image.Image:
    return Image.open(BytesIO(text_image(METER))).convert("RGB")


@pytest.mark.parametrize(
    ("given", "refused"),
    [
        ({"chars_allow": ""}, "chars_allow is empty"),
        ({"chars_allow": "   "}, "chars_allow is empty"),
        ({"chars_deny": ""}, "chars_deny is empty"),
        ({"chars_allow": "abc", "chars_deny": "cba"}, "takes away every character"),
        ({"chars_allow": "ab\x07"}, "never printed: U+0007"),
        ({"chars_allow": "".join(map(chr, range(0x4E00, 0x4E00 + 1001)))}, "at most 1000"),
        ({"words": ["two words"]}, "holds a space"),
        ({"words": ["x" * 65]}, "at most 64"),
        ({"words": [f"w{n}" for n in range(1001)]}, "at most 1000"),
        ({"patterns": [f"\\d{n}" for n in range(101)]}, "at most 100"),
    ],
)
def test_absurd_vocabularies_are_refused_saying_why(given: dict, refused: str) -> None:
    with pytest.raises(UnprocessableOption, match=re.escape(refused)):
        checked_vocabulary(**given)


def test_a_vocabulary_is_kept_as_given_without_repeats() -> None:
    vocabulary = checked_vocabulary("0 1 2 2", None, ["Kleenr", "Kleenr", " "], ["\\d\\d"])
    assert vocabulary == Vocabulary(chars_allow="012", words=("Kleenr",), patterns=("\\d\\d",))
    assert vocabulary.variables() == (("tessedit_char_whitelist", "012"),)
    assert not Vocabulary().constrained


def test_word_files_live_in_a_private_folder_removed_afterwards() -> None:
    vocabulary = Vocabulary(words=("Kleenr", "Zorblax"), patterns=("\\A\\A-\\d\\d",))
    with word_files(vocabulary) as variables:
        words = Path(variables["user_words_file"])
        patterns = Path(variables["user_patterns_file"])
        assert words.read_text() == "Kleenr\nZorblax\n"
        assert patterns.read_text() == "\\A\\A-\\d\\d\n"
        assert stat.S_IMODE(os.stat(words.parent).st_mode) == 0o700
        with word_files(vocabulary) as other:  # another request's are its own
            assert Path(other["user_words_file"]).parent != words.parent
    assert not words.parent.exists()
    seen: list[Path] = []

    def failing_reading() -> None:
        with word_files(vocabulary) as variables:
            seen.append(Path(variables["user_words_file"]).parent)
            raise RuntimeError("the reading failed")

    with pytest.raises(RuntimeError):
        failing_reading()
    assert seen
    assert not seen[0].exists()
    with word_files(Vocabulary(chars_allow="1")) as variables:
        assert variables == {}


def test_tesseract_reads_only_the_characters_allowed_and_forgets_them_after(
    either_engine: OcrEngine,
) -> None:
    allowed = either_engine.recognize(meter(), RecognizeOptions(vocabulary=Vocabulary(DIGITS)))
    assert allowed.text.strip()
    assert set(allowed.text) <= set(DIGITS + " \n")
    denied = either_engine.recognize(
        meter(), RecognizeOptions(vocabulary=Vocabulary(chars_deny="O"))
    )
    assert "O" not in denied.text
    assert "Meter" in denied.text
    again = either_engine.recognize(meter(), RecognizeOptions())
    assert "Meter" in again.text  # the next reading on the handle is unconstrained
    assert "O" in again.text


def test_a_requests_words_keep_names_the_dictionary_would_change(either_engine: OcrEngine) -> None:
    # Names the dictionary changes when read without them (bench/options.py reads all 40).
    changed = {"Dettol", "Quikly", "Smoothr", "Snackr", "Kleenr", "Klear", "Wondr", "Froot"}
    lines = [(image, name) for image, name in product_lines() if name in changed]
    plain = [name in either_engine.recognize(image, RecognizeOptions(psm=6)).text.split()
             for image, name in lines]  # fmt: skip
    words = RecognizeOptions(psm=6, vocabulary=Vocabulary(words=tuple(PRODUCT_NAMES)))
    helped = [name in either_engine.recognize(image, words).text.split() for image, name in lines]
    assert sum(helped) > sum(plain)
    # And nothing of them stays with the engine for the next request.
    assert [name in either_engine.recognize(image, RecognizeOptions(psm=6)).text.split()
            for image, name in lines] == plain  # fmt: skip


def test_a_reading_with_words_loads_a_handle_of_its_own_and_ends_it(engine: OcrEngine) -> None:
    before = engine.handle_count
    engine.recognize(meter(), RecognizeOptions(vocabulary=Vocabulary(words=("Kleenr",))))
    assert engine.handle_count == before


def test_the_neural_reader_masks_the_classes_not_allowed_before_decoding(
    neural: NeuralEngine,
) -> None:
    allowed = neural.recognize(meter(), RecognizeOptions(vocabulary=Vocabulary(DIGITS)))
    assert set(allowed.text) <= set(DIGITS + " \n")
    # Masked, not deleted: where a letter was likeliest, the likeliest digit is read instead
    # (O -> 0, B -> 8, S -> 5), so the meter keeps its length.
    assert "0011" in allowed.text.replace(" ", "")
    denied = neural.recognize(meter(), RecognizeOptions(vocabulary=Vocabulary(chars_deny="O")))
    assert "O" not in denied.text
    assert "Meter" in denied.text
    assert "O" in neural.recognize(meter(), RecognizeOptions()).text
