"""One interactive reading of a request's upload: what POST /, /v1/ocr and /v1/extract share.

The upload, the engines, the runner and the limits come in as one dependency; the request's
deadline starts when it is received; the work is measured, admitted by the runner (dropped if
the client goes away) and timed, so every route reports its queue and OCR times alike.
"""

import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Annotated, TypeVar

from fastapi import Depends, Request

from app.api.deps import (
    EngineDep,
    LimitsDep,
    NeuralDep,
    RunnerDep,
    SettingsDep,
    UploadDep,
    measure_work,
)
from app.api.options import ReadingOptions
from app.concurrency.runner import OcrRunner
from app.concurrency.stop import Stop
from app.core.config import Settings
from app.ocr.decoding.documents import Limits
from app.ocr.engines.neural_engine import NeuralEngine
from app.ocr.engines.protocol import OcrEngine
from app.ocr.pipeline.options import PageOptions

T = TypeVar("T")


def _milliseconds(start: float, end: float) -> float:
    return round((end - start) * 1000, 1)


@dataclass(slots=True)
class Interactive:
    """A request's upload with what reads it, from the moment it was received."""

    request: Request
    upload: bytes
    settings: Settings
    engine: OcrEngine
    neural: NeuralEngine
    runner: OcrRunner
    limits: Limits
    received: float = field(default_factory=time.monotonic)
    # Moments the admitted work marks as it goes ("started" first): the timings' edges.
    marks: dict[str, float] = field(default_factory=dict)
    stop: Stop = field(init=False)

    def __post_init__(self) -> None:
        self.stop = Stop.after(self.settings.request_timeout_seconds, self.received)

    def options(self, reading: ReadingOptions | None = None) -> PageOptions:
        """How to read the pages: the request's options, or the service's defaults."""
        defaults = PageOptions(
            lang=self.settings.default_lang,
            engine=self.settings.ocr_engine,
            timeout_seconds=self.settings.request_timeout_seconds,
            stop=self.stop,
            neural=self.neural,
        )
        if reading is None:
            return defaults
        return replace(
            defaults,
            lang=reading.lang,
            psm=reading.psm,
            dpi=reading.dpi,
            engine=reading.engine,
            vocabulary=reading.vocabulary,
            **reading.switches,
        )

    def mark(self, name: str) -> None:
        self.marks[name] = time.monotonic()

    async def run(self, job: Callable[[], T], kind: str, pages: set[int] | None = None) -> T:
        """`job` admitted by the runner as work of `kind` (its seconds per megapixel are
        learned apart), "started" marked when a thread takes it and "done" after."""

        def timed() -> T:
            self.mark("started")
            return job()

        work = await measure_work(self.upload, self.limits, pages, kind)
        result = await self.runner.submit(
            timed, work=work, stop=self.stop, disconnected=self.request.is_disconnected
        )
        self.mark("done")
        return result

    def timings_ms(self, *stages: str) -> dict[str, float]:
        """The time in the queue, then each stage's from the end of the one before ("started"
        for the first) to its own mark ("done" for the last), and the total."""
        ends = [*(self.marks[stage] for stage in stages[:-1]), self.marks["done"]]
        timings = {"queue": _milliseconds(self.received, self.marks["started"])}
        start = self.marks["started"]
        for stage, end in zip(stages, ends, strict=True):
            timings[stage] = _milliseconds(start, end)
            start = end
        timings["total"] = _milliseconds(self.received, self.marks["done"])
        return timings


async def interactive(
    request: Request,
    upload: UploadDep,
    settings: SettingsDep,
    engine: EngineDep,
    neural: NeuralDep,
    runner: RunnerDep,
    limits: LimitsDep,
) -> Interactive:
    return Interactive(request, upload, settings, engine, neural, runner, limits)


InteractiveDep = Annotated[Interactive, Depends(interactive)]
