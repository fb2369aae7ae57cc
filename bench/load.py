"""Overload: full A4 pages at 4 x capacity against a running server, bounded in time.

    python -m bench.load URL [--seconds 60] [--clients N]

Prints what came back (only 200, or 503/429 with Retry-After, is acceptable), the latency
of accepted requests, and the server's RSS at the start and the end when given its pid.
"""

import argparse
import json
import os
import sys

from bench.bench import TOKEN, Load, a4_page, drive
from bench.rss import rss_mb

WARM_UP_SECONDS = 12


def overload(
    url: str, seconds: float, clients: int, pid: int | None = None, token: str = TOKEN
) -> dict[str, object]:
    page = a4_page()
    # Warm up at full load, so every engine handle, thread and allocator arena exists before
    # the first measurement: growth after that is what sustained overload costs.
    drive(url, page, clients, WARM_UP_SECONDS, "warm-up", token=token)
    rss_start = rss_mb(pid) if pid else None
    load: Load = drive(url, page, clients, seconds, f"overload {clients} clients", token=token)
    rss_end = rss_mb(pid) if pid else None
    return {**load.summary(), "rss_start_mb": rss_start, "rss_end_mb": rss_end,
            "statuses_ok": load.errors == 0 and load.timeouts == 0}  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url")
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--pid", type=int, help="gunicorn master pid, for RSS")
    parser.add_argument("--token", default=os.environ.get("OCR_TOKEN", TOKEN))
    args = parser.parse_args()
    result = overload(args.url, args.seconds, args.clients, args.pid, args.token)
    print(json.dumps(result, indent=2))
    return 0 if result["statuses_ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
