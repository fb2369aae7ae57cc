"""The bounded pool: backpressure, deadlines, disconnected clients, the event loop kept free."""

import asyncio
import threading
import time

import pytest

from app.concurrency.runner import CostModel, OcrRunner, Work
from app.concurrency.stop import Stop
from app.core.errors import ClientGone, DeadlineExceeded, ServiceBusy
from tests.helpers.waiting import apoll


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
        assert await apoll(lambda: runner.waiting == 1)
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
        deadline = time.monotonic() + 0.05
        late = asyncio.create_task(runner.submit(ran.set, stop=Stop(deadline)))
        await apoll(lambda: time.monotonic() > deadline)
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
            await runner.submit(ran.set, disconnected=gone)
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


def full_pages(count: int = 1) -> Work:
    """A4 pages at 300 dpi, as the routes measure them."""
    return Work(kind="eng", megapixels=8.7 * count, pages=count)


def small_image() -> Work:
    return Work(kind="decode", megapixels=0.2)


def test_admission_weighs_what_each_job_carries_not_the_recent_jobs() -> None:
    async def scenario() -> None:
        # One second per full page: a wait of 2.5 s fits two pages ahead, not three.
        costs = CostModel(seconds_per_megapixel=1 / 8.7)
        runner = OcrRunner(threads=1, max_queue=10, max_wait_seconds=2.5, costs=costs)
        for _ in range(20):  # the recent jobs were small and fast
            await runner.submit(lambda: None, work=small_image())
        gates = [Gate(), Gate(), Gate()]
        tasks = [asyncio.create_task(runner.submit(gates[0], work=full_pages()))]
        await started(gates[0])
        tasks += [asyncio.create_task(runner.submit(gate, work=full_pages())) for gate in gates[1:]]
        await apoll(lambda: runner.admitted == 3)
        # Three pages ahead (about 3 s): a page is refused although the queue has room ...
        with pytest.raises(ServiceBusy) as refused:
            await runner.submit(lambda: "never", work=full_pages())
        assert int(refused.value.headers["Retry-After"]) >= 1
        # ... and so is a small image, whose own time is nothing: the wait is the pages'.
        with pytest.raises(ServiceBusy):
            await runner.submit(lambda: "never", work=small_image())
        assert runner.rejected == 2
        for gate in gates:
            gate.release.set()
        await asyncio.gather(*tasks)
        assert runner.expected_wait() == 0
        runner.shutdown()

    asyncio.run(scenario())


def test_a_job_that_could_not_finish_before_its_deadline_is_refused_at_once() -> None:
    async def scenario() -> None:
        costs = CostModel(seconds_per_megapixel=1 / 8.7)
        runner = OcrRunner(threads=1, max_queue=10, max_wait_seconds=30, costs=costs)
        gate = Gate()
        blocker = asyncio.create_task(runner.submit(gate, work=full_pages(3)))  # about 3 s
        await started(gate)
        with pytest.raises(ServiceBusy):  # 3 s ahead + 5 s of its own > a 6 s limit
            await runner.submit(lambda: "never", work=full_pages(5), stop=Stop.after(6))
        fits = asyncio.create_task(
            runner.submit(lambda: "read", work=full_pages(1), stop=Stop.after(6))
        )
        await apoll(lambda: runner.admitted == 2)
        gate.release.set()
        assert await fits == "read"
        await blocker
        runner.shutdown()

    asyncio.run(scenario())


def test_seconds_per_megapixel_are_learned_per_kind() -> None:
    costs = CostModel(seconds_per_megapixel=0.3)
    assert costs.estimate(Work("fra", 10, 1)) == pytest.approx(3 + CostModel.PAGE_SECONDS)
    costs.learn(Work("eng", 10, 1), 1 + CostModel.PAGE_SECONDS)  # 0.1 s per megapixel
    assert costs.seconds_per_megapixel("eng") == pytest.approx(0.1)
    costs.learn(Work("eng", 10, 1), 2 + CostModel.PAGE_SECONDS)  # then 0.2: a moving average
    assert 0.1 < costs.seconds_per_megapixel("eng") < 0.2
    assert costs.seconds_per_megapixel("fra") == 0.3  # other kinds keep what they had


def test_finished_jobs_teach_the_cost_model() -> None:
    async def scenario() -> None:
        costs = CostModel(seconds_per_megapixel=5.0)
        runner = OcrRunner(threads=1, max_queue=1, costs=costs)
        await runner.submit(lambda: None, work=Work("eng", 1.0, 1))
        assert costs.seconds_per_megapixel("eng") < 1.0  # it took far less than 5 s
        runner.shutdown()

    asyncio.run(scenario())


def test_a_gone_clients_queued_job_leaves_the_queue_at_once() -> None:
    async def scenario() -> None:
        costs = CostModel(seconds_per_megapixel=1 / 8.7)
        runner = OcrRunner(threads=1, max_queue=10, max_wait_seconds=2.5, costs=costs)
        gate = Gate()
        blocker = asyncio.create_task(runner.submit(gate, work=full_pages()))
        await started(gate)
        leaving = threading.Event()
        ran = threading.Event()

        async def gone() -> bool:
            return leaving.is_set()

        queued = [
            asyncio.create_task(runner.submit(ran.set, work=full_pages(), disconnected=gone))
            for _ in range(2)
        ]
        await apoll(lambda: runner.saturated)  # 3 pages ahead: nothing more is admitted
        leaving.set()
        for task in queued:
            with pytest.raises(ClientGone):
                await task
        # The running page is still held by the blocker, yet the departed work is gone from
        # the queue (not when a thread reaches it) and new work is admitted again.
        assert not gate.release.is_set()
        assert runner.admitted == 1
        assert runner.waiting == 0
        assert not runner.saturated
        assert runner.dropped == 2
        gate.release.set()
        await blocker
        assert not ran.is_set()
        runner.shutdown()

    asyncio.run(scenario())


def test_a_running_jobs_stop_is_cancelled_when_its_client_leaves() -> None:
    async def scenario() -> None:
        runner = OcrRunner(threads=1, max_queue=1)
        gate = Gate()
        stop = Stop()
        leaving = threading.Event()

        async def gone() -> bool:
            return leaving.is_set()

        task = asyncio.create_task(runner.submit(gate, stop=stop, disconnected=gone))
        await started(gate)
        assert not stop.cancelled
        leaving.set()
        with pytest.raises(ClientGone):
            await task
        assert stop.cancelled  # the work sees it before its next reading
        gate.release.set()
        assert await apoll(lambda: runner.admitted == 0)
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
        # Taken off the executor's queue by the spare thread, which waits for room.
        await apoll(lambda: runner.admitted == 2 and runner._executor._work_queue.empty())
        second.cancel()
        # Woken at once: it leaves without waiting for the running job to finish.
        assert await apoll(lambda: runner.dropped == 1)
        assert runner.admitted == 1
        running.release.set()
        assert await first == "done"
        assert not waiting.started.is_set()
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
