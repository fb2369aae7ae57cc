"""A sample of a page's text for telling its language: a few bands across the page, cut between
lines, stacked into one small image that reads in a fraction of the page's time."""

import numpy as np
from PIL import Image

from app.ocr.preparation.analysis import grey, ink_mask

SAMPLE_SHARE = 0.18  # of the page's height: a few hundred words of a full page
MIN_SAMPLED_PAGE_HEIGHT = 900  # a page lower than this is read whole: it is its own sample
BAND_COUNT = 3  # at a quarter, the middle and three quarters: a page mixing languages shows
GAP = 24  # white pixels between stacked bands


def text_sample(page: Image.Image) -> Image.Image:
    """Bands of `page` (upright) about its quarter, middle and three quarters, each edge moved
    to the least inked row near it so no line is cut through, stacked with white between."""
    height = page.height
    if height < MIN_SAMPLED_PAGE_HEIGHT:
        return page
    small = grey(page)
    scale = min(1.0, 640 / page.width)
    if scale < 1.0:
        small = small.resize((640, max(1, round(height * scale))))
    ink = ink_mask(small).mean(axis=1)  # the share of inked pixels in each row
    band = max(1, round(SAMPLE_SHARE * len(ink) / BAND_COUNT))
    slack = max(1, band // 3)
    bands = []
    for centre in (0.25, 0.5, 0.75)[:BAND_COUNT]:
        top = _quiet_row(ink, round(centre * len(ink) - band / 2), slack)
        bottom = _quiet_row(ink, top + band, slack)
        if bottom > top:
            bands.append((round(top / scale), round(bottom / scale)))
    if not bands:
        return page
    crops = [page.crop((0, top, page.width, bottom)) for top, bottom in bands]
    sample = Image.new(page.mode, (page.width, sum(c.height for c in crops) + GAP * len(crops)),
                       _paper(page))  # fmt: skip
    y = GAP // 2
    for crop in crops:
        sample.paste(crop, (0, y))
        y += crop.height + GAP
    sample.info = dict(page.info)  # its resolution, as the page's
    return sample


def _quiet_row(ink: np.ndarray, near: int, slack: int) -> int:
    """The least inked row within `slack` rows of `near` (inside the page)."""
    low = max(0, near - slack)
    high = min(len(ink), near + slack + 1)
    if low >= high:
        return min(max(near, 0), len(ink))
    return low + int(np.argmin(ink[low:high]))


def _paper(page: Image.Image) -> int | tuple[int, ...]:
    """White, in the page's mode."""
    return (255,) * len(page.getbands()) if len(page.getbands()) > 1 else 255
