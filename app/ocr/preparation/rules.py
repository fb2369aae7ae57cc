"""The rules and boxes of forms and tables: long, thin straight runs of ink."""

from dataclasses import dataclass

import numpy as np

RULE_LINE_HEIGHTS = 4.0  # a straight run of ink this many text lines long is a rule, not text
RULE_THICKNESS = 0.3  # ... and no thicker than this many text lines: text seen small is thicker
MIN_RULE_PIXELS = 24
RULE_BAND = 0.4  # a band of ink rows this much thinner than most is a rule, not a text line


@dataclass(frozen=True, slots=True)
class RuleSize:
    """What a form or table rule looks like in some image's pixels: long and thin."""

    length: int
    thickness: int

    @classmethod
    def of(cls, line_height: float | None, width: int, scale: float = 1.0) -> "RuleSize":
        """For an image `scale` times the page's size; `line_height` and `width` in its pixels."""
        shortest = round(MIN_RULE_PIXELS * scale)
        if not line_height:  # nothing to compare with: only rules across much of the page
            return cls(length=max(shortest, width // 3), thickness=max(2, round(4 * scale)))
        return cls(
            length=max(shortest, round(RULE_LINE_HEIGHTS * line_height)),
            thickness=max(2, round(RULE_THICKNESS * line_height)),
        )


def find_thin_rules(ink: np.ndarray, size: RuleSize) -> np.ndarray:
    """The ink pixels of horizontal and vertical rules: straight runs at least `size.length`
    long across, among ink less than `size.thickness` thick the other way. On the small copy,
    where text lines blur into long bars, thinness tells rules from text."""
    tall = _short_runs(ink, size.thickness, axis=0)
    wide = _short_runs(ink, size.thickness, axis=1)
    rules: np.ndarray = (
        long_runs(ink & ~tall, size.length) | long_runs((ink & ~wide).T, size.length).T
    )
    return rules


def grow(mask: np.ndarray) -> np.ndarray:
    """The mask and its four neighbours."""
    grown = mask.copy()
    grown[1:] |= mask[:-1]
    grown[:-1] |= mask[1:]
    grown[:, 1:] |= mask[:, :-1]
    grown[:, :-1] |= mask[:, 1:]
    return grown


def rule_share(ink: np.ndarray, size: RuleSize) -> float:
    total = int(ink.sum())
    return float(find_thin_rules(ink, size).sum()) / total if total else 0.0


def _short_runs(mask: np.ndarray, length: int, axis: int) -> np.ndarray:
    """Like _long_runs along `axis`, for a few pixels: shifted ANDs, then shifted ORs."""
    size = mask.shape[axis]
    if size < length:
        return np.zeros_like(mask)

    def part(start: int, stop: int) -> np.ndarray:
        return mask[start:stop] if axis == 0 else mask[:, start:stop]

    starts = part(0, size - length + 1).copy()
    for shift in range(1, length):
        starts &= part(shift, size - length + 1 + shift)
    covered = np.zeros_like(mask)
    for shift in range(length):
        if axis == 0:
            covered[shift : shift + starts.shape[0]] |= starts
        else:
            covered[:, shift : shift + starts.shape[1]] |= starts
    return covered


def long_runs(mask: np.ndarray, length: int) -> np.ndarray:
    """The True pixels of `mask` that lie in a horizontal run of at least `length` of them."""
    height, width = mask.shape
    if width < length:
        return np.zeros_like(mask)
    sums = np.zeros((height, width + 1), dtype=np.int32)
    np.cumsum(mask, axis=1, out=sums[:, 1:])
    full = (sums[:, length:] - sums[:, :-length]) == length  # the run starting here is all ink
    # starts[:, k] counts the full runs starting before k - length + 1: a pixel lies in a long
    # run when one starts at most `length` - 1 pixels before it.
    starts = np.zeros((height, width + length), dtype=sums.dtype)
    np.cumsum(full, axis=1, out=starts[:, length : length + full.shape[1]])
    starts[:, length + full.shape[1] :] = starts[
        :, length + full.shape[1] - 1 : length + full.shape[1]
    ]
    return (starts[:, length : length + width] - starts[:, :width]) > 0
