"""Boxes of Tesseract's hOCR, ALTO and TSV moved back to the pages as sent, page by page."""

import pytest

from app.ocr.preprocess import Affine, scale_map
from app.ocr.relocate import PageFrame, relocate

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


@pytest.mark.parametrize("name", ["text", "pdf"])
def test_formats_without_boxes_are_left_alone(name: str) -> None:
    body = b"Alpha bbox 20 40 60 80"
    assert relocate(body, name, FRAMES) is body
