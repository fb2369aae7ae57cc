"""How big the OCR pool is, from the settings and the CPUs this process may use."""

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class PoolSize:
    threads: int
    max_queue: int
    # One job more than the threads while jobs are short: only when the pool has every core
    # anyway, so that fewer threads (OCR_THREADS) keep the other cores for others.
    gap_filler: bool
    # Cores the jobs leave idle read pages early while they are analysed (the pipeline).
    spare_threads: int
    engine_handles: int


def pool_size(cpus: int, threads: int | None = None, max_queue: int | None = None) -> PoolSize:
    """A thread per usable CPU unless `threads` says otherwise, 8 waiting per thread unless
    `max_queue` does, and two engine handles per thread (a reading and its early twin)."""
    count = threads or cpus
    every_core = count >= cpus
    return PoolSize(
        threads=count,
        max_queue=max_queue if max_queue is not None else 8 * count,
        gap_filler=every_core,
        spare_threads=count - 1 if every_core else 0,
        engine_handles=2 * count,
    )
