"""Overload: full A4 pages arriving at 4 x what the server serves, bounded in time.

    python -m bench.load URL [--seconds 30] [--rate PAGES_PER_SECOND]

Closed-loop clients (each waits for its answer before sending again) only ever queue as
many pages as there are clients: that is a long wait, not overload. Overload is arrivals
faster than the pages are read, whatever the answers: here a new request every 1/rate
seconds, each on its own connection, for `seconds`. Prints what came back (only 200, or 503
with Retry-After, is acceptable), the latency of accepted and refused requests, and the
server's RSS at the start and the end when given its pid.
"""

import argparse
import http.client
import json
import os
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

from bench.bench import TOKEN, Load, a4_page, drive, multipart
from bench.rss import rss_mb

WARM_UP_SECONDS = 12
MAX_IN_FLIGHT = 256  # arrivals past this many unanswered ones are counted as timeouts


def open_loop(url: str, image: bytes, rate: float, seconds: float, name: str,
              token: str = TOKEN, timeout: float = 120) -> Load:  # fmt: skip
    """A request every 1/`rate` seconds for `seconds`, each on a new connection. 503s and
    their latency land in `refused_ms`."""
    load = Load(name=name, clients=0)
    lock = threading.Lock()
    target = urlsplit(url)
    path = target.path.rstrip("/") + "/"
    body, content_type = multipart(image)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": content_type}

    def one() -> None:
        started = time.perf_counter()
        connection = http.client.HTTPConnection(
            target.hostname or "127.0.0.1", target.port, timeout=timeout
        )
        try:
            connection.request("POST", path, body=body, headers=headers)
            response = connection.getresponse()
            response.read()
            status = response.status
            if status == 429 or (status == 503 and not response.getheader("Retry-After")):
                status = 0  # a refusal must say when to come back; no rate limit is on
        except TimeoutError:
            status = -1
        except (OSError, http.client.HTTPException):
            status = 0
        finally:
            connection.close()
        with lock:
            load.record(status, (time.perf_counter() - started) * 1000)

    started = time.monotonic()
    with ThreadPoolExecutor(MAX_IN_FLIGHT) as pool:
        sent = 0
        while (now := time.monotonic()) < started + seconds:
            due = started + sent / rate
            if now < due:
                time.sleep(due - now)
                continue
            pool.submit(one)
            sent += 1
    load.seconds = time.monotonic() - started
    load.clients = sent
    from app.concurrency.cpus import usable_cpus

    load.close_window(time.monotonic(), usable_cpus())
    return load


def overload(
    url: str, seconds: float, rate: float, pid: int | None = None, token: str = TOKEN
) -> dict[str, object]:
    """Full pages at `rate` a second (4 x what the server reads) after a warm-up at full
    load, with the server's RSS before and after."""
    page = a4_page()
    # Warm up at full load, so every engine handle, thread and allocator arena exists before
    # the first measurement: growth after that is what sustained overload costs.
    drive(url, page, 4, WARM_UP_SECONDS, "warm-up", token=token)
    rss_start = rss_mb(pid) if pid else None
    load = open_loop(url, page, rate, seconds, f"overload {rate:g} pages/s", token=token)
    rss_end = rss_mb(pid) if pid else None
    return {**load.summary(), "rss_start_mb": rss_start, "rss_end_mb": rss_end,
            "p95_refused_ms": round(load.refused_percentile(0.95), 1),
            "statuses_ok": load.errors == 0 and load.timeouts == 0}  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url")
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--rate", type=float, default=4.0, help="pages sent per second")
    parser.add_argument("--pid", type=int, help="gunicorn master pid, for RSS")
    parser.add_argument("--token", default=os.environ.get("OCR_TOKEN", TOKEN))
    args = parser.parse_args()
    result = overload(args.url, args.seconds, args.rate, args.pid, args.token)
    print(json.dumps(result, indent=2))
    return 0 if result["statuses_ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
