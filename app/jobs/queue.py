"""Who reads a job's pages: the interface the job logic hands new and canceled jobs to.

Embedded, the pages wait in the SQLite store and this process's own reader threads claim
them (app/jobs/embedded/readers.py); past one machine, one dramatiq message per page goes to
Redis and worker processes anywhere read them (app/jobs/distributed/queue.py).
"""

from typing import Protocol

from app.jobs.models import Job


class PageQueue(Protocol):
    @property
    def mean_page_seconds(self) -> float:
        """About how long a page takes, for Retry-After."""
        ...

    @property
    def readers(self) -> int:
        """About how many pages are read at once, for Retry-After."""
        ...

    def submit(self, job: Job) -> None:
        """A new job's pages are to be read."""
        ...

    def stop(self, job_id: str) -> None:
        """The job was canceled: stop reading its pages in this process."""
        ...

    def sweep(self) -> None:
        """Housekeeping: hand out again what a process that died left unsent."""
        ...
