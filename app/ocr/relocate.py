"""Boxes in Tesseract's hOCR, ALTO and TSV moved back to the pixels of the pages as sent.

The renderers read prepared pages (deskewed, rescaled, turned); each page's `Affine` maps its
pixels back to the source page, as the JSON's boxes are mapped. A turned or deskewed box
becomes the upright rectangle around it.
"""

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from app.ocr.preprocess import Affine


@dataclass(frozen=True, slots=True)
class PageFrame:
    """How one rendered page's pixels map back to the page as sent."""

    transform: Affine
    width: int
    height: int

    def box(self, x0: int, y0: int, x1: int, y1: int) -> tuple[int, ...]:
        return self.transform.box((x0, y0, x1, y1), self.width, self.height)


_HOCR_PAGE = re.compile(rb"(?=<div class='ocr_page')")
_HOCR_BOX = re.compile(rb"bbox (\d+) (\d+) (\d+) (\d+)")
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
        box = frame.box(*(int(value) for value in match.groups()))
        return b"bbox %d %d %d %d" % box

    return _HOCR_BOX.sub(move, page)


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
