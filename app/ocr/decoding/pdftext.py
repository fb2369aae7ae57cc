"""The text a PDF page already carries, as lines and words with boxes in rendered pixels."""

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from app.ocr.results import BBox, Line, Word, union

# Text that is in the file is known, not guessed.
TEXT_LAYER_CONFIDENCE = 100.0
# A picture covering this much of the page is a scan...
SCAN_AREA = 0.5
# ...and text spanning less than this much of its height is a stamp on it (a Bates number, a
# header a PDF tool added), not the scan's text: such a page is read with OCR.
STAMP_HEIGHT = 0.2


def text_layer(page: pdfium.PdfPage, scale: float) -> tuple[str, list[Line]] | None:
    """The page's own text and its lines, or None when it has none worth trusting (no text, or
    only a stamp over a scanned picture); `scale` is pixels per PDF point of the rendered page
    the boxes refer to."""
    textpage = page.get_textpage()
    try:
        text = textpage.get_text_bounded()
        if not text.strip():
            return None
        lines = _lines(page, textpage, scale)
    finally:
        textpage.close()
    if lines and _is_scan(page) and _height_spanned(lines, page, scale) < STAMP_HEIGHT:
        return None
    return text.replace("\r\n", "\n").replace("\r", "\n"), lines


def _is_scan(page: pdfium.PdfPage) -> bool:
    width, height = page.get_size()
    for image in page.get_objects(filter=(pdfium_c.FPDF_PAGEOBJ_IMAGE,), max_depth=3):
        left, bottom, right, top = image.get_bounds()
        if (right - left) * (top - bottom) >= SCAN_AREA * width * height:
            return True
    return False


def _height_spanned(lines: list[Line], page: pdfium.PdfPage, scale: float) -> float:
    top = min(line.bbox[1] for line in lines)
    bottom = max(line.bbox[3] for line in lines)
    return float((bottom - top) / (page.get_size()[1] * scale))


def _lines(page: pdfium.PdfPage, textpage: pdfium.PdfTextPage, scale: float) -> list[Line]:
    if page.get_rotation() % 360:
        # Character boxes are in the unrotated page's space; rather no boxes than wrong ones.
        return []
    left, _, _, top = page.get_cropbox()
    lines: list[Line] = []
    words: list[Word] = []
    chars: list[str] = []
    box: BBox | None = None

    def end_word() -> None:
        nonlocal box
        if chars and box is not None:
            words.append(Word("".join(chars), box, TEXT_LAYER_CONFIDENCE))
        chars.clear()
        box = None

    def end_line() -> None:
        end_word()
        if words:
            lines.append(
                Line(
                    text=" ".join(word.text for word in words),
                    bbox=union([word.bbox for word in words]),
                    confidence=TEXT_LAYER_CONFIDENCE,
                    words=tuple(words),
                )
            )
        words.clear()

    for index in range(textpage.count_chars()):
        code = pdfium_c.FPDFText_GetUnicode(textpage.raw, index)
        char = chr(code) if code else ""
        if char in ("\r", "\n"):
            end_line()
            continue
        if not char or char.isspace():
            end_word()
            continue
        x0, y0, x1, y1 = textpage.get_charbox(index)
        char_box = (
            round((x0 - left) * scale),
            round((top - y1) * scale),
            round((x1 - left) * scale),
            round((top - y0) * scale),
        )
        box = char_box if box is None else union([box, char_box])
        chars.append(char)
    end_line()
    return lines
