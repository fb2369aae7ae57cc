"""Words that are more likely specks, rules and dotted leaders than text.

Tesseract reads a table's border as `|`, a speck as `.` or `'`, a dotted line as `ee`, and
says it is unsure. On the eval sets (words matched against the truth), a word made only of
symbols read with less than 70 confidence was nearly always wrong, and so was a word of one
or two characters read with less than 40 (docs/accuracy.md). Longer words are kept however
unsure: a misread word is still mostly right, and a short all-capitals word
(a name, an initialism) may be read right with little confidence.

However sure Tesseract is, a word of symbols lying wholly above or below its line's letters
and figures is not on that line: it is what a rule or box leaves behind (the rounded corner of
a receipt's box once its straight sides are painted over, read as `|`).
"""

from dataclasses import replace

from app.ocr.results import Line, Page, Word, layout_text, union

SYMBOLS_CONFIDENCE = 70.0
SHORT_LENGTH = 2
SHORT_CONFIDENCE = 40.0


def is_noise(word: Word) -> bool:
    if not _has_text(word):
        return word.confidence < SYMBOLS_CONFIDENCE
    return len(word.text) <= SHORT_LENGTH and word.confidence < SHORT_CONFIDENCE


def is_stray(word: Word, line: Line) -> bool:
    """A word of symbols outside the band its line's letters and figures fill: above or below
    them on a line across, beside them on a line Tesseract read down a turned page."""
    if _has_text(word):
        return False
    text = [other for other in line.words if _has_text(other)]
    if not text:
        return False
    across = 0 if _runs_down(text) else 1  # the axis of the band: y for a line across
    start = min(other.bbox[across] for other in text)
    end = max(other.bbox[across + 2] for other in text)
    return word.bbox[across + 2] <= start or word.bbox[across] >= end


def _has_text(word: Word) -> bool:
    return any(character.isalnum() for character in word.text)


def _runs_down(words: list[Word]) -> bool:
    """Whether the words follow each other down the image rather than across it."""
    if len(words) == 1:
        left, top, right, bottom = words[0].bbox
        # One word: only a long one standing much taller than wide is read downwards.
        return len(words[0].text) >= 3 and bottom - top > 2 * (right - left)
    centres_x = [(word.bbox[0] + word.bbox[2]) / 2 for word in words]
    centres_y = [(word.bbox[1] + word.bbox[3]) / 2 for word in words]
    return max(centres_y) - min(centres_y) > max(centres_x) - min(centres_x)


def drop_noise(page: Page) -> int:
    """Take the noise words out of the page's lines, and lay its text out again from them;
    return how many went. A line of nothing but noise goes too."""
    dropped = sum(_is_dropped(word, line) for line in page.lines for word in line.words)
    if dropped:
        page.lines = [line for line in map(_without_noise, page.lines) if line is not None]
        page.text = layout_text(page.lines)
    return dropped


def _is_dropped(word: Word, line: Line) -> bool:
    return is_noise(word) or is_stray(word, line)


def _without_noise(line: Line) -> Line | None:
    words = tuple(word for word in line.words if not _is_dropped(word, line))
    if len(words) == len(line.words):
        return line
    if not words:
        return None
    bbox = union([word.bbox for word in words])
    return replace(line, text=" ".join(word.text for word in words), bbox=bbox, words=words)
