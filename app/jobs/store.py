"""Where job records and their pages' states live: the interface every backend implements.

The embedded store is SQLite in DATA_DIR (app/jobs/embedded/sqlite_store.py); past one
machine, Redis (app/jobs/distributed/redis_store.py). A page is begun before it is read and
finished once its results are stored; each page counts once however often it is handed out,
and a page that took its process down MAX_ATTEMPTS times is failed instead of taking the next
one down too.
"""

from dataclasses import dataclass
from typing import Protocol

from app.jobs.models import Claim, Job, JobOptions, PageOutcome, PageState

MAX_ATTEMPTS = 3


def attempts_detail(attempts: int) -> str:
    return (
        f"The page stopped the service {attempts} times while it was read; it was not tried again."
    )


@dataclass(frozen=True, slots=True)
class NewJob:
    id: str
    owner: str
    options: JobOptions
    pages: tuple[int, ...]
    callback_url: str | None
    base_url: str
    idempotency_key: str | None
    upload_digest: str


class DuplicateKey(Exception):
    """A job with this owner's idempotency key exists already."""

    def __init__(self, existing: Job) -> None:
        super().__init__(existing.id)
        self.existing = existing


class JobStore(Protocol):
    """Job records and the states of their pages."""

    def create(self, new: NewJob) -> Job: ...
    def get(self, job_id: str) -> Job | None: ...
    def find_by_key(self, owner: str, key: str) -> Job | None: ...
    def count_unfinished(self, owner: str) -> int: ...
    def pages_waiting(self) -> int: ...
    def begin_page(self, job_id: str, number: int) -> Claim | None:
        """Mark page `number` being read (one attempt more): None when its job has ended or
        is gone, the page is finished already, or it is out of attempts (then failed)."""
        ...

    def finish_page(self, claim: Claim, state: PageState, error: str | None) -> Job: ...
    def release(self, claim: Claim) -> None: ...
    def page_outcomes(self, job_id: str) -> list[PageOutcome]: ...
    def fail(self, job_id: str, detail: str) -> Job: ...
    def cancel(self, job_id: str) -> Job: ...
    def expire_now(self, job_id: str) -> Job: ...
    def to_delete(self, now: float) -> list[Job]: ...
    def mark_files_deleted(self, job_id: str) -> None: ...
    def purge(self, before: float) -> int: ...
    def undelivered_callbacks(self) -> list[Job]: ...
    def callback_settled(self, job_id: str) -> None: ...
