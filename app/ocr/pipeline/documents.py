"""A document's pages read or rendered: `read_page` and `render_page` take one page (a job's
unit of work), and `read_document` and `render_document` are those over every page, done on idle
cores alongside (`_in_page_order`) and merged (rendering/merge.py) exactly as the jobs assemble
theirs.

One module, over 300 lines: how a document's pages are shared between the request's thread and
idle cores (`_Shared`) is what both `read_document` and `render_document` are made of.
"""

import threading
from collections.abc import Callable, Generator, Iterator
from concurrent.futures import Future
from contextlib import closing, contextmanager
from dataclasses import replace
from io import BytesIO
from pathlib import Path
from typing import Any, Generic, Protocol, TypeVar

from app.concurrency.stop import Stop
from app.core.errors import ClientGone, ProcessingTimeout
from app.ocr.decoding.documents import Document, Limits, SourcePage, opened, page_dpi, selected
from app.ocr.engines.protocol import OcrEngine
from app.ocr.pipeline.options import PageOptions, Spare
from app.ocr.pipeline.page import recognize_page
from app.ocr.rendering import render_tree
from app.ocr.rendering.formats import OutputFormat
from app.ocr.rendering.merge import merge
from app.ocr.results import Page

T = TypeVar("T")


class AnySpare(Protocol):
    """options.Spare for work of any result (OcrRunner.spare is one): starts `func` now on an
    otherwise idle core and returns its Future, or None when no core is idle."""

    def __call__(self, func: Callable[[], T], /) -> "Future[T] | None": ...


def read_page(
    source: SourcePage, engine: OcrEngine, options: PageOptions, spare: Spare | None = None
) -> Page:
    """One page as a recognised Page, numbered as in its document; a PDF page with a text
    layer is not OCRed. `options.stop` is checked first: a gone client's page is not read."""
    if options.stop is not None:
        options.stop.check()
    if source.text_layer is not None:
        page = Page(
            text=source.text_layer,
            width=source.image.width,
            height=source.image.height,
            lines=source.text_lines,
            source="text-layer",
            engine="text-layer",
        )
    else:
        page_options = replace(options, dpi=page_dpi(source, options.dpi))
        with _time_limit(_limit(options)):
            page = recognize_page(source.image, engine, page_options, spare)
    page.number = source.number
    page.steps = source.steps + page.steps
    return page


def render_page(
    source: SourcePage,
    engine: OcrEngine,
    options: PageOptions,
    fmt: OutputFormat,
    spare: Spare | None = None,
) -> bytes:
    """One page read (read_page) and written as a one-page document of `fmt`, numbered as
    page `source.number` of its document, which merge.merge joins with the others'."""
    return render_read_page(source, read_page(source, engine, options, spare), fmt, options)


def render_read_page(
    source: SourcePage, page: Page, fmt: OutputFormat, options: PageOptions
) -> bytes:
    """`page`, read from `source`, as a one-page document of `fmt`: every format from the
    page tree, whichever engine read it; the PDF shows the page as sent."""
    return render_tree(fmt, page, source.image, page_dpi(source, options.dpi))


def read_document(
    data: bytes | Path,
    engine: OcrEngine,
    options: PageOptions,
    limits: Limits,
    pages: set[int] | None = None,
    spare: AnySpare | None = None,
) -> list[Page]:
    """Every selected page, read (read_page) in page order; with `spare`, later pages are read
    on idle cores meanwhile (_in_page_order)."""

    def read(source: SourcePage, page_options: PageOptions, page_spare: Spare | None) -> Page:
        return read_page(source, engine, page_options, page_spare)

    with opened(data, limits) as document:
        numbers = selected(document, pages)
        return list(_in_page_order(document, numbers, read, options, spare))


def render_document(
    data: bytes | Path,
    engine: OcrEngine,
    options: PageOptions,
    limits: Limits,
    fmt: OutputFormat,
    pages: set[int] | None = None,
    spare: AnySpare | None = None,
) -> bytes:
    """All selected pages in one of the written formats (hOCR, ALTO, PDF, ...): each page read
    and rendered apart (render_page), with `spare` later pages on idle cores meanwhile, and
    merged in page order, as the jobs assemble theirs."""

    def render(source: SourcePage, page_options: PageOptions, page_spare: Spare | None) -> bytes:
        return render_page(source, engine, page_options, fmt, page_spare)

    out = BytesIO()
    with opened(data, limits) as document:
        numbers = selected(document, pages)
        with closing(_in_page_order(document, numbers, render, options, spare)) as rendered:
            merge(fmt, rendered, out)
    return out.getvalue()


PageWork = Callable[[SourcePage, PageOptions, Spare | None], T]


def _in_page_order(
    document: Document,
    numbers: list[int],
    work: PageWork[T],
    options: PageOptions,
    spare: AnySpare | None,
) -> Generator[T, None, None]:
    """work(page) of each page in `numbers`, in their order; with `spare`, pages are done on
    idle cores too (_Shared)."""
    if spare is None:
        for number in numbers:
            yield work(document.page(number), options, None)
        return
    shared = _Shared(document, numbers, work, options, spare)
    try:
        while True:
            shared.start_helpers(leave=1)
            index = shared.claim()
            if index is None:
                break
            shared.do(index, spare)
            yield from shared.done_in_order(wait=False)
        yield from shared.done_in_order(wait=True)
    finally:
        shared.abandon()


class _Shared(Generic[T]):
    """A document whose pages are done on this thread and on idle cores (helpers), each
    taking the next page when it is free.

    A helper does one page per idle core it is lent, and asks for another when it has done
    it: once an interactive request needs the core, the pages left are this thread's. Pages
    are decoded one at a time (PDFium, and Pillow's reading of a TIFF, are for one thread at
    a time), by whoever does them: every thread holds only the page it works on (a 300 dpi
    page is ~25 MB) and none is decoded ahead.

    A failure is the document's, as when pages are done one after another: the first failing
    page in page order raises, once the pages before it are done, and the pages after it stop
    at their next reading, their work unused.
    """

    def __init__(
        self,
        document: Document,
        numbers: list[int],
        work: PageWork[T],
        options: PageOptions,
        spare: AnySpare,
    ) -> None:
        self._document = document
        self._numbers = numbers
        self._work = work
        self._options = options
        self._spare = spare
        self._lock = threading.Lock()
        self._decoding = threading.Lock()
        self._futures: list[Future[T]] = []  # of the pages claimed, in page order
        self._yielded = 0
        self._helpers = 0
        self._failed_at: int | None = None
        self._closed = False

    def claim(self) -> int | None:
        """The index of the next page to do, or None when none is left (or one failed)."""
        with self._lock:
            index = len(self._futures)
            if index >= len(self._numbers) or self._failed_at is not None or self._closed:
                return None
            self._futures.append(Future())
            return index

    def do(self, index: int, spare: AnySpare | None) -> None:
        future = self._futures[index]
        stop = _PageStop(self._options.stop, self, index)
        try:
            stop.check()  # a gone client's or a failed document's page is not even decoded
            with self._decoding:
                if self._closed:  # the document is gone with the request
                    raise ClientGone()
                source = self._document.page(self._numbers[index])
            result = self._work(source, replace(self._options, stop=stop), spare)
        except Exception as error:
            with self._lock:
                if self._failed_at is None or index < self._failed_at:
                    self._failed_at = index
            future.set_exception(error)
        else:
            future.set_result(result)

    def failed_before(self, index: int) -> bool:
        failed_at = self._failed_at
        return self._closed or (failed_at is not None and failed_at < index)

    def done_in_order(self, *, wait: bool) -> Iterator[T]:
        """The results of the pages claimed, from the first not yet given, while they are
        done (`wait`: all, waiting for each); a failed page's error raises."""
        while self._yielded < len(self._futures):
            future = self._futures[self._yielded]
            if not wait and not future.done():
                return
            self._yielded += 1
            yield future.result()

    def start_helpers(self, *, leave: int) -> None:
        """A helper on each idle core lent, while pages are left for them after the `leave`
        this thread is about to do: the last page of all is better done by a thread that is
        free, whose reading can then use an idle core itself (recognize_page)."""
        while True:
            with self._lock:
                left = len(self._numbers) - len(self._futures) - leave
                if self._helpers >= left or self._failed_at is not None or self._closed:
                    return
                self._helpers += 1
            try:
                helper = self._spare(self._help)
            except RuntimeError:  # the runner is shutting down
                helper = None
            if helper is None:
                with self._lock:
                    self._helpers -= 1
                return
            helper.add_done_callback(self._helped)

    def _help(self) -> None:
        index = self.claim()
        if index is not None:
            self.do(index, None)

    def _helped(self, _: "Future[None]") -> None:
        # Called once the runner has its core back: lent again only if it is still idle.
        with self._lock:
            self._helpers -= 1
        self.start_helpers(leave=0)

    def abandon(self) -> None:
        """No more pages are done, and none decoded: the document closes after this."""
        with self._decoding, self._lock:
            self._closed = True


class _PageStop(Stop):
    """The request's Stop for one page of a document done on several cores, stopped as well
    once a page before it failed."""

    def __init__(self, request: Stop | None, pages: _Shared[Any], index: int) -> None:
        if request is None:
            super().__init__()
        else:
            super().__init__(request.deadline, request.limit_seconds)
        self._request = request
        self._pages = pages
        self._index = index

    @property
    def cancelled(self) -> bool:
        gone = self._request is not None and self._request.cancelled
        return gone or super().cancelled or self._pages.failed_before(self._index)


def _limit(options: PageOptions) -> float | None:
    """The time limit a client is told about: the request's, else the page's."""
    if options.stop is not None and options.stop.limit_seconds is not None:
        return options.stop.limit_seconds
    return options.timeout_seconds


@contextmanager
def _time_limit(limit: float | None) -> Iterator[None]:
    """Name the request's limit and its value, whichever page or renderer ran out of time."""
    try:
        yield
    except ProcessingTimeout:
        raise ProcessingTimeout(limit) from None
