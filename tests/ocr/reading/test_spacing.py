"""Spaces put back from the glyphs' boxes: where, and where not, a word is split."""

from pathlib import Path

import pytest
from PIL import Image

from app.ocr.decoding.images import to_engine_mode
from app.ocr.engines.protocol import OcrEngine, RecognizeOptions
from app.ocr.reading.spacing import ReadWord, line_words

HEIGHT = 30


def word(text: str, lefts: list[int], width: int = 14, confidence: float = 90.0) -> ReadWord:
    """A word whose glyphs start at `lefts`, each `width` wide and HEIGHT high."""
    boxes = [(left, 0, left + width, HEIGHT) for left in lefts]
    return ReadWord((boxes[0][0], 0, boxes[-1][2], HEIGHT), confidence, list(text), boxes)


# Monospaced print: a glyph every 20 px; "9067860" gives the line its pitch.
ITEM = word("9067860", [0, 20, 40, 60, 80, 100, 120])


@pytest.mark.parametrize(
    ("read", "expected"),
    [
        ([ITEM, word("1X", [200, 240])], ["9067860", "1", "X"]),
        (
            [ITEM, word("TOTAL:", [200, 220, 240, 260, 280, 320], width=6)],
            ["9067860", "TOTAL", ":"],
        ),
        ([ITEM, word("1X", [200, 220])], ["9067860", "1X"]),
        ([ITEM, word("WM", [200, 240], width=30)], ["9067860", "WM"]),
        ([word("LOUIS", [0, 20, 40, 60, 80], width=4)], ["LOUIS"]),
        (
            [
                ITEM,
                ReadWord(
                    (200, 0, 300, HEIGHT),
                    90.0,
                    ["1", "X"],
                    [(200, 0, 214, HEIGHT), (240, 0, 300, HEIGHT)],
                ),
            ],
            ["9067860", "1X"],
        ),
        ([ITEM, word("1X2", [200, 180, 260])], ["9067860", "1X2"]),
        ([word("1X", [200, 240])], ["1X"]),
    ],
    ids=[
        "space-between-glyphs",
        "space-before-a-colon",
        "neighbours-stay-together",
        "wide-glyphs-close-together",
        "letter-spaced-type-stays-whole",
        "implausible-glyph-box",
        "glyphs-out-of-order",
        "no-pitch-to-judge-by",
    ],
)
def test_words_split_only_at_a_space_the_boxes_show(
    read: list[ReadWord], expected: list[str]
) -> None:
    assert [w.text for w in line_words(read)] == expected


def test_split_words_keep_their_own_boxes_and_the_words_confidence() -> None:
    first, second = line_words([ITEM, word("1X", [200, 240], confidence=77.0)])[1:]
    assert (first.bbox, second.bbox) == ((200, 0, 214, HEIGHT), (240, 0, 254, HEIGHT))
    assert first.confidence == second.confidence == 77.0


def test_a_word_left_whole_keeps_the_engines_box() -> None:
    read = ReadWord((0, 0, 50, HEIGHT), 90.0, list("ab"), [(2, 1, 20, 29), (22, 1, 48, 29)])
    assert line_words([read])[0].bbox == (0, 0, 50, HEIGHT)


def test_a_receipts_quantities_come_apart_from_their_x(
    engine: OcrEngine, eval_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On a real receipt Tesseract reads "1 X 2.70" as "1X 2.70"; the glyphs show the space."""
    image = to_engine_mode(Image.open(eval_dir / "sroie-receipts" / "079.jpg"))
    words = [
        w.text for line in engine.recognize(image, RecognizeOptions()).lines for w in line.words
    ]
    assert "1X" not in words
    assert words.count("X") >= 3

    monkeypatch.setattr("app.ocr.reading.spacing.MIN_GAP_PITCHES", float("inf"))
    words = [
        w.text for line in engine.recognize(image, RecognizeOptions()).lines for w in line.words
    ]
    assert "1X" in words, "the engine itself runs them together"


def read_words(engine: OcrEngine, image: Image.Image) -> list[str]:
    page = engine.recognize(image, RecognizeOptions())
    return [w.text for line in page.lines for w in line.words]
