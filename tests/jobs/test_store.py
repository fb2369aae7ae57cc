"""The embedded job store: claims, leases, counting each page once, ends and expiry."""

import dataclasses
import time
from pathlib import Path

import pytest

from app.jobs.models import JobOptions, JobState, PageState
from app.jobs.store import MAX_ATTEMPTS, DuplicateKey, NewJob, SqliteJobStore


@pytest.fixture
def store(tmp_path: Path) -> SqliteJobStore:
    return SqliteJobStore(tmp_path / "jobs.sqlite3", retention_seconds=60)


def new_job(job_id: str, pages: tuple[int, ...] = (1, 2, 3), **changes: object) -> NewJob:
    base = NewJob(
        id=job_id,
        owner="owner-a",
        options=JobOptions(lang="eng"),
        pages=pages,
        callback_url=None,
        base_url="http://testserver/",
        idempotency_key=None,
        upload_digest="digest",
    )
    return dataclasses.replace(base, **changes)


def test_a_new_job_is_queued_with_its_pages(store: SqliteJobStore) -> None:
    job = store.create(new_job("j1", (2, 5, 9)))
    assert job.state is JobState.QUEUED
    assert job.pages == (2, 5, 9)
    assert job.pages_total == 3
    assert job.pages_done == 0
    assert store.get("j1") == job
    assert store.count_unfinished("owner-a") == 1
    assert store.count_unfinished("owner-b") == 0


def test_pages_are_claimed_oldest_job_first_in_page_order(store: SqliteJobStore) -> None:
    store.create(new_job("j1", (1, 2)))
    store.create(new_job("j2", (1,)))  # maybe the same created_at: submission order decides
    claims = [store.claim("reader", 10) for _ in range(4)]
    assert [(c.job_id, c.number) for c in claims if c] == [("j1", 1), ("j1", 2), ("j2", 1)]
    assert claims[3] is None
    assert claims[0] is not None
    assert claims[0].first
    assert claims[1] is not None
    assert not claims[1].first
    job = store.get("j1")
    assert job is not None
    assert job.state is JobState.RUNNING
    assert job.started_at is not None


def test_a_page_whose_lease_ran_out_is_claimed_again(store: SqliteJobStore) -> None:
    store.create(new_job("j1", (1,)))
    first = store.claim("dead-reader", 0.05)
    assert first is not None
    assert store.claim("reader", 10) is None  # the lease still holds
    deadline = time.monotonic() + 5
    again = None
    while again is None and time.monotonic() < deadline:
        again = store.claim("reader", 10)
    assert again is not None
    assert (again.job_id, again.number) == ("j1", 1)
    assert again.attempt == 2


def test_renewing_keeps_a_page_from_being_claimed_again(store: SqliteJobStore) -> None:
    store.create(new_job("j1", (1,)))
    assert store.claim("reader", 0) is not None  # a lease that has run out already
    store.renew("reader", 30)
    assert store.claim("other", 10) is None


def test_a_page_that_stopped_its_reader_too_often_is_failed(store: SqliteJobStore) -> None:
    store.create(new_job("j1", (1,)))
    for _ in range(MAX_ATTEMPTS):
        claim = store.claim("reader", 0)
        assert claim is not None
    assert store.claim("reader", 10) is None
    job = store.get("j1")
    assert job is not None
    assert job.state is JobState.SUCCEEDED
    assert job.pages_failed == 1
    (outcome,) = store.page_outcomes("j1")
    assert outcome.state is PageState.FAILED
    assert "stopped the service" in (outcome.error or "")


def test_each_page_counts_once_and_the_last_one_finishes_the_job(store: SqliteJobStore) -> None:
    store.create(new_job("j1", (1, 2)))
    one, two = store.claim("reader", 10), store.claim("reader", 10)
    assert one is not None
    assert two is not None
    store.finish_page(one, PageState.DONE, None)
    again = store.finish_page(one, PageState.DONE, None)  # a redelivered page
    assert again.pages_done == 1
    assert again.state is JobState.RUNNING
    done = store.finish_page(two, PageState.FAILED, "broken")
    assert done.state is JobState.SUCCEEDED
    assert (done.pages_done, done.pages_failed) == (2, 1)
    assert done.finished_at is not None
    assert done.expires_at == pytest.approx(done.finished_at + 60)
    assert [o.state for o in store.page_outcomes("j1")] == [PageState.DONE, PageState.FAILED]


def test_a_canceled_jobs_pages_are_never_handed_out(store: SqliteJobStore) -> None:
    store.create(new_job("j1", (1, 2, 3)))
    claim = store.claim("reader", 10)
    assert claim is not None
    canceled = store.cancel("j1")
    assert canceled.state is JobState.CANCELED
    assert store.claim("reader", 10) is None
    assert store.renew("reader", 10) == {"j1"}  # the page in hand can stop
    assert store.count_unfinished("owner-a") == 0


def test_the_same_idempotency_key_finds_the_first_job(store: SqliteJobStore) -> None:
    first = store.create(new_job("j1", idempotency_key="key-1"))
    with pytest.raises(DuplicateKey) as duplicate:
        store.create(new_job("j2", idempotency_key="key-1"))
    assert duplicate.value.existing.id == first.id
    assert store.get("j2") is None
    other_owner = store.create(new_job("j3", idempotency_key="key-1", owner="owner-b"))
    assert other_owner.id == "j3"


def test_expired_jobs_are_listed_for_deletion_then_forgotten(store: SqliteJobStore) -> None:
    store.create(new_job("j1", (1,)))
    claim = store.claim("reader", 10)
    assert claim is not None
    job = store.finish_page(claim, PageState.DONE, None)
    assert job.expires_at is not None
    assert store.to_delete(job.expires_at - 1) == []
    assert [j.id for j in store.to_delete(job.expires_at + 1)] == ["j1"]
    store.mark_files_deleted("j1")
    assert store.to_delete(job.expires_at + 1) == []
    assert store.purge(job.expires_at - 1) == 0
    assert store.purge(job.expires_at + 1) == 1
    assert store.get("j1") is None


def test_a_callback_is_pending_once_its_job_ends(store: SqliteJobStore) -> None:
    store.create(new_job("j1", (1,), callback_url="https://example.com/hook"))
    store.create(new_job("j2", (1,)))
    assert store.undelivered_callbacks() == []
    store.cancel("j1")
    store.cancel("j2")
    assert [job.id for job in store.undelivered_callbacks()] == ["j1"]
    store.callback_settled("j1")
    assert store.undelivered_callbacks() == []
