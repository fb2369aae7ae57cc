"""Choosing Tesseract's page segmentation from what the page looks like."""

from app.ocr.preparation.analysis import PageLook

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
    # Small print stacks several lines even in a short image: a strip is one line only when
    # the analysis sees no more.
    one_line = look.line_count == 1 and look.line_height is not None
    if one_line or (height <= ONE_LINE_HEIGHT and look.line_count <= 1):
        return PSM_SINGLE_LINE
    if look.single_column and height >= RECEIPT_ASPECT * width:
        return PSM_SINGLE_BLOCK
    return PSM_AUTO
