"""A sample of a page's text for telling its language: a few of its lines, from a quarter, the
middle and three quarters down the page, cut between lines and stacked into one small image
that reads in a fraction of the page's time."""

import numpy as np
from PIL import Image

from app.ocr.preparation.analysis import grey, ink_mask

ANALYSIS_WIDTH = 640  # the rows' ink is measured on a copy about this wide
PLACES = (0.25, 0.5, 0.75)  # a page that mixes languages shows more than one of them
LINES_A_PLACE = 2  # six lines: some sixty words of a full page, plenty to tell a language by
MIN_INK = 0.005  # a row with less of its pixels inked is between lines
GAP = 24  # white pixels between stacked lines
# A sample that would hold this share of the page's lines, or be this share of its height, is
# the page: read whole, its reading can be the page's own when the page is in the first
# reading's language.
MOST_OF_THE_PAGE = 0.75


def text_rows(page: Image.Image) -> list[tuple[int, int]]:
    """The page's rows of text, (top, bottom) in its pixels, from the ink of each row."""
    small = grey(page)
    scale = min(1.0, ANALYSIS_WIDTH / page.width)
    if scale < 1.0:
        small = small.resize((ANALYSIS_WIDTH, max(1, round(page.height * scale))))
    inked = ink_mask(small).mean(axis=1) >= MIN_INK
    edges = np.flatnonzero(np.diff(np.concatenate(([0], inked.astype(np.int8), [0]))))
    runs = [(int(top), int(bottom)) for top, bottom in zip(edges[::2], edges[1::2], strict=True)]
    if not runs:
        return []
    # A line's descenders, accents or dots can stand apart from its body by a row or two: a
    # run closer to the one before than a third of a line's height is part of it.
    typical = float(np.median([bottom - top for top, bottom in runs]))
    merged = [runs[0]]
    for top, bottom in runs[1:]:
        if top - merged[-1][1] < max(2.0, typical / 3):
            merged[-1] = (merged[-1][0], bottom)
        else:
            merged.append((top, bottom))
    rows = []
    for top, bottom in merged:
        # A line's accents and descenders stand a little above and below its densest rows.
        pad = max(1, (bottom - top) // 4)
        rows.append(
            (max(0, round((top - pad) / scale)), min(page.height, round((bottom + pad) / scale)))
        )
    return rows


def text_sample(page: Image.Image) -> Image.Image:
    """A few of `page`'s lines (upright) stacked with white between them; the page itself when
    the sample would take most of its lines."""
    rows = text_rows(page)
    wanted = len(PLACES) * LINES_A_PLACE
    if wanted >= MOST_OF_THE_PAGE * len(rows):
        return page
    chosen: list[tuple[int, int]] = []
    for place in PLACES:
        first = min(int(place * len(rows)), len(rows) - LINES_A_PLACE)
        chosen += [row for row in rows[first : first + LINES_A_PLACE] if row not in chosen]
    height = sum(bottom - top for top, bottom in chosen) + GAP * (len(chosen) + 1)
    if height >= MOST_OF_THE_PAGE * page.height:
        return page  # a small page: its sample, with the gaps, would be as tall as itself
    crops = [page.crop((0, top, page.width, bottom)) for top, bottom in chosen]
    sample = Image.new(page.mode, (page.width, height), _white(page))
    y = GAP
    for crop in crops:
        sample.paste(crop, (0, y))
        y += crop.height + GAP
    sample.info = dict(page.info)  # its resolution, as the page's
    return sample


def _white(page: Image.Image) -> int | tuple[int, ...]:
    bands = len(page.getbands())
    return (255,) * bands if bands > 1 else 255
