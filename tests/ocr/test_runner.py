"""The bounded pool: backpressure, deadlines, disconnected clients, the event loop kept free."""

import asyncio
import threading
import time

import pytest

from app.errors import ClientGone, DeadlineExceeded, ServiceBusy
from app.ocr.runner import OcrRunner


class Gate:
    """A job that holds its thread until released, to fill the pool on purpose."""

    def __init__(self) -> None:
        self.started = threading.Event()
        self.release = threading.Event()

    def __call__(self) -> str:
        self.started.set()
        assert self.release.wait(10)
        return "done"


async def started(gate: Gate) -> None:
    # The gate is a thread's event: wait for it without blocking the loop.
    assert await asyncio.to_thread(gate.started.wait, 10)


def test_jobs_run_off_the_event_loop() -> None:
    async def scenario() -> None:
        runner = OcrRunner(threads=2, max_queue=0)
        loop_thread = threading.get_ident()
        worker_thread = await runner.run(threading.get_ident)
        assert worker_thread != loop_thread
        runner.shutdown()

    asyncio.run(scenario())


def test_past_capacity_requests_are_refused_at_once_with_retry_after() -> None:
    async def scenario() -> None:
        runner = OcrRunner(threads=1, max_queue=1)
        running, waiting = Gate(), Gate()
        first = asyncio.create_task(runner.run(running))
        await started(running)
        second = asyncio.create_task(runner.run(waiting))
        await asyncio.sleep(0.05)
        assert runner.waiting == 1
        assert runner.saturated
        with pytest.raises(ServiceBusy) as refused:
            await runner.run(lambda: "never")
        assert refused.value.status_code == 503
        assert int(refused.value.headers["Retry-After"]) >= 1
        assert runner.rejected == 1
        running.release.set()
        waiting.release.set()
        assert await first == "done"
        assert await second == "done"
        assert runner.admitted == 0
        assert await runner.run(lambda: "room again") == "room again"
        runner.shutdown()

    asyncio.run(scenario())


def test_a_job_whose_deadline_passed_while_waiting_is_dropped() -> None:
    async def scenario() -> None:
        runner = OcrRunner(threads=1, max_queue=1)
        gate = Gate()
        ran = threading.Event()
        blocker = asyncio.create_task(runner.run(gate))
        await started(gate)
        late = asyncio.create_task(runner.run(ran.set, deadline=time.monotonic() + 0.05))
        await asyncio.sleep(0.1)
        gate.release.set()
        with pytest.raises(DeadlineExceeded):
            await late
        assert not ran.is_set()
        assert runner.dropped == 1
        await blocker
        runner.shutdown()

    asyncio.run(scenario())


def test_a_disconnected_client_costs_no_engine_time() -> None:
    async def scenario() -> None:
        runner = OcrRunner(threads=1, max_queue=1)
        gate = Gate()
        ran = threading.Event()
        blocker = asyncio.create_task(runner.run(gate))
        await started(gate)

        async def gone() -> bool:
            return True

        with pytest.raises(ClientGone):
            await runner.run(ran.set, disconnected=gone)
        gate.release.set()
        await blocker
        await asyncio.sleep(0.05)
        assert not ran.is_set()
        assert runner.admitted == 0
        runner.shutdown()

    asyncio.run(scenario())


def test_errors_in_jobs_reach_the_caller_and_free_the_slot() -> None:
    async def scenario() -> None:
        runner = OcrRunner(threads=1, max_queue=0)

        def fail() -> None:
            raise ValueError("bad page")

        with pytest.raises(ValueError, match="bad page"):
            await runner.run(fail)
        assert runner.admitted == 0
        assert await runner.run(lambda: 42) == 42
        runner.shutdown()

    asyncio.run(scenario())


def test_job_times_are_reported() -> None:
    async def scenario() -> None:
        runner = OcrRunner(threads=1, max_queue=0)
        seen: list[float] = []
        runner.on_job_done = seen.append
        await runner.run(time.sleep, 0.01)
        assert len(seen) == 1
        assert seen[0] >= 0
        runner.shutdown()

    asyncio.run(scenario())


def test_long_jobs_queue_less_than_short_ones() -> None:
    async def scenario() -> None:
        runner = OcrRunner(threads=1, max_queue=10, max_wait_seconds=1.0)
        runner._mean_job_seconds = 0.8  # as if recent jobs were full pages
        gates = [Gate(), Gate()]
        tasks = [asyncio.create_task(runner.run(gates[0]))]
        await started(gates[0])
        tasks.append(asyncio.create_task(runner.run(gates[1])))  # waits about 0.8 s: admitted
        await asyncio.sleep(0.05)
        with pytest.raises(ServiceBusy):  # would wait about 1.6 s: refused, queue not full
            await runner.run(lambda: "never")
        for gate in gates:
            gate.release.set()
        await asyncio.gather(*tasks)
        runner._mean_job_seconds = 0.01  # now small images: room for more
        assert not runner.saturated
        runner.shutdown()

    asyncio.run(scenario())


@pytest.mark.parametrize(
    ("mean_job_seconds", "at_once"),
    [(0.05, 2), (0.8, 1)],
    ids=["short-jobs-fill-gaps", "full-pages-do-not"],
)
def test_the_gap_filler_runs_one_job_more_only_while_jobs_are_short(
    mean_job_seconds: float, at_once: int
) -> None:
    async def scenario() -> None:
        runner = OcrRunner(threads=1, max_queue=4, max_wait_seconds=10, gap_filler=True)
        runner._mean_job_seconds = mean_job_seconds
        gates = [Gate(), Gate(), Gate()]
        tasks = [asyncio.create_task(runner.run(gate)) for gate in gates]
        await started(gates[0])
        await asyncio.sleep(0.1)
        assert sum(gate.started.is_set() for gate in gates) == at_once
        for gate in gates:
            gate.release.set()
        assert await asyncio.gather(*tasks) == ["done"] * 3
        runner.shutdown()

    asyncio.run(scenario())


def test_without_the_gap_filler_threads_bound_the_jobs_running() -> None:
    async def scenario() -> None:
        runner = OcrRunner(threads=1, max_queue=4, max_wait_seconds=10)
        runner._mean_job_seconds = 0.05
        gates = [Gate(), Gate()]
        tasks = [asyncio.create_task(runner.run(gate)) for gate in gates]
        await started(gates[0])
        await asyncio.sleep(0.1)
        assert not gates[1].started.is_set()
        for gate in gates:
            gate.release.set()
        await asyncio.gather(*tasks)
        runner.shutdown()

    asyncio.run(scenario())


def test_a_job_waiting_for_room_is_dropped_if_its_client_left_meanwhile() -> None:
    async def scenario() -> None:
        runner = OcrRunner(threads=1, max_queue=4, max_wait_seconds=10, gap_filler=True)
        runner._mean_job_seconds = 0.8  # full pages: the spare thread waits for room
        running, waiting = Gate(), Gate()
        first = asyncio.create_task(runner.run(running))
        await started(running)
        second = asyncio.create_task(runner.run(waiting))
        await asyncio.sleep(0.1)  # the spare thread has taken it and waits for room
        second.cancel()
        await asyncio.sleep(0.05)
        running.release.set()
        assert await first == "done"
        await asyncio.sleep(0.1)
        assert not waiting.started.is_set()
        assert runner.dropped == 1
        waiting.release.set()
        runner.shutdown()

    asyncio.run(scenario())


@pytest.mark.parametrize(
    ("jobs", "spare_threads", "granted"),
    [(1, 1, True), (2, 1, False), (3, 1, False), (1, 0, False)],
    ids=["a-core-idle", "every-core-busy", "jobs-waiting", "no-spare-threads"],
)
def test_spare_work_runs_only_on_an_idle_core(jobs: int, spare_threads: int, granted: bool) -> None:
    async def scenario() -> None:
        runner = OcrRunner(threads=2, max_queue=4, max_wait_seconds=10, spare_threads=spare_threads)
        runner._mean_job_seconds = 0.8  # full pages: no gap filler either way
        gates = [Gate() for _ in range(jobs)]
        tasks = [asyncio.create_task(runner.run(gate)) for gate in gates]
        await started(gates[0])
        await asyncio.sleep(0.1)
        spare = runner.spare(threading.get_ident)
        assert (spare is not None) == granted
        if spare is not None:
            assert await asyncio.wrap_future(spare) != threading.get_ident()
        for gate in gates:
            gate.release.set()
        await asyncio.gather(*tasks)
        runner.shutdown()

    asyncio.run(scenario())


def test_a_spare_thread_in_use_is_not_lent_twice() -> None:
    runner = OcrRunner(threads=3, max_queue=0, spare_threads=2)
    first, second = Gate(), Gate()
    assert runner.spare(first) is not None
    assert first.started.wait(10)
    assert runner.spare(second) is not None  # three idle threads: two may be lent
    assert second.started.wait(10)
    assert runner.spare(lambda: "third") is None
    first.release.set()
    second.release.set()
    deadline = time.monotonic() + 10
    while runner.spare(lambda: "again") is None:  # room once the spares are back
        assert time.monotonic() < deadline
        time.sleep(0.01)
    runner.shutdown()
