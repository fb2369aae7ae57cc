"""Job files on S3-compatible storage, against a real S3 server (moto's server mode over HTTP):
what another machine sees, what is visible when, what an outage does."""

import os
import threading
import time
import tracemalloc
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from botocore.awsrequest import AWSResponse
from botocore.exceptions import ClientError
from PIL import ImageChops

from app.core.config import Settings
from app.core.errors import StorageUnavailable
from app.jobs.distributed.s3_files import S3JobFiles, s3_client
from app.jobs.files import DOCUMENT
from app.ocr.decoding.documents import Limits, load_pages
from bench.s3_server import S3Server
from bench.server import free_port
from tests.conftest import make_settings, text_image
from tests.helpers.documents import scanned_pdf

MIB = 1024 * 1024
# The tests' timeout is 1 s. Without retries a request costs at most two (an upload waits
# for "100 Continue" first, a download tries a part twice); with the settings' 3 retries and
# their backoff, about 11 s at worst. Either is far below a hang.
NO_RETRY_BOUND_SECONDS = 4
OUTAGE_BOUND_SECONDS = 15

FilesFactory = Callable[..., S3JobFiles]
LIMITS = Limits(max_pixels=40_000_000, max_pages=50)


def storage_settings(server: S3Server, data_dir: Path, **changes: Any) -> Settings:
    env = {name.lower(): value for name, value in server.env().items()}
    return make_settings(data_dir=data_dir, **{**env, **changes})


@pytest.fixture
def make_files(s3_server: S3Server, tmp_path: Path) -> FilesFactory:
    """Job files as one machine has them: its own cache folder, the shared bucket."""

    def make(machine: str = "a", *, retries: int = 0, **changes: Any) -> S3JobFiles:
        settings = storage_settings(s3_server, tmp_path / machine, **changes)
        files = S3JobFiles.from_settings(settings)
        # The tests of an outage would otherwise wait out every retry.
        files.client = s3_client(settings, retries=retries)
        return files

    return make


@pytest.fixture
def job_id() -> str:
    return f"job-{uuid.uuid4().hex}"


def operations(files: S3JobFiles) -> list[str]:
    """The S3 operations `files` calls from now on, by name, as they are called."""
    called: list[str] = []

    def record(model: Any, **_: Any) -> None:
        called.append(model.name)

    files.client.meta.events.register("before-call.s3", record)
    return called


def keys(server: S3Server, prefix: str) -> list[str]:
    pages = (
        server.client()
        .get_paginator("list_objects_v2")
        .paginate(Bucket=server.bucket, Prefix=prefix)
    )
    return [item["Key"] for page in pages for item in page.get("Contents", [])]


def store(files: S3JobFiles, job_id: str, data: bytes) -> Path:
    received = files.receive_path(job_id)
    received.write_bytes(data)
    files.store_document(job_id, received)
    return received


def test_a_stored_document_is_read_by_another_machine_with_an_empty_cache(
    make_files: FilesFactory, job_id: str
) -> None:
    web, worker = make_files("web"), make_files("worker")
    document = os.urandom(100_000)
    received = store(web, job_id, document)

    web_calls = operations(web)
    assert not received.exists()
    assert web.document_path(job_id).read_bytes() == document
    assert web_calls == [], "the machine that received the document read it again"

    worker_calls = operations(worker)
    path = worker.document_path(job_id)
    assert path.read_bytes() == document
    assert path.is_relative_to(worker.cache_dir)
    assert worker_calls.count("GetObject") == 1
    assert worker.document_path(job_id) == path
    assert worker_calls.count("GetObject") == 1, "the cached document was fetched again"


def test_a_document_stored_a_page_at_a_time_is_fetched_a_page_at_a_time(
    make_files: FilesFactory, s3_server: S3Server, job_id: str
) -> None:
    web, worker = make_files("web"), make_files("worker")
    document = scanned_pdf([text_image(f"Page {n} of three", size=60) for n in (1, 2, 3)])
    received = web.receive_path(job_id)
    received.write_bytes(document)

    web.store_document(job_id, received, [1, 2, 3])

    stored = sorted(keys(s3_server, f"jobs/{job_id}/"))
    assert stored == [f"jobs/{job_id}/source-{n:06d}" for n in (1, 2, 3)]
    assert not received.exists()
    assert not [p for p in (web.cache_dir / job_id).rglob("*") if p.is_file()]
    calls = operations(worker)
    path, inside = worker.page_source(job_id, 2)
    assert inside == 1
    assert calls.count("GetObject") == 1, "a worker fetches its page, not the document"
    assert path.stat().st_size < len(document) / 2
    (alone,) = load_pages(path, LIMITS, {1})
    original = received.with_name("original.pdf")
    original.write_bytes(document)
    (page_two,) = load_pages(original, LIMITS, {2})
    assert ImageChops.difference(alone.image, page_two.image).getbbox() is None


def test_a_document_stored_whole_serves_each_page_from_itself(
    make_files: FilesFactory, job_id: str
) -> None:
    files = make_files()
    store(files, job_id, b"%PDF- whole")
    assert files.page_source(job_id, 2) == (files.document_path(job_id), 2)


def test_threads_fetching_one_document_at_once_each_get_it_whole(
    make_files: FilesFactory, job_id: str
) -> None:
    document = os.urandom(3 * MIB)
    store(make_files("web"), job_id, document)
    worker = make_files("worker")
    start = threading.Barrier(4)

    def fetch() -> bytes:
        start.wait()
        return worker.document_path(job_id).read_bytes()

    with ThreadPoolExecutor(4) as pool:
        assert list(pool.map(lambda _: fetch(), range(4))) == [document] * 4
    assert [p.name for p in worker.document_path(job_id).parent.iterdir()] == [DOCUMENT]


def test_results_round_trip_between_machines(make_files: FilesFactory, job_id: str) -> None:
    worker, web = make_files("worker"), make_files("web")
    worker.write(job_id, "page-1.json", b'{"text": "one"}')
    with worker.new_result(job_id, "result.pdf") as out:
        out.write(b"%PDF-1.7 two")

    assert web.exists(job_id, "page-1.json")
    assert web.exists(job_id, "result.pdf")
    assert not web.exists(job_id, "page-2.json")
    assert web.read(job_id, "page-1.json") == b'{"text": "one"}'
    assert web.path(job_id, "result.pdf").read_bytes() == b"%PDF-1.7 two"
    with pytest.raises(FileNotFoundError):
        web.read(job_id, "page-2.json")
    with pytest.raises(FileNotFoundError):
        web.path(job_id, "page-2.json")

    worker_calls = operations(worker)
    assert worker.path(job_id, "result.pdf").read_bytes() == b"%PDF-1.7 two"
    assert worker_calls == [], "the machine that wrote the result fetched it back"


def test_a_result_is_invisible_until_complete_and_an_error_leaves_nothing(
    make_files: FilesFactory, s3_server: S3Server, job_id: str
) -> None:
    worker, web = make_files("worker"), make_files("web")
    with worker.new_result(job_id, "page-1.json") as out:
        out.write(b'{"text": ')
        assert not web.exists(job_id, "page-1.json")
        out.write(b'"one"}')
    assert web.read(job_id, "page-1.json") == b'{"text": "one"}'

    def fail_half_way() -> None:
        with worker.new_result(job_id, "page-2.json") as out:
            out.write(b'{"text": ')
            raise RuntimeError("the page failed half-way")

    with pytest.raises(RuntimeError):
        fail_half_way()
    assert not web.exists(job_id, "page-2.json")
    assert keys(s3_server, f"jobs/{job_id}/") == [f"jobs/{job_id}/page-1.json"]
    assert sorted(p.name for p in (worker.cache_dir / job_id).iterdir()) == ["page-1.json"]


def test_delete_removes_every_object_of_the_job_and_only_its(
    make_files: FilesFactory, s3_server: S3Server, job_id: str
) -> None:
    files = make_files()
    neighbour = job_id + "0"  # its keys start with the deleted job's id
    store(files, job_id, b"document")
    store(files, neighbour, b"neighbour's document")
    # More than one listing page and one DeleteObjects batch (1000 keys each).
    client = s3_server.client()
    with ThreadPoolExecutor(16) as pool:
        list(
            pool.map(
                lambda page: client.put_object(
                    Bucket=s3_server.bucket, Key=f"jobs/{job_id}/page-{page}.json", Body=b"{}"
                ),
                range(1, 1006),
            )
        )
    assert len(keys(s3_server, f"jobs/{job_id}/")) == 1006

    files.delete(job_id)

    assert keys(s3_server, f"jobs/{job_id}/") == []
    assert not (files.cache_dir / job_id).exists()
    assert not files.exists(job_id, DOCUMENT)
    assert keys(s3_server, f"jobs/{neighbour}/") == [f"jobs/{neighbour}/{DOCUMENT}"]
    assert files.document_path(neighbour).read_bytes() == b"neighbour's document"


def test_delete_sends_the_content_md5_every_s3_compatible_store_accepts(
    make_files: FilesFactory, job_id: str
) -> None:
    files = make_files()
    files.write(job_id, "page-1.json", b"{}")
    sent: list[dict[str, str]] = []

    def record(request: Any, **_: Any) -> None:
        sent.append({name.lower(): value for name, value in request.headers.items()})

    files.client.meta.events.register("before-send.s3.DeleteObjects", record)
    files.delete(job_id)

    assert len(sent) == 1
    assert "content-md5" in sent[0]
    assert not [name for name in sent[0] if name.startswith("x-amz-checksum-")]
    assert not files.exists(job_id, "page-1.json")


def test_forget_local_drops_the_cache_and_keeps_the_stored_files(
    make_files: FilesFactory, job_id: str
) -> None:
    files = make_files()
    store(files, job_id, b"document")
    files.forget_local(job_id)
    assert not (files.cache_dir / job_id).exists()
    assert files.document_path(job_id).read_bytes() == b"document"


def test_a_large_document_goes_up_without_being_held_in_memory(
    make_files: FilesFactory, s3_server: S3Server, job_id: str
) -> None:
    files = make_files()
    received = files.receive_path(job_id)
    with received.open("wb") as out:
        for _ in range(60):
            out.write(os.urandom(MIB))

    tracemalloc.start()
    try:
        files.store_document(job_id, received)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()

    assert peak < 20 * MIB, f"peak {peak / MIB:.1f} MiB while storing a 60 MiB document"
    stored = s3_server.client().head_object(
        Bucket=s3_server.bucket, Key=f"jobs/{job_id}/{DOCUMENT}"
    )
    assert stored["ContentLength"] == 60 * MIB
    assert "-" in stored["ETag"], "not a multipart upload"
    assert files.document_path(job_id).stat().st_size == 60 * MIB


def timed(operation: Callable[[], object]) -> float:
    started = time.monotonic()
    with pytest.raises(StorageUnavailable):
        operation()
    return time.monotonic() - started


def every_operation(files: S3JobFiles, job_id: str, received: Path) -> list[Callable[[], object]]:
    return [
        lambda: files.read(job_id, DOCUMENT),
        lambda: files.exists(job_id, DOCUMENT),
        lambda: files.store_document(job_id, received),
        lambda: files.write(job_id, "page-1.json", b"{}"),
        lambda: files.document_path(job_id),
        lambda: files.delete(job_id),
    ]


def test_a_store_that_stops_answering_is_storage_unavailable_in_bounded_time(
    make_files: FilesFactory, s3_server: S3Server, job_id: str
) -> None:
    store(make_files("web"), job_id, b"document")
    # A fresh cache: the document is fetched, not found locally.
    worker = make_files("worker", storage_timeout_seconds=1)
    received = worker.receive_path(job_id)
    # The same bytes: an upload that timed out here may still land once the server resumes.
    received.write_bytes(b"document")
    s3_server.pause()
    try:
        for operation in every_operation(worker, job_id, received):
            assert timed(operation) < NO_RETRY_BOUND_SECONDS
        assert received.exists(), "a document not stored was thrown away"
        assert not (worker.cache_dir / job_id / DOCUMENT).exists()
    finally:
        s3_server.resume()
    assert worker.document_path(job_id).read_bytes() == b"document"


def test_the_settings_bound_an_outage_with_their_own_retries(
    s3_server: S3Server, tmp_path: Path, job_id: str
) -> None:
    files = S3JobFiles.from_settings(
        storage_settings(s3_server, tmp_path, storage_timeout_seconds=1)
    )
    assert files.exists(job_id, DOCUMENT) is False
    s3_server.pause()
    try:
        assert timed(lambda: files.exists(job_id, DOCUMENT)) < OUTAGE_BOUND_SECONDS
    finally:
        s3_server.resume()


def test_a_refused_connection_or_a_missing_bucket_is_storage_unavailable(
    make_files: FilesFactory, job_id: str, tmp_path: Path
) -> None:
    nobody = make_files("nobody", storage_endpoint_url=f"http://127.0.0.1:{free_port()}")
    no_bucket = make_files("no-bucket", storage_url="s3://no-such-bucket/jobs")
    for files in (nobody, no_bucket):
        received = tmp_path / f"received-{uuid.uuid4().hex}"
        received.write_bytes(b"document")
        for operation in every_operation(files, job_id, received):
            timed(operation)
        assert received.exists()


class _Body:
    def __init__(self, data: bytes) -> None:
        self.data = data

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self.data


def answer_every_request(files: S3JobFiles, status: int, code: str) -> None:
    """The store answers `status` with the S3 error `code` to everything from now on."""
    body = f"<Error><Code>{code}</Code><Message>{code}</Message></Error>".encode()

    def respond(request: Any, **_: Any) -> AWSResponse:
        return AWSResponse(request.url, status, {"Content-Type": "application/xml"}, _Body(body))

    files.client.meta.events.register("before-send.s3", respond)


def test_a_failing_store_is_storage_unavailable(make_files: FilesFactory, job_id: str) -> None:
    files = make_files()
    answer_every_request(files, 500, "InternalError")
    timed(lambda: files.read(job_id, "page-1.json"))
    timed(lambda: files.write(job_id, "page-1.json", b"{}"))
    assert not (files.cache_dir / job_id / "page-1.json").exists()


def test_a_refusal_is_not_mistaken_for_an_outage(make_files: FilesFactory, job_id: str) -> None:
    files = make_files()
    answer_every_request(files, 403, "AccessDenied")
    with pytest.raises(ClientError, match="AccessDenied"):
        files.read(job_id, "page-1.json")


@pytest.mark.parametrize(
    ("url", "bucket", "prefix", "key"),
    [
        ("s3://ocr-jobs/jobs", "ocr-jobs", "jobs", "jobs/{job}/document"),
        ("s3://ocr-jobs/a/b/", "ocr-jobs", "a/b", "a/b/{job}/document"),
        ("s3://ocr-jobs", "ocr-jobs", "", "{job}/document"),
    ],
)
def test_from_settings_parses_the_url_and_keeps_to_required_checksums(
    s3_server: S3Server,
    tmp_path: Path,
    job_id: str,
    url: str,
    bucket: str,
    prefix: str,
    key: str,
) -> None:
    settings = storage_settings(s3_server, tmp_path, storage_url=url, storage_timeout_seconds=7)
    files = S3JobFiles.from_settings(settings)

    assert (files.bucket, files.prefix) == (bucket, prefix)
    assert files.cache_dir == tmp_path / "cache"
    config = files.client.meta.config
    assert config.request_checksum_calculation == "when_required"
    assert config.response_checksum_validation == "when_required"
    assert (config.connect_timeout, config.read_timeout) == (7, 7)
    assert config.s3 == {"addressing_style": "path"}

    store(files, job_id, b"document")
    assert keys(s3_server, key.format(job=job_id)) == [key.format(job=job_id)]
