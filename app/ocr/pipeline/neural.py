"""The neural reader on a page: after Tesseract's preparation and in reading order, and, under
`auto`, when Tesseract's first reading leaves enough doubt to pay for it."""

import logging
import time
from dataclasses import replace

from PIL import Image

from app.core.errors import EngineFailure, ProcessingTimeout
from app.ocr.engines.protocol import OcrEngine, Recognizer
from app.ocr.pipeline.floor import Floor, lost_text
from app.ocr.pipeline.options import PageOptions
from app.ocr.pipeline.prepare import (
    MIN_ORIENTATION_CONFIDENCE,
    MIN_RULE_SHARE,
    Prepared,
    detect_orientation,
    improve,
    plain,
)
from app.ocr.pipeline.readings import HESITANT_CONFIDENCE, blank, finished, recognize
from app.ocr.preparation.analysis import UNEVEN_BACKGROUND
from app.ocr.preparation.layout import receipt_shaped
from app.ocr.reading.noise import is_noise
from app.ocr.reading.order import reading_order
from app.ocr.reading.rows import rows_apart
from app.ocr.results import Page, layout_text

logger = logging.getLogger("app.ocr")


# The neural reading of a sideways page that its look did not give away: lines this many times
# taller than wide, most of at least this many.
STANDING_LINE_RATIO = 1.5
MIN_STANDING_LINES = 3
# `auto` asks the neural reader about pages Tesseract reads with less confidence than this,
# and takes its whole reading when it finds at least this share of Tesseract's text.
NEURAL_CONFIDENCE = 92.0
SAME_TEXT_SHARE = 0.95
# Between HESITANT_CONFIDENCE and NEURAL_CONFIDENCE only the kinds of page where Tesseract
# is known to misread what it is fairly sure of are asked about (bench-accuracy): forms and
# tables, receipts, photos and small print; a clean label or letter is not worth the cost.
SMALL_PRINT_HEIGHT = 10.0  # source pixels a line: a low-resolution scan
PHOTO_SIDE = 2000  # pixels on the longer side: a phone camera's picture


def neural_reader(options: PageOptions) -> Recognizer:
    if options.neural is None:
        raise EngineFailure("The neural reader is not loaded in this process.")
    return options.neural


def auto_neural(options: PageOptions) -> Recognizer | None:
    """The neural reader, when `auto` may use it on this page: loaded, reading every
    language asked for, and no Tesseract layout (`psm`) or word list asked for."""
    neural = options.neural
    # A page segmentation mode asked for is a layout only Tesseract follows, and the request's
    # words and patterns are Tesseract's dictionary: the neural reader has none.
    if options.engine != "auto" or neural is None or options.psm is not None:
        return None
    if options.vocabulary.has_word_lists:
        return None
    covered = neural.languages()
    return neural if all(part in covered for part in options.lang.split("+")) else None


def read_neurally(
    image: Image.Image,
    engine: OcrEngine,
    neural: Recognizer,
    options: PageOptions,
) -> Page:
    """The page read by the neural reader after the preparation Tesseract's pages get
    (orientation from Tesseract's detection, border, skew), its lines put in reading order,
    and never worse than the page as sent."""
    started = time.monotonic()
    prepared = plain(image)
    as_sent, as_sent_steps = prepared.image, list(prepared.steps)
    # Not what only suits Tesseract's recogniser: the neural detector scales the page itself,
    # thresholding and smoothing are Tesseract's input, and the recogniser reads through a
    # form's rules, where painting them over takes strokes with them.
    neural_options = replace(
        options,
        rescale=False,
        binarize=False,
        smooth=False,
        remove_lines=options.remove_lines is True,
    )
    if options.preprocess:
        # Unless told to, orientation is not asked before the reading: the reading itself
        # shows a page that is not upright (_neural_upright), where a page's look, that
        # calls many an upright receipt sideways, would cost Tesseract's detection.
        before = neural_options
        if options.auto_rotate is None:
            before = replace(neural_options, auto_rotate=False)
        prepared = improve(prepared, before, engine)
        if blank(prepared.image):
            return prepared.to_source(Page(text="", width=image.width, height=image.height,
                                           engine=neural.name), *image.size)  # fmt: skip
    page = recognize(prepared, neural, options)
    if options.preprocess and options.auto_rotate is None and prepared.rotation == 0:
        turned = _neural_upright(image, prepared, page, engine, neural_options)
        if turned is not None:
            prepared, page = turned, recognize(turned, neural, options)
    if prepared.image is not as_sent and lost_text(page, prepared.lines_seen):
        floor = Floor(as_sent, as_sent_steps, None, checkable=True)
        prepared, page = floor.check(prepared, page, neural, options, started)
    page.lines = reading_order(page.lines)
    page.text = layout_text(page.lines)
    # The detector's boxes keep a row's item and amount together already, and joining rows
    # as for Tesseract's lines reads the neural lines worse (bench-accuracy, forms and
    # receipts): only noise is dropped.
    return finished(prepared, page, image, replace(options, rows=False))


def _neural_upright(
    image: Image.Image, prepared: Prepared, page: Page, engine: OcrEngine, options: PageOptions
) -> Prepared | None:
    """The page prepared again, turned, when the neural reading says it was not upright;
    None when it was. The reader itself is sure of a sideways page line by line, so what
    gives one away is its lines' shape (taller than wide), and then Tesseract's detection
    is asked; an upside-down page, the classifier turning most of its lines, is turned at
    once."""
    if _standing_lines(page):
        # (The classifier's verdict means nothing here: RapidOCR stands such lines up
        # itself, one way or the other.)
        degrees, confidence = detect_orientation(prepared.image, engine)
        # Standing lines are evidence already: the bound of a page whose look is sideways.
        if degrees % 360 == 0 or confidence < MIN_ORIENTATION_CONFIDENCE:
            return None
    elif page.upside_down:
        degrees = 180
    else:
        return None
    turned = plain(image)
    turned.turn(degrees, f"rotate:{degrees}")
    turned.rotation = degrees
    return improve(turned, replace(options, auto_rotate=False), engine)


def _standing_lines(page: Page) -> bool:
    """Most of the reading's lines are much taller than wide: text running up or down."""
    standing = sum(
        1 for line in page.lines
        if line.bbox[3] - line.bbox[1] > STANDING_LINE_RATIO * (line.bbox[2] - line.bbox[0])
    )  # fmt: skip
    return len(page.lines) >= MIN_STANDING_LINES and standing > len(page.lines) / 2


def neural_opinion(
    image: Image.Image,
    engine: OcrEngine,
    neural: Recognizer,
    options: PageOptions,
    started: float,
) -> Page | None:
    """The neural reading of a page Tesseract hesitates over (with its own preparation: a
    page Tesseract reads sideways without turning it is no page the neural reader can), in
    what is left of the page's time; None when it fails or has no time: an opinion, and
    Tesseract's reading stands without it."""
    remaining = None
    if options.timeout_seconds is not None:
        remaining = options.timeout_seconds - (time.monotonic() - started)
        if remaining <= 0:
            return None
    try:
        return read_neurally(image, engine, neural, replace(options, timeout_seconds=remaining))
    except (EngineFailure, ProcessingTimeout) as error:
        logger.warning("No neural reading of a page: %s", error)
        return None


def worth_neural(page: Page, prepared: Prepared, image: Image.Image) -> bool:
    """Whether Tesseract's first reading of `page` leaves enough doubt to pay for the neural
    reader's (several times Tesseract's cost on a small clean page)."""
    if page.confidence < HESITANT_CONFIDENCE:
        return True
    if page.confidence >= NEURAL_CONFIDENCE:
        return False
    look = prepared.sent_look
    if look is None:
        return False
    receipt = receipt_shaped(look, image.size)
    photo = max(image.size) >= PHOTO_SIDE or look.background_spread > UNEVEN_BACKGROUND
    small_print = look.line_height is not None and look.line_height <= SMALL_PRINT_HEIGHT
    return look.rules >= MIN_RULE_SHARE or receipt or photo or small_print or rows_apart(page)


def as_much_text(neural: Page, tesseract: Page) -> bool:
    """Whether the neural reading finds about as much text as Tesseract's, not counting the
    words of Tesseract's that are noise (specks and rules read as letters, dropped later)."""
    words = [word for line in tesseract.lines for word in line.words if not is_noise(word)]
    tesseract_chars = sum(len(word.text) for word in words)
    neural_chars = sum(len(word.text) for line in neural.lines for word in line.words)
    return neural_chars >= SAME_TEXT_SHARE * tesseract_chars
