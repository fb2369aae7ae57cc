"""Choosing Tesseract's page segmentation from what the page looks like."""

from app.ocr.preprocess import PageLook

PSM_AUTO = 3  # full layout analysis: columns, blocks, reading order between them
PSM_SINGLE_COLUMN = 4  # one column of lines of varying size: each row read whole
PSM_SINGLE_LINE = 7  # the image is one line of text


def choose_psm(look: PageLook) -> int:
    """One column (receipts, forms, letters, tables): read row by row, so an item and its
    price, or a table row, stay on one line. Several columns (articles): full layout
    analysis, which reads them column by column. A strip holding one line: read as a line."""
    if look.line_count == 1:
        return PSM_SINGLE_LINE
    return PSM_SINGLE_COLUMN if look.single_column else PSM_AUTO
