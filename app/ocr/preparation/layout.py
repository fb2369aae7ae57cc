"""Choosing Tesseract's page segmentation from what the page looks like."""

from app.ocr.preparation.analysis import PageLook

PSM_AUTO_OSD = 1  # Tesseract turns the page by its own orientation detection, then as PSM_AUTO
PSM_AUTO = 3  # full layout analysis: columns and blocks, each read in order
PSM_SINGLE_BLOCK = 6  # one uniform block: every row read whole, left to right
PSM_SINGLE_LINE = 7  # the image is one line of text
ONE_LINE_HEIGHT = 80  # an image this short holds one line of readable text at most
RECEIPT_ASPECT = 1.8  # a page this many times taller than wide, in one column: a receipt


def choose_psm(look: PageLook, size: tuple[int, int]) -> int:
    """A strip holding one line is read as a line. A tall, narrow, single-column page (a
    receipt, a till slip) is read as one block, so each item stays on a line with its price.
    Anything else gets Tesseract's full layout analysis, which reads multi-column articles
    column by column; measured on the eval sets, guessing "one column" on ordinary pages
    costs more (a missed column merges lines across the gutter) than it gains."""
    width, height = size
    if height <= ONE_LINE_HEIGHT or (look.line_count == 1 and look.line_height is not None):
        return PSM_SINGLE_LINE
    if look.single_column and height >= RECEIPT_ASPECT * width:
        return PSM_SINGLE_BLOCK
    return PSM_AUTO


def render_psm(preprocess: bool, auto_rotate: bool | None) -> int:
    """The segmentation for Tesseract's own renderers (hOCR, ALTO, TSV, PDF), which read the
    page as sent: a page lying on its side or upside down is turned by Tesseract itself, which
    keeps the boxes in the page's own pixels. It costs an orientation pass per page."""
    return PSM_AUTO_OSD if preprocess and auto_rotate is not False else PSM_AUTO
