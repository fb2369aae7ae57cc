"""Two readings of one image merged word group by word group (app/ocr/consensus.py)."""

import pytest

from app.ocr.reading.consensus import merge
from app.ocr.results import Line, Page, Word, layout_text, union


def word(text: str, left: int, confidence: float, top: int = 0) -> Word:
    return Word(text, (left, top, left + 10 * len(text), top + 20), confidence)


def page(*lines: tuple[Word, ...], paragraphs: tuple[int, ...] | None = None) -> Page:
    built = [
        Line(
            " ".join(w.text for w in words),
            union([w.bbox for w in words]),
            sum(w.confidence for w in words) / len(words),
            words,
            paragraphs[index] if paragraphs else 0,
        )
        for index, words in enumerate(lines)
    ]
    confidences = [w.confidence for words in lines for w in words]
    return Page(layout_text(built), 400, 200, built, confidence=sum(confidences) / len(confidences))


@pytest.mark.parametrize(
    ("first_words", "second_words", "expected", "taken"),
    [
        (
            [("T0TAL", 0, 40), ("5.00", 80, 95)],
            [("TOTAL", 0, 90), ("5.0O", 80, 60)],
            "TOTAL 5.00",
            1,
        ),
        ([("TOTAL", 0, 90)], [("T0TAL", 0, 90)], "TOTAL", 0),
        ([("1X", 0, 40)], [("1", 0, 90), ("X", 12, 90)], "1 X", 2),
        ([("1", 0, 90), ("X", 12, 60)], [("1X", 0, 70)], "1 X", 0),
        ([("1", 0, 50), ("X", 12, 50)], [("1X", 0, 70)], "1X", 1),
        (
            [("PRICE", 0, 90), ("5.00", 200, 90)],
            [("PRICE", 0, 90), ("RM", 100, 80), ("5.00", 200, 90)],
            "PRICE RM 5.00",
            1,
        ),
    ],
    ids=[
        "each-group-from-the-more-confident",
        "a-tie-keeps-the-first",
        "a-run-together-word-against-its-parts",
        "parts-kept-when-more-confident-on-average",
        "run-together-word-taken-when-more-confident",
        "a-word-the-first-missed-on-its-line",
    ],
)
def test_each_group_of_words_comes_from_the_more_confident_reading(
    first_words: list[tuple[str, int, float]],
    second_words: list[tuple[str, int, float]],
    expected: str,
    taken: int,
) -> None:
    first = page(tuple(word(*spec) for spec in first_words))
    second = page(tuple(word(*spec) for spec in second_words))
    merged = merge(first, second)
    assert merged.page.lines[0].text == expected
    assert merged.page.text == expected + "\n"
    assert merged.taken == taken


def test_the_first_readings_lines_and_paragraphs_stay() -> None:
    first = page(
        (word("Shop", 0, 95, top=0),),
        (word("C0FFEE", 0, 30, top=40), word("3.50", 100, 90, top=40)),
        (word("Thank", 0, 95, top=100), word("you", 70, 95, top=100)),
        paragraphs=(0, 1, 2),
    )
    # The second reading ran the last two lines into one block and saw a line the first did
    # not (a stray mark below the text): only where the first has a line does it count.
    second = page(
        (word("COFFEE", 0, 85, top=42), word("3.5O", 100, 40, top=42)),
        (word("Thank", 0, 60, top=98), word("you", 70, 60, top=98)),
        (word("~~", 0, 99, top=160),),
    )
    merged = merge(first, second)
    assert merged.page.text == "Shop\n\nCOFFEE 3.50\n\nThank you\n"
    assert [line.paragraph for line in merged.page.lines] == [0, 1, 2]
    assert merged.taken == 1
    assert merged.page.confidence == pytest.approx((95 + 85 + 90 + 95 + 95) / 5)


def test_nothing_better_leaves_the_first_reading_as_it_was() -> None:
    first = page((word("Hello", 0, 95), word("world", 70, 90)))
    second = page((word("Hell0", 0, 60), word("world", 70, 90)))
    merged = merge(first, second)
    assert merged.page is first
    assert merged.taken == 0
