"""How one page is to be read: its options, the limits of a document, and the one rule of every
preparation switch."""

from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass

from app.concurrency.stop import Stop
from app.ocr.engines.protocol import Recognizer
from app.ocr.engines.vocabulary import NO_VOCABULARY, Vocabulary
from app.ocr.results import Page

# Runs a reading now on an otherwise idle core, or returns None when there is none.
Spare = Callable[[Callable[[], Page]], "Future[Page] | None"]


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
    vocabulary: Vocabulary = NO_VOCABULARY  # the characters allowed, the request's words


def decide(switch: bool | None, page_says: bool) -> bool:
    """The one rule of every preparation switch: None does what the page calls for, True
    forces the step, False leaves it out."""
    return page_says if switch is None else switch
