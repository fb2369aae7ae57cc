"""The page -> line -> word tree and the plain text laid out from it."""

import pytest

from app.ocr.results import Line, layout_text, text_lines


def lines_in(*paragraphs: list[str]) -> list[Line]:
    return [
        Line(text, (0, 0, 1, 1), 90.0, (), number)
        for number, texts in enumerate(paragraphs)
        for text in texts
    ]


@pytest.mark.parametrize(
    ("lines", "text"),
    [
        (lines_in(["one line"]), "one line\n"),
        (lines_in(["first", "second"]), "first\nsecond\n"),
        (lines_in(["a", "b"], ["c"]), "a\nb\n\nc\n"),
        ([], ""),
    ],
    ids=["one-line", "one-paragraph", "two-paragraphs", "nothing"],
)
def test_text_is_laid_out_as_tesseract_writes_it(lines: list[Line], text: str) -> None:
    assert layout_text(lines) == text


def test_text_lines_are_the_non_blank_lines() -> None:
    assert text_lines("a\nb\n\n  c \n") == ["a", "b", "c"]
