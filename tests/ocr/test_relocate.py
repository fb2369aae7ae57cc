"""Boxes of Tesseract's hOCR, ALTO and TSV moved back to the pages as sent, page by page."""

import math

import pytest

from app.ocr.preparation.geometry import Affine, rotation_map, scale_map
from app.ocr.relocate import PageFrame, relocate
from tests.conftest import hocr_lines

# Page 1 was read at twice its size, page 2 as sent (100 x 50).
FRAMES = [
    PageFrame(Affine.identity().then(scale_map(2.0)), 100, 50),
    PageFrame(Affine.identity(), 100, 50),
]

HOCR = b"""<body>
<div class='ocr_page' id='page_1' title='image "page-0001.png"; bbox 0 0 200 100; ppageno 0'>
<span class='ocrx_word' id='word_1_1' title='bbox 20 40 60 80; x_wconf 96'>Alpha</span>
</div>
<div class='ocr_page' id='page_2' title='image "page-0002.png"; bbox 0 0 100 50; ppageno 1'>
<span class='ocrx_word' id='word_2_1' title='bbox 20 40 60 48; x_wconf 96'>Bravo</span>
</div>
</body>"""

ALTO = b"""<Layout>
<Page WIDTH="200" HEIGHT="100" PHYSICAL_IMG_NR="0" ID="page_0">
<PrintSpace HPOS="0" VPOS="0" WIDTH="200" HEIGHT="100">
<String ID="string_0" HPOS="20" VPOS="40" WIDTH="40" HEIGHT="40" WC="0.96" CONTENT="Alpha"/>
<SP WIDTH="10" VPOS="40" HPOS="60"/>
</PrintSpace></Page>
<Page WIDTH="100" HEIGHT="50" PHYSICAL_IMG_NR="1" ID="page_1">
<String ID="string_1" HPOS="20" VPOS="40" WIDTH="40" HEIGHT="8" WC="0.96" CONTENT="Bravo"/>
</Page>
</Layout>"""

TSV = (
    b"level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext\n"
    b"1\t1\t0\t0\t0\t0\t0\t0\t200\t100\t-1\t\n"
    b"5\t1\t1\t1\t1\t1\t20\t40\t40\t40\t96\tAlpha\n"
    b"1\t2\t0\t0\t0\t0\t0\t0\t100\t50\t-1\t\n"
    b"5\t2\t1\t1\t1\t1\t20\t40\t40\t8\t96\tBravo\n"
)


def test_hocr_boxes_follow_each_page() -> None:
    moved = relocate(HOCR, "hocr", FRAMES)
    assert b"bbox 0 0 100 50; ppageno 0" in moved
    assert b"bbox 10 20 30 40; x_wconf 96'>Alpha" in moved
    assert b"bbox 0 0 100 50; ppageno 1" in moved
    assert b"bbox 20 40 60 48; x_wconf 96'>Bravo" in moved


def test_alto_positions_follow_each_page() -> None:
    moved = relocate(ALTO, "alto", FRAMES)
    assert moved.count(b'<Page WIDTH="100" HEIGHT="50"') == 2
    assert b'<PrintSpace HPOS="0" VPOS="0" WIDTH="100" HEIGHT="50">' in moved
    assert b'HPOS="10" VPOS="20" WIDTH="20" HEIGHT="20" WC="0.96" CONTENT="Alpha"/>' in moved
    assert b'<SP WIDTH="5" VPOS="20" HPOS="30"/>' in moved  # a space has no height
    assert b'HPOS="20" VPOS="40" WIDTH="40" HEIGHT="8" WC="0.96" CONTENT="Bravo"/>' in moved


def test_tsv_rows_follow_their_page() -> None:
    rows = [row.split(b"\t") for row in relocate(TSV, "tsv", FRAMES).splitlines()]
    assert rows[0] == TSV.splitlines()[0].split(b"\t")
    assert rows[1][6:10] == [b"0", b"0", b"100", b"50"]
    assert rows[2][6:10] == [b"10", b"20", b"20", b"20"]
    assert rows[3][6:10] == [b"0", b"0", b"100", b"50"]
    assert rows[4][6:10] == [b"20", b"40", b"40", b"8"]


def hocr_line(title: str) -> bytes:
    return (
        b"<div class='ocr_page' id='page_1' title='bbox 0 0 400 400'>"
        b"<span class='ocr_line' id='line_1_1' title=\"%s\">" % title.encode()
    )


def only_line(moved: bytes) -> dict[str, list[float]]:
    (line,) = hocr_lines(moved)
    return line


def test_hocr_line_sizes_and_baseline_follow_a_rescaled_page() -> None:
    line = hocr_line("bbox 40 20 180 60; baseline 0 -10; x_size 24; x_descenders 6; x_ascenders 8")
    title = only_line(relocate(line, "hocr", FRAMES[:1]))
    assert title == {
        "bbox": [20, 10, 90, 30], "baseline": [0, -5], "x_size": [12],
        "x_descenders": [3], "x_ascenders": [4],
    }  # fmt: skip


@pytest.mark.parametrize("degrees", [-3.0, 2.0, 6.0], ids=["cw-3", "ccw-2", "ccw-6"])
def test_hocr_baseline_takes_the_tilt_of_a_deskewed_page(degrees: float) -> None:
    # The page was turned by -degrees to level it: in the page as sent its lines rise by
    # tan(degrees) (y grows downwards, so a rising line has a negative slope).
    source = (400, 300)
    turned = (426, 322)
    frame = PageFrame(Affine.identity().then(rotation_map(-degrees, source, turned)), *source)
    line = hocr_line("bbox 100 150 300 170; baseline 0 -4; x_size 16")
    title = only_line(relocate(line, "hocr", [frame]))
    slope, offset = title["baseline"]
    assert slope == pytest.approx(-math.tan(math.radians(degrees)), abs=0.002)
    # The baseline still passes where it did: through the line's middle, 4 px above its bottom.
    middle = frame.transform.point(200, 166)
    left, _, _, bottom = title["bbox"]
    assert bottom + offset + slope * (middle[0] - left) == pytest.approx(middle[1], abs=0.05)
    assert title["x_size"] == [16]


@pytest.mark.parametrize(
    ("degrees", "angle"), [(90, 270), (180, 180), (270, 90)], ids=["left", "upside-down", "right"]
)
def test_hocr_line_of_a_turned_page_gets_its_text_angle(degrees: int, angle: int) -> None:
    source = (300, 400) if degrees % 180 else (400, 300)
    frame = PageFrame(Affine.identity().then(rotation_map(degrees, source, (400, 300))), *source)
    line = hocr_line("bbox 100 150 300 170; baseline 0 -4; x_size 16")
    title = only_line(relocate(line, "hocr", [frame]))
    assert "baseline" not in title
    assert title["textangle"] == [angle]


@pytest.mark.parametrize("name", ["text", "pdf"])
def test_formats_without_boxes_are_left_alone(name: str) -> None:
    body = b"Alpha bbox 20 40 60 80"
    assert relocate(body, name, FRAMES) is body
