"""The distributed job store: job records and their pages' states in Redis, shared by every
web and worker process of every machine. Same rules as the embedded store
(app/jobs/embedded/sqlite_store.py); each transition that reads before it writes is one Lua
script, so it is atomic however many processes race for the same page.

Keys, all under the prefix `p` (default "ocr"):

    p:job:<id>              hash: the job's fields (options as JSON, pages as "1,2,3", times
                            as unix seconds, absent when None); key_ref names its p:key:...
    p:job:<id>:pages        hash: page number -> queued | running | done | failed
    p:job:<id>:errors       hash: page number -> the page's error
    p:job:<id>:attempts     hash: page number -> times begun and not given back
    p:unfinished            set: ids of queued or running jobs
    p:unfinished:<owner>    set: the same, one owner's
    p:key:<len>:<owner>:<key>  string: the job id an owner's idempotency key made
    p:unsent                set: jobs recorded whose page messages may not be sent yet
    p:expiry                zset: id -> expires_at, of jobs whose files are kept
    p:deleted               zset: id -> expires_at, of jobs whose files are deleted (to purge)
    p:callbacks             zset: id -> finished_at, of jobs whose callback is pending
    p:begun:<token>         string, short-lived: what one begin_page call answered

The scripts derive a job's key names from the prefix themselves rather than taking them all
as KEYS, so this wants one Redis server (with replicas, if any), not Redis Cluster.

One module, over 300 lines: the key layout above and the Lua scripts that depend on it are one
contract, read together.
"""

import functools
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from typing import Any, ParamSpec, TypeVar

import redis
import redis.backoff
import redis.retry

from app.core.errors import JobStoreUnavailable
from app.jobs.distributed.connection import redis_client
from app.jobs.models import Claim, Job, JobOptions, JobState, PageOutcome, PageState
from app.jobs.store import MAX_ATTEMPTS, DuplicateKey, NewJob, attempts_detail

_P = ParamSpec("_P")
_R = TypeVar("_R")

# Long enough to outlast the client's own retries of one begin_page (about 10 s in all).
_BEGUN_SECONDS = 120
# Jobs forgotten per purge script: one script blocks the server while it runs.
_PURGE_BATCH = 200

# The helpers every script shares. ARGV[1] is the prefix; None travels as "" and any other
# optional string as "=" + the string, so an empty error stays distinguishable from none.
_LIBRARY = """
local P = ARGV[1]
local function jkey(id) return P .. ':job:' .. id end
local function unfinished(state) return state == 'queued' or state == 'running' end
local function opt(value)
  if value == '' then return nil end
  return string.sub(value, 2)
end

-- End an unfinished job; its pages not begun are failed either way.
local function end_job(id, state, err, now, expires)
  local job = jkey(id)
  local current = redis.call('HGET', job, 'state')
  if unfinished(current) then
    redis.call('HSET', job, 'state', state, 'finished_at', now, 'expires_at', expires)
    if err then
      redis.call('HSET', job, 'error', err)
    else
      redis.call('HDEL', job, 'error')
    end
    if redis.call('HEXISTS', job, 'started_at') == 0 then
      redis.call('HSET', job, 'started_at', now)
    end
    if redis.call('HEXISTS', job, 'callback_url') == 1 then
      redis.call('ZADD', P .. ':callbacks', now, id)
    end
    local owner = redis.call('HGET', job, 'owner')
    redis.call('SREM', P .. ':unfinished', id)
    redis.call('SREM', P .. ':unfinished:' .. owner, id)
    redis.call('SREM', P .. ':unsent', id)
    if redis.call('HGET', job, 'files_deleted') == '1' then
      redis.call('ZADD', P .. ':deleted', expires, id)
    else
      redis.call('ZADD', P .. ':expiry', expires, id)
    end
  end
  local pages = job .. ':pages'
  local states = redis.call('HGETALL', pages)
  for i = 1, #states, 2 do
    if states[i + 1] == 'queued' then
      redis.call('HSET', pages, states[i], 'failed')
    end
  end
end

-- Count the page once, and end its job with its last page.
local function finish_page(id, number, state, err, now, expires)
  local job = jkey(id)
  local pages = job .. ':pages'
  if not unfinished(redis.call('HGET', pages, number)) then
    return  -- counted already (a redelivered page) or its job is gone
  end
  redis.call('HSET', pages, number, state)
  if err then
    redis.call('HSET', job .. ':errors', number, err)
  else
    redis.call('HDEL', job .. ':errors', number)
  end
  if not unfinished(redis.call('HGET', job, 'state')) then
    return  -- ended while it was read
  end
  local done = redis.call('HINCRBY', job, 'pages_done', 1)
  if state == 'failed' then
    redis.call('HINCRBY', job, 'pages_failed', 1)
  end
  -- Every page of an unfinished job is counted once it is done or failed, so the job's
  -- last page is the one that makes the count its number of pages.
  if done >= redis.call('HLEN', pages) then
    end_job(id, 'succeeded', nil, now, expires)
  end
end
"""

# ARGV: prefix, id, key_ref (opt), owner, page count, the pages..., then field, value, ...
_CREATE = """
local id, key_ref, owner = ARGV[2], opt(ARGV[3]), ARGV[4]
local job = jkey(id)
if redis.call('EXISTS', job) == 1 then
  return {'exists'}
end
if key_ref then
  local existing = redis.call('GET', key_ref)
  if existing and redis.call('EXISTS', jkey(existing)) == 1 then
    return {'duplicate', existing}
  end
  redis.call('SET', key_ref, id)
end
local count = tonumber(ARGV[5])
local fields = {}
for i = 6 + count, #ARGV do
  fields[#fields + 1] = ARGV[i]
end
redis.call('HSET', job, unpack(fields))
if key_ref then
  redis.call('HSET', job, 'key_ref', key_ref)
end
for i = 6, 5 + count do
  redis.call('HSET', job .. ':pages', ARGV[i], 'queued')
end
redis.call('SADD', P .. ':unfinished', id)
redis.call('SADD', P .. ':unfinished:' .. owner, id)
redis.call('SADD', P .. ':unsent', id)
return {'created'}
"""

# ARGV: prefix, id, number, now, expires, detail, token. Answers {attempt, first} or nil; a
# call run again (the client retrying after a lost answer) answers what the first run did
# rather than taking another attempt.
_BEGIN_PAGE = """
local id, number, now, expires, detail = ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6]
local begun = P .. ':begun:' .. ARGV[7]
local seen = redis.call('GET', begun)
if seen then
  if seen == '-' then return nil end
  local attempt, first = string.match(seen, '(%d+):(%d+)')
  return {tonumber(attempt), tonumber(first)}
end
local function begin()
  local job = jkey(id)
  if not unfinished(redis.call('HGET', job, 'state')) then return nil end
  if not unfinished(redis.call('HGET', job .. ':pages', number)) then return nil end
  local attempts = tonumber(redis.call('HGET', job .. ':attempts', number)) or 0
  if attempts >= MAX_ATTEMPTS then
    finish_page(id, number, 'failed', detail, now, expires)
    return nil
  end
  redis.call('HSET', job .. ':pages', number, 'running')
  redis.call('HINCRBY', job .. ':attempts', number, 1)
  local first = 0
  if redis.call('HGET', job, 'state') == 'queued' then
    redis.call('HSET', job, 'state', 'running')
    if redis.call('HEXISTS', job, 'started_at') == 0 then
      redis.call('HSET', job, 'started_at', now)
    end
    first = 1
  end
  return {attempts + 1, first}
end
local result = begin()
if result then
  redis.call('SET', begun, result[1] .. ':' .. result[2], 'EX', BEGUN_SECONDS)
else
  redis.call('SET', begun, '-', 'EX', BEGUN_SECONDS)
end
return result
""".replace("MAX_ATTEMPTS", str(MAX_ATTEMPTS)).replace("BEGUN_SECONDS", str(_BEGUN_SECONDS))

# ARGV: prefix, id, number, state, error (opt), now, expires. Answers the job's fields.
_FINISH_PAGE = """
finish_page(ARGV[2], ARGV[3], ARGV[4], opt(ARGV[5]), ARGV[6], ARGV[7])
return redis.call('HGETALL', jkey(ARGV[2]))
"""

# ARGV: prefix, id, number
_RELEASE = """
local job = jkey(ARGV[2])
local number = ARGV[3]
if redis.call('HGET', job .. ':pages', number) ~= 'running' then return end
if unfinished(redis.call('HGET', job, 'state')) then
  redis.call('HSET', job .. ':pages', number, 'queued')
else
  redis.call('HSET', job .. ':pages', number, 'failed')
end
local attempts = tonumber(redis.call('HGET', job .. ':attempts', number)) or 0
redis.call('HSET', job .. ':attempts', number, math.max(0, attempts - 1))
"""

# ARGV: prefix, id, state, error (opt), now, expires. Answers the job's fields.
_END = """
end_job(ARGV[2], ARGV[3], opt(ARGV[4]), ARGV[5], ARGV[6])
return redis.call('HGETALL', jkey(ARGV[2]))
"""

# ARGV: prefix, id, now. Answers the job's fields.
_EXPIRE_NOW = """
local id, now = ARGV[2], ARGV[3]
local job = jkey(id)
if redis.call('EXISTS', job) == 0 then return {} end
local expires = redis.call('HGET', job, 'expires_at')
if not expires or tonumber(expires) > tonumber(now) then
  expires = now
  redis.call('HSET', job, 'expires_at', now)
end
if redis.call('HGET', job, 'files_deleted') == '1' then
  redis.call('ZADD', P .. ':deleted', expires, id)
else
  redis.call('ZADD', P .. ':expiry', expires, id)
end
return redis.call('HGETALL', job)
"""

# ARGV: prefix, id
_MARK_FILES_DELETED = """
local id = ARGV[2]
local job = jkey(id)
if redis.call('EXISTS', job) == 0 then return end
redis.call('HSET', job, 'files_deleted', '1')
redis.call('ZREM', P .. ':expiry', id)
local expires = redis.call('HGET', job, 'expires_at')
if expires then
  redis.call('ZADD', P .. ':deleted', expires, id)
end
"""

# ARGV: prefix, before, batch. Answers how many jobs it forgot.
_PURGE = """
local ids = redis.call('ZRANGEBYSCORE', P .. ':deleted', '-inf', '(' .. ARGV[2],
  'LIMIT', 0, tonumber(ARGV[3]))
for _, id in ipairs(ids) do
  local job = jkey(id)
  local owner = redis.call('HGET', job, 'owner')
  local key_ref = redis.call('HGET', job, 'key_ref')
  if key_ref and redis.call('GET', key_ref) == id then
    redis.call('DEL', key_ref)
  end
  redis.call('DEL', job, job .. ':pages', job .. ':errors', job .. ':attempts')
  redis.call('ZREM', P .. ':deleted', id)
  redis.call('ZREM', P .. ':expiry', id)
  redis.call('ZREM', P .. ':callbacks', id)
  redis.call('SREM', P .. ':unfinished', id)
  redis.call('SREM', P .. ':unsent', id)
  if owner then
    redis.call('SREM', P .. ':unfinished:' .. owner, id)
  end
end
return #ids
"""

# ARGV: prefix. Answers the pages queued or running of all unfinished jobs.
_PAGES_WAITING = """
local waiting = 0
for _, id in ipairs(redis.call('SMEMBERS', P .. ':unfinished')) do
  local job = jkey(id)
  if unfinished(redis.call('HGET', job, 'state')) then
    local done = tonumber(redis.call('HGET', job, 'pages_done')) or 0
    waiting = waiting + redis.call('HLEN', job .. ':pages') - done
  end
end
return waiting
"""


def _available(method: Callable[_P, _R]) -> Callable[_P, _R]:
    """Redis not answering, after the client's own retries, is the 503 JobStoreUnavailable."""

    @functools.wraps(method)
    def wrapper(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        try:
            return method(*args, **kwargs)
        except (redis.ConnectionError, redis.TimeoutError) as error:
            raise JobStoreUnavailable() from error

    return wrapper


class RedisJobStore:
    def __init__(
        self, client: redis.Redis, retention_seconds: float, *, prefix: str = "ocr"
    ) -> None:
        self.client = client
        self.retention_seconds = retention_seconds
        self.prefix = prefix
        self._create = client.register_script(_LIBRARY + _CREATE)
        self._begin_page = client.register_script(_LIBRARY + _BEGIN_PAGE)
        self._finish_page = client.register_script(_LIBRARY + _FINISH_PAGE)
        self._release = client.register_script(_LIBRARY + _RELEASE)
        self._end = client.register_script(_LIBRARY + _END)
        self._expire_now = client.register_script(_LIBRARY + _EXPIRE_NOW)
        self._mark_files_deleted = client.register_script(_LIBRARY + _MARK_FILES_DELETED)
        self._purge = client.register_script(_LIBRARY + _PURGE)
        self._pages_waiting = client.register_script(_LIBRARY + _PAGES_WAITING)

    @classmethod
    def from_url(
        cls, url: str, retention_seconds: float, *, prefix: str = "ocr"
    ) -> "RedisJobStore":
        """A store on its own client, which rides out a Redis restart of a few seconds by
        retrying with backoff (about 10 s in all) before anything is reported unavailable."""
        return cls(redis_client(url), retention_seconds, prefix=prefix)

    def _key(self, *parts: str) -> str:
        return ":".join((self.prefix, *parts))

    def _key_ref(self, owner: str, key: str) -> str:
        # The owner's length keeps owner "a:b" with key "c" apart from owner "a" with "b:c".
        return self._key("key", str(len(owner)), owner, key)

    def _times(self) -> tuple[str, str]:
        now = time.time()
        return repr(now), repr(now + self.retention_seconds)

    @_available
    def create(self, new: NewJob) -> Job:
        if len(set(new.pages)) != len(new.pages):
            raise ValueError(f"job {new.id} lists a page twice: {new.pages}")
        fields: dict[str, str] = {
            "id": new.id,
            "owner": new.owner,
            "state": JobState.QUEUED.value,
            "options": new.options.to_json(),
            "pages": ",".join(map(str, new.pages)),
            "pages_done": "0",
            "pages_failed": "0",
            "created_at": repr(time.time()),
            "base_url": new.base_url,
            "upload_digest": new.upload_digest,
            "files_deleted": "0",
        }
        if new.callback_url is not None:
            fields["callback_url"] = new.callback_url
        if new.idempotency_key is not None:
            fields["idempotency_key"] = new.idempotency_key
        key_ref = (
            None if new.idempotency_key is None else self._key_ref(new.owner, new.idempotency_key)
        )
        args = [
            self.prefix,
            new.id,
            _opt(key_ref),
            new.owner,
            str(len(new.pages)),
            *map(str, new.pages),
            *(item for pair in fields.items() for item in pair),
        ]
        while True:
            outcome = [_text(value) for value in self._create(args=args)]
            if outcome[0] == "created":
                job = self.get(new.id)
                assert job is not None
                return job
            if outcome[0] == "exists":
                # Most likely this very create, run again by the client's retry after its
                # answer was lost: then it was created, and is answered as such.
                existing = self.get(new.id)
                if existing is not None and _same(existing, new):
                    return existing
                raise ValueError(f"a job {new.id} exists already")
            existing = self.get(outcome[1])
            if existing is not None:
                raise DuplicateKey(existing)
            # The job that had the key was forgotten meanwhile: the key is free again.

    @_available
    def get(self, job_id: str) -> Job | None:
        return _job(_fields(self.client.hgetall(self._key("job", job_id))))

    @_available
    def find_by_key(self, owner: str, key: str) -> Job | None:
        job_id = self.client.get(self._key_ref(owner, key))
        return None if job_id is None else self.get(_text(job_id))

    @_available
    def count_unfinished(self, owner: str) -> int:
        return int(self.client.scard(self._key("unfinished", owner)))

    @_available
    def pages_waiting(self) -> int:
        return int(self._pages_waiting(args=[self.prefix]))

    @_available
    def begin_page(self, job_id: str, number: int) -> Claim | None:
        """Mark page `number` being read (one attempt more): None when its job has ended or
        is gone, the page is finished already, or it is out of attempts (then failed)."""
        return self._begin(job_id, number, uuid.uuid4().hex)

    def _begin(self, job_id: str, number: int, token: str) -> Claim | None:
        """begin_page, answering again what it answered before for the same `token`."""
        now, expires = self._times()
        result = self._begin_page(
            args=[
                self.prefix,
                job_id,
                str(number),
                now,
                expires,
                attempts_detail(MAX_ATTEMPTS),  # attempts never exceed MAX_ATTEMPTS here
                token,
            ]
        )
        if result is None:
            return None
        attempt, first = (int(value) for value in result)
        return Claim(job_id, number, attempt, first=bool(first))

    @_available
    def finish_page(self, claim: Claim, state: PageState, error: str | None) -> Job:
        now, expires = self._times()
        fields = self._finish_page(
            args=[
                self.prefix,
                claim.job_id,
                str(claim.number),
                state.value,
                _opt(error),
                now,
                expires,
            ]
        )
        job = _job(_pairs(fields))
        if job is None:
            raise KeyError(claim.job_id)
        return job

    @_available
    def release(self, claim: Claim) -> None:
        """Give a claimed page back unread: queued again (its attempt not counted against
        it), or failed if its job has ended meanwhile."""
        self._release(args=[self.prefix, claim.job_id, str(claim.number)])

    @_available
    def page_outcomes(self, job_id: str) -> list[PageOutcome]:
        pipe = self.client.pipeline(transaction=True)
        pipe.hget(self._key("job", job_id), "pages")
        pipe.hgetall(self._key("job", job_id, "pages"))
        pipe.hgetall(self._key("job", job_id, "errors"))
        pages, states, errors = pipe.execute()
        if pages is None:
            return []
        state_of, error_of = _fields(states), _fields(errors)
        return [
            PageOutcome(int(number), PageState(state_of[number]), error_of.get(number))
            for number in _text(pages).split(",")
            if number in state_of
        ]

    @_available
    def page_states(self, job_id: str) -> dict[int, PageState]:
        """Each page's state, for resending only the pages not finished."""
        states = _fields(self.client.hgetall(self._key("job", job_id, "pages")))
        return {int(number): PageState(state) for number, state in states.items()}

    @_available
    def fail(self, job_id: str, detail: str) -> Job:
        return self._end_now(job_id, JobState.FAILED, detail)

    @_available
    def cancel(self, job_id: str) -> Job:
        return self._end_now(job_id, JobState.CANCELED, None)

    def _end_now(self, job_id: str, state: JobState, error: str | None) -> Job:
        now, expires = self._times()
        fields = self._end(args=[self.prefix, job_id, state.value, _opt(error), now, expires])
        job = _job(_pairs(fields))
        if job is None:
            raise KeyError(job_id)
        return job

    @_available
    def expire_now(self, job_id: str) -> Job:
        """A finished job whose client deleted it: its result is gone from now on."""
        job = _job(_pairs(self._expire_now(args=[self.prefix, job_id, repr(time.time())])))
        if job is None:
            raise KeyError(job_id)
        return job

    @_available
    def to_delete(self, now: float) -> list[Job]:
        """Jobs past their expiry whose files are still kept."""
        ids = self.client.zrangebyscore(self._key("expiry"), "-inf", repr(now))
        return self._jobs(_text(job_id) for job_id in ids)

    @_available
    def mark_files_deleted(self, job_id: str) -> None:
        self._mark_files_deleted(args=[self.prefix, job_id])

    @_available
    def purge(self, before: float) -> int:
        """Forget jobs that expired before `before` (their record said 410 until then)."""
        forgotten = 0
        while True:
            batch = int(self._purge(args=[self.prefix, repr(before), str(_PURGE_BATCH)]))
            forgotten += batch
            if batch < _PURGE_BATCH:
                return forgotten

    @_available
    def undelivered_callbacks(self) -> list[Job]:
        ids = self.client.zrange(self._key("callbacks"), 0, -1)
        return self._jobs(_text(job_id) for job_id in ids)

    @_available
    def callback_settled(self, job_id: str) -> None:
        self.client.zrem(self._key("callbacks"), job_id)

    @_available
    def mark_sent(self, job_id: str) -> None:
        """The job's page messages are sent: nothing to resend for it."""
        self.client.srem(self._key("unsent"), job_id)

    @_available
    def unsent(self, before: float) -> list[Job]:
        """Unfinished jobs created before `before` whose page messages may not have been
        sent (the process that recorded them died first), oldest first."""
        ids = self.client.smembers(self._key("unsent"))
        jobs = self._jobs(_text(job_id) for job_id in ids)
        return sorted(
            (job for job in jobs if not job.state.finished and job.created_at < before),
            key=lambda job: job.created_at,
        )

    def _jobs(self, ids: Iterable[str]) -> list[Job]:
        """The jobs of `ids` that still exist, in that order."""
        pipe = self.client.pipeline(transaction=False)
        for job_id in ids:
            pipe.hgetall(self._key("job", job_id))
        jobs = (_job(_fields(fields)) for fields in pipe.execute())
        return [job for job in jobs if job is not None]

    def close(self) -> None:
        self.client.close()


def _opt(value: str | None) -> str:
    return "" if value is None else "=" + value


def _text(value: Any) -> str:
    # Answers are bytes unless the client was made with decode_responses=True.
    return value.decode() if isinstance(value, bytes) else str(value)


def _fields(mapping: Any) -> dict[str, str]:
    if not isinstance(mapping, Mapping):
        raise TypeError(f"expected a hash, got {type(mapping).__name__}")
    return {_text(name): _text(value) for name, value in mapping.items()}


def _pairs(flat: Any) -> dict[str, str]:
    """A Lua script's HGETALL: a flat list of names and values."""
    items = [_text(item) for item in flat or ()]
    return dict(zip(items[::2], items[1::2], strict=True))


def _same(job: Job, new: NewJob) -> bool:
    """Whether `job` is the record `new` makes (ids are random: then it was made from it)."""
    return (job.owner, job.upload_digest, job.pages, job.options) == (
        new.owner,
        new.upload_digest,
        new.pages,
        new.options,
    )


def _job(fields: dict[str, str]) -> Job | None:
    if not fields:
        return None

    def seconds(name: str) -> float | None:
        value = fields.get(name)
        return None if value is None else float(value)

    return Job(
        id=fields["id"],
        owner=fields["owner"],
        state=JobState(fields["state"]),
        options=JobOptions.from_json(fields["options"]),
        pages=tuple(int(number) for number in fields["pages"].split(",") if number),
        pages_done=int(fields["pages_done"]),
        pages_failed=int(fields["pages_failed"]),
        created_at=float(fields["created_at"]),
        started_at=seconds("started_at"),
        finished_at=seconds("finished_at"),
        expires_at=seconds("expires_at"),
        error=fields.get("error"),
        callback_url=fields.get("callback_url"),
        base_url=fields["base_url"],
        upload_digest=fields["upload_digest"],
        files_deleted=fields.get("files_deleted") == "1",
    )
