"""The benchmark's rate estimate: the same for the engine ceiling and the service."""

import pytest

from bench.traffic import steady_rate


@pytest.mark.parametrize(
    ("finished_at", "parallel", "expected"),
    [
        # Two threads that start together finish in pairs: 2 pages every 1.5 s.
        ([1.5, 1.5, 3.0, 3.0, 4.5, 4.5, 6.0, 6.0], 2, 2 / 1.5),
        # Out of step, the same rate.
        ([0.5, 1.5, 2.0, 3.0, 3.5, 4.5, 5.0, 6.0], 2, 2 / 1.5),
        # One stream: a page a second.
        ([1.0, 2.0, 3.0, 4.0], 1, 1.0),
    ],
    ids=["in-step", "out-of-step", "one-stream"],
)
def test_rate_is_pages_per_second_once_every_thread_is_busy(
    finished_at: list[float], parallel: int, expected: float
) -> None:
    pages, seconds = steady_rate(finished_at, stop_at=10.0, parallel=parallel)
    assert pages / seconds == pytest.approx(expected)


def test_pages_after_the_window_are_not_counted() -> None:
    pages, seconds = steady_rate([1.0, 2.0, 3.0, 4.0, 5.5], stop_at=4.5, parallel=1)
    assert (pages, seconds) == (3, 3.0)


def test_too_few_pages_give_no_rate() -> None:
    assert steady_rate([1.0, 1.1], stop_at=5.0, parallel=2) == (0, 0.0)


def test_the_jobs_ceiling_reads_the_scan_the_document_stores() -> None:
    from io import BytesIO

    import numpy as np
    from PIL import Image

    from app.ocr.decoding.documents import Limits, load_pages
    from bench.jobs import document, stored_scan

    data = document(2)
    scan = Image.open(BytesIO(stored_scan(data)))
    assert scan.format == "JPEG"
    served = next(iter(load_pages(data, Limits(max_pixels=10**9, max_pages=2), {1}))).image
    assert scan.size == served.size
    # The same compressed pixels (decoders may round an IDCT differently).
    difference = np.abs(np.asarray(scan, dtype=np.int16) - np.asarray(served, dtype=np.int16))
    assert difference.mean() < 1
