"""From uploaded bytes to recognised pages: decode, prepare, recognise, map boxes back.

`recognize_page` is the one entry point every route uses for a page image, so whatever
preparation the engine's input gets (orientation, deskew, scaling, ...) applies everywhere,
and the boxes always come back in the pixels of the page as the client sent it."""

import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import replace
from functools import partial

from PIL import Image

from app.ocr.decoding.documents import Limits
from app.ocr.decoding.images import decode_image, upright
from app.ocr.engines.protocol import OcrEngine
from app.ocr.pipeline.floor import UNREAD_CONFIDENCE, Floor, lost_text, suspect
from app.ocr.pipeline.language import detect_languages, reusable_reading, with_languages
from app.ocr.pipeline.neural import (
    as_much_text,
    auto_neural,
    neural_opinion,
    neural_reader,
    read_neurally,
    worth_neural,
)
from app.ocr.pipeline.options import PageOptions, Spare
from app.ocr.pipeline.prepare import (
    MIN_RETRY_ORIENTATION_CONFIDENCE,
    Prepared,
    improve,
    plain,
    prepare,
    turn_upright,
)
from app.ocr.pipeline.readings import (
    HESITANT_CONFIDENCE,
    blank,
    finished,
    recognize,
    second_reading,
    wants_second_opinion,
    with_second_opinion,
)
from app.ocr.preparation.analysis import bitonal
from app.ocr.preparation.layout import PSM_AUTO, PSM_SINGLE_BLOCK
from app.ocr.preparation.transforms import smooth
from app.ocr.reading.consensus import merge
from app.ocr.reading.languages import AUTO_LANGUAGE
from app.ocr.reading.rows import rows_apart
from app.ocr.results import Page


def already_read(reading: Page, spare: Spare | None) -> Spare:
    """A Spare whose first reading, of the page as sent, is `reading`, made before; later
    ones go to `spare`."""
    given: list[Page] = [reading]

    def run(work: Callable[[], Page]) -> "Future[Page] | None":
        if given:
            done: Future[Page] = Future()
            done.set_result(given.pop())
            return done
        return spare(work) if spare is not None else None

    return run


def recognize_page(
    image: Image.Image, engine: OcrEngine, options: PageOptions, spare: Spare | None = None
) -> Page:
    """Read one page image (EXIF orientation already applied); boxes in its own pixels.

    With `spare`, an idle core reads the page as it is while it is being analysed: most
    pages need no preparation, and then that early reading is the one wanted, so the page
    takes no longer than the engine's own reading of it.

    With `lang=auto` the page's languages are found first (language.py) and the page read in
    them, as if they had been named."""
    if options.lang == AUTO_LANGUAGE:
        # Told from the page in grey, as it is first read: a page read whole to tell its
        # language is then already read, when the language is the first reading's.
        finding = detect_languages(plain(image).image, engine, options)
        named = with_languages(options, finding)
        reading = reusable_reading(finding, named)
        if reading is not None:
            spare = already_read(reading, spare)
        page = recognize_page(image, engine, named, spare)
        page.languages = finding.languages
        return page
    started = time.monotonic()
    if options.engine == "neural":
        return read_neurally(image, engine, neural_reader(options), options)
    if not options.preprocess:
        prepared = prepare(image, options, engine)
        page = recognize(prepared, engine, options)
        if wants_second_opinion(page, engine, options):  # only when asked for
            page = with_second_opinion(prepared, page, engine, options, started)
        return finished(prepared, page, image, options)
    prepared = plain(image)
    as_sent, as_sent_steps = prepared.image, list(prepared.steps)
    early = None
    if spare is not None and options.psm in (None, PSM_AUTO):
        early = spare(partial(recognize, Prepared(image=as_sent), engine, options))
    prepared = improve(prepared, options, engine)
    if blank(prepared.image):
        # Nothing to read; on a small blank image Tesseract would still make up a word or two.
        return prepared.to_source(Page(text="", width=image.width, height=image.height),
                                  *image.size)  # fmt: skip
    unprepared = prepared.image is as_sent and prepared.psm == PSM_AUTO and not prepared.variables
    if early is not None and unprepared:
        page = early.result()
    else:
        page = recognize(prepared, engine, options)
    floor = Floor(as_sent, as_sent_steps, early, checkable=not unprepared)
    if lost_text(page, prepared.lines_seen):
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
        if turn_upright(turned, engine, MIN_RETRY_ORIENTATION_CONFIDENCE):
            second = second_reading(turned, engine, options, started)
            if second and second.confidence > page.confidence + 10:
                prepared, page = turned, second
    neural = auto_neural(options)
    neural_page = None
    if neural is not None and worth_neural(page, prepared, image):
        # Decided on Tesseract's first reading: the retries below are Tesseract's own, spent
        # only when the neural reading is not taken whole. A page with ink that Tesseract
        # reads as nothing (small blurred print) is the most doubtful of all.
        neural_page = neural_opinion(image, engine, neural, options, started)
        if neural_page is not None and as_much_text(neural_page, page):
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
        second = second_reading(smoothed, engine, options, started)
        if second and second.confidence > page.confidence:
            prepared, page = smoothed, second
    if early is not None or suspect(page):
        # The page as sent, already read on an idle core, may still be the better reading;
        # without one, it is read now only for a page read with hardly any confidence.
        prepared, page = floor.check(prepared, page, engine, options, started)
    if options.psm is None and prepared.psm == PSM_AUTO and rows_apart(page):
        # Figures read as a column apart from their row's text: a receipt, an invoice, a
        # price list. Read as one block, Tesseract keeps each row whole and reads the
        # amounts' digits in their row's context, not cut at the gap.
        block = replace(prepared, psm=PSM_SINGLE_BLOCK, steps=[*prepared.steps, "psm:6"])
        second = second_reading(block, engine, options, started)
        if second is not None and second.confidence >= page.confidence:
            prepared, page = block, second
    if neural_page is not None:
        # Less text: the detector missed lines (small print, faint regions), which Tesseract
        # keeps; the words both read are taken from the surer of the two (consensus.py).
        if options.second_opinion is True and wants_second_opinion(page, engine, options):
            page = with_second_opinion(prepared, page, engine, options, started)
        merged = merge(finished(prepared, page, image, options), neural_page)
        merged.page.steps.append(f"neural:{merged.taken}")
        merged.page.engine = "tesseract+neural" if merged.taken else merged.page.engine
        return merged.page
    if wants_second_opinion(page, engine, options):
        page = with_second_opinion(prepared, page, engine, options, started)
    return finished(prepared, page, image, options)


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
