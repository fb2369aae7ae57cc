"""The job stores: the contract both keep (the embedded SQLite one and the Redis one), the
SQLite store's claims and leases, and what only the Redis store has to do."""

import dataclasses
import random
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import redis
import redis.backoff
import redis.retry

from app.core.errors import JobStoreUnavailable
from app.jobs.distributed.redis_store import RedisJobStore
from app.jobs.embedded.sqlite_store import SqliteJobStore
from app.jobs.models import Claim, JobOptions, JobState, PageState
from app.jobs.store import MAX_ATTEMPTS, DuplicateKey, JobStore, NewJob, attempts_detail
from bench.redis_server import RedisServer
from bench.server import free_port

RETENTION = 60


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


def redis_store(url: str) -> RedisJobStore:
    """A store of its own on the shared server: a fresh prefix, so no test sees another's."""
    return RedisJobStore(
        redis.Redis.from_url(url), retention_seconds=RETENTION, prefix="t" + uuid.uuid4().hex
    )


@pytest.fixture
def sqlite_store(tmp_path: Path) -> Iterator[SqliteJobStore]:
    store = SqliteJobStore(tmp_path / "jobs.sqlite3", retention_seconds=RETENTION)
    yield store
    store.close()


@pytest.fixture(params=["sqlite", pytest.param("redis", marks=pytest.mark.e2e)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[JobStore]:
    """Each store in turn, for what both must do alike."""
    if request.param == "sqlite":
        sqlite = SqliteJobStore(tmp_path / "jobs.sqlite3", retention_seconds=RETENTION)
        yield sqlite
        sqlite.close()
    else:
        server: RedisServer = request.getfixturevalue("redis_server")
        store = redis_store(server.url)
        yield store
        store.close()


@pytest.fixture
def rstore(redis_server: RedisServer) -> Iterator[RedisJobStore]:
    store = redis_store(redis_server.url)
    yield store
    store.close()


def begin(store: JobStore, job_id: str, number: int) -> Claim:
    claim = store.begin_page(job_id, number)
    assert claim is not None, f"page {number} of {job_id} was not begun"
    return claim


# The contract: both stores


def test_a_new_job_is_queued_with_its_pages(store: JobStore) -> None:
    job = store.create(new_job("j1", (5, 2, 9)))
    assert job.state is JobState.QUEUED
    assert job.pages == (5, 2, 9)
    assert job.pages_total == 3
    assert (job.pages_done, job.pages_failed) == (0, 0)
    assert job.started_at is None
    assert job.finished_at is None
    assert job.expires_at is None
    assert job.created_at == pytest.approx(time.time(), abs=5)
    assert store.get("j1") == job
    assert store.get("nope") is None
    assert store.count_unfinished("owner-a") == 1
    assert store.count_unfinished("owner-b") == 0
    outcomes = store.page_outcomes("j1")
    assert [(o.number, o.state, o.error) for o in outcomes] == [
        (5, PageState.QUEUED, None),
        (2, PageState.QUEUED, None),
        (9, PageState.QUEUED, None),
    ]
    assert store.page_outcomes("nope") == []


def test_a_job_keeps_its_options_and_callback(store: JobStore) -> None:
    options = JobOptions(lang="deu+eng", psm=6, dpi=300, formats=("hocr", "pdf"))
    store.create(new_job("j1", options=options, callback_url="https://example.com/hook", owner="o"))
    job = store.get("j1")
    assert job is not None
    assert job.options == options
    assert job.callback_url == "https://example.com/hook"
    assert job.owner == "o"
    assert job.base_url == "http://testserver/"
    assert job.upload_digest == "digest"


def test_the_first_page_begun_starts_the_job(store: JobStore) -> None:
    store.create(new_job("j1", (1, 2)))
    one = begin(store, "j1", 1)
    two = begin(store, "j1", 2)
    assert (one.job_id, one.number, one.attempt, one.first) == ("j1", 1, 1, True)
    assert (two.number, two.attempt, two.first) == (2, 1, False)
    job = store.get("j1")
    assert job is not None
    assert job.state is JobState.RUNNING
    assert job.started_at is not None
    assert [o.state for o in store.page_outcomes("j1")] == [PageState.RUNNING] * 2


def test_beginning_a_page_again_is_one_attempt_more(store: JobStore) -> None:
    store.create(new_job("j1", (1,)))
    assert begin(store, "j1", 1).attempt == 1
    again = begin(store, "j1", 1)  # its reader died: the page is handed out again
    assert (again.attempt, again.first) == (2, False)


def test_no_page_is_begun_of_a_job_that_is_gone_or_a_page_it_lacks(store: JobStore) -> None:
    store.create(new_job("j1", (1,)))
    assert store.begin_page("nope", 1) is None
    assert store.begin_page("j1", 7) is None


def test_a_page_that_stopped_its_reader_too_often_is_failed(store: JobStore) -> None:
    store.create(new_job("j1", (1, 2)))
    for attempt in range(1, MAX_ATTEMPTS + 1):
        assert begin(store, "j1", 1).attempt == attempt
    assert store.begin_page("j1", 1) is None
    job = store.get("j1")
    assert job is not None
    assert job.state is JobState.RUNNING  # page 2 is still to be read
    assert (job.pages_done, job.pages_failed) == (1, 1)
    first, _ = store.page_outcomes("j1")
    assert first.state is PageState.FAILED
    assert first.error == attempts_detail(MAX_ATTEMPTS)
    assert store.begin_page("j1", 1) is None


def test_the_last_page_out_of_attempts_finishes_the_job(store: JobStore) -> None:
    store.create(new_job("j1", (1,)))
    for _ in range(MAX_ATTEMPTS):
        begin(store, "j1", 1)
    assert store.begin_page("j1", 1) is None
    job = store.get("j1")
    assert job is not None
    assert job.state is JobState.SUCCEEDED
    assert (job.pages_done, job.pages_failed) == (1, 1)
    assert job.finished_at is not None
    assert store.count_unfinished("owner-a") == 0


def test_each_page_counts_once_and_the_last_one_finishes_the_job(store: JobStore) -> None:
    store.create(new_job("j1", (1, 2)))
    one, two = begin(store, "j1", 1), begin(store, "j1", 2)
    store.finish_page(one, PageState.DONE, None)
    again = store.finish_page(one, PageState.DONE, None)  # a redelivered page
    assert again.pages_done == 1
    assert again.state is JobState.RUNNING
    assert again.finished_at is None
    assert store.begin_page("j1", 1) is None  # finished already
    done = store.finish_page(two, PageState.FAILED, "broken")
    assert done.state is JobState.SUCCEEDED
    assert (done.pages_done, done.pages_failed) == (2, 1)
    assert done.finished_at is not None
    assert done.expires_at == pytest.approx(done.finished_at + RETENTION)
    assert done.error is None
    assert store.get("j1") == done
    assert [(o.state, o.error) for o in store.page_outcomes("j1")] == [
        (PageState.DONE, None),
        (PageState.FAILED, "broken"),
    ]
    assert store.count_unfinished("owner-a") == 0
    assert store.begin_page("j1", 2) is None


def test_pages_waiting_are_those_queued_or_running(store: JobStore) -> None:
    assert store.pages_waiting() == 0
    store.create(new_job("j1", (1, 2, 3)))
    store.create(new_job("j2", (1,)))
    assert store.pages_waiting() == 4
    claim = begin(store, "j1", 1)
    assert store.pages_waiting() == 4  # running is still waiting for its result
    store.finish_page(claim, PageState.DONE, None)
    assert store.pages_waiting() == 3
    store.cancel("j2")
    assert store.pages_waiting() == 2


def test_a_canceled_jobs_pages_are_never_begun(store: JobStore) -> None:
    store.create(new_job("j1", (1, 2, 3)))
    in_hand = begin(store, "j1", 1)
    canceled = store.cancel("j1")
    assert canceled.state is JobState.CANCELED
    assert canceled.finished_at is not None
    assert canceled.expires_at == pytest.approx(canceled.finished_at + RETENTION)
    assert store.count_unfinished("owner-a") == 0
    for number in (1, 2, 3):
        assert store.begin_page("j1", number) is None
    assert [o.state for o in store.page_outcomes("j1")] == [
        PageState.RUNNING,  # its reader finds out when it reports it
        PageState.FAILED,
        PageState.FAILED,
    ]
    after = store.finish_page(in_hand, PageState.DONE, None)  # ended meanwhile: not counted
    assert after.state is JobState.CANCELED
    assert after.pages_done == 0
    assert store.cancel("j1").finished_at == canceled.finished_at  # ends once


def test_a_job_that_never_started_gets_a_start_when_it_ends(store: JobStore) -> None:
    store.create(new_job("j1"))
    canceled = store.cancel("j1")
    assert canceled.started_at == canceled.finished_at


def test_a_failed_job_keeps_its_error(store: JobStore) -> None:
    store.create(new_job("j1", (1, 2)))
    in_hand = begin(store, "j1", 1)
    failed = store.fail("j1", "The document is not a PDF.")
    assert failed.state is JobState.FAILED
    assert failed.error == "The document is not a PDF."
    assert store.begin_page("j1", 2) is None
    assert store.finish_page(in_hand, PageState.DONE, None).pages_done == 0
    assert store.count_unfinished("owner-a") == 0


def test_ending_a_job_that_is_gone_is_a_key_error(store: JobStore) -> None:
    with pytest.raises(KeyError):
        store.cancel("nope")
    with pytest.raises(KeyError):
        store.fail("nope", "detail")
    with pytest.raises(KeyError):
        store.expire_now("nope")
    with pytest.raises(KeyError):
        store.finish_page(Claim("nope", 1, 1), PageState.DONE, None)


def test_a_released_page_is_queued_again_without_counting_its_attempt(store: JobStore) -> None:
    store.create(new_job("j1", (1, 2)))
    claim = begin(store, "j1", 1)
    store.release(claim)
    first, _ = store.page_outcomes("j1")
    assert first.state is PageState.QUEUED
    job = store.get("j1")
    assert job is not None
    assert job.pages_done == 0
    again = begin(store, "j1", 1)
    assert again.attempt == 1
    store.release(again)
    # Released however often, it is never out of attempts for it.
    for _ in range(MAX_ATTEMPTS + 1):
        store.release(begin(store, "j1", 1))
    assert begin(store, "j1", 1).attempt == 1


def test_a_page_released_after_its_job_ended_is_failed(store: JobStore) -> None:
    store.create(new_job("j1", (1, 2)))
    claim = begin(store, "j1", 1)
    store.cancel("j1")
    store.release(claim)
    assert [o.state for o in store.page_outcomes("j1")] == [PageState.FAILED] * 2
    assert store.begin_page("j1", 1) is None


def test_the_same_idempotency_key_finds_the_first_job(store: JobStore) -> None:
    first = store.create(new_job("j1", idempotency_key="key-1"))
    assert store.find_by_key("owner-a", "key-1") == first
    assert store.find_by_key("owner-a", "key-2") is None
    assert store.find_by_key("owner-b", "key-1") is None
    with pytest.raises(DuplicateKey) as duplicate:
        store.create(new_job("j2", idempotency_key="key-1"))
    assert duplicate.value.existing == first
    assert store.get("j2") is None
    assert store.count_unfinished("owner-a") == 1
    other_owner = store.create(new_job("j3", idempotency_key="key-1", owner="owner-b"))
    assert other_owner.id == "j3"
    assert store.find_by_key("owner-b", "key-1") == other_owner


def test_expired_jobs_are_listed_for_deletion_then_forgotten(store: JobStore) -> None:
    store.create(new_job("j1", (1,), idempotency_key="key-1"))
    store.create(new_job("j2", (1,)))  # unfinished: never listed
    job = store.finish_page(begin(store, "j1", 1), PageState.DONE, None)
    assert job.expires_at is not None
    assert store.to_delete(job.expires_at - 1) == []
    assert store.to_delete(job.expires_at) == [job]
    assert store.purge(job.expires_at + 1) == 0  # its files are not deleted yet
    store.mark_files_deleted("j1")
    deleted = store.get("j1")
    assert deleted is not None
    assert deleted.files_deleted
    assert store.to_delete(job.expires_at + 1) == []
    assert store.purge(job.expires_at) == 0  # expired before `before`, not at it
    assert store.purge(job.expires_at + 1) == 1
    assert store.get("j1") is None
    assert store.page_outcomes("j1") == []
    assert store.find_by_key("owner-a", "key-1") is None
    assert store.create(new_job("j3", idempotency_key="key-1")).id == "j3"  # free again
    assert store.get("j2") is not None


def test_a_finished_job_deleted_by_its_client_expires_now(store: JobStore) -> None:
    store.create(new_job("j1", (1,)))
    done = store.finish_page(begin(store, "j1", 1), PageState.DONE, None)
    assert done.expires_at is not None
    before = time.time()
    expired = store.expire_now("j1")
    assert expired.expires_at is not None
    assert before <= expired.expires_at <= time.time()
    assert [j.id for j in store.to_delete(time.time())] == ["j1"]
    store.mark_files_deleted("j1")
    assert store.expire_now("j1").expires_at == expired.expires_at  # never later again
    assert store.purge(time.time() + 1) == 1


def test_a_callback_is_pending_once_its_job_ends(store: JobStore) -> None:
    hook = "https://example.com/hook"
    store.create(new_job("j1", (1,), callback_url=hook))
    store.create(new_job("j2", (1,)))
    store.create(new_job("j3", (1,), callback_url=hook))
    assert store.undelivered_callbacks() == []
    store.finish_page(begin(store, "j3", 1), PageState.DONE, None)
    store.cancel("j1")
    store.cancel("j2")
    assert [job.id for job in store.undelivered_callbacks()] == ["j3", "j1"]  # by finished_at
    store.callback_settled("j3")
    assert [job.id for job in store.undelivered_callbacks()] == ["j1"]
    store.callback_settled("j1")
    assert store.undelivered_callbacks() == []


# The SQLite store's claims and leases


def test_pages_are_claimed_oldest_job_first_in_page_order(sqlite_store: SqliteJobStore) -> None:
    store = sqlite_store
    store.create(new_job("j1", (1, 2)))
    store.create(new_job("j2", (1,)))  # maybe the same created_at: submission order decides
    claims = [store.claim("reader", 10) for _ in range(4)]
    assert [(c.job_id, c.number) for c in claims if c] == [("j1", 1), ("j1", 2), ("j2", 1)]
    assert claims[3] is None
    assert claims[0] is not None
    assert claims[0].first
    assert claims[1] is not None
    assert not claims[1].first


def test_a_page_whose_lease_ran_out_is_claimed_again(sqlite_store: SqliteJobStore) -> None:
    store = sqlite_store
    store.create(new_job("j1", (1,)))
    assert store.claim("dead-reader", 0.05) is not None
    assert store.claim("reader", 10) is None  # the lease still holds
    again = store.claim("reader", 10)
    deadline = time.monotonic() + 5
    while again is None and time.monotonic() < deadline:
        again = store.claim("reader", 10)
    assert again is not None
    assert (again.job_id, again.number, again.attempt) == ("j1", 1, 2)


def test_renewing_keeps_a_page_from_being_claimed_again(sqlite_store: SqliteJobStore) -> None:
    store = sqlite_store
    store.create(new_job("j1", (1,)))
    assert store.claim("reader", 0) is not None  # a lease that has run out already
    store.renew("reader", 30)
    assert store.claim("other", 10) is None


def test_a_page_claimed_too_often_is_failed(sqlite_store: SqliteJobStore) -> None:
    store = sqlite_store
    store.create(new_job("j1", (1,)))
    for _ in range(MAX_ATTEMPTS):
        assert store.claim("reader", 0) is not None
    assert store.claim("reader", 10) is None
    (outcome,) = store.page_outcomes("j1")
    assert outcome.state is PageState.FAILED


def test_a_canceled_jobs_pages_are_never_claimed(sqlite_store: SqliteJobStore) -> None:
    store = sqlite_store
    store.create(new_job("j1", (1, 2, 3)))
    assert store.claim("reader", 10) is not None
    store.cancel("j1")
    assert store.claim("reader", 10) is None
    assert store.renew("reader", 10) == {"j1"}  # the page in hand can stop


# What only the Redis store does


def closed_port_store() -> RedisJobStore:
    client = redis.Redis(
        host="127.0.0.1",
        port=free_port(),  # nothing listens there
        retry=redis.retry.Retry(redis.backoff.NoBackoff(), 0),
        socket_connect_timeout=1,
    )
    return RedisJobStore(client, retention_seconds=RETENTION)


@pytest.mark.parametrize(
    "call",
    [
        pytest.param(lambda store: store.create(new_job("j1")), id="create"),
        pytest.param(lambda store: store.get("j1"), id="get"),
        pytest.param(lambda store: store.begin_page("j1", 1), id="begin_page"),
        pytest.param(lambda store: store.page_outcomes("j1"), id="page_outcomes"),
        pytest.param(lambda store: store.undelivered_callbacks(), id="undelivered_callbacks"),
        pytest.param(lambda store: store.purge(time.time()), id="purge"),
    ],
)
def test_redis_not_answering_is_job_store_unavailable(
    call: Callable[[RedisJobStore], object],
) -> None:
    store = closed_port_store()
    with pytest.raises(JobStoreUnavailable) as raised:
        call(store)
    assert raised.value.status_code == 503
    assert isinstance(raised.value.__cause__, redis.ConnectionError)


def test_a_new_job_is_unsent_until_its_messages_are_sent(rstore: RedisJobStore) -> None:
    rstore.create(new_job("j1"))
    rstore.create(new_job("j2"))
    rstore.create(new_job("j3"))
    after = time.time() + 1
    assert [job.id for job in rstore.unsent(after)] == ["j1", "j2", "j3"]
    job = rstore.get("j1")
    assert job is not None
    assert rstore.unsent(job.created_at) == []  # too young: its sender may still be at it
    rstore.mark_sent("j2")
    rstore.cancel("j3")  # ended: nothing to send
    assert [job.id for job in rstore.unsent(after)] == ["j1"]
    rstore.mark_sent("j1")
    assert rstore.unsent(after) == []


def test_page_states_tell_which_pages_to_send_again(rstore: RedisJobStore) -> None:
    rstore.create(new_job("j1", (1, 2, 3)))
    rstore.finish_page(begin(rstore, "j1", 1), PageState.DONE, None)
    begin(rstore, "j1", 2)
    assert rstore.page_states("j1") == {
        1: PageState.DONE,
        2: PageState.RUNNING,
        3: PageState.QUEUED,
    }
    assert rstore.page_states("nope") == {}


def test_a_begin_page_run_again_answers_what_it_did(rstore: RedisJobStore) -> None:
    # As when the client retries a call whose answer was lost after Redis ran it.
    rstore.create(new_job("j1", (1,)))
    first = rstore._begin("j1", 1, "token-1")
    assert rstore._begin("j1", 1, "token-1") == first
    assert first is not None
    assert first.first
    assert begin(rstore, "j1", 1).attempt == 2  # the rerun took no attempt


def test_a_create_run_again_answers_the_job_it_made(rstore: RedisJobStore) -> None:
    created = rstore.create(new_job("j1", idempotency_key="key-1"))
    assert rstore.create(new_job("j1", idempotency_key="key-1")) == created
    with pytest.raises(ValueError, match="exists already"):
        rstore.create(new_job("j1", upload_digest="another document"))
    assert rstore.count_unfinished("owner-a") == 1


def test_concurrent_readers_count_each_page_exactly_once(rstore: RedisJobStore) -> None:
    pages = tuple(range(1, 51))
    rstore.create(new_job("j1", pages))
    barrier = threading.Barrier(8)
    claims: list[Claim] = []
    errors: list[BaseException] = []

    def read(seed: int) -> None:
        order = list(pages)
        random.Random(seed).shuffle(order)
        try:
            barrier.wait()
            for number in order:
                claim = rstore.begin_page("j1", number)
                if claim is not None:
                    claims.append(claim)
                    rstore.finish_page(claim, PageState.DONE, None)
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=read, args=(seed,)) for seed in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    job = rstore.get("j1")
    assert job is not None
    assert job.state is JobState.SUCCEEDED
    assert job.pages_done == 50
    outcomes = rstore.page_outcomes("j1")
    assert all(o.state in (PageState.DONE, PageState.FAILED) for o in outcomes)
    # Pages begun by more readers at once than it has attempts are failed, and counted so.
    assert job.pages_failed == sum(o.state is PageState.FAILED for o in outcomes)
    assert sum(claim.first for claim in claims) == 1
    assert rstore.pages_waiting() == 0


@pytest.mark.e2e
def test_the_store_rides_out_a_redis_restart(tmp_path: Path) -> None:
    server = RedisServer(appendonly=True, data_dir=tmp_path).start()
    store = RedisJobStore.from_url(server.url, retention_seconds=RETENTION)
    try:
        created = store.create(new_job("j1"))
        server.stop()
        asked = threading.Event()
        answers: list[object] = []

        def get() -> None:
            asked.set()
            try:
                answers.append(store.get("j1"))
            except BaseException as error:
                answers.append(error)

        thread = threading.Thread(target=get)
        thread.start()
        assert asked.wait(5)
        server.start()
        thread.join(30)
        assert answers == [created]  # kept on disk, and asked for again until it answered
    finally:
        store.close()
        server.remove()
