"""`python -m app.jobs.worker` (`make worker`): a process that reads job pages from the distributed
queue (JOBS_BROKER_URL, STORAGE_URL) with one OCR thread per usable CPU, the engine,
preparation and limits of the service.

It is two processes: this one supervises, the one it starts reads. The reading one is
replaced, after its pages in hand, once it has read WORKER_MAX_PAGES pages or grown past
WORKER_MAX_MEMORY_MB (the engine's memory creeps over long runs; a fresh process gives it all
back), and restarted if it dies. SIGTERM or SIGINT stops both: the pages in hand finish (each
within JOBS_PAGE_TIMEOUT_SECONDS) and the ones prefetched go back to the queue.
"""

import argparse
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from types import FrameType

from pydantic import ValidationError

from app.concurrency.cpus import usable_cpus
from app.concurrency.malloc import bound_malloc_arenas
from app.core.config import Settings, get_settings, refusal
from app.core.errors import ConfigurationError
from app.core.logs import configure_logging
from app.jobs.backend import JobsBackend, start_jobs
from app.ocr.engines import create_engine, create_neural
from app.ocr.engines.tessdata import find_accurate_tessdata, find_tessdata
from app.ocr.pipeline.language import warm_language

logger = logging.getLogger("app.jobs.worker")

REPLACE_ME = 75  # the reading process's exit code when it asks to be replaced (EX_TEMPFAIL)
RESTART_BACKOFF_SECONDS = (1.0, 2.0, 5.0, 10.0, 30.0)
CHECK_SECONDS = 1.0


def rss_mb() -> float:
    """This process's resident memory, from /proc (Linux); 0 where there is none."""
    try:
        with open("/proc/self/statm") as statm:
            resident_pages = int(statm.read().split()[1])
    except (OSError, IndexError, ValueError):
        return 0.0
    return resident_pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def load_settings() -> Settings:
    try:
        settings = get_settings()
    except ValidationError as error:
        raise refusal(error) from None
    if not settings.jobs_broker_url:
        raise ConfigurationError(
            "Refusing to start: a worker reads pages from the distributed queue, and "
            "JOBS_BROKER_URL is not set (with the embedded default, the service reads its "
            "own jobs: `make run` is all it needs)."
        )
    return settings


def read_pages(threads: int | None) -> int:
    """The reading process: until stopped (0) or due for replacement (REPLACE_ME)."""
    settings = load_settings()
    configure_logging("DEBUG" if settings.debug else "INFO")
    bound_malloc_arenas()
    threads = threads or settings.jobs_threads or usable_cpus()
    engine = create_engine(
        settings.tesseract_binding,
        tessdata=find_tessdata(settings.tessdata_prefix),
        accurate_tessdata=(
            find_accurate_tessdata(settings.accurate_tessdata_prefix)
            if settings.ocr_second_opinion
            else None
        ),
        max_handles=threads,
    )
    engine.warm_up(warm_language(settings.default_lang))
    neural = create_neural(device=settings.ocr_device, max_readers=threads)
    neural.warm_up()
    stopping = threading.Event()

    backend: JobsBackend | None = None

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stopping.set()
        if backend is not None:
            backend.processor.page_read.set()  # wakes the wait below at once

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    backend = start_jobs(settings, engine, neural, threads, housekeeping=False)
    logger.info(
        "Worker %d reading job pages on %d threads (engine %s %s)",
        os.getpid(),
        threads,
        engine.name,
        engine.version(),
    )
    reason = _wait(backend, settings, stopping)
    backend.stop()
    engine.close()
    neural.close()
    if reason:
        logger.info("Worker %d replaced: %s", os.getpid(), reason)
        return REPLACE_ME
    logger.info("Worker %d stopped", os.getpid())
    return 0


def _wait(backend: JobsBackend, settings: Settings, stopping: threading.Event) -> str | None:
    """Until a signal (None) or a reason to be replaced, checked after every page read."""
    page_read = backend.processor.page_read
    while not stopping.is_set():
        pages = backend.processor.pages_read
        if settings.worker_max_pages and pages >= settings.worker_max_pages:
            return f"{pages} pages read (WORKER_MAX_PAGES)"
        # Only once it has read a page: a bound below a fresh process's own size would
        # otherwise replace it forever without a page read.
        memory = rss_mb()
        if pages and settings.worker_max_memory_mb and memory > settings.worker_max_memory_mb:
            return f"{memory:.0f} MB in use (WORKER_MAX_MEMORY_MB)"
        page_read.wait(CHECK_SECONDS)
        page_read.clear()
    return None


def supervise(threads: int | None) -> int:
    """Keep one reading process running until SIGTERM or SIGINT."""
    load_settings()  # refuse at once, not in a restart loop
    configure_logging("INFO")
    stopping = threading.Event()
    child: subprocess.Popen[bytes] | None = None

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stopping.set()
        if child is not None and child.poll() is None:
            child.send_signal(signal.SIGTERM)

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    command = [sys.executable, "-m", "app.jobs.worker", "--reader"]
    if threads:
        command += ["--threads", str(threads)]
    failures = 0
    while not stopping.is_set():
        started = time.monotonic()
        child = subprocess.Popen(command)
        code = child.wait()
        if stopping.is_set():
            return 0
        if code == REPLACE_ME:
            failures = 0
            continue
        if time.monotonic() - started > 60:
            failures = 0
        delay = RESTART_BACKOFF_SECONDS[min(failures, len(RESTART_BACKOFF_SECONDS) - 1)]
        failures += 1
        logger.error("The reading process exited with %s; starting another in %g s", code, delay)
        if stopping.wait(delay):
            return 0
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m app.jobs.worker", description=__doc__)
    parser.add_argument("--threads", type=int, help="OCR threads (default: the usable CPUs)")
    parser.add_argument("--reader", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    try:
        return read_pages(args.threads) if args.reader else supervise(args.threads)
    except ConfigurationError as error:
        print(error, file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
