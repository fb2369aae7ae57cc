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
import json
import os
import sys

from bench.rss import rss_mb
from bench.traffic import TOKEN, WARM_UP_SECONDS, a4_page, drive, open_loop


def overload(
    url: str,
    seconds: float,
    rate: float,
    pid: int | None = None,
    token: str = TOKEN,
    warm_up_seconds: float = WARM_UP_SECONDS,
) -> dict[str, object]:
    """Full pages at `rate` a second (4 x what the server reads) after a warm-up at full
    load, with the server's RSS before and after."""
    page = a4_page()
    # Warm up at full load, so every engine handle, thread and allocator arena exists before
    # the first measurement: growth after that is what sustained overload costs.
    drive(url, page, 4, warm_up_seconds, "warm-up", token=token)
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
