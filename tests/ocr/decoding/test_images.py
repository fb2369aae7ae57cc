"""Decoding uploads: content decides the format, limits before decoding, any mode to engine."""

from io import BytesIO

import pytest
from PIL import Image

from app.core.errors import EmptyUpload, InvalidImage, PayloadTooLarge, UnsupportedMediaType
from app.ocr.decoding.images import decode_image, open_image, to_engine_mode, upright
from tests.conftest import text_image


def encode(image: Image.Image, fmt: str, **params: object) -> bytes:
    buffer = BytesIO()
    image.save(buffer, format=fmt, **params)
    return buffer.getvalue()


def test_format_comes_from_the_bytes() -> None:
    _, kind = decode_image(text_image("x", fmt="JPEG"), max_pixels=10**8)
    assert (kind.format, kind.media_type, kind.extension) == ("JPEG", "image/jpeg", ".jpg")


@pytest.mark.parametrize(
    ("data", "error"),
    [
        pytest.param(b"", EmptyUpload, id="empty"),
        pytest.param(b"hello world", UnsupportedMediaType, id="text"),
        pytest.param(
            b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 1 1\n",
            UnsupportedMediaType,
            id="eps-never-reaches-ghostscript",
        ),
        pytest.param(text_image("x")[:60], InvalidImage, id="truncated-png"),
    ],
)
def test_bad_bytes_raise_domain_errors(data: bytes, error: type[Exception]) -> None:
    with pytest.raises(error):
        decode_image(data, max_pixels=10**8)


def test_pixel_limit_is_checked_before_decoding() -> None:
    # A 20000 x 20000 image declared in a tiny PNG: refused from the header alone.
    data = encode(Image.new("1", (20000, 20000)), "PNG")
    assert len(data) < 100_000
    with pytest.raises(PayloadTooLarge, match="MAX_IMAGE_PIXELS"):
        open_image(data, max_pixels=40_000_000)


def test_upright_applies_exif_orientation() -> None:
    stored = Image.new("RGB", (40, 20), "white")
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise to display
    image = Image.open(BytesIO(encode(stored, "JPEG", exif=exif)))
    turned, steps = upright(image)
    assert turned.size == (20, 40)
    assert steps == ["exif-orientation:6"]


def test_upright_leaves_plain_images_alone() -> None:
    image = Image.open(BytesIO(text_image("x")))
    same, steps = upright(image)
    assert same.size == image.size
    assert steps == []


@pytest.mark.parametrize(
    "mode", ["1", "L", "LA", "P", "PA", "RGB", "RGBA", "CMYK", "I;16", "I", "F"]
)
def test_every_mode_becomes_one_the_engine_reads(mode: str) -> None:
    image = Image.open(BytesIO(text_image("mode"))).convert(mode if mode != "I;16" else "I")
    if mode == "I;16":
        image = image.convert("I;16")
    converted = to_engine_mode(image)
    assert converted.mode in ("L", "RGB")
    assert converted.size == image.size
    # Text stays dark on light: the extremes survive the conversion.
    low, high = converted.convert("L").getextrema()
    assert low < 100 < high


def test_transparent_background_is_flattened_on_white() -> None:
    image = Image.new("RGBA", (10, 10), (0, 0, 0, 0))
    assert to_engine_mode(image).convert("L").getpixel((5, 5)) == 255


def test_one_transparent_pixel_is_enough_to_flatten() -> None:
    image = Image.new("RGBA", (10, 10), (0, 0, 0, 255))
    image.putpixel((3, 3), (0, 0, 0, 0))
    flattened = to_engine_mode(image).convert("L")
    assert flattened.getpixel((3, 3)) == 255
    assert flattened.getpixel((5, 5)) == 0
