"""Choosing Tesseract's page segmentation from what the page looks like."""

from app.ocr.preparation.analysis import PageLook

PSM_AUTO = 3  # full layout analysis: columns and blocks, each read in order
PSM_SINGLE_BLOCK = 6  # one uniform block: every row read whole, left to right
PSM_SINGLE_LINE = 7  # the image is one line of text
ONE_LINE_HEIGHT = 80  # an image this short holds one line of readable text at most
MIN_LINE_HEIGHT = 6.0  # pixels: "lines" shorter than this are the strokes of one glyph
RECEIPT_ASPECT = 1.8  # a page this many times taller than wide, in one column: a receipt


def choose_psm(look: PageLook, size: tuple[int, int]) -> int:
    """A strip holding one line is read as a line. A tall, narrow, single-column page (a
    receipt, a till slip) is read as one block, so each item stays on a line with its price.
    Anything else gets Tesseract's full layout analysis, which reads multi-column articles
    column by column; measured on the eval sets, guessing "one column" on ordinary pages
    costs more (a missed column merges lines across the gutter) than it gains."""
    height = size[1]
    # Small print stacks several lines even in a short image: a strip is one line only when
    # the analysis sees no more, or when what it sees are too thin to be lines of text.
    one_line = look.line_count == 1 and look.line_height is not None
    stacked = look.line_count > 1 and (look.line_height or 0.0) >= MIN_LINE_HEIGHT
    if one_line or (height <= ONE_LINE_HEIGHT and not stacked):
        return PSM_SINGLE_LINE
    if receipt_shaped(look, size):
        return PSM_SINGLE_BLOCK
    return PSM_AUTO


def receipt_shaped(look: PageLook, size: tuple[int, int]) -> bool:
    """A tall, narrow page in one column: a receipt, a till slip."""
    width, height = size
    return look.single_column and height >= RECEIPT_ASPECT * width
