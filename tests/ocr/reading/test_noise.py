"""Noise words: which words count as noise, and how they leave the text and the lines."""

from pathlib import Path

import pytest
from PIL import Image

from app.ocr.engines.protocol import OcrEngine
from app.ocr.pipeline.options import PageOptions
from app.ocr.pipeline.page import recognize_page
from app.ocr.reading.noise import drop_noise, is_noise, is_stray
from app.ocr.results import Line, Page, Word, layout_text
from bench.metrics import bow_error


@pytest.mark.parametrize(
    ("text", "confidence", "noise"),
    [
        ("|", 40.0, True),
        ("~~", 69.0, True),
        ("=", 70.0, False),
        ("ee", 30.0, True),
        ("ee", 40.0, False),
        ("ZVI", 12.0, False),
        ("Total", 5.0, False),
        ("*s", 20.0, True),
    ],
    ids=[
        "unsure-bar",
        "unsure-tildes",
        "sure-symbol",
        "unsure-two-letters",
        "two-letters-less-unsure",
        "three-letters-kept",
        "long-word-kept",
        "unsure-two-characters",
    ],
)
def test_noise_is_symbols_or_one_or_two_characters_read_unsure(
    text: str, confidence: float, noise: bool
) -> None:
    assert is_noise(Word(text=text, bbox=(0, 0, 1, 1), confidence=confidence)) is noise


def line(*words: tuple[str, float, int], paragraph: int = 0) -> Line:
    """A line of (text, confidence, left) words, each 10 px wide."""
    made = tuple(Word(text, (left, 0, left + 10, 10), conf) for text, conf, left in words)
    box = (made[0].bbox[0], 0, made[-1].bbox[2], 10)
    return Line(" ".join(w.text for w in made), box, 90.0, made, paragraph)


def test_noise_leaves_the_lines_and_the_text_keeps_its_paragraphs() -> None:
    lines = [
        line(("|", 20.0, 0), ("Coffee", 95.0, 20), ("4.50", 96.0, 40)),
        line(("ee", 10.0, 0), ("~", 30.0, 20)),
        line(("Total", 94.0, 20), ("7.70", 95.0, 40), ("|", 35.0, 60), paragraph=1),
        line(("Tax", 94.0, 20), ("0.00", 95.0, 40), paragraph=1),
    ]
    page = Page(text=layout_text(lines), width=100, height=40, lines=lines)
    assert drop_noise(page) == 4
    assert [ln.text for ln in page.lines] == ["Coffee 4.50", "Total 7.70", "Tax 0.00"]
    assert [ln.bbox for ln in page.lines] == [(20, 0, 50, 10)] * 3
    assert page.text == "Coffee 4.50\n\nTotal 7.70\nTax 0.00\n"


def test_a_page_without_noise_is_left_as_it_is() -> None:
    lines = [line(("Coffee", 95.0, 20), ("|", 80.0, 40))]
    page = Page(text="Coffee  |\n", width=100, height=10, lines=lines)
    assert drop_noise(page) == 0
    assert page.text == "Coffee  |\n"
    assert page.lines == lines


def test_symbols_above_or_below_their_lines_text_are_strays_however_sure() -> None:
    approved = Word("APPROVED", (219, 381, 379, 404), 96.7)
    corner = Word("|", (580, 364, 586, 371), 95.6)  # wholly above the word it was put with
    bar = Word("|", (400, 378, 403, 406), 95.0)  # a table's bar across the row: not a stray
    dash = Word("-", (390, 390, 396, 393), 95.0)
    boxed = Line("APPROVED | - |", (219, 364, 586, 406), 96.0, (approved, corner, dash, bar))
    assert [is_stray(word, boxed) for word in boxed.words] == [False, True, False, False]
    alone = Line("|", corner.bbox, 95.6, (corner,))  # nothing to compare with: kept
    assert not is_stray(corner, alone)
    # A line Tesseract read down a turned page: its band runs down, the `&` beside is on it.
    down = (Word("&", (604, 103, 635, 134), 90.8), Word("duck/goose,", (594, 160, 634, 396), 96))
    assert not is_stray(down[0], Line("& duck/goose,", (594, 103, 635, 396), 93.0, down))
    aside = Word("|", (700, 200, 706, 230), 95.0)
    assert is_stray(aside, Line("duck/goose, |", (594, 160, 706, 396), 95.0, (down[1], aside)))
    assert not is_stray(corner, alone)
    page = Page(text=layout_text([boxed]), width=626, height=420, lines=[boxed])
    assert drop_noise(page) == 1
    assert page.text == "APPROVED - |\n"
    assert page.lines[0].bbox == (219, 378, 403, 406)


def test_the_corner_of_a_receipts_box_is_not_read_into_its_text(
    engine: OcrEngine, eval_dir: Path
) -> None:
    # Once the box's straight sides are painted over, its rounded corner is read as `|`,
    # 95 % sure, at the end of the line inside the box.
    image = Image.open(eval_dir / "derived-degradations" / "receipt_03__low-contrast.png")
    page = recognize_page(image, engine, PageOptions())
    assert "remove-lines" in page.steps
    assert "APPROVED" in page.text_lines
    assert "|" not in page.text


def test_a_scanned_form_reads_closer_to_its_truth_without_its_noise(
    engine: OcrEngine, eval_dir: Path
) -> None:
    folder = eval_dir / "funsd-test"
    image = Image.open(folder / "85201976.png")
    truth = (folder / "85201976.txt").read_text(encoding="utf-8")
    kept = recognize_page(image, engine, PageOptions(drop_noise=False))
    cleaned = recognize_page(image, engine, PageOptions())
    noise = [word for ln in kept.lines for word in ln.words if is_noise(word) or is_stray(word, ln)]
    assert any(is_noise(word) for word in noise)
    assert f"drop-noise:{len(noise)}" in cleaned.steps
    assert not any(is_noise(word) for ln in cleaned.lines for word in ln.words)
    assert len(cleaned.text.split()) == len(kept.text.split()) - len(noise)
    assert bow_error(truth, cleaned.text) < bow_error(truth, kept.text)


def test_pages_read_as_sent_keep_every_word(engine: OcrEngine, eval_dir: Path) -> None:
    image = Image.open(eval_dir / "funsd-test" / "85201976.png")
    as_sent = recognize_page(image, engine, PageOptions(preprocess=False))
    assert any(is_noise(word) for ln in as_sent.lines for word in ln.words)
    assert not any(step.startswith("drop-noise") for step in as_sent.steps)
