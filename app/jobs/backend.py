"""The jobs backend the settings choose, put together: embedded by default (SQLite and DATA_DIR,
pages read by this process's threads), or distributed (Redis through dramatiq, S3-compatible
storage, pages read by worker processes and, with JOBS_THREADS, by this one)."""

from collections.abc import Callable
from dataclasses import dataclass

from app.core.config import Settings
from app.jobs.files import JobFiles
from app.jobs.reading.pages import PageReading
from app.jobs.reading.processing import PageProcessor
from app.jobs.service import JobService
from app.jobs.store import JobStore
from app.ocr.engines.protocol import OcrEngine, Recognizer


@dataclass
class JobsBackend:
    service: JobService
    reading: PageReading
    processor: PageProcessor
    stop: Callable[[], None]


def job_files(settings: Settings) -> JobFiles:
    if settings.storage_url:
        from app.jobs.distributed.s3_files import S3JobFiles

        return S3JobFiles.from_settings(settings)
    from app.jobs.embedded.local_files import LocalJobFiles

    return LocalJobFiles(settings.data_dir / "jobs")


def start_jobs(
    settings: Settings,
    engine: OcrEngine,
    neural: Recognizer | None,
    threads: int,
    *,
    housekeeping: bool = True,
) -> JobsBackend:
    """The jobs backend, reading pages on `threads` threads of this process (0: none)."""
    files = job_files(settings)
    reading = PageReading(
        files,
        engine,
        neural=neural,
        max_pixels=settings.max_image_pixels,
        max_pages=settings.jobs_max_pages,
        page_timeout_seconds=settings.jobs_page_timeout_seconds,
    )
    if settings.jobs_broker_url:
        return _distributed(settings, files, reading, threads, housekeeping)
    return _embedded(settings, files, reading, threads, housekeeping)


def _service(settings: Settings, store: JobStore, files: JobFiles) -> JobService:
    secret = settings.callback_secret
    return JobService(
        store,
        files,
        max_unfinished=settings.jobs_max_unfinished,
        retention_seconds=settings.jobs_retention_seconds,
        callback_secret=secret.get_secret_value() if secret else None,
        callback_allow_private=settings.callback_allow_private,
        callback_attempts=settings.callback_attempts,
    )


def _embedded(
    settings: Settings, files: JobFiles, reading: PageReading, threads: int, housekeeping: bool
) -> JobsBackend:
    from app.jobs.embedded.readers import JobReaders
    from app.jobs.embedded.sqlite_store import SqliteJobStore

    store = SqliteJobStore(settings.data_dir / "jobs.sqlite3", settings.jobs_retention_seconds)
    service = _service(settings, store, files)
    processor = PageProcessor(store, reading, on_job_finished=service.job_finished)
    readers = JobReaders(store, processor, threads=threads)
    service.queue = readers
    readers.start()
    if housekeeping:
        service.start()

    def stop() -> None:
        readers.shutdown()
        service.shutdown()

    return JobsBackend(service, reading, processor, stop)


def _distributed(
    settings: Settings, files: JobFiles, reading: PageReading, threads: int, housekeeping: bool
) -> JobsBackend:
    from app.jobs.distributed.queue import DramatiqPageQueue, make_broker
    from app.jobs.distributed.redis_store import RedisJobStore

    url = settings.jobs_broker_url
    assert url is not None
    store = RedisJobStore.from_url(url, settings.jobs_retention_seconds)
    broker = make_broker(
        url,
        redelivery_seconds=settings.jobs_redelivery_seconds,
        time_limit_seconds=2 * settings.jobs_page_timeout_seconds + 60,
    )
    queue = DramatiqPageQueue(
        broker,
        store,
        page_timeout_seconds=settings.jobs_page_timeout_seconds,
        callback_attempts=settings.callback_attempts,
    )
    service = _service(settings, store, files)
    service.queue = queue
    service.send_callback = queue.send_callback
    queue.service = service
    processor = PageProcessor(store, reading, on_job_finished=service.job_finished)
    queue.start_reading(processor, threads)
    if housekeeping:
        service.start()

    def stop() -> None:
        # The pages in hand finish (a page's own limit bounds the wait); prefetched ones
        # go back to the queue at once.
        queue.stop_reading(settings.jobs_page_timeout_seconds + 5)
        service.shutdown()
        broker.close()

    return JobsBackend(service, reading, processor, stop)
