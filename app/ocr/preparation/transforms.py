"""What is done to a page before it is read: each function returns a new image."""

import numpy as np
from PIL import Image, ImageFilter, ImageOps

from app.ocr.preparation.analysis import (
    BORDER_ANALYSIS_WIDTH,
    DARK_SURROUND,
    ink_mask,
    paper_brightness,
)
from app.ocr.preparation.rules import RuleSize, grow, long_runs


def remove_rules(page: Image.Image, size: RuleSize) -> Image.Image:
    """Paint over the horizontal and vertical rules of forms and tables: Tesseract reads them
    as underscores and bars glued to the words, and drops lines of text boxed in by them."""
    ink = ink_mask(page)
    # Found on the page itself: every long straight run, however thick (a scanned rule is
    # often several pixels). Single characters are never this long at full size.
    rules = long_runs(ink, size.length) | long_runs(ink.T, size.length).T
    # One pixel more on each side: a rule's anti-aliased edges would stay behind as ink.
    cleaned = np.asarray(page, dtype=np.uint8).copy()
    cleaned[grow(rules)] = 255
    return Image.fromarray(cleaned)


def remove_dark_border(page: Image.Image) -> Image.Image:
    """Paint over the dark surround that touches the page's edges (a scanner's lid, the desk
    under a photographed sheet): Tesseract takes it for a picture and can lose the text beside
    it. Found on a small copy as the dark pixels connected to the edges."""
    shrink = max(1, round(page.width / BORDER_ANALYSIS_WIDTH))
    pixels = np.asarray(page.reduce(shrink) if shrink > 1 else page, dtype=np.uint8)
    paper = paper_brightness(pixels)
    dark = pixels < DARK_SURROUND * paper
    region = np.zeros_like(dark)
    for edge in (np.s_[0, :], np.s_[-1, :], np.s_[:, 0], np.s_[:, -1]):
        region[edge] = dark[edge]
    for _ in range(sum(dark.shape)):  # grow through dark pixels until nothing changes
        grown = grow(region) & dark
        if np.array_equal(grown, region):
            break
        region = grown
    # One small-copy pixel more, for the half-dark pixels along the paper's edge.
    mask = Image.fromarray(grow(region).astype(np.uint8) * 255).resize(
        page.size, Image.Resampling.NEAREST
    )
    cleaned = np.asarray(page, dtype=np.uint8).copy()
    # Painted the paper's own brightness, not white: a bright band beside paper in poor light
    # would make the paper look dark to adaptive thresholding.
    cleaned[np.asarray(mask) > 0] = int(paper)
    return Image.fromarray(cleaned)


def rotate(page: Image.Image, degrees: float) -> Image.Image:
    """The page turned counter-clockwise by `degrees` (as Pillow does) on a canvas grown to
    hold it. The corners it uncovers are painted the paper's own brightness: white wedges
    beside mid-grey paper move Tesseract's global threshold above the paper, and the whole
    page then reads as ink, with no text line found."""
    if page.mode == "L":
        shrink = max(1, round(page.width / BORDER_ANALYSIS_WIDTH))
        small = np.asarray(page.reduce(shrink) if shrink > 1 else page, dtype=np.uint8)
        paper: int | tuple[int, ...] = round(paper_brightness(small))
    else:
        paper = 255 if page.mode == "1" else (255,) * len(page.getbands())
    return page.rotate(degrees, expand=True, fillcolor=paper, resample=Image.Resampling.BICUBIC)


def denoise(page: Image.Image) -> Image.Image:
    return page.filter(ImageFilter.MedianFilter(3))


SMOOTH_RADIUS = 1.0  # pixels: closes the gaps of dotted print without merging letters


def smooth(page: Image.Image) -> Image.Image:
    """A light Gaussian blur: JPEG blocks, paper grain and the dots of thermal or dot-matrix
    print become even strokes before Tesseract thresholds the page."""
    return page.filter(ImageFilter.GaussianBlur(SMOOTH_RADIUS))


def invert(page: Image.Image) -> Image.Image:
    return ImageOps.invert(page)
