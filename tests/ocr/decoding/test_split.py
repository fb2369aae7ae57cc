"""A document cut into a file per page: each file holds its page whole, and only it."""

from io import BytesIO
from pathlib import Path

import pypdfium2 as pdfium
from PIL import Image, ImageChops

from app.ocr.decoding.documents import Limits, load_pages
from app.ocr.decoding.split import page_files
from tests.conftest import text_image
from tests.helpers.documents import pdf_with_text_layer, scanned_pdf

LIMITS = Limits(max_pixels=40_000_000, max_pages=50)


def pages_of(path: Path) -> int:
    document = pdfium.PdfDocument(path)
    try:
        return len(document)
    finally:
        document.close()


def test_a_pdf_page_file_holds_that_page_alone_and_reads_the_same(tmp_path: Path) -> None:
    document = tmp_path / "book.pdf"
    document.write_bytes(
        scanned_pdf([text_image(f"Page {n} of three", size=60) for n in (1, 2, 3)])
    )
    files = dict(page_files(document, [1, 3], tmp_path))

    assert sorted(files) == [1, 3]
    for number, path in files.items():
        assert pages_of(path) == 1
        assert path.stat().st_size < document.stat().st_size / 2
        (alone,) = load_pages(path, LIMITS, {1})
        (inside,) = load_pages(document, LIMITS, {number})
        assert alone.image.size == inside.image.size
        assert ImageChops.difference(alone.image, inside.image).getbbox() is None
        assert alone.steps == inside.steps  # still the scan's own pixels, not a render


def test_a_pdf_page_keeps_its_text_layer(tmp_path: Path) -> None:
    document = tmp_path / "letter.pdf"
    document.write_bytes(pdf_with_text_layer(["Dear reader", "Kind regards"]))
    ((_, path),) = page_files(document, [1], tmp_path)
    (page,) = load_pages(path, LIMITS, {1})
    assert page.text_layer is not None
    assert "Kind regards" in page.text_layer


def test_a_tiff_page_file_keeps_its_pixels_and_resolution(tmp_path: Path) -> None:
    frames = [
        Image.open(BytesIO(text_image(f"Frame {n}", size=50))).convert("L") for n in (1, 2, 3)
    ]
    document = tmp_path / "scan.tiff"
    frames[0].save(document, save_all=True, append_images=frames[1:], dpi=(200, 200),
                   compression="tiff_lzw")  # fmt: skip
    files = dict(page_files(document, [2, 3], tmp_path))

    assert sorted(files) == [2, 3]
    for number, path in files.items():
        with Image.open(path) as single:
            assert getattr(single, "n_frames", 1) == 1
            assert round(single.info["dpi"][0]) == 200
            assert single.info["compression"] == "tiff_lzw"
            assert ImageChops.difference(single.convert("L"), frames[number - 1]).getbbox() is None


def test_a_one_page_image_is_its_own_page_file(tmp_path: Path) -> None:
    document = tmp_path / "photo.png"
    document.write_bytes(text_image("Just one"))
    assert list(page_files(document, [1], tmp_path)) == [(1, document)]
    assert list(tmp_path.iterdir()) == [document]
