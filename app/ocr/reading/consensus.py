"""Two readings of one image made into one, word by word, by their confidence.

Two different models misread different words: the standard (fast) model and the larger one
trained from the same data disagree most where print is faint, dotted or blurred, and each is
usually less confident where it is wrong. So on a page the engine was unsure of, the second
reading is laid over the first: in each line of the first reading, the words of the two
readings that cover the same stretch of ink form a group, and the group is taken from the
reading that is more confident of it on average. Measured on the eval sets' receipts and
forms, this beats either reading alone and choosing a whole page or whole lines by
confidence.

The first reading's lines, their order and paragraphs stay as they are, so the text keeps
its layout; words of the second reading outside every line of the first are left out (on
the eval sets, keeping them as lines of their own changed nothing).
"""

from dataclasses import dataclass, replace

from app.ocr.results import BBox, Line, Page, Word, layout_text

MIN_LINE_OVERLAP = 0.5  # of the shorter one's height: a word sits on that line
MIN_WORD_OVERLAP = 0.3  # of the narrower one's width: two words cover the same ink


@dataclass(frozen=True, slots=True)
class Merged:
    page: Page
    taken: int  # words that came from the second reading


def merge(first: Page, second: Page) -> Merged:
    """`first` with each group of overlapping words taken from the more confident reading.
    Both readings are of the same image, so their boxes are comparable."""
    others: list[list[Word]] = [[] for _ in first.lines]
    for line in second.lines:
        for word in line.words:
            index = _line_of(word.bbox, first.lines)
            if index is not None:
                others[index].append(word)
    lines: list[Line] = []
    taken = 0
    for line, words in zip(first.lines, others, strict=True):
        chosen, from_second = _choose(line.words, words)
        taken += from_second
        lines.append(
            line
            if not from_second
            else replace(line, text=" ".join(word.text for word in chosen), words=chosen)
        )
    if not taken:
        return Merged(first, 0)
    confidences = [word.confidence for line in lines for word in line.words]
    page = replace(
        first,
        text=layout_text(lines),
        lines=lines,
        confidence=sum(confidences) / len(confidences),
        steps=list(first.steps),
    )
    return Merged(page, taken)


def _line_of(box: BBox, lines: list[Line]) -> int | None:
    """The line the word sits on: most overlapped in height, and within its width."""
    best, best_overlap = None, MIN_LINE_OVERLAP
    for index, line in enumerate(lines):
        if box[2] <= line.bbox[0] or box[0] >= line.bbox[2]:
            continue
        overlap = _overlap(line.bbox[1], line.bbox[3], box[1], box[3])
        if overlap > best_overlap:
            best, best_overlap = index, overlap
    return best


def _choose(own: tuple[Word, ...], others: list[Word]) -> tuple[tuple[Word, ...], int]:
    """The line's words, each group from the reading more confident of it (a tie keeps the
    first's); and how many came from the second."""
    if not others:
        return own, 0
    # Left to right; at one position, the first reading's word first.
    placed = sorted(
        [(word.bbox[0], 0, word) for word in own] + [(word.bbox[0], 1, word) for word in others],
        key=lambda item: item[:2],
    )
    groups: list[list[tuple[int, Word]]] = []
    for _, side, word in placed:
        if groups and any(
            other_side != side and _covers(other, word) for other_side, other in groups[-1]
        ):
            groups[-1].append((side, word))
        else:
            groups.append([(side, word)])
    chosen: list[Word] = []
    taken = 0
    for group in groups:
        firsts = [word for side, word in group if side == 0]
        seconds = [word for side, word in group if side == 1]
        if seconds and (not firsts or _mean(seconds) > _mean(firsts)):
            chosen += seconds
            taken += len(seconds)
        else:
            chosen += firsts
    return tuple(chosen), taken


def _covers(a: Word, b: Word) -> bool:
    return _overlap(a.bbox[0], a.bbox[2], b.bbox[0], b.bbox[2]) > MIN_WORD_OVERLAP


def _overlap(a0: int, a1: int, b0: int, b1: int) -> float:
    """How much two spans overlap, as a share of the shorter one."""
    return max(0, min(a1, b1) - max(a0, b0)) / max(1, min(a1 - a0, b1 - b0))


def _mean(words: list[Word]) -> float:
    return sum(word.confidence for word in words) / len(words)
