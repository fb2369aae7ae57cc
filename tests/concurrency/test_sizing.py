"""The pool's size, from the CPUs and the settings."""

import pytest

from app.concurrency.sizing import pool_size


@pytest.mark.parametrize(
    ("threads", "expected"),
    [(None, (4, 32, True, 3, 8)), (4, (4, 32, True, 3, 8)), (2, (2, 16, False, 0, 4))],
    ids=["every-cpu", "as-many-as-cpus", "fewer-threads-leave-cores-alone"],
)
def test_a_thread_per_cpu_unless_told(
    threads: int | None, expected: tuple[int, int, bool, int, int]
) -> None:
    size = pool_size(4, threads)
    got = (size.threads, size.max_queue, size.gap_filler, size.spare_threads, size.engine_handles)
    assert got == expected


def test_the_queue_can_be_set_apart_even_to_none() -> None:
    assert pool_size(2, None, 0).max_queue == 0
    assert pool_size(2, None, 5).max_queue == 5
