"""From uploaded bytes to recognised pages: decode, prepare, recognise, map boxes back.

`recognize_page` is the one entry point every route uses for a page image, so whatever
preparation the engine's input gets (orientation, deskew, scaling, ...) applies everywhere,
and the boxes always come back in the pixels of the page as the client sent it.
"""

import logging
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field, replace
from functools import partial

from PIL import Image

from app.errors import EngineFailure, ProcessingTimeout
from app.ocr.engines.protocol import MAX_SIDE, OcrEngine, RecognizeOptions, Recognizer
from app.ocr.images import ImageKind, decode_image, extrema, to_engine_mode, upright
from app.ocr.preparation.analysis import (
    MIN_SKEW_DEGREES,
    SPECKLE_FRACTION,
    UNEVEN_BACKGROUND,
    PageLook,
    analyse,
    bitonal,
    grey,
    rescale_factor,
)
from app.ocr.preparation.geometry import Affine, rotation_map, scale_map
from app.ocr.preparation.layout import PSM_AUTO, PSM_SINGLE_BLOCK, choose_psm, receipt_shaped
from app.ocr.preparation.rules import RuleSize
from app.ocr.preparation.transforms import (
    denoise,
    invert,
    remove_dark_border,
    remove_rules,
    rotate,
    smooth,
)
from app.ocr.reading.consensus import merge
from app.ocr.reading.noise import drop_noise, is_noise
from app.ocr.reading.order import reading_order
from app.ocr.reading.rows import keep_rows_whole, rows_apart
from app.ocr.results import Page, layout_text
from app.ocr.stop import Stop

logger = logging.getLogger("app.ocr")

OSD_SIZE = 1500  # orientation detection reads a copy at most this large: plenty, and fast
MIN_ORIENTATION_CONFIDENCE = 3.0
MIN_RETRY_ORIENTATION_CONFIDENCE = 1.0  # when a second reading will confirm it
# Without a reading to confirm it: turned pages score 9 and more, upright ones up to about 3.
SURE_ORIENTATION_CONFIDENCE = 6.0
# The neural reading of a sideways page that its look did not give away: lines this many times
# taller than wide, most of at least this many.
STANDING_LINE_RATIO = 1.5
MIN_STANDING_LINES = 3
UNREAD_CONFIDENCE = 55.0
HESITANT_CONFIDENCE = 85.0  # a grey page read with less mean confidence is read smoothed too
# A page read with less mean confidence is read with the larger models too. Clean print reads
# at 90 or more (every clean page of the eval sets), so clean pages never pay for it, while
# receipts and forms between 85 and 88 still gain from it.
SECOND_OPINION_CONFIDENCE = 88.0
# `auto` asks the neural reader about pages Tesseract reads with less confidence than this,
# and takes its whole reading when it finds at least this share of Tesseract's text.
NEURAL_CONFIDENCE = 92.0
SAME_TEXT_SHARE = 0.95
# Between HESITANT_CONFIDENCE and NEURAL_CONFIDENCE only the kinds of page where Tesseract
# is known to misread what it is fairly sure of are asked about (bench-accuracy): forms and
# tables, receipts, photos and small print; a clean label or letter is not worth the cost.
SMALL_PRINT_HEIGHT = 10.0  # source pixels a line: a low-resolution scan
PHOTO_SIDE = 2000  # pixels on the longer side: a phone camera's picture
DARK_BORDER_SHARE = 0.25  # of the page's outermost pixels dark: the scanner lid or desk shows
BLANK_CONTRAST = 24  # grey levels between the darkest and the lightest pixel: a blank page
SAUVOLA = (("thresholding_method", "2"),)
MUCH_MORE_TEXT = 20  # characters a reading must find beyond half as much again to be "more"
MIN_RULE_SHARE = 0.01  # of the ink in thin straight runs: a form or a table, worth cleaning
SLIGHT_SKEW_DEGREES = 1.0  # below this, only a ruled page (a form, a table) is deskewed


# Runs a reading now on an otherwise idle core, or returns None when there is none.
Spare = Callable[[Callable[[], Page]], "Future[Page] | None"]


@dataclass(frozen=True, slots=True)
class Limits:
    max_pixels: int
    max_pages: int
    # The setting `max_pages` comes from, named when a document has more: jobs have their own.
    pages_setting: str = "MAX_PAGES"


@dataclass(frozen=True, slots=True)
class PageOptions:
    """How to read one page. `psm=None` lets the pipeline choose the segmentation; each
    preparation switch is None for "decide from the page", or True/False to force it."""

    lang: str = "eng"
    psm: int | None = None
    dpi: int | None = None
    timeout_seconds: float | None = None
    preprocess: bool = True
    auto_rotate: bool | None = None
    deskew: bool | None = None
    rescale: bool | None = None
    denoise: bool | None = None
    invert: bool | None = None
    binarize: bool | None = None
    remove_lines: bool | None = None
    remove_border: bool | None = None
    smooth: bool | None = None
    drop_noise: bool | None = None  # None: with `preprocess`
    second_opinion: bool | None = None  # None: under SECOND_OPINION_CONFIDENCE, with `preprocess`
    # The request's deadline and client: checked before every reading, which it also bounds.
    stop: Stop | None = None
    # Which engine reads: "tesseract", "neural", or "auto" (Tesseract, and the neural reader
    # on a page Tesseract hesitates over). The neural reader is the process's own, carried
    # with the request's options as `stop` is; without one, "auto" is Tesseract alone.
    engine: str = "auto"
    neural: Recognizer | None = None
    rows: bool = True  # join a row's pieces into one line (Tesseract's readings)


@dataclass(slots=True)
class Prepared:
    """The image the engine reads, and how to map its boxes back to the source page."""

    image: Image.Image
    steps: list[str] = field(default_factory=list)
    rotation: int = 0
    transform: Affine = field(default_factory=Affine.identity)
    variables: tuple[tuple[str, str], ...] = ()
    psm: int = PSM_AUTO
    lines_seen: int = 0  # text lines the analysis sees on the image: what a reading should find
    sent_look: PageLook | None = None  # what the page as sent looks like, before any step

    def turn(self, degrees: float, step: str) -> None:
        """Turn the image counter-clockwise by `degrees` (as Pillow does), growing the canvas."""
        before = self.image.size
        if degrees % 90 == 0:
            transposes = {90: Image.Transpose.ROTATE_90, 180: Image.Transpose.ROTATE_180,
                          270: Image.Transpose.ROTATE_270}  # fmt: skip
            self.image = self.image.transpose(transposes[int(degrees) % 360])
        else:
            self.image = rotate(self.image, degrees)
        self.transform = self.transform.then(rotation_map(degrees, before, self.image.size))
        self.steps.append(step)

    def scale(self, factor: float) -> None:
        size = (max(1, round(self.image.width * factor)), max(1, round(self.image.height * factor)))
        resample = Image.Resampling.LANCZOS if factor < 1 else Image.Resampling.BICUBIC
        self.image = self.image.resize(size, resample)
        self.transform = self.transform.then(scale_map(factor))
        self.steps.append(f"rescale:{factor:.2f}")

    def to_source(self, page: Page, width: int, height: int) -> Page:
        """The page with every box moved back into the source image's pixels."""

        def move(bbox: tuple[int, int, int, int]) -> tuple[int, int, int, int]:
            return self.transform.box(bbox, width, height)

        page.lines = [
            replace(line, bbox=move(line.bbox),
                    words=tuple(replace(w, bbox=move(w.bbox)) for w in line.words))
            for line in page.lines
        ]  # fmt: skip
        page.width, page.height = width, height
        page.steps = self.steps
        page.rotation = self.rotation
        return page


def validate_image(data: bytes, limits: Limits) -> ImageKind:
    """Decode the whole first frame to prove the bytes are an image; return what kind."""
    _, kind = decode_image(data, max_pixels=limits.max_pixels)
    return kind


def decide(switch: bool | None, page_says: bool) -> bool:
    """The one rule of every preparation switch: None does what the page calls for, True
    forces the step, False leaves it out."""
    return page_says if switch is None else switch


def prepare(image: Image.Image, options: PageOptions, engine: OcrEngine) -> Prepared:
    """Make a page (already EXIF-upright) easy for the engine to read."""
    if not options.preprocess:
        return Prepared(image=to_engine_mode(image), psm=options.psm or PSM_AUTO)
    return improve(plain(image), options, engine)


def plain(image: Image.Image) -> Prepared:
    """The page in grey, with nothing else done to it."""
    page = to_engine_mode(image)
    return Prepared(image=grey(page), steps=[] if page.mode == "L" else ["grayscale"])


def improve(prepared: Prepared, options: PageOptions, engine: OcrEngine) -> Prepared:
    """Each preparation the page needs (or `options` force), applied to `prepared`.

    Every step replaces `prepared.image` rather than changing it, so an untouched page is
    still the very image it started as."""
    source_size = prepared.image.size
    look = analyse(prepared.image)
    prepared.sent_look = look
    if decide(options.invert, look.dark):
        prepared.image = invert(prepared.image)
        prepared.steps.append("invert")
    # Under uneven light (photos) the adaptive thresholding below copes with the surround
    # locally, and painting it over only moves the edge into the shadows.
    bordered = (
        look.dark_border >= DARK_BORDER_SHARE
        and not look.dark
        and look.background_spread <= UNEVEN_BACKGROUND
    )
    if decide(options.remove_border, bordered):
        prepared.image = remove_dark_border(prepared.image)
        prepared.steps.append("remove-border")
        look = analyse(prepared.image)  # the surround disturbed the measurements
    if decide(options.denoise, look.speckles > SPECKLE_FRACTION):
        prepared.image = denoise(prepared.image)
        prepared.steps.append("denoise:median")
        look = analyse(prepared.image)  # specks disturbed the measurements
    if decide(options.auto_rotate, look.sideways):
        _turn_upright(prepared, engine, MIN_ORIENTATION_CONFIDENCE)
        look = analyse(prepared.image)
    level = abs(look.skew_degrees) < MIN_SKEW_DEGREES
    # Tesseract copes with a slight tilt itself, and turning resamples the page (a heavily
    # compressed one loses strokes to it); a slightly tilted form is turned all the same, so
    # that its rules come out straight enough to be removed.
    slight = abs(look.skew_degrees) < SLIGHT_SKEW_DEGREES and not look.rules
    if decide(options.deskew, not level and not slight) and look.skew_degrees:
        prepared.turn(-look.skew_degrees, f"deskew:{look.skew_degrees:.1f}")
        level = True
        look = analyse(prepared.image)  # a tilt breaks rules into pieces too short to count
    # Rules are painted over as straight horizontal and vertical runs: on a page left tilted
    # they are not, and only their pieces would go.
    ruled = look.rules >= MIN_RULE_SHARE and level
    if decide(options.remove_lines, ruled):
        size = RuleSize.of(look.line_height, prepared.image.width)
        prepared.image = remove_rules(prepared.image, size)
        prepared.steps.append("remove-lines")
    factor = rescale_factor(look.line_height, prepared.image.size, forced=options.rescale is True)
    # The engine reads no side longer than MAX_SIDE: a longer page (a till roll) is read smaller.
    factor = min(factor, MAX_SIDE / max(prepared.image.size))
    if decide(options.rescale, factor != 1.0) and factor != 1.0:
        prepared.scale(factor)
    if options.smooth:  # when None, decided after a first reading (recognize_page)
        prepared.image = smooth(prepared.image)
        prepared.steps.append("smooth")
    prepared.variables = thresholding(look, options)
    if prepared.variables:
        prepared.steps.append("binarize:sauvola")
    prepared.psm = options.psm if options.psm is not None else choose_psm(look, source_size)
    prepared.lines_seen = look.line_count
    return prepared


def thresholding(look: PageLook, options: PageOptions) -> tuple[tuple[str, str], ...]:
    """Tesseract's variables for thresholding the page: Sauvola's adaptive method under
    uneven light, else its default (Otsu)."""
    uneven = look.background_spread > UNEVEN_BACKGROUND
    return SAUVOLA if decide(options.binarize, uneven) else ()


def _turn_upright(prepared: Prepared, engine: OcrEngine, min_confidence: float) -> bool:
    """Ask Tesseract's orientation detection; turn when it is confident enough."""
    degrees, confidence = _detect_orientation(prepared.image, engine)
    if degrees % 360 == 0 or confidence < min_confidence:
        return False
    prepared.turn(degrees, f"rotate:{degrees}")
    prepared.rotation = (prepared.rotation + degrees) % 360
    return True


def _detect_orientation(image: Image.Image, engine: OcrEngine) -> tuple[int, float]:
    """Tesseract's orientation detection on a copy of `image` at most OSD_SIZE large."""
    sample = image.copy()
    sample.thumbnail((OSD_SIZE, OSD_SIZE))
    return engine.detect_orientation(sample)


def recognize_page(
    image: Image.Image, engine: OcrEngine, options: PageOptions, spare: Spare | None = None
) -> Page:
    """Read one page image (EXIF orientation already applied); boxes in its own pixels.

    With `spare`, an idle core reads the page as it is while it is being analysed: most
    pages need no preparation, and then that early reading is the one wanted, so the page
    takes no longer than the engine's own reading of it."""
    started = time.monotonic()
    if options.engine == "neural":
        return _read_neurally(image, engine, _neural_reader(options), options)
    if not options.preprocess:
        prepared = prepare(image, options, engine)
        page = _recognize(prepared, engine, options)
        if _wants_second_opinion(page, engine, options):  # only when asked for
            page = _with_second_opinion(prepared, page, engine, options, started)
        return _finished(prepared, page, image, options)
    prepared = plain(image)
    as_sent, as_sent_steps = prepared.image, list(prepared.steps)
    early = None
    if spare is not None and options.psm in (None, PSM_AUTO):
        early = spare(partial(_recognize, Prepared(image=as_sent), engine, options))
    prepared = improve(prepared, options, engine)
    if _blank(prepared.image):
        # Nothing to read; on a small blank image Tesseract would still make up a word or two.
        return prepared.to_source(Page(text="", width=image.width, height=image.height),
                                  *image.size)  # fmt: skip
    unprepared = prepared.image is as_sent and prepared.psm == PSM_AUTO and not prepared.variables
    if early is not None and unprepared:
        page = early.result()
    else:
        page = _recognize(prepared, engine, options)
    floor = _Floor(as_sent, as_sent_steps, early, checkable=not unprepared)
    if _lost_text(page, prepared.lines_seen):
        # Never worse than the page as sent, whatever the load or the timing: a preparation
        # that lost the text (a photo's surround taken for the page, a wrong turn) is caught
        # here, before any optional reading spends the page's time.
        prepared, page = floor.check(prepared, page, engine, options, started)
    if (
        options.auto_rotate is not False
        and prepared.rotation == 0
        and page.confidence < UNREAD_CONFIDENCE
    ):
        # Little confident text: perhaps upside down. Even a hesitant orientation guess is
        # tried, and kept only if the page then reads with more confidence.
        turned = replace(prepared, steps=list(prepared.steps))
        if _turn_upright(turned, engine, MIN_RETRY_ORIENTATION_CONFIDENCE):
            second = _second_reading(turned, engine, options, started)
            if second and second.confidence > page.confidence + 10:
                prepared, page = turned, second
    neural = _auto_neural(options)
    neural_page = None
    if neural is not None and page.lines and _worth_neural(page, prepared, image):
        # Decided on Tesseract's first reading: the retries below are Tesseract's own, spent
        # only when the neural reading is not taken whole.
        neural_page = _neural_opinion(image, engine, neural, options, started)
        if neural_page is not None and _as_much_text(neural_page, page):
            # The neural recogniser misreads fewer words of receipts, forms and photos; where
            # it finds as much text it is the better reading of a page Tesseract is unsure of.
            neural_page.steps.append("neural:all")
            return neural_page
    if options.smooth is None and page.confidence < HESITANT_CONFIDENCE and not bitonal(image):
        # A hesitant reading of a grey page: grain, JPEG blocks or dotted thermal print may
        # be what trips Tesseract. The smoothed copy's reading is kept if more confident
        # (on receipts and forms, confidence mostly picks the better of the two).
        smoothed = replace(
            prepared, image=smooth(prepared.image), steps=[*prepared.steps, "smooth"]
        )
        second = _second_reading(smoothed, engine, options, started)
        if second and second.confidence > page.confidence:
            prepared, page = smoothed, second
    if early is not None or _suspect(page):
        # The page as sent, already read on an idle core, may still be the better reading;
        # without one, it is read now only for a page read with hardly any confidence.
        prepared, page = floor.check(prepared, page, engine, options, started)
    if options.psm is None and prepared.psm == PSM_AUTO and rows_apart(page):
        # Figures read as a column apart from their row's text: a receipt, an invoice, a
        # price list. Read as one block, Tesseract keeps each row whole and reads the
        # amounts' digits in their row's context, not cut at the gap.
        block = replace(prepared, psm=PSM_SINGLE_BLOCK, steps=[*prepared.steps, "psm:6"])
        second = _second_reading(block, engine, options, started)
        if second is not None and second.confidence >= page.confidence:
            prepared, page = block, second
    if neural_page is not None:
        # Less text: the detector missed lines (small print, faint regions), which Tesseract
        # keeps; the words both read are taken from the surer of the two (consensus.py).
        if options.second_opinion is True and _wants_second_opinion(page, engine, options):
            page = _with_second_opinion(prepared, page, engine, options, started)
        merged = merge(_finished(prepared, page, image, options), neural_page)
        merged.page.steps.append(f"neural:{merged.taken}")
        merged.page.engine = "tesseract+neural" if merged.taken else merged.page.engine
        return merged.page
    if _wants_second_opinion(page, engine, options):
        page = _with_second_opinion(prepared, page, engine, options, started)
    return _finished(prepared, page, image, options)


def _neural_reader(options: PageOptions) -> Recognizer:
    if options.neural is None:
        raise EngineFailure("The neural reader is not loaded in this process.")
    return options.neural


def _auto_neural(options: PageOptions) -> Recognizer | None:
    """The neural reader, when `auto` may use it on this page: loaded, reading every
    language asked for, and no Tesseract layout (`psm`) asked for."""
    neural = options.neural
    # A page segmentation mode asked for is a layout only Tesseract follows.
    if options.engine != "auto" or neural is None or options.psm is not None:
        return None
    covered = neural.languages()
    return neural if all(part in covered for part in options.lang.split("+")) else None


def _read_neurally(
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
        if _blank(prepared.image):
            return prepared.to_source(Page(text="", width=image.width, height=image.height,
                                           engine=neural.name), *image.size)  # fmt: skip
    page = _recognize(prepared, neural, options)
    if options.preprocess and options.auto_rotate is None and prepared.rotation == 0:
        turned = _neural_upright(image, prepared, page, engine, neural_options)
        if turned is not None:
            prepared, page = turned, _recognize(turned, neural, options)
    if prepared.image is not as_sent and _lost_text(page, prepared.lines_seen):
        floor = _Floor(as_sent, as_sent_steps, None, checkable=True)
        prepared, page = floor.check(prepared, page, neural, options, started)
    page.lines = reading_order(page.lines)
    page.text = layout_text(page.lines)
    # The detector's boxes keep a row's item and amount together already, and joining rows
    # as for Tesseract's lines reads the neural lines worse (bench-accuracy, forms and
    # receipts): only noise is dropped.
    return _finished(prepared, page, image, replace(options, rows=False))


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
        degrees, confidence = _detect_orientation(prepared.image, engine)
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


def _neural_opinion(
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
        return _read_neurally(image, engine, neural, replace(options, timeout_seconds=remaining))
    except (EngineFailure, ProcessingTimeout) as error:
        logger.warning("No neural reading of a page: %s", error)
        return None


def _worth_neural(page: Page, prepared: Prepared, image: Image.Image) -> bool:
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


def _as_much_text(neural: Page, tesseract: Page) -> bool:
    """Whether the neural reading finds about as much text as Tesseract's, not counting the
    words of Tesseract's that are noise (specks and rules read as letters, dropped later)."""
    words = [word for line in tesseract.lines for word in line.words if not is_noise(word)]
    tesseract_chars = sum(len(word.text) for word in words)
    neural_chars = sum(len(word.text) for line in neural.lines for word in line.words)
    return neural_chars >= SAME_TEXT_SHARE * tesseract_chars


@dataclass(slots=True)
class _Floor:
    """The page as sent (after EXIF), against which a prepared reading is checked once."""

    image: Image.Image
    steps: list[str]
    early: Future[Page] | None
    checkable: bool  # False when the prepared image is the page as sent

    def check(
        self, prepared: Prepared, page: Page, engine: Recognizer, options: PageOptions,
        started: float,
    ) -> tuple[Prepared, Page]:  # fmt: skip
        """The better of `page` and the page as sent read as it is; the page as sent is
        read (or its early reading taken) at most once."""
        if not self.checkable or max(self.image.size) > MAX_SIDE:
            return prepared, page
        self.checkable = False
        as_sent = Prepared(image=self.image, steps=list(self.steps), psm=options.psm or PSM_AUTO)
        sent = self.early.result() if self.early is not None else None
        if sent is None:
            sent = _second_reading(as_sent, engine, options, started)
        if sent is not None and _better(sent, page):
            as_sent.steps.append("kept-as-sent")
            return as_sent, sent
        return prepared, page


LOST_TEXT_SHARE = 0.5  # a reading with fewer lines than this share of those seen lost text
MIN_LINES_TO_COUNT = 3  # below this, the analysis's count of lines is too rough to go by


def _lost_text(page: Page, lines_seen: int) -> bool:
    """A reading that found much less text than the page holds: no line at all on a page
    with ink, or far fewer lines than the analysis sees on it."""
    if not page.lines:
        return True
    return lines_seen >= MIN_LINES_TO_COUNT and len(page.lines) < LOST_TEXT_SHARE * lines_seen


def _suspect(page: Page) -> bool:
    """A reading worth checking against the page as sent: nothing found (the page has ink),
    or found with hardly any confidence."""
    return not page.lines or page.confidence < UNREAD_CONFIDENCE


def _better(candidate: Page, reading: Page) -> bool:
    """Whether `candidate` is much the better reading: much more text at about the same
    confidence, or much more confidence for about as much text."""
    found, has = len(candidate.text.strip()), len(reading.text.strip())
    if not has:
        return found > 0  # any text is better than none, however sure the empty reading
    as_sure = candidate.confidence >= reading.confidence - 10
    more_text = found > 1.5 * has + MUCH_MORE_TEXT and as_sure
    surer = candidate.confidence > reading.confidence + 10 and found >= 0.8 * has
    return more_text or surer


def _wants_second_opinion(page: Page, engine: OcrEngine, options: PageOptions) -> bool:
    hesitant = options.preprocess and page.confidence < SECOND_OPINION_CONFIDENCE
    if not page.lines or not decide(options.second_opinion, hesitant):
        return False
    accurate = engine.accurate_languages()
    return all(part in accurate for part in options.lang.split("+"))


def _with_second_opinion(
    prepared: Prepared, page: Page, engine: OcrEngine, options: PageOptions, started: float
) -> Page:
    """The page read again with the larger models, each word kept from the more confident
    reading (consensus.py). The larger models take about 1.7 times as long, so only pages
    read with less confidence than clean print get this by default: those cost nothing more."""
    try:
        second = _second_reading(prepared, engine, options, started, accurate=True)
    except EngineFailure as error:
        # An opinion, not the reading: a larger model that fails to load or to read must
        # not cost the client a page already read.
        logger.warning("No second opinion on a page: %s", error)
        return page
    if second is None:
        return page
    merged = merge(page, second)
    prepared.steps.append(f"second-opinion:{merged.taken}")
    return merged.page


def _finished(prepared: Prepared, page: Page, image: Image.Image, options: PageOptions) -> Page:
    """The page's reading without its noise words, each row of figures one line, with boxes
    in the source image's pixels."""
    if decide(options.drop_noise, options.preprocess):
        dropped = drop_noise(page)
        if dropped:
            prepared.steps.append(f"drop-noise:{dropped}")
    if options.preprocess and options.rows:
        # On the page as read (level, before the boxes go back to a turned source).
        joined = keep_rows_whole(page)
        if joined:
            prepared.steps.append(f"rows:{joined}")
    return prepared.to_source(page, *image.size)


def _second_reading(
    prepared: Prepared,
    engine: Recognizer,
    options: PageOptions,
    started: float,
    *,
    accurate: bool = False,
) -> Page | None:
    """Another reading, in what is left of the page's time limit; None when there is no time
    left for it: the first reading stands rather than the request failing."""
    if options.timeout_seconds is None:
        return _recognize(prepared, engine, options, accurate=accurate)
    remaining = options.timeout_seconds - (time.monotonic() - started)
    if remaining <= 0:
        return None
    try:
        return _recognize(
            prepared, engine, replace(options, timeout_seconds=remaining), accurate=accurate
        )
    except ProcessingTimeout:
        return None


def _blank(page: Image.Image) -> bool:
    """No two pixels of the page differ by more than a trace: there is no ink on it."""
    darkest, lightest = extrema(page)
    return lightest - darkest < BLANK_CONTRAST


def _recognize(
    prepared: Prepared, engine: Recognizer, options: PageOptions, *, accurate: bool = False
) -> Page:
    timeout = options.timeout_seconds
    if options.stop is not None:
        timeout = options.stop.bound(timeout)
    return engine.recognize(
        prepared.image,
        RecognizeOptions(
            lang=options.lang,
            psm=prepared.psm,
            dpi=options.dpi,
            timeout_seconds=timeout,
            variables=prepared.variables,
            accurate=accurate,
        ),
    )


def recognize_image(
    data: bytes,
    engine: OcrEngine,
    options: PageOptions,
    limits: Limits,
    spare: Spare | None = None,
) -> Page:
    """Decode one uploaded image, apply its EXIF orientation, and read its first frame."""
    image, _ = decode_image(data, max_pixels=limits.max_pixels)
    image, exif_steps = upright(image)
    page = recognize_page(image, engine, options, spare)
    page.steps = exif_steps + page.steps
    return page
