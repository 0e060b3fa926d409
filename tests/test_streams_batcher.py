"""The worker's changelog batcher holds its batches longer while a backlog waits
(streams/worker/changelog.py), and ``input_backlog`` counts what waits in front of the
agents (streams/worker/app.py). Stand-ins for aiokafka's producer and faust's app; the
timers are driven by calling the batcher's due handler, so nothing here depends on the
machine's speed. The effect on CPU and batches per decision is a benchmark's
(docs/benchmarks.md, "Fifth round")."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any

import pytest
from faust.types import TP

from fenliu.streams.worker.app import input_backlog
from fenliu.streams.worker.changelog import ChangelogBatcher
from fenliu.streams.worker.loop import use_event_loop


class FakeBuilder:
    def __init__(self, capacity: int) -> None:
        self.records: list[tuple[bytes | None, bytes | None]] = []
        self.capacity = capacity

    def append(self, *, timestamp: Any, key: bytes | None, value: bytes | None) -> Any:
        if len(self.records) >= self.capacity:
            return None
        self.records.append((key, value))
        return object()


class FakeProducer:
    def __init__(self, capacity: int = 100) -> None:
        self.capacity = capacity
        self.sent: list[tuple[str, int, list[Any]]] = []

    def create_batch(self) -> FakeBuilder:
        return FakeBuilder(self.capacity)

    async def send_batch(self, builder: FakeBuilder, topic: str, partition: int) -> Any:
        self.sent.append((topic, partition, builder.records))
        fut = asyncio.get_running_loop().create_future()
        fut.set_result(None)
        return fut


def batcher_with(producer: FakeProducer, waiting: list[int]) -> ChangelogBatcher:
    """A batcher whose backlog is ``waiting[0]`` records; it holds from 100 of them."""
    app = SimpleNamespace(producer=SimpleNamespace(_ensure_producer=lambda: producer))
    return ChangelogBatcher(
        app, 0.01, busy_delay_s=0.1, backlog=lambda: waiting[0], busy_backlog=100
    )


async def settle() -> None:
    for _ in range(5):  # the flush task and its gather
        await asyncio.sleep(0)


@pytest.mark.parametrize("backlog", [0, 99])
def test_a_worker_that_keeps_up_sends_at_the_linger(backlog: int) -> None:
    async def run() -> None:
        producer, waiting = FakeProducer(), [backlog]
        batcher = batcher_with(producer, waiting)
        batcher.append("t", 0, b"k", b"v")
        batcher._timer.cancel()  # type: ignore[union-attr]  # drive the timer by hand
        batcher._due()
        await settle()
        assert producer.sent == [("t", 0, [(b"k", b"v")])]

    asyncio.run(run())


def test_a_backlog_holds_the_batches_until_the_busy_linger() -> None:
    async def run() -> None:
        producer, waiting = FakeProducer(), [100]
        batcher = batcher_with(producer, waiting)
        batcher.append("t", 0, b"k1", b"v1")
        batcher._timer.cancel()  # type: ignore[union-attr]
        batcher._due()  # input waits, the first record is fresh: wait another step
        await settle()
        assert producer.sent == []
        assert batcher._timer is not None
        batcher.append("t", 0, b"k2", b"v2")
        batcher._timer.cancel()
        batcher._first_held_at -= 0.2  # type: ignore[operator]  # past the busy linger
        batcher._due()
        await settle()
        assert producer.sent == [("t", 0, [(b"k1", b"v1"), (b"k2", b"v2")])]
        assert batcher._first_held_at is None  # the next window starts with its record

    asyncio.run(run())


def test_the_backlog_drained_sends_at_the_next_step() -> None:
    async def run() -> None:
        producer, waiting = FakeProducer(), [100]
        batcher = batcher_with(producer, waiting)
        batcher.append("t", 1, b"k", b"v")
        batcher._timer.cancel()  # type: ignore[union-attr]
        batcher._due()
        waiting[0] = 3
        batcher._timer.cancel()  # type: ignore[union-attr]
        batcher._due()
        await settle()
        assert [p for _, p, _ in producer.sent] == [1]

    asyncio.run(run())


def test_a_full_batch_goes_out_at_once_even_during_a_backlog() -> None:
    async def run() -> None:
        producer, waiting = FakeProducer(capacity=1), [5000]
        batcher = batcher_with(producer, waiting)
        batcher.append("t", 0, b"k1", b"v1")
        batcher.append("t", 0, b"k2", b"v2")  # the first builder is full
        batcher._timer.cancel()  # type: ignore[union-attr]
        batcher._due()
        await settle()
        assert producer.sent == [("t", 0, [(b"k1", b"v1")]), ("t", 0, [(b"k2", b"v2")])]

    asyncio.run(run())


class Queue:
    def __init__(self, size: int) -> None:
        self.size = size

    def qsize(self) -> int:
        return self.size


class Consumer:
    def __init__(self, read: dict[TP, int | None], high: dict[TP, int]) -> None:
        self._read_offset, self.high = read, high

    def highwater(self, tp: TP) -> int:
        return self.high[tp]


def app_with(queues: list[int], read: dict[TP, int | None], high: dict[TP, int]) -> Any:
    return SimpleNamespace(
        flow_control=SimpleNamespace(_queues=[Queue(n) for n in queues]),
        consumer=Consumer(read, high),
    )


TP0, TP1 = TP("decisions", 0), TP("orders", 3)


@pytest.mark.parametrize(
    ("queues", "read", "high", "expected"),
    [
        ([0, 0], {TP0: 9, TP1: 4}, {TP0: 10, TP1: 5}, 0),  # read up to the end
        ([0, 2], {TP0: 9, TP1: 4}, {TP0: 10, TP1: 5}, 2),  # a stream's queue holds two
        ([1, 0], {TP0: 9, TP1: 4}, {TP0: 10, TP1: 7}, 3),  # + offsets 5 and 6 of TP1
        ([0, 0], {TP0: 2, TP1: 4}, {TP0: 10, TP1: 7}, 9),  # 3..9 of TP0, 5..6 of TP1
        ([0, 0], {TP0: None, TP1: 4}, {TP0: 10, TP1: 5}, 0),  # just sought: not known
        ([], {}, {}, 0),
    ],
)
def test_input_backlog_counts_the_queues_and_the_fetched_offsets(
    queues: list[int], read: dict[TP, int | None], high: dict[TP, int], expected: int
) -> None:
    assert input_backlog(app_with(queues, read, high)) == expected


def test_input_backlog_counts_only_the_queues_while_the_consumer_cannot_say() -> None:
    app = app_with([4], {TP0: 3}, {})  # highwater raises: a partition no longer assigned
    assert input_backlog(app) == 4


def test_the_worker_runs_on_uvloop_unless_told_otherwise() -> None:
    import uvloop

    before = asyncio.get_event_loop_policy()
    try:
        use_event_loop("asyncio")
        loop = asyncio.new_event_loop()
        assert not isinstance(loop, uvloop.Loop)
        loop.close()
        use_event_loop("uvloop")
        loop = asyncio.new_event_loop()
        assert isinstance(loop, uvloop.Loop)
        loop.close()
    finally:
        asyncio.set_event_loop_policy(before)
