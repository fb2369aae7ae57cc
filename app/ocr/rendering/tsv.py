"""Tesseract's TSV: a row per page, block, paragraph, line and word, words with confidences."""

from app.ocr.rendering.blocks import paragraphs
from app.ocr.results import BBox, Page

HEADER = (
    "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\t"
    "left\ttop\twidth\theight\tconf\ttext\n"
)


def _row(level: int, ids: tuple[int, int, int, int, int], box: BBox, conf: str, text: str) -> str:
    left, top, right, bottom = box
    fields = (level, *ids, left, top, right - left, bottom - top, conf, text)
    return "\t".join(map(str, fields)) + "\n"


def write(page: Page) -> bytes:
    number = page.number
    out = [HEADER, _row(1, (number, 0, 0, 0, 0), (0, 0, page.width, page.height), "-1", "")]
    for block, (box, lines) in enumerate(paragraphs(page), start=1):
        out.append(_row(2, (number, block, 0, 0, 0), box, "-1", ""))
        out.append(_row(3, (number, block, 1, 0, 0), box, "-1", ""))
        for line_number, line in enumerate(lines, start=1):
            out.append(_row(4, (number, block, 1, line_number, 0), line.bbox, "-1", ""))
            for word_number, word in enumerate(line.words, start=1):
                # A word's text holds no tab or newline: either would break the row.
                text = " ".join(word.text.split())
                ids = (number, block, 1, line_number, word_number)
                out.append(_row(5, ids, word.bbox, f"{word.confidence:.6f}", text))
    return "".join(out).encode()
