"""Job files on S3-compatible storage (STORAGE_URL): objects `{prefix}/{job_id}/{name}`.

Whatever a process needs as a local file (the document, a result handed out by path) is kept
in a cache folder, `cache_dir/{job_id}/{name}`, fetched once and renamed into place complete.
The cache trusts that a name, once written, keeps its content (a document never changes, and a
page's result written again by a redelivered page is the same reading), so it is never checked
against the store again; `read` alone always asks the store.

A store that cannot be reached or fails is `StorageUnavailable` (503 with Retry-After), never
a hang: every request has STORAGE_TIMEOUT_SECONDS to connect and to answer.

One module, over 300 lines: the cache's rules and the mapping of the store's errors share the
one class's state.
"""

import base64
import hashlib
import os
import shutil
import tempfile
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import urlsplit

import boto3
from boto3.exceptions import RetriesExceededError, S3UploadFailedError
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectionError,
    HTTPClientError,
    IncompleteReadError,
)

from app.core.config import Settings
from app.core.errors import StorageUnavailable
from app.jobs.files import DOCUMENT
from app.ocr.decoding.split import page_files

# boto3 ships no type information: its client is dynamic, built from the service's JSON model.
S3Client = Any

MIB = 1024 * 1024
# Multipart from 8 MiB on, in 8 MiB parts read from the file as they are sent: a 500 MB
# document goes up without ever being held in memory, and a failed part is retried alone.
# Each request is already retried by the client; the transfer's own download attempts (5 by
# default, each with all of the client's) would multiply the wait on a store that hangs, so
# it tries again once only, for a connection cut in the middle of a part.
# Cached files of a job untouched this long are dropped (checked once a minute at most).
CACHE_SECONDS = 3600.0
EVICT_EVERY_SECONDS = 60.0
# A document's pages go up side by side: each is small, so the round trips are the cost.
UPLOAD_THREADS = 8
TRANSFER = TransferConfig(
    multipart_threshold=8 * MIB, multipart_chunksize=8 * MIB, num_download_attempts=2
)
# Codes that mean the store itself is failing whatever the HTTP status says (DeleteObjects
# answers 200 with a code per key): a bucket gone, which no request of ours can mend, S3's
# "the connection idled", and the server-side failures.
_UNAVAILABLE_CODES = frozenset(
    {"NoSuchBucket", "RequestTimeout", "SlowDown", "InternalError", "ServiceUnavailable"}
)
_MISSING_CODES = frozenset({"404", "NoSuchKey", "NotFound"})


def _means_unavailable(error: BaseException | None) -> bool:
    if isinstance(error, ConnectionError | HTTPClientError | IncompleteReadError):
        # Refused, timed out connecting or reading, the connection dropped mid-answer.
        return True
    if isinstance(error, ClientError):
        status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
        code = error.response.get("Error", {}).get("Code", "")
        return bool(status >= 500 or code in _UNAVAILABLE_CODES)
    if isinstance(error, S3UploadFailedError):
        # boto3 raises this while handling the client error, without `from`.
        return _means_unavailable(error.__context__)
    if isinstance(error, RetriesExceededError):
        return _means_unavailable(error.last_exception)
    return False


def _is_missing(error: ClientError) -> bool:
    return bool(error.response.get("Error", {}).get("Code", "") in _MISSING_CODES)


@contextmanager
def _storage_errors() -> Iterator[None]:
    """Every call to the store goes through here: an outage becomes StorageUnavailable, and
    anything else (a missing object, refused credentials, a bug) stays what it is."""
    try:
        yield
    except (BotoCoreError, ClientError, S3UploadFailedError, RetriesExceededError) as error:
        if _means_unavailable(error):
            raise StorageUnavailable() from error
        raise


def _content_md5_for_delete_objects(request: Any, **_: Any) -> None:
    """DeleteObjects must carry a checksum even with "when_required", and botocore now sends a
    CRC32 header that several S3-compatible stores refuse ("requires one valid Content-MD5
    header"). Content-MD5 is what every store, AWS included, accepts for it."""
    for header in list(request.headers.keys()):
        if header.lower().startswith("x-amz-checksum-") or (
            header.lower() == "x-amz-sdk-checksum-algorithm"
        ):
            del request.headers[header]
    body = request.body if isinstance(request.body, bytes) else request.body.encode()
    digest = hashlib.md5(body, usedforsecurity=False).digest()
    request.headers["Content-MD5"] = base64.b64encode(digest).decode()


def parse_storage_url(url: str) -> tuple[str, str]:
    """`s3://bucket/prefix` as (bucket, prefix); the prefix has no slash at either end."""
    parts = urlsplit(url)
    if parts.scheme != "s3" or not parts.netloc:
        raise ValueError(f"STORAGE_URL must look like s3://bucket or s3://bucket/prefix: {url}")
    return parts.netloc, parts.path.strip("/")


def s3_client(settings: Settings, *, retries: int = 1) -> S3Client:
    """A client of the configured store that gives up within the configured timeout, after
    `retries` more tries of a request that timed out or failed on the store's side."""
    config = Config(
        # botocore's default since 1.36 sends CRC checksum headers (and trailers on uploads)
        # with every request and expects them on answers; DigitalOcean Spaces, older MinIO
        # and other S3-compatible stores reject or lack them. "when_required" keeps to what
        # S3 itself demands, which every such store implements.
        request_checksum_calculation="when_required",
        response_checksum_validation="when_required",
        connect_timeout=settings.storage_timeout_seconds,
        read_timeout=settings.storage_timeout_seconds,
        # botocore's "max_attempts" counts the tries after the first (its "total_max_attempts"
        # would count them all): a store that hangs costs 1 + retries timeouts, and backoff.
        retries={"mode": "standard", "max_attempts": retries},
        # A custom endpoint (Spaces, MinIO, a local server) is addressed as endpoint/bucket:
        # bucket.endpoint needs wildcard DNS and certificates a local store does not have.
        s3={"addressing_style": "path"} if settings.storage_endpoint_url else None,
    )
    keys: dict[str, str] = {}
    if settings.storage_access_key_id and settings.storage_secret_access_key:
        keys = {
            "aws_access_key_id": settings.storage_access_key_id.get_secret_value(),
            "aws_secret_access_key": settings.storage_secret_access_key.get_secret_value(),
        }
    # Without keys, boto3's own chain: AWS_* variables, ~/.aws, an instance or task role.
    client = boto3.session.Session().client(
        "s3",
        endpoint_url=settings.storage_endpoint_url,
        region_name=settings.storage_region,
        config=config,
        **keys,
    )
    client.meta.events.register("before-sign.s3.DeleteObjects", _content_md5_for_delete_objects)
    return client


def _source_name(number: int) -> str:
    return f"source-{number:06d}"


class S3JobFiles:
    def __init__(self, client: S3Client, bucket: str, prefix: str, cache_dir: Path) -> None:
        self.client = client
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self.cache_dir = cache_dir
        cache_dir.mkdir(parents=True, exist_ok=True)
        self._bucket_seen = False
        self._evicted_at = 0.0

    @classmethod
    def from_settings(cls, settings: Settings) -> "S3JobFiles":
        if not settings.storage_url:
            raise ValueError("S3JobFiles needs STORAGE_URL=s3://bucket/prefix.")
        bucket, prefix = parse_storage_url(settings.storage_url)
        return cls(s3_client(settings), bucket, prefix, settings.data_dir / "cache")

    def _job_prefix(self, job_id: str) -> str:
        # The trailing slash keeps job "a1" from owning the objects of job "a10".
        return f"{self.prefix}/{job_id}/" if self.prefix else f"{job_id}/"

    def _key(self, job_id: str, name: str) -> str:
        return self._job_prefix(job_id) + name

    def _folder(self, job_id: str) -> Path:
        self._evict_stale()
        folder = self.cache_dir / job_id
        folder.mkdir(parents=True, exist_ok=True)
        return folder

    def _evict_stale(self) -> None:
        """Drop the cached files of jobs untouched for CACHE_SECONDS: a job's last page may
        end in another process, which is the only one that forgets it at once."""
        now = time.monotonic()
        if now - self._evicted_at < EVICT_EVERY_SECONDS:
            return
        self._evicted_at = now
        cutoff = time.time() - CACHE_SECONDS
        for folder in self.cache_dir.iterdir():
            try:
                if folder.is_dir() and folder.stat().st_mtime < cutoff:
                    shutil.rmtree(folder, ignore_errors=True)
            except OSError:  # removed by another process meanwhile
                continue

    def _check_bucket_once(self) -> None:
        """A 404 to HEAD (and so to a download) does not say whether the object or the whole
        bucket is missing; the bucket is asked once per process, the first time."""
        if self._bucket_seen:
            return
        with _storage_errors():
            try:
                self.client.head_bucket(Bucket=self.bucket)
            except ClientError as error:
                if _is_missing(error):
                    raise StorageUnavailable() from error
                raise
        self._bucket_seen = True

    def _not_found(self, job_id: str, name: str) -> FileNotFoundError:
        return FileNotFoundError(f"no {name} of job {job_id} in s3://{self.bucket}")

    def receive_path(self, job_id: str) -> Path:
        return self._folder(job_id) / f".received-{DOCUMENT}"

    def store_document(self, job_id: str, received: Path, pages: Sequence[int] = ()) -> None:
        """With `pages`, one object per page (a worker then fetches only the page it reads,
        however many workers share the job); without, the whole document."""
        if not pages:
            with _storage_errors():
                self.client.upload_file(
                    str(received), self.bucket, self._key(job_id, DOCUMENT), Config=TRANSFER
                )
            # Kept as the cached document: this process may read its pages next.
            os.replace(received, self._folder(job_id) / DOCUMENT)
            return
        folder = Path(tempfile.mkdtemp(dir=self._folder(job_id), prefix=".pages-"))
        try:
            with ThreadPoolExecutor(UPLOAD_THREADS) as uploads:
                sent = [
                    uploads.submit(self._upload, path, self._key(job_id, _source_name(number)))
                    for number, path in page_files(received, list(pages), folder)
                ]
                for each in sent:
                    each.result()
        finally:
            # The readers fetch their pages from the bucket: nothing of it stays here.
            shutil.rmtree(folder, ignore_errors=True)
            received.unlink(missing_ok=True)

    def _upload(self, path: Path, key: str) -> None:
        with _storage_errors():
            self.client.upload_file(str(path), self.bucket, key, Config=TRANSFER)

    def page_source(self, job_id: str, number: int) -> tuple[Path, int]:
        try:
            return self.path(job_id, _source_name(number)), 1
        except FileNotFoundError:  # stored whole
            return self.document_path(job_id), number

    def document_path(self, job_id: str) -> Path:
        return self.path(job_id, DOCUMENT)

    def path(self, job_id: str, name: str) -> Path:
        cached = self._folder(job_id) / name
        if cached.is_file():
            return cached
        # Two threads or processes fetching the same file at once each get a whole copy and
        # the second rename replaces the first with the same bytes.
        descriptor, temporary = tempfile.mkstemp(dir=cached.parent, prefix=".part-")
        os.close(descriptor)
        try:
            with _storage_errors():
                try:
                    self.client.download_file(
                        self.bucket, self._key(job_id, name), temporary, Config=TRANSFER
                    )
                except ClientError as error:
                    if _is_missing(error):
                        self._check_bucket_once()
                        raise self._not_found(job_id, name) from error
                    raise
            os.replace(temporary, cached)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        return cached

    @contextmanager
    def new_result(self, job_id: str, name: str) -> Iterator[BinaryIO]:
        """A file to write `name` into; it is uploaded, and so appears, only once complete
        (an S3 object is never visible half-written), and stays cached for `path`."""
        folder = self._folder(job_id)
        descriptor, temporary = tempfile.mkstemp(dir=folder, prefix=".part-")
        try:
            with os.fdopen(descriptor, "wb") as out:
                yield out
            with _storage_errors():
                self.client.upload_file(
                    temporary, self.bucket, self._key(job_id, name), Config=TRANSFER
                )
            os.replace(temporary, folder / name)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    def write(self, job_id: str, name: str, data: bytes) -> None:
        # A page's results are read back by the web instance that assembles the job, rarely
        # by this process: sent, not cached.
        with _storage_errors():
            self.client.put_object(Bucket=self.bucket, Key=self._key(job_id, name), Body=data)

    def read(self, job_id: str, name: str) -> bytes:
        with _storage_errors():
            try:
                answer = self.client.get_object(Bucket=self.bucket, Key=self._key(job_id, name))
            except ClientError as error:
                if _is_missing(error):
                    raise self._not_found(job_id, name) from error
                raise
            data: bytes = answer["Body"].read()
            return data

    def exists(self, job_id: str, name: str) -> bool:
        with _storage_errors():
            try:
                self.client.head_object(Bucket=self.bucket, Key=self._key(job_id, name))
            except ClientError as error:
                if _is_missing(error):
                    self._check_bucket_once()
                    return False
                raise
        return True

    def forget_local(self, job_id: str) -> None:
        shutil.rmtree(self.cache_dir / job_id, ignore_errors=True)

    def delete(self, job_id: str) -> None:
        with _storage_errors():
            pages = self.client.get_paginator("list_objects_v2").paginate(
                Bucket=self.bucket,
                Prefix=self._job_prefix(job_id),
                PaginationConfig={"PageSize": 1000},
            )
            for page in pages:
                # A page of 1000 keys at most: the most one DeleteObjects takes.
                keys = [{"Key": item["Key"]} for item in page.get("Contents", [])]
                if not keys:
                    continue
                answer = self.client.delete_objects(
                    Bucket=self.bucket, Delete={"Objects": keys, "Quiet": True}
                )
                failed = answer.get("Errors", [])
                if failed:
                    # Answered 200 with the keys it could not delete, each with its own code.
                    raise ClientError(
                        {"Error": failed[0], "ResponseMetadata": answer["ResponseMetadata"]},
                        "DeleteObjects",
                    )
        self.forget_local(job_id)
