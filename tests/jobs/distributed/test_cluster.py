"""The distributed backend end to end, all real: redis-server, moto's S3 server, gunicorn web
instances and `python -m app.jobs.worker` processes on loopback (bench/cluster.py)."""

import base64
import json
import os
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
import redis
import requests

from bench.cluster import Cluster, WorkerProcess
from tests.conftest import REPO_ROOT, TEST_TOKEN, text_image
from tests.helpers.documents import dense_page, scanned_pdf
from tests.helpers.receiver import Receiver
from tests.helpers.waiting import poll, poll_for

AUTH = {"Authorization": f"Bearer {TEST_TOKEN}"}
# Web instances that only accept, report and assemble: the workers read the pages.
ACCEPT_ONLY = {"JOBS_THREADS": "0"}

StartCluster = Callable[..., Cluster]


def small_pages(count: int) -> bytes:
    return scanned_pdf(
        [text_image(f"Page {n} of the shared job", size=48) for n in range(1, count + 1)]
    )


def submit(url: str, document: bytes) -> str:
    response = requests.post(
        f"{url}/v1/jobs", files={"file": ("book.pdf", document)}, headers=AUTH, timeout=120
    )
    assert response.status_code == 202, response.text
    job_id: str = response.json()["id"]
    return job_id


def status(url: str, job_id: str) -> dict[str, Any]:
    response = requests.get(f"{url}/v1/jobs/{job_id}", headers=AUTH, timeout=30)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def finished(url: str, job_id: str, seconds: float = 120) -> dict[str, Any]:
    def ended() -> dict[str, Any] | None:
        body = status(url, job_id)
        return body if body["status"] not in ("queued", "running") else None

    return poll_for(ended, seconds, interval=0.2)


def result_pages(url: str, job_id: str) -> list[dict[str, Any]]:
    response = requests.get(f"{url}/v1/jobs/{job_id}/result", headers=AUTH, timeout=60)
    assert response.status_code == 200, response.text
    pages: list[dict[str, Any]] = response.json()["pages"]
    return pages


def assert_every_page_once(pages: list[dict[str, Any]], count: int, text: str) -> None:
    assert [page["number"] for page in pages] == list(range(1, count + 1))
    for number, page in enumerate(pages, start=1):
        assert not page.get("error"), page["error"]
        assert text.format(number) in page["text"]


def pages_read(worker: WorkerProcess) -> list[int]:
    """The pages a worker read, from its log lines (one per page read)."""
    numbers = []
    for line in worker.log().splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if record.get("message") == "job page done":
            numbers.append(int(record["page"]))
    return numbers


def attempts(cluster: Cluster, job_id: str) -> dict[int, int]:
    client = redis.Redis.from_url(cluster.redis.url, decode_responses=True)
    return {int(k): int(v) for k, v in client.hgetall(f"ocr:job:{job_id}:attempts").items()}


def running_pages(cluster: Cluster, job_id: str) -> list[int]:
    client = redis.Redis.from_url(cluster.redis.url, decode_responses=True)
    states = client.hgetall(f"ocr:job:{job_id}:pages")
    return [int(number) for number, state in states.items() if state == "running"]


def test_a_job_accepted_by_one_instance_is_read_followed_and_fetched_on_another(
    start_cluster: StartCluster,
) -> None:
    cluster = start_cluster(extra_env={"APP_AUTH_TOKEN": f"{TEST_TOKEN},another-token"})
    accepting = cluster.start_web(**ACCEPT_ONLY)
    # The other instance reads pages on idle threads (JOBS_THREADS): no worker at all here.
    reading = cluster.start_web(JOBS_THREADS="1")
    job_id = submit(accepting.url, small_pages(3))

    done = finished(reading.url, job_id)
    assert (done["status"], done["pages_done"], done["pages_failed"]) == ("succeeded", 3, 0)
    for web in (accepting, reading):
        assert_every_page_once(result_pages(web.url, job_id), 3, "Page {} of the shared job")
        text = requests.get(
            f"{web.url}/v1/jobs/{job_id}/result?format=text", headers=AUTH, timeout=30
        )
        assert text.text.count("\f") == 2
    other = requests.get(
        f"{reading.url}/v1/jobs/{job_id}",
        headers={"Authorization": "Bearer another-token"},
        timeout=10,
    )
    assert other.status_code == 404

    deleted = requests.delete(f"{reading.url}/v1/jobs/{job_id}", headers=AUTH, timeout=30)
    assert deleted.status_code == 200
    gone = requests.get(f"{accepting.url}/v1/jobs/{job_id}/result", headers=AUTH, timeout=30)
    assert gone.status_code == 410
    objects = cluster.s3.client().list_objects_v2(Bucket=cluster.s3.bucket, Prefix="jobs/")
    assert not [o["Key"] for o in objects.get("Contents", []) if job_id in o["Key"]]


def test_three_workers_share_a_thirty_page_job_and_read_each_page_once(
    start_cluster: StartCluster,
) -> None:
    cluster = start_cluster()
    web = cluster.start_web(**ACCEPT_ONLY)
    workers = [cluster.start_worker(threads=1) for _ in range(3)]
    job_id = submit(web.url, small_pages(30))

    done = finished(web.url, job_id, 180)
    assert (done["status"], done["pages_done"], done["pages_failed"]) == ("succeeded", 30, 0)
    assert_every_page_once(result_pages(web.url, job_id), 30, "Page {} of the shared job")
    read = [pages_read(worker) for worker in workers]
    assert all(read), f"a worker read nothing: {[len(r) for r in read]}"
    counts = Counter(number for numbers in read for number in numbers)
    assert sorted(counts) == list(range(1, 31))
    assert set(counts.values()) == {1}, "a page was read twice"


def test_a_callback_outlives_the_worker_that_first_tried_it(start_cluster: StartCluster) -> None:
    secret = "whsec_" + base64.b64encode(b"0123456789abcdef0123456789abcdef").decode()
    with Receiver() as receiver:
        receiver.statuses = [500]  # the first attempt fails
        cluster = start_cluster(
            redelivery_seconds=3,
            extra_env={"CALLBACK_SECRET": secret, "CALLBACK_ALLOW_PRIVATE": "1"},
        )
        web = cluster.start_web(**ACCEPT_ONLY)
        first = cluster.start_worker(threads=1)
        response = requests.post(
            f"{web.url}/v1/jobs",
            params={"callback_url": receiver.url},
            files={"file": ("book.pdf", small_pages(2))},
            headers=AUTH,
            timeout=60,
        )
        assert response.status_code == 202, response.text
        job_id = response.json()["id"]
        assert poll(lambda: receiver.requests, 60)

        # The worker that tried dies: the next attempt is a queued message, not its thread's
        # (a thread's retries would die with it, left to housekeeping minutes later).
        first.kill()
        cluster.start_worker(threads=1)
        assert poll(lambda: len(receiver.requests) >= 2, 60)
        ids = {request.headers["webhook-id"] for request in receiver.requests}
        assert ids == {f"msg_{job_id}_succeeded"}  # one message, tried again
        payload = json.loads(receiver.requests[-1].body)
        assert payload["data"]["links"]["result"] == f"{web.url}/v1/jobs/{job_id}/result"
        client = redis.Redis.from_url(cluster.redis.url)
        assert poll(lambda: client.zscore("ocr:callbacks", job_id) is None, 10), "not settled"


def test_a_worker_killed_in_the_middle_of_a_page_leaves_every_page_exactly_once(
    start_cluster: StartCluster,
) -> None:
    cluster = start_cluster(redelivery_seconds=3)
    web = cluster.start_web(**ACCEPT_ONLY)
    doomed = cluster.start_worker(threads=1)
    survivor = cluster.start_worker(threads=1)
    job_id = submit(web.url, scanned_pdf([dense_page(n, lines=20) for n in range(1, 9)]))

    # The doomed worker has read a page and is in the middle of the next: two pages running
    # with one thread a worker means both workers hold one (between two pages, a worker holds
    # only prefetched messages, whose redelivery would not count as a second attempt).
    def doomed_mid_page() -> bool | None:
        return True if pages_read(doomed) and len(running_pages(cluster, job_id)) == 2 else None

    poll_for(doomed_mid_page, 120, interval=0.05)
    doomed.kill()

    done = finished(web.url, job_id, 240)
    assert (done["status"], done["pages_done"], done["pages_failed"]) == ("succeeded", 8, 0)
    assert_every_page_once(result_pages(web.url, job_id), 8, "Page {} line")
    tries = attempts(cluster, job_id)
    assert max(tries.values()) == 2, f"no page of the killed worker was redelivered: {tries}"
    assert len(pages_read(doomed)) + len(pages_read(survivor)) >= 8


def test_a_reading_process_that_dies_is_started_again(start_cluster: StartCluster) -> None:
    cluster = start_cluster()
    web = cluster.start_web(**ACCEPT_ONLY)
    worker = cluster.start_worker(threads=1)
    (reader,) = worker.reader_pids()
    os.kill(reader, signal.SIGKILL)  # an out-of-memory kill, say: the supervisor is left

    worker.wait_for_line("reading job pages", timeout=60, count=2)
    assert "exited with -9" in worker.log()
    job_id = submit(web.url, small_pages(2))
    assert finished(web.url, job_id)["status"] == "succeeded"


def test_redis_restarted_mid_job_loses_no_accepted_job(start_cluster: StartCluster) -> None:
    cluster = start_cluster(appendonly=True)
    web = cluster.start_web(**ACCEPT_ONLY)
    worker = cluster.start_worker(threads=1)
    running = submit(web.url, scanned_pdf([dense_page(n, lines=20) for n in range(1, 5)]))
    waiting = submit(web.url, small_pages(3))
    poll_for(lambda: True if pages_read(worker) else None, 120)

    cluster.redis.kill()  # no goodbye: what survives is what the append-only file holds
    cluster.redis.start()

    for job_id, count, text in ((running, 4, "Page {} line"), (waiting, 3, "Page {} of the")):
        done = finished(web.url, job_id, 240)
        assert (done["status"], done["pages_done"], done["pages_failed"]) == (
            "succeeded",
            count,
            0,
        )
        assert_every_page_once(result_pages(web.url, job_id), count, text)


def test_the_object_store_unreachable_gives_a_clear_503_and_loses_nothing(
    start_cluster: StartCluster,
) -> None:
    cluster = start_cluster(extra_env={"STORAGE_TIMEOUT_SECONDS": "1"})
    web = cluster.start_web(**ACCEPT_ONLY)
    cluster.start_worker(threads=1)
    earlier = submit(web.url, small_pages(2))
    assert finished(web.url, earlier)["status"] == "succeeded"
    accepted = submit(web.url, small_pages(3))

    cluster.s3.pause()
    try:
        refused = requests.post(
            f"{web.url}/v1/jobs", files={"file": ("b.pdf", small_pages(1))}, headers=AUTH,
            timeout=120,
        )  # fmt: skip
        assert refused.status_code == 503
        assert "STORAGE_URL" in refused.json()["detail"]
        assert int(refused.headers["Retry-After"]) >= 1
        result = requests.get(f"{web.url}/v1/jobs/{earlier}/result", headers=AUTH, timeout=120)
        assert result.status_code == 503
        assert "STORAGE_URL" in result.json()["detail"]
        assert status(web.url, accepted)["status"] in ("queued", "running")
    finally:
        cluster.s3.resume()

    assert_every_page_once(result_pages(web.url, earlier), 2, "Page {} of the shared job")
    done = finished(web.url, accepted, 180)
    assert (done["status"], done["pages_done"], done["pages_failed"]) == ("succeeded", 3, 0)
    assert_every_page_once(result_pages(web.url, accepted), 3, "Page {} of the shared job")


@pytest.mark.parametrize(
    ("setting", "value", "pages", "reason"),
    [
        ("WORKER_MAX_PAGES", "3", 8, "pages read (WORKER_MAX_PAGES)"),
        # Any reading process is larger than 1 MB: each is replaced after its first page.
        ("WORKER_MAX_MEMORY_MB", "1", 3, "MB in use (WORKER_MAX_MEMORY_MB)"),
    ],
    ids=["page-limit", "memory-bound"],
)
def test_a_worker_due_for_replacement_hands_over_without_losing_a_page(
    start_cluster: StartCluster, setting: str, value: str, pages: int, reason: str
) -> None:
    cluster = start_cluster(redelivery_seconds=600)  # only a clean handover finishes in time
    web = cluster.start_web(**ACCEPT_ONLY)
    worker = cluster.start_worker(threads=1, **{setting: value})
    job_id = submit(web.url, small_pages(pages))

    done = finished(web.url, job_id, 180)
    assert (done["status"], done["pages_done"], done["pages_failed"]) == ("succeeded", pages, 0)
    assert_every_page_once(result_pages(web.url, job_id), pages, "Page {} of the shared job")
    # The last page's reader may log its own replacement after the job is done: poll for it.
    worker.wait_for_line(reason, timeout=60, count=2)
    worker.wait_for_line("reading job pages", timeout=60, count=3)  # a third took over
    assert set(attempts(cluster, job_id).values()) == {1}


def test_sigterm_finishes_the_page_in_hand_and_hands_the_rest_back(
    start_cluster: StartCluster,
) -> None:
    # Redelivery after a dead worker's heartbeat would take ten minutes here: the job can only
    # finish in time if the stopped worker acknowledged its page and requeued its prefetch.
    cluster = start_cluster(redelivery_seconds=600)
    web = cluster.start_web(**ACCEPT_ONLY)
    stopping = cluster.start_worker(threads=1)
    job_id = submit(web.url, scanned_pdf([dense_page(n, lines=20) for n in range(1, 7)]))
    poll_for(lambda: True if pages_read(stopping) else None, 120)

    assert stopping.stop(timeout=60) == 0
    assert "stopped" in stopping.log()
    read_before = pages_read(stopping)
    cluster.start_worker(threads=1)

    done = finished(web.url, job_id, 180)
    assert (done["status"], done["pages_done"], done["pages_failed"]) == ("succeeded", 6, 0)
    assert_every_page_once(result_pages(web.url, job_id), 6, "Page {} line")
    assert set(attempts(cluster, job_id).values()) == {1}, "a page in hand was abandoned"
    assert len(read_before) >= 1


def test_a_worker_refuses_to_start_without_a_broker() -> None:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("JOBS_BROKER_URL", "STORAGE_URL")
    }
    done = subprocess.run(
        [sys.executable, "-m", "app.jobs.worker"],
        cwd=REPO_ROOT,
        env={**env, "APP_AUTH_TOKEN": TEST_TOKEN},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "JOBS_BROKER_URL" in done.stderr
