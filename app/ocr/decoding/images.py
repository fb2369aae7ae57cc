"""Decoding uploads into images, safely: content decides the format, limits are checked first."""

import warnings
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

from PIL import Image, ImageFile, ImageOps, UnidentifiedImageError

from app.core.errors import EmptyUpload, InvalidImage, PayloadTooLarge, UnsupportedMediaType

# Pillow format name -> (media type, file extension). Only these decoders are ever tried, so
# formats that shell out or parse scripts (EPS, PDF via Pillow, ...) can never be reached.
IMAGE_FORMATS: dict[str, tuple[str, str]] = {
    "PNG": ("image/png", ".png"),
    "JPEG": ("image/jpeg", ".jpg"),
    "TIFF": ("image/tiff", ".tif"),
    "WEBP": ("image/webp", ".webp"),
    "BMP": ("image/bmp", ".bmp"),
    "GIF": ("image/gif", ".gif"),
}
SUPPORTED_NAMES = ", ".join(IMAGE_FORMATS)

ImageFile.LOAD_TRUNCATED_IMAGES = False

# Signatures of the supported formats: a file that starts like one but won't open is corrupt
# (400), not of an unsupported type (415).
IMAGE_SIGNATURES = (
    b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"II*\x00", b"MM\x00*", b"BM", b"GIF8", b"RIFF",
)  # fmt: skip

# Everything a broken file can make a Pillow decoder raise.
DECODE_ERRORS = (OSError, SyntaxError, ValueError, EOFError, IndexError, TypeError, KeyError)


@dataclass(frozen=True, slots=True)
class ImageKind:
    format: str
    media_type: str
    extension: str


def open_image(data: bytes | Path, *, max_pixels: int) -> tuple[Image.Image, ImageKind]:
    """Identify an image from its bytes, or from a file's (read as its pixels are needed, not
    all at once), and check its size; pixels are not decoded yet. An image opened from a file
    keeps it open until `with image:` ends (or its pixels are loaded, for one frame)."""
    if isinstance(data, Path):
        with data.open("rb") as file:
            head = file.read(16)
        source: Path | BytesIO = data
    else:
        head, source = data[:16], BytesIO(data)
    if not head:
        raise EmptyUpload()
    with warnings.catch_warnings():
        # We check the pixel count ourselves against our own limit, below.
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        try:
            image = Image.open(source, formats=list(IMAGE_FORMATS))
        except UnidentifiedImageError:
            riff = head.startswith(b"RIFF")
            if (head.startswith(IMAGE_SIGNATURES) and not riff) or (riff and head[8:12] == b"WEBP"):
                raise InvalidImage() from None
            raise UnsupportedMediaType(
                f"The file is not an image in a supported format ({SUPPORTED_NAMES})."
            ) from None
        except Image.DecompressionBombError:
            raise PayloadTooLarge(
                f"The image has more pixels than the limit of {max_pixels} (MAX_IMAGE_PIXELS)."
            ) from None
        except DECODE_ERRORS:
            raise InvalidImage() from None
    try:
        _check_size(image, max_pixels)
    except (InvalidImage, PayloadTooLarge):
        image.close()  # refused: the file it may hold open is of no more use
        raise
    media_type, extension = IMAGE_FORMATS[image.format or ""]
    return image, ImageKind(format=image.format or "", media_type=media_type, extension=extension)


def _check_size(image: Image.Image, max_pixels: int) -> None:
    width, height = image.size
    if width <= 0 or height <= 0:
        raise InvalidImage("The image has no pixels.")
    if width * height > max_pixels:
        raise PayloadTooLarge(
            f"The image is {width}x{height} = {width * height} pixels; the limit is "
            f"{max_pixels} (MAX_IMAGE_PIXELS)."
        )


def decode_image(data: bytes | Path, *, max_pixels: int) -> tuple[Image.Image, ImageKind]:
    """Fully decode the first frame, so truncated or corrupt files fail here, not in the engine."""
    image, kind = open_image(data, max_pixels=max_pixels)
    return load_frame(image), kind


def load_frame(image: Image.Image) -> Image.Image:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        try:
            image.load()
        except Image.DecompressionBombError:
            raise PayloadTooLarge("The image declares more pixels than allowed.") from None
        except (*DECODE_ERRORS, MemoryError):
            raise InvalidImage() from None
    return image


def upright(image: Image.Image) -> tuple[Image.Image, list[str]]:
    """Apply the EXIF orientation, as a phone camera intends the photo to be seen."""
    try:
        orientation = image.getexif().get(0x0112, 1)
    except DECODE_ERRORS:
        return image, []
    if orientation in (None, 1):
        return image, []
    try:
        rotated = ImageOps.exif_transpose(image)
    except DECODE_ERRORS:
        return image, []
    return rotated, [f"exif-orientation:{orientation}"]


def to_engine_mode(image: Image.Image) -> Image.Image:
    """Convert any Pillow mode (CMYK, 16-bit, palette, LA, ...) to one the engine reads."""
    if image.mode in ("L", "RGB"):
        return image
    if image.mode in ("1",):
        return image.convert("L")
    if image.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        return _scale_wide_grey(image)
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        return _flatten_on_white(image)
    return image.convert("RGB")


def _scale_wide_grey(image: Image.Image) -> Image.Image:
    wide = image.convert("F")
    low, high = extrema(wide)
    if high <= low:
        return Image.new("L", image.size, 255 if high > 0 else 0)
    scale = 255.0 / (high - low)
    return wide.point(lambda value: (value - low) * scale).convert("L")


def _flatten_on_white(image: Image.Image) -> Image.Image:
    if image.mode == "RGBA" and image.getchannel("A").getextrema() == (255, 255):
        # Fully opaque, as most screenshots are: nothing to flatten, a plain conversion.
        return image.convert("RGB")
    rgba = image.convert("RGBA")
    background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
    background.alpha_composite(rgba)
    return background.convert("RGB")


def extrema(image: Image.Image) -> tuple[float, float]:
    """The darkest and lightest value of a one-band image."""
    low, high = image.getextrema()
    assert isinstance(low, (int, float))
    assert isinstance(high, (int, float))
    return float(low), float(high)
