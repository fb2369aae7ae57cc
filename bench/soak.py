"""Soak: the production server under steady load for 10 minutes; reports RSS growth.

    make soak                 # 10 minutes
    python -m bench.soak --minutes 2

Memory is sampled every 10 s; growth is measured from the end of the first minute (after
warm-up: handles loaded, allocator pools filled) to the end. Target: under 5 %.
"""

import argparse
import sys
import threading
import time

from bench.server import GunicornServer
from bench.traffic import SAMPLE, TOKEN, a4_page, drive


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10)
    args = parser.parse_args()
    seconds = args.minutes * 60
    server = GunicornServer({"APP_AUTH_TOKEN": TOKEN}).start()
    samples: list[tuple[float, float]] = []
    done = threading.Event()
    started = time.monotonic()

    def sample() -> None:
        while not done.wait(10):
            samples.append((time.monotonic() - started, server.rss_mb()))

    sampler = threading.Thread(target=sample)
    sampler.start()
    small = (SAMPLE / "ingredients-2.png").read_bytes()
    page = a4_page()
    try:
        while time.monotonic() - started < seconds:
            drive(server.url, small, 4, 20, "small")
            drive(server.url, page, 4, 10, "a4")
    finally:
        done.set()
        sampler.join()
        server.stop()
    baseline = next((rss for at, rss in samples if at >= 60), samples[0][1])
    final = samples[-1][1]
    growth = (final - baseline) / baseline * 100
    for at, rss in samples:
        print(f"{at:7.0f} s  {rss:7.1f} MB")
    verdict = "PASS" if growth < 5 else "FAIL"
    print(
        f"\n{verdict}  RSS growth after warm-up: {growth:+.1f} % ({baseline:.0f} -> {final:.0f} MB)"
    )
    return 0 if growth < 5 else 1


if __name__ == "__main__":
    sys.exit(main())
