"""Measuring a page on a small copy: the ink's projection profile gives the skew angle, the
text line height and whether the page is one column; isolated specks tell salt-and-pepper
noise; the background's spread tells uneven light. Every preparation is decided from this."""

import math
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageFilter

from app.ocr.preparation.rules import RULE_BAND, RuleSize, rule_share

ANALYSIS_WIDTH = 640  # about the width of the small copy decisions are made on
BORDER_ANALYSIS_WIDTH = 256  # the dark surround is found on a copy about this wide
DARK_SURROUND = 0.5  # darker than this share of the paper: no paper, even in shadow


def grey(image: Image.Image) -> Image.Image:
    return image if image.mode == "L" else image.convert("L")


def paper_brightness(pixels: np.ndarray) -> float:
    """The paper's brightness: most of a page is paper."""
    return float(np.percentile(pixels, 90))


TARGET_LINE_HEIGHT = 36.0  # our band height: about 50 px as Tesseract measures lines
MIN_LINE_HEIGHT = 13.0  # below this (about 18 px to Tesseract), scale up
MAX_LINE_HEIGHT = 110.0  # above this, scale down (huge photos)
MAX_UPSCALE = 3.0
MIN_DOWNSCALE = 0.25
MAX_PIXELS_AFTER_UPSCALE = 24_000_000
SKEW_RANGE_DEGREES = 12.0
MIN_SKEW_DEGREES = 0.4
SPECKLE_FRACTION = 0.002  # isolated dark pixels among all pixels: salt-and-pepper
UNEVEN_BACKGROUND = 45  # spread of local background brightness (0-255): uneven light


@dataclass(slots=True)
class PageLook:
    """What the small copy says about the page."""

    skew_degrees: float
    line_height: float | None  # in source pixels
    line_count: int
    single_column: bool
    speckles: float
    background_spread: float
    dark: bool
    sideways: bool
    rules: float = 0.0  # share of the ink in long, thin straight runs: form and table rules
    dark_border: float = 0.0  # share of the outermost pixels that are dark: a lid, a desk


def analyse(page: Image.Image) -> PageLook:
    """Measure a greyscale page on a copy about ANALYSIS_WIDTH wide."""
    # An integer box reduction (a quarter of the cost of resizing to an exact width), to
    # about ANALYSIS_WIDTH: between two thirds and four thirds of it.
    shrink = max(1, round(page.width / ANALYSIS_WIDTH))
    small = page.reduce(shrink) if shrink > 1 else page
    factor = small.width / page.width
    pixels = np.asarray(small, dtype=np.uint8)
    dark = _dark(pixels)
    if dark:
        pixels = 255 - pixels
        small = Image.fromarray(pixels)
    ink = ink_mask(small)
    points = _InkPoints.of(ink)
    skew, profile_score, line_height, line_count = _skew_and_lines(points, ink)
    return PageLook(
        skew_degrees=skew,
        line_height=line_height / factor if line_height else None,
        line_count=line_count,
        single_column=not _has_gutter(ink, skew),
        speckles=_speckles(page, dark),
        background_spread=_background_spread(pixels),
        dark=dark,
        sideways=_sideways(points, profile_score),
        dark_border=_dark_border(pixels),
        rules=(
            rule_share(ink, RuleSize.of(line_height, small.width, scale=factor))
            if line_height
            else 0.0
        ),
    )


def _flatten_light(small: Image.Image) -> np.ndarray:
    """The page divided by its own paper brightness: shadows and gradients no longer look
    like ink to a global threshold. The paper is the brightest nearby pixel, found on an
    eighth-size copy (cheap) and smoothed back up to size."""
    tiny = small.reduce(8) if min(small.size) >= 64 else small
    paper = tiny.filter(ImageFilter.MaxFilter(3)).resize(small.size, Image.Resampling.BILINEAR)
    pixels = np.asarray(small, dtype=np.float32)
    background = np.maximum(np.asarray(paper, dtype=np.float32), 1.0)
    return np.clip(pixels / background * 255.0, 0, 255).astype(np.uint8)


DARK_MEAN = 100  # a page darker than this on average is light text on a dark ground


def _dark(pixels: np.ndarray) -> bool:
    """Light text on a dark page. The middle of the frame must be dark too: a photographed
    sheet on a darker table is a dark frame around a light page."""
    if float(pixels.mean()) >= DARK_MEAN:
        return False
    height, width = pixels.shape
    middle = pixels[height // 4 : height - height // 4, width // 4 : width - width // 4]
    return middle.size == 0 or float(middle.mean()) < DARK_MEAN


def ink_mask(page: Image.Image) -> np.ndarray:
    """Which pixels are ink: Otsu's dark class once the light is evened out."""
    flat = _flatten_light(page)
    # On a two-level page (a bitonal scan) every threshold between the levels splits alike
    # and the first, 0, wins: nothing would be darker than it.
    return flat < max(1, _otsu(flat))


def _otsu(pixels: np.ndarray) -> int:
    histogram = np.bincount(pixels.ravel(), minlength=256).astype(float)
    total = histogram.sum()
    weights = np.cumsum(histogram)
    means = np.cumsum(histogram * np.arange(256))
    between = (means[-1] * weights - means * total) ** 2 / np.maximum(
        weights * (total - weights), 1e-9
    )
    return int(np.argmax(between))


MAX_PROFILE_POINTS = 20_000  # a random sample of the ink is enough for a profile


@dataclass(slots=True)
class _InkPoints:
    """The ink pixels' coordinates, found once and shared by every profile."""

    ys: np.ndarray
    xs: np.ndarray
    total: int

    @classmethod
    def of(cls, ink: np.ndarray) -> "_InkPoints":
        ys, xs = np.nonzero(ink)
        if len(ys) > MAX_PROFILE_POINTS:
            # Random, not every n-th: a stride through raster order aliases with the columns.
            keep = np.random.default_rng(0).choice(len(ys), MAX_PROFILE_POINTS, replace=False)
            ys, xs = ys[keep], xs[keep]
        return cls(ys.astype(np.float64), xs.astype(np.float64), len(ys))

    def profile(self, degrees: float) -> np.ndarray:
        """Ink per row after turning the page by `degrees` (a shear of the coordinates)."""
        return _histogram(self.ys + self.xs * math.tan(math.radians(degrees)))

    def columns(self) -> np.ndarray:
        return _histogram(self.xs)


def _histogram(positions: np.ndarray) -> np.ndarray:
    if len(positions) == 0:
        return np.zeros(1)
    return np.bincount((positions - positions.min()).astype(np.int64))


def _sharpness(profile: np.ndarray) -> float:
    return float(np.square(np.diff(profile.astype(float))).sum())


def _skew_and_lines(points: _InkPoints, ink: np.ndarray) -> tuple[float, float, float | None, int]:
    """(skew in degrees, profile sharpness, median line height in small-copy pixels, lines)."""
    if points.total < 50:
        return 0.0, 0.0, None, 0
    coarse = np.arange(-SKEW_RANGE_DEGREES, SKEW_RANGE_DEGREES + 0.01, 1.5)
    scores = [_sharpness(points.profile(angle)) for angle in coarse]
    best = float(coarse[int(np.argmax(scores))])
    fine = np.arange(best - 1.5, best + 1.51, 0.25)
    fine_scores = [_sharpness(points.profile(angle)) for angle in fine]
    best = float(fine[int(np.argmax(fine_scores))])
    height_, width_ = ink.shape
    # Lines measured in the middle third only: across a whole photo, perspective tilts the
    # lines differently and their bands would merge.
    middle = _InkPoints.of(ink[:, width_ // 3 : 2 * width_ // 3])
    heights = _line_bands(middle.profile(best)) if middle.total else []
    if len(heights) >= 3:
        # Rules of forms and tables make thin bands of their own: not text lines.
        typical = float(np.percentile(heights, 75))
        heights = [height for height in heights if height >= RULE_BAND * typical]
    if len(heights) == 1 and width_ >= 3 * height_:
        # A strip holding one line of text: its band is its line height.
        return best, max(fine_scores), float(heights[0]), 1
    if len(heights) < 3:
        return best, max(fine_scores), None, len(heights)
    return best, max(fine_scores), float(np.median(heights)), len(heights)


def _line_bands(profile: np.ndarray) -> list[int]:
    """Heights of the bands of rows with ink: the text lines."""
    if not profile.any():
        return []
    threshold = max(1.0, 0.1 * float(np.percentile(profile[profile > 0], 90)))
    inked = profile > threshold
    edges = np.flatnonzero(np.diff(inked.astype(np.int8)))
    if inked[0]:
        edges = np.r_[0, edges]
    if inked[-1]:
        edges = np.r_[edges, len(inked) - 1]
    heights: list[int] | np.ndarray = (
        np.diff(edges.reshape(-1, 2), axis=1).ravel() if len(edges) % 2 == 0 else []
    )
    return [int(h) for h in heights if h >= 2]


def _sideways(points: _InkPoints, row_score: float) -> bool:
    """Text lines run vertically when columns, not rows, give the sharp profile."""
    column_score = _sharpness(points.columns())
    return column_score > 1.5 * max(row_score, 1.0)


def _has_gutter(ink: np.ndarray, skew: float) -> bool:
    """An empty vertical band between text on both sides: more than one column."""
    height, width = ink.shape
    columns = ink[height // 10 : height - height // 10].sum(axis=0).astype(float)
    if columns.sum() == 0 or abs(skew) > 3:
        return False
    inked = np.flatnonzero(columns > 0.002 * columns.max() * height / 10)
    if len(inked) < 2:
        return False
    left, right = inked[0], inked[-1]
    span = columns[left : right + 1]
    return bool(_longest_run(span <= 0.01 * span.max()) >= 0.03 * width)


def _longest_run(flags: np.ndarray) -> int:
    """Length of the longest run of True in a 1-d array."""
    edges = np.flatnonzero(np.diff(np.r_[0, flags.astype(np.int8), 0]))
    return int(np.diff(edges.reshape(-1, 2), axis=1).max()) if len(edges) else 0


def _speckles(page: Image.Image, dark: bool) -> float:
    """Share of isolated dark pixels (no dark neighbour) in the central part of the page."""
    left, top = max(0, page.width // 2 - 256), max(0, page.height // 2 - 256)
    right, bottom = min(page.width, left + 512), min(page.height, top + 512)
    crop = np.asarray(page.crop((left, top, right, bottom)), dtype=np.uint8)
    ink = (crop > 128) if dark else (crop < 128)
    if not ink.any():
        return 0.0
    # A pixel is isolated when the 3x3 box around it holds only itself.
    counts = np.pad(ink, 1).astype(np.uint8)
    counts = counts[:-2] + counts[1:-1] + counts[2:]
    counts = counts[:, :-2] + counts[:, 1:-1] + counts[:, 2:]
    return float((ink & (counts == 1)).mean())


def _background_spread(pixels: np.ndarray) -> float:
    """How much the paper's brightness varies across the page (0 for even light)."""
    blocks = 6
    height, width = (pixels.shape[0] // blocks) * blocks, (pixels.shape[1] // blocks) * blocks
    if height == 0 or width == 0:
        return 0.0
    tiles = (
        pixels[:height, :width]
        .reshape(blocks, height // blocks, blocks, width // blocks)
        .transpose(0, 2, 1, 3)
        .reshape(blocks * blocks, -1)
    )
    backgrounds = np.percentile(tiles, 90, axis=1)
    # Robust to a few blocks that are pictures or dark rules rather than paper.
    return float(np.percentile(backgrounds, 90) - np.percentile(backgrounds, 10))


def rescale_factor(
    line_height: float | None, size: tuple[int, int], *, forced: bool = False
) -> float:
    """How much to scale so text lines come out about TARGET_LINE_HEIGHT pixels tall: only
    for text far from it, or whatever its size when `forced`."""
    if not line_height:
        return 1.0
    if forced:
        factor = min(MAX_UPSCALE, max(MIN_DOWNSCALE, TARGET_LINE_HEIGHT / line_height))
        return min(factor, math.sqrt(MAX_PIXELS_AFTER_UPSCALE / (size[0] * size[1])))
    if line_height < MIN_LINE_HEIGHT:
        factor = min(MAX_UPSCALE, TARGET_LINE_HEIGHT / line_height)
        factor = min(factor, math.sqrt(MAX_PIXELS_AFTER_UPSCALE / (size[0] * size[1])))
        return factor if factor > 1.15 else 1.0
    if line_height > MAX_LINE_HEIGHT:
        return max(MIN_DOWNSCALE, TARGET_LINE_HEIGHT * 1.5 / line_height)
    return 1.0


def _dark_border(pixels: np.ndarray) -> float:
    """The share of the outermost pixels that are far darker than the paper."""
    dark = pixels < DARK_SURROUND * paper_brightness(pixels)
    frame = np.concatenate([dark[0], dark[-1], dark[:, 0], dark[:, -1]])
    return float(frame.mean()) if frame.size else 0.0


def bitonal(page: Image.Image) -> bool:
    """Only two levels (a fax, a 1-bit scan, a binarised crop): no grain to smooth away."""
    return page.mode == "1" or grey(page).getcolors(2) is not None
