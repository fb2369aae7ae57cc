"""The searchable PDF: the page image, and over it each word as invisible text stretched to
its box, so that a viewer finds and selects the words where they stand on the image."""

from functools import cache
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import TextMode
from PIL import Image

from app.core.errors import ConfigurationError
from app.ocr.results import Page

# A Unicode TrueType font from Debian's fonts-dejavu-core (make system-deps): fpdf2 embeds the
# glyphs used with a ToUnicode map, so every script the engines read extracts as written.
FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
DEFAULT_DPI = 300
# Of a font's size, the share its letters rise above the baseline and fall below it: a word's
# box spans both, so its text is sized and placed by them.
ASCENT, DESCENT = 0.76, 0.24


@cache
def _font() -> Path:
    if not FONT.is_file():
        raise ConfigurationError(
            f"The searchable PDF's font {FONT} is missing: install fonts-dejavu-core "
            "(make system-deps)."
        )
    return FONT


def write(page: Page, image: Image.Image, dpi: int | None) -> bytes:
    points_per_pixel = 72 / (dpi or DEFAULT_DPI)
    width, height = image.width * points_per_pixel, image.height * points_per_pixel
    pdf = FPDF(unit="pt", format=(width, height))
    pdf.set_creator("ocr-service")
    pdf.set_auto_page_break(False)
    pdf.set_margin(0)
    pdf.add_font("text", fname=str(_font()))
    pdf.add_page()
    shown = image if image.mode in ("1", "L", "RGB") else image.convert("RGB")
    if shown.mode == "RGB":
        pdf.set_image_filter("DCTDecode")  # photos: JPEG, as they came
    pdf.image(shown, x=0, y=0, w=width, h=height)
    pdf.text_mode = TextMode.INVISIBLE
    for line in page.lines:
        # The words of a line share its size and baseline: a word's own box spans only its
        # glyphs (a lower-case word is shorter than one with capitals).
        top, bottom = line.bbox[1] * points_per_pixel, line.bbox[3] * points_per_pixel
        size = max(1.0, bottom - top)
        pdf.set_font("text", size=size)
        last = len(line.words) - 1
        for position, word in enumerate(line.words):
            left, right = word.bbox[0] * points_per_pixel, word.bbox[2] * points_per_pixel
            written = " ".join(word.text.split())  # no tab or newline: the font has no glyph
            pdf.set_stretching(100)  # the width is measured at the current stretching
            natural = pdf.get_string_width(written)
            pdf.set_stretching(100 * (right - left) / natural if natural else 100)
            # A space after each word but the line's last, so the text extracts with its
            # spaces; the line's end is a new line to a reader by its position.
            text = written if position == last else written + " "
            pdf.text(left, top + ASCENT * size, text)
    return bytes(pdf.output())
