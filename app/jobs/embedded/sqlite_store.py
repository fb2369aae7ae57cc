"""The embedded job store: one SQLite file in DATA_DIR that every worker process of the
instance shares (WAL mode, each write one short transaction).

A page is claimed with a lease its reader renews while it reads; a page whose lease ran out
(its process died) is claimed again, so a job accepted is finished by whichever process is
left or starts next.

Over 300 lines: one class implementing JobStore against one schema; its SQL is most of its
length.
"""

import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from app.jobs.models import Claim, Job, JobOptions, JobState, PageOutcome, PageState
from app.jobs.store import MAX_ATTEMPTS, DuplicateKey, NewJob, attempts_detail

_SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    id TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    idempotency_key TEXT,
    upload_digest TEXT NOT NULL,
    state TEXT NOT NULL,
    options TEXT NOT NULL,
    pages TEXT NOT NULL,
    pages_done INTEGER NOT NULL DEFAULT 0,
    pages_failed INTEGER NOT NULL DEFAULT 0,
    created_at REAL NOT NULL,
    started_at REAL,
    finished_at REAL,
    expires_at REAL,
    error TEXT,
    callback_url TEXT,
    callback_pending INTEGER NOT NULL DEFAULT 0,
    base_url TEXT NOT NULL,
    files_deleted INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX IF NOT EXISTS jobs_by_key ON jobs (owner, idempotency_key)
    WHERE idempotency_key IS NOT NULL;
CREATE INDEX IF NOT EXISTS jobs_by_owner ON jobs (owner, state);
CREATE TABLE IF NOT EXISTS pages (
    job_id TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    number INTEGER NOT NULL,
    state TEXT NOT NULL,
    error TEXT,
    reader TEXT,
    lease_until REAL,
    attempts INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (job_id, number)
);
CREATE INDEX IF NOT EXISTS pages_to_read ON pages (state, lease_until);
"""

_UNFINISHED = (JobState.QUEUED.value, JobState.RUNNING.value)


class SqliteJobStore:
    def __init__(self, path: Path, retention_seconds: float) -> None:
        self.path = path
        self.retention_seconds = retention_seconds
        self._local = threading.local()
        path.parent.mkdir(parents=True, exist_ok=True)
        self._connection().executescript(_SCHEMA)  # idempotent: every process runs it

    def _connection(self) -> sqlite3.Connection:
        # One connection per thread: a sqlite3 connection is not to be shared across them.
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            db.row_factory = sqlite3.Row
            db.execute("PRAGMA journal_mode=WAL")
            # NORMAL in WAL mode loses at most the last transactions on power loss, never on
            # a process crash, which is what "never lost" guards against here.
            db.execute("PRAGMA synchronous=NORMAL")
            db.execute("PRAGMA foreign_keys=ON")
            self._local.db = db
        return db

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction, taking the write lock at once (no upgrade deadlocks)."""
        db = self._connection()
        db.execute("BEGIN IMMEDIATE")
        try:
            yield db
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")

    def create(self, new: NewJob) -> Job:
        now = time.time()
        try:
            with self._write() as db:
                db.execute(
                    "INSERT INTO jobs (id, owner, idempotency_key, upload_digest, state, options,"
                    " pages, created_at, callback_url, base_url) VALUES (?,?,?,?,?,?,?,?,?,?)",
                    (
                        new.id,
                        new.owner,
                        new.idempotency_key,
                        new.upload_digest,
                        JobState.QUEUED.value,
                        new.options.to_json(),
                        ",".join(map(str, new.pages)),
                        now,
                        new.callback_url,
                        new.base_url,
                    ),
                )
                db.executemany(
                    "INSERT INTO pages (job_id, seq, number, state) VALUES (?,?,?,?)",
                    [
                        (new.id, seq, number, PageState.QUEUED.value)
                        for seq, number in enumerate(new.pages)
                    ],
                )
        except sqlite3.IntegrityError:
            if new.idempotency_key is None:
                raise
            existing = self.find_by_key(new.owner, new.idempotency_key)
            if existing is None:
                raise
            raise DuplicateKey(existing) from None
        job = self.get(new.id)
        assert job is not None
        return job

    def get(self, job_id: str) -> Job | None:
        row = self._connection().execute("SELECT * FROM jobs WHERE id = ?", (job_id,)).fetchone()
        return _job(row) if row else None

    def find_by_key(self, owner: str, key: str) -> Job | None:
        row = (
            self._connection()
            .execute("SELECT * FROM jobs WHERE owner = ? AND idempotency_key = ?", (owner, key))
            .fetchone()
        )
        return _job(row) if row else None

    def count_unfinished(self, owner: str) -> int:
        row = (
            self._connection()
            .execute(
                "SELECT count(*) FROM jobs WHERE owner = ? AND state IN (?, ?)",
                (owner, *_UNFINISHED),
            )
            .fetchone()
        )
        return int(row[0])

    def pages_waiting(self) -> int:
        row = (
            self._connection()
            .execute(
                "SELECT count(*) FROM pages WHERE state IN (?, ?)",
                (PageState.QUEUED.value, PageState.RUNNING.value),
            )
            .fetchone()
        )
        return int(row[0])

    def claim(self, reader: str, lease_seconds: float) -> Claim | None:
        """The next page to read: the oldest job's first page not read yet, or one whose
        reader's lease ran out. A page out of attempts is failed on the way."""
        while True:
            now = time.time()
            with self._write() as db:
                row = db.execute(
                    "SELECT p.job_id, p.number FROM pages p JOIN jobs j"
                    " ON j.id = p.job_id WHERE j.state IN (?, ?) AND (p.state = ?"
                    " OR (p.state = ? AND p.lease_until < ?))"
                    " ORDER BY j.created_at, j.rowid, p.seq LIMIT 1",
                    (*_UNFINISHED, PageState.QUEUED.value, PageState.RUNNING.value, now),
                ).fetchone()
                if row is None:
                    return None
                claim = self._begin(db, row["job_id"], row["number"], reader, lease_seconds, now)
                if claim is not None:
                    return claim

    def begin_page(self, job_id: str, number: int) -> Claim | None:
        now = time.time()
        with self._write() as db:
            row = db.execute(
                "SELECT p.state FROM pages p JOIN jobs j ON j.id = p.job_id"
                " WHERE p.job_id = ? AND p.number = ? AND j.state IN (?, ?)",
                (job_id, number, *_UNFINISHED),
            ).fetchone()
            if row is None or row["state"] not in (PageState.QUEUED.value, PageState.RUNNING.value):
                return None
            return self._begin(db, job_id, number, None, 0.0, now)

    def _begin(
        self,
        db: sqlite3.Connection,
        job_id: str,
        number: int,
        reader: str | None,
        lease_seconds: float,
        now: float,
    ) -> Claim | None:
        """(Inside a write transaction.) One attempt more at the page, or the page failed
        when it is out of attempts (None)."""
        attempts = db.execute(
            "SELECT attempts FROM pages WHERE job_id = ? AND number = ?", (job_id, number)
        ).fetchone()[0]
        if attempts >= MAX_ATTEMPTS:
            self._finish_page(db, job_id, number, PageState.FAILED, attempts_detail(attempts), now)
            return None
        db.execute(
            "UPDATE pages SET state = ?, reader = ?, lease_until = ?,"
            " attempts = attempts + 1 WHERE job_id = ? AND number = ?",
            (PageState.RUNNING.value, reader, now + lease_seconds, job_id, number),
        )
        started = db.execute(
            "UPDATE jobs SET state = ?, started_at = coalesce(started_at, ?)"
            " WHERE id = ? AND state = ?",
            (JobState.RUNNING.value, now, job_id, JobState.QUEUED.value),
        ).rowcount
        return Claim(job_id, number, attempts + 1, first=bool(started))

    def renew(self, reader: str, lease_seconds: float) -> set[str]:
        """Extend the leases of the pages `reader` holds; the ids of their jobs that are no
        longer wanted (canceled or deleted), whose reading can stop."""
        with self._write() as db:
            db.execute(
                "UPDATE pages SET lease_until = ? WHERE reader = ? AND state = ?",
                (time.time() + lease_seconds, reader, PageState.RUNNING.value),
            )
            rows = db.execute(
                "SELECT p.job_id FROM pages p JOIN jobs j ON j.id = p.job_id"
                " WHERE p.reader = ? AND p.state = ? AND j.state NOT IN (?, ?)",
                (reader, PageState.RUNNING.value, *_UNFINISHED),
            ).fetchall()
        return {row["job_id"] for row in rows}

    def finish_page(self, claim: Claim, state: PageState, error: str | None) -> Job:
        with self._write() as db:
            self._finish_page(db, claim.job_id, claim.number, state, error, time.time())
        job = self.get(claim.job_id)
        if job is None:
            raise KeyError(claim.job_id)
        return job

    def release(self, claim: Claim) -> None:
        """Give a claimed page back unread: queued again (its attempt not counted against
        it), or failed if its job has ended meanwhile."""
        with self._write() as db:
            db.execute(
                "UPDATE pages SET state = CASE WHEN (SELECT state FROM jobs WHERE id = ?)"
                " IN (?, ?) THEN ? ELSE ? END, reader = NULL, lease_until = NULL,"
                " attempts = max(0, attempts - 1) WHERE job_id = ? AND number = ? AND state = ?",
                (
                    claim.job_id,
                    *_UNFINISHED,
                    PageState.QUEUED.value,
                    PageState.FAILED.value,
                    claim.job_id,
                    claim.number,
                    PageState.RUNNING.value,
                ),
            )

    def _finish_page(
        self,
        db: sqlite3.Connection,
        job_id: str,
        number: int,
        state: PageState,
        error: str | None,
        now: float,
    ) -> None:
        """(Inside a write transaction.) Count the page once, and finish its job with its
        last page."""
        changed = db.execute(
            "UPDATE pages SET state = ?, error = ?, reader = NULL, lease_until = NULL"
            " WHERE job_id = ? AND number = ? AND state IN (?, ?)",
            (state.value, error, job_id, number, PageState.QUEUED.value, PageState.RUNNING.value),
        ).rowcount
        if not changed:  # counted already (a redelivered page) or its job is gone
            return
        job_state = db.execute("SELECT state FROM jobs WHERE id = ?", (job_id,)).fetchone()
        if job_state is None or job_state[0] not in _UNFINISHED:  # ended while it was read
            return
        failed = int(state is PageState.FAILED)
        db.execute(
            "UPDATE jobs SET pages_done = pages_done + 1, pages_failed = pages_failed + ?"
            " WHERE id = ?",
            (failed, job_id),
        )
        left = db.execute(
            "SELECT count(*) FROM pages WHERE job_id = ? AND state IN (?, ?)",
            (job_id, PageState.QUEUED.value, PageState.RUNNING.value),
        ).fetchone()[0]
        if left == 0:
            self._end(db, job_id, JobState.SUCCEEDED, None, now)

    def _end(
        self, db: sqlite3.Connection, job_id: str, state: JobState, error: str | None, now: float
    ) -> None:
        db.execute(
            "UPDATE jobs SET state = ?, error = ?, finished_at = ?, expires_at = ?,"
            " started_at = coalesce(started_at, ?),"
            " callback_pending = (callback_url IS NOT NULL) WHERE id = ? AND state IN (?, ?)",
            (state.value, error, now, now + self.retention_seconds, now, job_id, *_UNFINISHED),
        )
        db.execute(
            "UPDATE pages SET state = ?, reader = NULL WHERE job_id = ? AND state = ?",
            (PageState.FAILED.value, job_id, PageState.QUEUED.value),
        )

    def page_outcomes(self, job_id: str) -> list[PageOutcome]:
        rows = (
            self._connection()
            .execute(
                "SELECT number, state, error FROM pages WHERE job_id = ? ORDER BY seq", (job_id,)
            )
            .fetchall()
        )
        return [PageOutcome(row["number"], PageState(row["state"]), row["error"]) for row in rows]

    def fail(self, job_id: str, detail: str) -> Job:
        return self._end_now(job_id, JobState.FAILED, detail)

    def cancel(self, job_id: str) -> Job:
        return self._end_now(job_id, JobState.CANCELED, None)

    def _end_now(self, job_id: str, state: JobState, error: str | None) -> Job:
        with self._write() as db:
            self._end(db, job_id, state, error, time.time())
        job = self.get(job_id)
        if job is None:
            raise KeyError(job_id)
        return job

    def expire_now(self, job_id: str) -> Job:
        """A finished job whose client deleted it: its result is gone from now on."""
        with self._write() as db:
            db.execute(
                "UPDATE jobs SET expires_at = min(coalesce(expires_at, ?), ?) WHERE id = ?",
                (time.time(), time.time(), job_id),
            )
        job = self.get(job_id)
        if job is None:
            raise KeyError(job_id)
        return job

    def to_delete(self, now: float) -> list[Job]:
        """Jobs past their expiry whose files are still kept."""
        rows = (
            self._connection()
            .execute("SELECT * FROM jobs WHERE expires_at <= ? AND files_deleted = 0", (now,))
            .fetchall()
        )
        return [_job(row) for row in rows]

    def mark_files_deleted(self, job_id: str) -> None:
        with self._write() as db:
            db.execute("UPDATE jobs SET files_deleted = 1 WHERE id = ?", (job_id,))

    def purge(self, before: float) -> int:
        """Forget jobs that expired before `before` (their record said 410 until then)."""
        with self._write() as db:
            return db.execute(
                "DELETE FROM jobs WHERE expires_at < ? AND files_deleted = 1", (before,)
            ).rowcount

    def undelivered_callbacks(self) -> list[Job]:
        rows = (
            self._connection()
            .execute("SELECT * FROM jobs WHERE callback_pending = 1 ORDER BY finished_at")
            .fetchall()
        )
        return [_job(row) for row in rows]

    def callback_settled(self, job_id: str) -> None:
        with self._write() as db:
            db.execute("UPDATE jobs SET callback_pending = 0 WHERE id = ?", (job_id,))

    def close(self) -> None:
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is not None:
            db.close()
            self._local.db = None


def _job(row: sqlite3.Row) -> Job:
    pages = tuple(int(number) for number in row["pages"].split(",") if number)
    return Job(
        id=row["id"],
        owner=row["owner"],
        state=JobState(row["state"]),
        options=JobOptions.from_json(row["options"]),
        pages=pages,
        pages_done=row["pages_done"],
        pages_failed=row["pages_failed"],
        created_at=row["created_at"],
        started_at=row["started_at"],
        finished_at=row["finished_at"],
        expires_at=row["expires_at"],
        error=row["error"],
        callback_url=row["callback_url"],
        base_url=row["base_url"],
        upload_digest=row["upload_digest"],
        files_deleted=bool(row["files_deleted"]),
    )
