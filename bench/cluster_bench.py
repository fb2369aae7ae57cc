"""Cluster benchmark: one long job on the distributed backend with 1, 2 and 4 worker processes.

Everything real and on loopback (bench/cluster.py): redis-server, moto's S3 server, one web
instance that only accepts (JOBS_THREADS=0), and N workers of one OCR thread each, pinned
with taskset to one core each (round robin over the usable cores). Printed, measured in one
run:
- pages per second of a PAGES-page 300 dpi PDF job for each N, as a curve and as the ratio to
  N x one worker's rate (the target is >= 0.9 at N = 2 on a 2-core machine; past the core
  count the workers share cores and the ratio falls by design);
- the queue's and storage's cost per page with one worker: its wall time per page less the
  time its engine spent reading, against that reading time (target <= 5 %);
- what one page costs the shared parts: Redis commands and CPU, and bytes moved to and from
  the object store per page, from which it predicts 10 and 100 workers.

Not a test: `make bench-cluster` (`QUICK=1` for a shorter document). Figures go to
docs/performance.md.
"""

import argparse
import json
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import redis
import requests

from app.concurrency.cpus import usable_cpus
from bench.cluster import Cluster, WorkerProcess
from bench.jobs import document
from bench.report import update
from bench.rss import rss_mb

TOKEN = "bench-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def run_job(url: str, data: bytes) -> float:
    """Seconds from the job's first page started to its last page done (the pages' own
    rate, without the upload), from the job's own timestamps."""
    response = requests.post(
        f"{url}/v1/jobs", files={"file": ("book.pdf", data)}, headers=AUTH, timeout=600
    )
    response.raise_for_status()
    job_id = response.json()["id"]
    while True:
        body = requests.get(f"{url}/v1/jobs/{job_id}", headers=AUTH, timeout=30).json()
        if body["status"] not in ("queued", "running"):
            break
        time.sleep(1.0)  # the pages are timed by the job itself: polling can be rare
    if body["status"] != "succeeded" or body["pages_failed"]:
        raise RuntimeError(f"the job ended {body}")
    result = requests.get(f"{url}/v1/jobs/{job_id}/result", headers=AUTH, timeout=120).json()
    return float(result["timings_ms"]["ocr"]) / 1000


def read_seconds(log: str) -> list[float]:
    """The engine's time of each page a worker read, from its JSON log lines."""
    times = []
    for line in log.splitlines():
        try:
            record: dict[str, Any] = json.loads(line)
        except ValueError:
            continue
        if record.get("message", "").startswith("job page") and "seconds" in record:
            times.append(float(record["seconds"]))
    return times


def _redis_work(client: redis.Redis) -> tuple[int, float]:
    """(commands processed, CPU seconds used) by the Redis server so far."""
    stats = client.info("stats")
    cpu = client.info("cpu")
    return int(stats["total_commands_processed"]), float(cpu["used_cpu_sys"]) + float(
        cpu["used_cpu_user"]
    )


class MemorySamples:
    """The reading process's resident memory every few seconds while a job runs: whether it
    stays flat over hundreds of pages."""

    def __init__(self, worker: WorkerProcess, every: float = 5.0) -> None:
        self.worker = worker
        self.samples: list[float] = []
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._sample, args=(every,), daemon=True)
        self._thread.start()

    def _sample(self, every: float) -> None:
        while not self._done.wait(every):
            readers = self.worker.reader_pids()
            if readers:
                self.samples.append(rss_mb(readers[0]))

    def stop(self) -> None:
        self._done.set()
        self._thread.join()


def bucket_bytes(cluster: Cluster) -> tuple[int, int]:
    """(bytes of the pages' source files, bytes of their results) in the bucket."""
    client = cluster.s3.client()
    sources = results = 0
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=cluster.s3.bucket):
        for item in page.get("Contents", []):
            if item["Key"].rsplit("/", 1)[-1].startswith("source-"):
                sources += item["Size"]
            else:
                results += item["Size"]
    return sources, results


def _memory_line(samples: list[float]) -> str:
    if len(samples) < 4:
        return "worker memory: too few samples"
    tenth = max(1, len(samples) // 10)
    early, late = statistics.mean(samples[:tenth]), statistics.mean(samples[-tenth:])
    return (
        f"one worker's reading process over the job: {early:.0f} MB in its first tenth, "
        f"{late:.0f} MB in its last, peak {max(samples):.0f} MB ({len(samples)} samples)"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a 40-page job instead of 200")
    parser.add_argument("--pages", type=int)
    args = parser.parse_args()
    pages = args.pages or (40 if args.quick else 200)
    cores = usable_cpus()
    data = document(pages)
    rates: dict[int, float] = {}
    overhead: list[float] = []
    engine_times: list[float] = []
    commands_per_page = redis_cpu_per_page = source_per_page = result_per_page = 0.0
    memory_samples: list[float] = []
    for workers in (1, 2, 4):
        root = Path(tempfile.mkdtemp(prefix=f"ocr-bench-cluster-{workers}-"))
        cluster = Cluster(TOKEN, root=root, extra_env={"JOBS_THREADS": "0"})
        try:
            cluster.start_stores()
            web = cluster.start_web()
            for index in range(workers):
                cluster.start_worker(threads=1, cpus=str(index % cores))
            stats = redis.Redis.from_url(cluster.redis.url)
            commands_before, cpu_before = _redis_work(stats)
            memory = MemorySamples(cluster.workers[0]) if workers == 1 else None
            seconds = run_job(web.url, data)
            if memory is not None:
                memory.stop()
            commands_after, cpu_after = _redis_work(stats)
            rates[workers] = pages / seconds
            print(f"{workers} worker(s): {pages} pages in {seconds:.1f} s, "
                  f"{rates[workers]:.3f} pages/s", flush=True)  # fmt: skip
            if workers == 1:
                engine_times = read_seconds(cluster.workers[0].log())
                memory_samples = memory.samples if memory is not None else []
                per_page = seconds / pages
                mean_read = statistics.mean(engine_times)
                overhead.append((per_page - mean_read) / mean_read)
                commands_per_page = (commands_after - commands_before) / pages
                redis_cpu_per_page = (cpu_after - cpu_before) / pages
                sources, results = bucket_bytes(cluster)
                source_per_page, result_per_page = sources / pages, results / pages
        finally:
            cluster.stop()
    one = rates[1]
    lines = [
        f"Job of {pages} pages (300 dpi A4 PDF), workers of 1 OCR thread pinned to 1 core each,"
        f" {cores} usable cores",
        "",
        "workers  pages/s  x one worker  ratio to N x one",
    ]
    for workers, rate in rates.items():
        lines.append(
            f"{workers:7d}  {rate:7.3f}  {rate / one:12.2f}  {rate / (workers * one):16.2f}"
        )
    ratio_two = rates[2] / (2 * one)
    moved = 2 * (source_per_page + result_per_page)
    lines += [
        "",
        f"N=2 against 2 x one worker: {ratio_two:.2f} (target >= 0.9): "
        + ("PASS" if ratio_two >= 0.9 else "NOT MET"),
        f"queue and storage per page, one worker: {overhead[0] * 100:.1f} % of the engine's "
        f"{statistics.mean(engine_times):.2f} s a page (target <= 5 %): "
        + ("PASS" if overhead[0] <= 0.05 else "NOT MET"),
        f"Redis per page (one worker, its idle polling included): {commands_per_page:.1f} "
        f"commands, {redis_cpu_per_page * 1000:.2f} ms of Redis CPU",
        f"object store per page: its source {source_per_page / 1024:.0f} KiB (uploaded once, "
        f"fetched once by the worker that reads it) and {result_per_page / 1024:.0f} KiB of "
        f"results (written once, read once to assemble): {moved / 1024:.0f} KiB moved, "
        "whatever the number of workers",
        _memory_line(memory_samples),
        "",
        "predicted for this job's pages (engine time per page as above):",
    ]
    page_seconds = statistics.mean(engine_times)
    for workers in (10, 100):
        rate = workers / page_seconds
        lines.append(
            f"  {workers:3d} workers: {rate:6.1f} pages/s if nothing shared saturates; Redis busy "
            f"{rate * redis_cpu_per_page * 100:.1f} % of one core; object store "
            f"{rate * moved / 2**20:.0f} MiB/s"
        )
    redis_ceiling = 1 / redis_cpu_per_page if redis_cpu_per_page else float("inf")
    lines.append(
        f"  Redis alone would saturate one core at about {redis_ceiling:.0f} pages/s "
        f"({redis_ceiling * page_seconds:.0f} workers)"
    )
    text = "\n".join(lines)
    print("\n" + text)
    update("performance.md", "bench-cluster", text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
