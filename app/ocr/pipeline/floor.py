"""Never much worse than the page as sent: a prepared reading that lost text is checked against the
page read as it is, once."""

from concurrent.futures import Future
from dataclasses import dataclass

from PIL import Image

from app.ocr.engines.protocol import MAX_SIDE, Recognizer
from app.ocr.pipeline.options import PageOptions
from app.ocr.pipeline.prepare import Prepared
from app.ocr.pipeline.readings import second_reading
from app.ocr.preparation.layout import PSM_AUTO
from app.ocr.results import Page

UNREAD_CONFIDENCE = 55.0
MUCH_MORE_TEXT = 20  # characters a reading must find beyond half as much again to be "more"
LOST_TEXT_SHARE = 0.5  # a reading with fewer lines than this share of those seen lost text
MIN_LINES_TO_COUNT = 3  # below this, the analysis's count of lines is too rough to go by


@dataclass(slots=True)
class Floor:
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
            sent = second_reading(as_sent, engine, options, started)
        if sent is not None and _better(sent, page):
            as_sent.steps.append("kept-as-sent")
            return as_sent, sent
        return prepared, page


def lost_text(page: Page, lines_seen: int) -> bool:
    """A reading that found much less text than the page holds: no line at all on a page
    with ink, or far fewer lines than the analysis sees on it."""
    if not page.lines:
        return True
    return lines_seen >= MIN_LINES_TO_COUNT and len(page.lines) < LOST_TEXT_SHARE * lines_seen


def suspect(page: Page) -> bool:
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
