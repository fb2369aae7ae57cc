"""Boxes in Tesseract's hOCR, ALTO and TSV moved back to the pixels of the pages as sent.

The renderers read prepared pages (deskewed, rescaled, turned); each page's `Affine` maps its
pixels back to the source page, as the JSON's boxes are mapped. A turned or deskewed box
becomes the upright rectangle around it. hOCR's line measures follow: the baseline is tilted
and moved with its line, the text sizes scaled, and a line turned on its side gets a
`textangle` instead of a baseline, as Tesseract writes for text it finds turned.
"""

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from app.ocr.preparation.geometry import Affine


@dataclass(frozen=True, slots=True)
class PageFrame:
    """How one rendered page's pixels map back to the page as sent."""

    transform: Affine
    width: int
    height: int

    def box(self, x0: int, y0: int, x1: int, y1: int) -> tuple[int, ...]:
        return self.transform.box((x0, y0, x1, y1), self.width, self.height)


_HOCR_PAGE = re.compile(rb"(?=<div class='ocr_page')")
_HOCR_TITLE = re.compile(rb"title=(['\"])(.*?)\1")
_HOCR_SIZES = (b"x_size", b"x_descenders", b"x_ascenders")
_ALTO_PAGE = re.compile(rb"(?=<Page )")
_ALTO_ELEMENT = re.compile(rb"<(\w+)( [^>]*)>")
_ALTO_PLACE = re.compile(rb'\b(HPOS|VPOS|WIDTH|HEIGHT)="(\d+)"')


def relocate(body: bytes, fmt_name: str, frames: Sequence[PageFrame]) -> bytes:
    """`body` (hOCR, ALTO or TSV of len(frames) pages) with every box in its source page."""
    if fmt_name == "hocr":
        return _by_page(body, _HOCR_PAGE, frames, _hocr_page)
    if fmt_name == "alto":
        return _by_page(body, _ALTO_PAGE, frames, _alto_page)
    if fmt_name == "tsv":
        return _tsv(body, frames)
    return body


def _by_page(
    body: bytes,
    page_start: re.Pattern[bytes],
    frames: Sequence[PageFrame],
    move: Callable[[bytes, PageFrame], bytes],
) -> bytes:
    head, *pages = page_start.split(body)
    moved = [move(page, frames[index]) if index < len(frames) else page
             for index, page in enumerate(pages)]  # fmt: skip
    return head + b"".join(moved)


def _hocr_page(page: bytes, frame: PageFrame) -> bytes:
    def move(match: re.Match[bytes]) -> bytes:
        quote, title = match.groups()
        return b"title=" + quote + _hocr_title(title, frame) + quote

    return _HOCR_TITLE.sub(move, page)


def _hocr_title(title: bytes, frame: PageFrame) -> bytes:
    """One element's properties (`bbox 1 2 3 4; baseline 0 -5; x_size 24`) in its source page."""
    properties = [part.strip().split(b" ") for part in title.split(b";")]
    named = {fields[0]: fields[1:] for fields in properties}
    if b"bbox" not in named:
        return title
    old_box = tuple(int(value) for value in named[b"bbox"][:4])
    new_box = frame.box(*old_box)
    moved: list[bytes] = []
    for name, *values in properties:
        if name == b"bbox":
            moved.append(b"bbox %d %d %d %d" % new_box)
        elif name == b"baseline" and len(values) == 2:
            moved.append(_baseline(old_box, new_box, float(values[0]), float(values[1]), frame))
        elif name in _HOCR_SIZES and values:
            moved.append(b"%s %s" % (name, _number(float(values[0]) * frame.transform.scale)))
        else:
            moved.append(b" ".join([name, *values]))
    return b"; ".join(moved)


def _baseline(
    old_box: tuple[int, ...], new_box: tuple[int, ...], slope: float, offset: float,
    frame: PageFrame,
) -> bytes:  # fmt: skip
    """hOCR's `baseline slope offset` is a line through the box's bottom-left corner, raised
    by `offset`: the same line, seen in the source page, from the new box's corner."""
    left, _, _, bottom = old_box
    start = frame.transform.point(left, bottom + offset)
    end = frame.transform.point(left + 1, bottom + offset + slope)  # one pixel along the line
    run, rise = end[0] - start[0], end[1] - start[1]
    angle = round(math.degrees(math.atan2(-rise, run)) / 90) * 90 % 360
    if angle or run == 0:
        return b"textangle %d" % angle
    new_slope = rise / run
    new_left, _, _, new_bottom = new_box
    new_offset = start[1] + new_slope * (new_left - start[0]) - new_bottom
    return b"baseline %s %s" % (_number(new_slope), _number(new_offset))


def _number(value: float) -> bytes:
    return b"%g" % round(value, 3)


def _alto_page(page: bytes, frame: PageFrame) -> bytes:
    def move(match: re.Match[bytes]) -> bytes:
        tag, attributes = match.groups()
        place = {name: int(value) for name, value in _ALTO_PLACE.findall(attributes)}
        if tag == b"Page":
            new = {b"WIDTH": frame.width, b"HEIGHT": frame.height}
        elif b"HPOS" in place and b"VPOS" in place:
            x0, y0 = place[b"HPOS"], place[b"VPOS"]
            x1, y1 = x0 + place.get(b"WIDTH", 0), y0 + place.get(b"HEIGHT", 0)
            left, top, right, bottom = frame.box(x0, y0, x1, y1)
            new = {b"HPOS": left, b"VPOS": top, b"WIDTH": right - left, b"HEIGHT": bottom - top}
        else:
            return match.group(0)

        def replace(found: re.Match[bytes]) -> bytes:
            name = found.group(1)
            return b'%s="%d"' % (name, new[name]) if name in new else found.group(0)

        return b"<" + tag + _ALTO_PLACE.sub(replace, attributes) + b">"

    return _ALTO_ELEMENT.sub(move, page)


def _tsv(body: bytes, frames: Sequence[PageFrame]) -> bytes:
    lines = body.split(b"\n")
    for index, line in enumerate(lines[1:], start=1):
        fields = line.split(b"\t")
        if len(fields) < 12 or not fields[1].isdigit():
            continue
        page = int(fields[1]) - 1
        if not 0 <= page < len(frames):
            continue
        left, top, width, height = (int(value) for value in fields[6:10])
        x0, y0, x1, y1 = frames[page].box(left, top, left + width, top + height)
        fields[6:10] = [b"%d" % value for value in (x0, y0, x1 - x0, y1 - y0)]
        lines[index] = b"\t".join(fields)
    return b"\n".join(lines)
