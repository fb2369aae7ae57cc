"""Generated eval sets with exact truth: receipts whose rows must stay whole, and photos.

    python -m bench.generated OUT_DIR     # writes the sets and a MANIFEST.csv beside them

Both are deterministic (a seeded random generator, the DejaVu fonts of fonts-dejavu-core):

- `generated-receipts/`: shop receipts with items on the left and right-aligned amounts
  separated by a wide gap, in several fonts, clean or mildly degraded (small, inverted,
  tinted, blurred, JPEG, very large). The truth is one row per line (`Garlic powder 29.84`).
- `generated-photos/`: printed pages shot by a phone: the sheet composited on a darker
  surface, a slight perspective and tilt, uneven light, JPEG, and an EXIF orientation the
  camera wrote (the pixels lie on their side), several megapixels.

Item names come from a public-domain list of groceries and the prose from public-domain
text, so nothing in the sets is anyone's data.
"""

import argparse
import csv
import random
import sys
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont, ImageOps

FONTS = Path("/usr/share/fonts/truetype/dejavu")
RECEIPT_FONTS = ("DejaVuSansMono.ttf", "DejaVuSans.ttf", "DejaVuSerif.ttf",
                 "DejaVuSansCondensed.ttf", "DejaVuSansMono-Bold.ttf")  # fmt: skip
ITEMS = (
    "Garlic powder", "Whole milk", "Sourdough bread", "Free range eggs", "Cheddar cheese",
    "Bananas", "Olive oil", "Basmati rice", "Tomato paste", "Ground coffee", "Green tea",
    "Butter unsalted", "Greek yogurt", "Chicken thighs", "Spaghetti", "Red onions",
    "Baby spinach", "Orange juice", "Dark chocolate", "Peanut butter", "Rolled oats",
    "Honey", "Black pepper", "Sea salt", "Paper towels", "Dish soap", "Apples", "Carrots",
    "Potatoes", "Lemons", "Chickpeas", "Coconut milk", "Soy sauce", "Brown sugar",
)  # fmt: skip
SHOPS = ("CORNER MARKET", "FRESH FOODS", "THE GROCER", "DAILY GOODS", "HARBOUR STORES")
PROSE = (
    "It was the best of times, it was the worst of times, it was the age of wisdom, it was "
    "the age of foolishness, it was the epoch of belief, it was the epoch of incredulity, it "
    "was the season of Light, it was the season of Darkness, it was the spring of hope, it "
    "was the winter of despair, we had everything before us, we had nothing before us, we "
    "were all going direct to Heaven, we were all going direct the other way. There were a "
    "king with a large jaw and a queen with a plain face, on the throne of England; there "
    "were a king with a large jaw and a queen with a fair face, on the throne of France. In "
    "both countries it was clearer than crystal to the lords of the State preserves of loaves "
    "and fishes, that things in general were settled for ever."
)
RECEIPT_LOOKS = ("clean", "small", "inverted", "tinted", "blur", "jpeg", "large")


@dataclass(frozen=True)
class Sample:
    name: str
    image: bytes
    truth: str
    tags: str


def _font(name: str, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(FONTS / name), size)


def _amount(rng: random.Random) -> str:
    return f"{rng.randint(0, 49)}.{rng.randint(0, 99):02d}"


def receipt(rng: random.Random, font_name: str, look: str) -> tuple[Image.Image, list[str]]:
    """A receipt and its rows, top to bottom."""
    size = 30
    font = _font(font_name, size)
    width = 900
    rows: list[tuple[str, str]] = [(rng.choice(SHOPS), "")]
    for name in rng.sample(ITEMS, rng.randint(6, 10)):
        rows.append((name, _amount(rng)))
    total = sum(float(amount) for _, amount in rows[1:])
    rows += [("SUBTOTAL", f"{total:.2f}"), ("TOTAL", f"{total:.2f}")]
    line_height = int(size * 1.7)
    image = Image.new("L", (width, 120 + line_height * len(rows)), 255)
    draw = ImageDraw.Draw(image)
    for index, (left, right) in enumerate(rows):
        y = 60 + index * line_height
        draw.text((60, y), left, fill=0, font=font)
        if right:
            draw.text((width - 60 - font.getlength(right), y), right, fill=0, font=font)
    truth = [f"{left} {right}".strip() for left, right in rows]
    return _degrade(image, look, rng), truth


def _degrade(image: Image.Image, look: str, rng: random.Random) -> Image.Image:
    if look == "small":
        return image.resize((image.width * 2 // 3, image.height * 2 // 3), Image.Resampling.LANCZOS)
    if look == "inverted":
        return ImageOps.invert(image)
    if look == "tinted":
        tint = Image.new("RGB", image.size, (250, 235, 190))
        return Image.composite(tint, Image.new("RGB", image.size, (60, 40, 30)), image)
    if look == "blur":
        return image.filter(ImageFilter.GaussianBlur(1.2))
    if look == "large":
        return image.resize((image.width * 3, image.height * 3), Image.Resampling.BICUBIC)
    return image


def photo(
    rng: random.Random,
    orientation: int,
    shade: float = 0.62,
    fill: float = 0.87,
    exposure: float = 1.0,
    angle: float | None = None,
) -> tuple[Image.Image, str]:
    """A printed page on a darker surface, shot by a phone held a little askew; the pixels
    as the camera stored them (turned by `orientation`'s inverse) and the page's truth.
    `shade` is the light on the far side against the near one (1: even light), `fill` the
    share of the frame's height the sheet takes, `exposure` how bright the shot came out (a
    dim room: the white paper reads as mid grey), `angle` the sheet's tilt in degrees
    (random, within 4, when None)."""
    page, lines = _prose_page(rng)
    # The sheet on a table: darker, textured surface, the sheet a little turned.
    surface = Image.effect_noise((4000, 3000), 18).point(lambda v: 70 + v // 4)
    angle = rng.uniform(-4, 4) if angle is None else angle
    sheet = page.rotate(angle, expand=True, fillcolor=0, resample=Image.Resampling.BICUBIC)
    sheet_mask = Image.new("L", page.size, 255).rotate(angle, expand=True, fillcolor=0)
    scale = 3000 * fill / sheet.height
    sheet = sheet.resize((int(sheet.width * scale), round(3000 * fill)), Image.Resampling.BICUBIC)
    sheet_mask = sheet_mask.resize(sheet.size)
    left = (4000 - sheet.width) // 2 + rng.randint(-150, 150)
    top = (3000 - sheet.height) // 2
    surface.paste(sheet, (left, top), sheet_mask)
    # Perspective: the top of the sheet a little further away than the bottom.
    squeeze = rng.uniform(0.02, 0.05) * 4000
    surface = surface.transform(
        surface.size, Image.Transform.QUAD,
        (-squeeze, 0, squeeze * 0.2, 3000, 4000 - squeeze * 0.2, 3000, 4000 + squeeze, 0),
        resample=Image.Resampling.BICUBIC, fillcolor=70,
    )  # fmt: skip
    # Uneven light: brighter where the lamp is, a shadow on the far side.
    light = Image.linear_gradient("L").rotate(rng.choice((45, 135, 225, 315))).resize(surface.size)
    lit = Image.composite(surface, surface.point(lambda v: int(v * shade)), light)
    lit = lit.point(lambda v: int(v * exposure))
    colour = Image.merge(
        "RGB", (lit, lit.point(lambda v: int(v * 0.97)), lit.point(lambda v: int(v * 0.9)))
    )
    stored = colour.transpose(_STORED[orientation]) if orientation in _STORED else colour
    return stored, "\n".join(lines)


def _prose_page(rng: random.Random, line_count: int = 22) -> tuple[Image.Image, list[str]]:
    """A printed page of prose (1700x2200, white paper), its first `line_count` lines filled."""
    font = _font("DejaVuSerif.ttf", 44)
    words = PROSE.split()
    start = rng.randint(0, 20)
    page = Image.new("L", (1700, 2200), 250)
    draw = ImageDraw.Draw(page)
    lines: list[str] = []
    line: list[str] = []
    for word in words[start:] + words[:start]:
        if font.getlength(" ".join([*line, word])) > 1400:
            lines.append(" ".join(line))
            line = []
        line.append(word)
    lines.append(" ".join(line))
    lines = lines[:line_count]
    for index, text in enumerate(lines):
        draw.text((150, 180 + index * 80), text, fill=25, font=font)
    return page, lines


def close_photo(
    rng: random.Random, orientation: int, angle: float, exposure: float = 0.65
) -> tuple[Image.Image, str]:
    """A page holding a few lines of print, shot close up in dim light as phones take them:
    the sheet fills an upright 3000x4000 frame but for a strip of the darker desk along two
    edges, its paper mid grey and a little darker away from the lamp, the print soft, the
    sheet turned by `angle` degrees. Mostly paper and little ink: a page that Tesseract
    thresholds globally, so whatever a preparation paints beside the paper weighs on it."""
    page, lines = _prose_page(rng, line_count=7)
    desk = 60
    sheet = page.rotate(angle, expand=True, fillcolor=desk, resample=Image.Resampling.BICUBIC)
    sheet = sheet.resize((2950, round(2950 * sheet.height / sheet.width)), Image.Resampling.BICUBIC)
    frame = Image.new("L", (3000, 4000), desk)
    frame.paste(sheet, (rng.randint(40, 120), rng.randint(30, 90)))
    frame = frame.filter(ImageFilter.GaussianBlur(2.5))
    light = Image.linear_gradient("L").resize(frame.size).point(lambda v: 255 - v // 6)
    frame = Image.fromarray(
        (np.asarray(frame, dtype=np.float32) * (np.asarray(light) / 255.0) * exposure).astype(
            np.uint8
        )
    )
    colour = Image.merge(
        "RGB", (frame, frame.point(lambda v: int(v * 0.97)), frame.point(lambda v: int(v * 0.9)))
    )
    stored = colour.transpose(_STORED[orientation]) if orientation in _STORED else colour
    return stored, "\n".join(lines)


# The pixels a camera stores for a shot whose EXIF orientation says how to turn them upright.
_STORED = {
    6: Image.Transpose.ROTATE_90,
    8: Image.Transpose.ROTATE_270,
    3: Image.Transpose.ROTATE_180,
}


def _encode(
    image: Image.Image, fmt: str, quality: int = 85, orientation: int | None = None
) -> bytes:
    buffer = BytesIO()
    if fmt == "JPEG":
        exif = Image.Exif()
        if orientation:
            exif[0x0112] = orientation
        image.convert("RGB").save(buffer, format="JPEG", quality=quality, exif=exif)
    else:
        image.save(buffer, format=fmt)
    return buffer.getvalue()


def samples(seed: int = 1) -> list[tuple[str, Sample]]:
    """(set, sample) of both sets."""
    rng = random.Random(seed)
    made: list[tuple[str, Sample]] = []
    for index in range(14):
        font_name = RECEIPT_FONTS[index % len(RECEIPT_FONTS)]
        look = RECEIPT_LOOKS[index % len(RECEIPT_LOOKS)]
        image, rows = receipt(rng, font_name, look)
        fmt = "JPEG" if look == "jpeg" else "PNG"
        data = _encode(image, fmt, quality=40)
        name = f"receipt-{index:02d}-{look}.{'jpg' if fmt == 'JPEG' else 'png'}"
        made.append(
            ("generated-receipts", Sample(name, data, "\n".join(rows), f"receipt;rows;{look}"))
        )
    # (EXIF orientation, light on the far side, share of the frame, exposure): lamp-lit
    # shots, and dim even ones where the sheet is mid grey and the table darker still.
    shots = ((6, 0.62, 0.87, 1.0), (6, 0.95, 0.8, 0.6), (8, 0.62, 0.87, 1.0),
             (3, 0.95, 0.8, 0.6), (1, 0.62, 0.87, 1.0), (6, 0.8, 0.95, 0.75),
             (8, 0.95, 0.7, 0.55))  # fmt: skip
    for index, (orientation, shade, fill, exposure) in enumerate(shots):
        image, truth = photo(rng, orientation, shade, fill, exposure)
        name = f"photo-{index:02d}-exif{orientation}.jpg"
        data = _encode(image, "JPEG", quality=82, orientation=orientation)
        dim = ";dim" if exposure < 1 else ""
        tags = f"photo;exif-{orientation}{dim}"
        made.append(("generated-photos", Sample(name, data, truth, tags)))
    # Close shots of a few lines in dim light, the sheet a degree or two askew: what deskewing
    # onto white corners once read as nothing.
    for index, (orientation, angle, exposure) in enumerate(
        ((6, 1.0, 0.65), (6, -1.2, 0.65), (1, 1.5, 0.6), (8, 0.9, 0.7))
    ):
        image, truth = close_photo(rng, orientation, angle, exposure)
        name = f"close-photo-{index:02d}-exif{orientation}.jpg"
        data = _encode(image, "JPEG", quality=85, orientation=orientation)
        made.append(
            ("generated-photos", Sample(name, data, truth, f"photo;close;exif-{orientation};dim"))
        )
    return made


def write(out: Path, seed: int = 1) -> Path:
    """The sets under `out`, with a MANIFEST.csv like the public eval's; returns it."""
    manifest = out / "MANIFEST.csv"
    rows = []
    for folder, sample in samples(seed):
        (out / folder).mkdir(parents=True, exist_ok=True)
        (out / folder / sample.name).write_bytes(sample.image)
        truth_name = Path(sample.name).with_suffix(".txt").name
        (out / folder / truth_name).write_text(sample.truth + "\n", encoding="utf-8")
        rows.append({"set": folder, "image": sample.name, "truth": truth_name, "tags": sample.tags})
    with manifest.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=["set", "image", "truth", "tags"])
        writer.writeheader()
        writer.writerows(rows)
    return manifest


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    args = parser.parse_args()
    print(write(args.out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
