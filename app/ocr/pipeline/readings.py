"""One reading of a prepared page by an engine, the readings after it in what is left of the page's
time, and what every reading gets before it is returned (noise dropped, rows whole, boxes back
on the source)."""

import logging
import time
from dataclasses import replace

from PIL import Image

from app.core.errors import EngineFailure, ProcessingTimeout
from app.ocr.decoding.images import extrema
from app.ocr.engines.protocol import OcrEngine, RecognizeOptions, Recognizer
from app.ocr.pipeline.options import PageOptions, decide
from app.ocr.pipeline.prepare import Prepared
from app.ocr.reading.consensus import merge
from app.ocr.reading.noise import drop_noise
from app.ocr.reading.rows import keep_rows_whole
from app.ocr.results import Page

logger = logging.getLogger("app.ocr")


HESITANT_CONFIDENCE = 85.0  # a grey page read with less mean confidence is read smoothed too
# A page read with less mean confidence is read with the larger models too. Clean print reads
# at 90 or more (every clean page of the eval sets), so clean pages never pay for it, while
# receipts and forms between 85 and 88 still gain from it.
SECOND_OPINION_CONFIDENCE = 88.0
BLANK_CONTRAST = 24  # grey levels between the darkest and the lightest pixel: a blank page


def recognize(
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
            vocabulary=options.vocabulary,
        ),
    )


def second_reading(
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
        return recognize(prepared, engine, options, accurate=accurate)
    remaining = options.timeout_seconds - (time.monotonic() - started)
    if remaining <= 0:
        return None
    try:
        return recognize(
            prepared, engine, replace(options, timeout_seconds=remaining), accurate=accurate
        )
    except ProcessingTimeout:
        return None


def blank(page: Image.Image) -> bool:
    """No two pixels of the page differ by more than a trace: there is no ink on it."""
    darkest, lightest = extrema(page)
    return lightest - darkest < BLANK_CONTRAST


def finished(prepared: Prepared, page: Page, image: Image.Image, options: PageOptions) -> Page:
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


def wants_second_opinion(page: Page, engine: OcrEngine, options: PageOptions) -> bool:
    hesitant = options.preprocess and page.confidence < SECOND_OPINION_CONFIDENCE
    if not page.lines or not decide(options.second_opinion, hesitant):
        return False
    accurate = engine.accurate_languages()
    return all(part in accurate for part in options.lang.split("+"))


def with_second_opinion(
    prepared: Prepared, page: Page, engine: OcrEngine, options: PageOptions, started: float
) -> Page:
    """The page read again with the larger models, each word kept from the more confident
    reading (consensus.py). The larger models take about 1.7 times as long, so only pages
    read with less confidence than clean print get this by default: those cost nothing more."""
    try:
        second = second_reading(prepared, engine, options, started, accurate=True)
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
