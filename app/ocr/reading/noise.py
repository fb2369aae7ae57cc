"""Words that are more likely specks, rules and dotted leaders than text.

Tesseract reads a table's border as `|`, a speck as `.` or `'`, a dotted line as `ee`, and
says it is unsure. On the eval sets (words matched against the truth), a word made only of
symbols read with less than 70 confidence was nearly always wrong, and so was a word of one
or two characters read with less than 40 (docs/accuracy.md). Longer words are kept however
unsure: a misread word is still mostly right, and a short all-capitals word
(a name, an initialism) may be read right with little confidence.
"""

from dataclasses import replace

from app.ocr.results import Line, Page, Word, layout_text, union

SYMBOLS_CONFIDENCE = 70.0
SHORT_LENGTH = 2
SHORT_CONFIDENCE = 40.0


def is_noise(word: Word) -> bool:
    if not any(character.isalnum() for character in word.text):
        return word.confidence < SYMBOLS_CONFIDENCE
    return len(word.text) <= SHORT_LENGTH and word.confidence < SHORT_CONFIDENCE


def drop_noise(page: Page) -> int:
    """Take the noise words out of the page's lines, and lay its text out again from them;
    return how many went. A line of nothing but noise goes too."""
    dropped = sum(is_noise(word) for line in page.lines for word in line.words)
    if dropped:
        page.lines = [line for line in map(_without_noise, page.lines) if line is not None]
        page.text = layout_text(page.lines)
    return dropped


def _without_noise(line: Line) -> Line | None:
    words = tuple(word for word in line.words if not is_noise(word))
    if len(words) == len(line.words):
        return line
    if not words:
        return None
    bbox = union([word.bbox for word in words])
    return replace(line, text=" ".join(word.text for word in words), bbox=bbox, words=words)
