"""The page made easy for the engine: orientation, border, specks, skew, rules, scale and
thresholding, each step recorded and every box mappable back to the page as sent."""

from dataclasses import dataclass, field, replace

from PIL import Image

from app.ocr.decoding.images import to_engine_mode
from app.ocr.engines.protocol import MAX_SIDE, OcrEngine
from app.ocr.pipeline.options import PageOptions, decide
from app.ocr.preparation.analysis import (
    MIN_SKEW_DEGREES,
    SPECKLE_FRACTION,
    UNEVEN_BACKGROUND,
    PageLook,
    analyse,
    grey,
    rescale_factor,
)
from app.ocr.preparation.geometry import Affine, rotation_map, scale_map
from app.ocr.preparation.layout import PSM_AUTO, choose_psm
from app.ocr.preparation.rules import RuleSize
from app.ocr.preparation.transforms import (
    denoise,
    invert,
    remove_dark_border,
    remove_rules,
    rotate,
    smooth,
)
from app.ocr.results import Page

OSD_SIZE = 1500  # orientation detection reads a copy at most this large: plenty, and fast
MIN_ORIENTATION_CONFIDENCE = 3.0
MIN_RETRY_ORIENTATION_CONFIDENCE = 1.0  # when a second reading will confirm it
DARK_BORDER_SHARE = 0.25  # of the page's outermost pixels dark: the scanner lid or desk shows
SAUVOLA = (("thresholding_method", "2"),)
MIN_RULE_SHARE = 0.01  # of the ink in thin straight runs: a form or a table, worth cleaning
SLIGHT_SKEW_DEGREES = 1.0  # below this, only a ruled page (a form, a table) is deskewed


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
        turn_upright(prepared, engine, MIN_ORIENTATION_CONFIDENCE)
        look = analyse(prepared.image)
    level = abs(look.skew_degrees) < MIN_SKEW_DEGREES
    # Tesseract copes with a slight tilt itself, and turning resamples the page (a heavily
    # compressed one loses strokes to it); a slightly tilted form is turned all the same, so
    # that its rules come out straight enough to be removed.
    slight = abs(look.skew_degrees) < SLIGHT_SKEW_DEGREES and not look.rules
    if decide(options.deskew, not level and not slight) and look.skew_degrees:
        prepared.turn(-look.skew_degrees, f"deskew:{look.skew_degrees:.1f}")
        level = True
        if _decided_by_the_look(options):
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


def _decided_by_the_look(options: PageOptions) -> bool:
    """Whether a step after deskewing is left to the look of the page: rules, scale or
    thresholding (the neural reader's preparation has none of them)."""
    return not (options.remove_lines is False and options.rescale is False
                and options.binarize is False)  # fmt: skip


def thresholding(look: PageLook, options: PageOptions) -> tuple[tuple[str, str], ...]:
    """Tesseract's variables for thresholding the page: Sauvola's adaptive method under
    uneven light, else its default (Otsu)."""
    uneven = look.background_spread > UNEVEN_BACKGROUND
    return SAUVOLA if decide(options.binarize, uneven) else ()


def turn_upright(prepared: Prepared, engine: OcrEngine, min_confidence: float) -> bool:
    """Ask Tesseract's orientation detection; turn when it is confident enough."""
    degrees, confidence = detect_orientation(prepared.image, engine)
    if degrees % 360 == 0 or confidence < min_confidence:
        return False
    prepared.turn(degrees, f"rotate:{degrees}")
    prepared.rotation = (prepared.rotation + degrees) % 360
    return True


def detect_orientation(image: Image.Image, engine: OcrEngine) -> tuple[int, float]:
    """Tesseract's orientation detection on a copy of `image` at most OSD_SIZE large."""
    sample = image.copy()
    sample.thumbnail((OSD_SIZE, OSD_SIZE))
    return engine.detect_orientation(sample)
