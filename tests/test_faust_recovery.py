"""The order in which the worker hands stream partitions back after a rebalance
(streams/worker/recovery.py), checked with stand-ins for faust's consumer and app.

The real-broker tests (test_streams_sla_kafka.py, test_faults_kill.py) show the effect;
these pin the order that makes it: nothing is resumed before the seek and the queue clear,
and the seek waits for a fetch that is still under way."""

from __future__ import annotations

import asyncio
from collections import Counter
from types import SimpleNamespace
from typing import Any

from faust.types import TP

from fenliu.streams.worker import continuity
from fenliu.streams.worker.recovery import OrderedRecovery, SnapshotFetchConsumer

STREAM_A, STREAM_B, CHANGELOG = TP("orders", 0), TP("lifecycle", 1), TP("app-sla-changelog", 0)


class FakeConsumer:
    def __init__(self, calls: list[Any], committed: dict[TP, int | None]) -> None:
        self.calls, self.committed = calls, committed
        self._read_offset: dict[TP, int | None] = {}
        self.fetching: set[TP] = set()  # partitions of a fetch under way
        self.sought: dict[TP, int] = {}

    def fetching_any(self, tps: set[TP]) -> bool:
        return not self.fetching.isdisjoint(tps)

    def assignment(self) -> set[TP]:
        return {STREAM_A, STREAM_B, CHANGELOG}

    def pause_partitions(self, tps: set[TP]) -> None:
        self.calls.append(("pause", frozenset(tps)))

    def stop_flow(self) -> None:
        self.calls.append(("stop_flow",))

    async def perform_seek(self) -> None:
        self.calls.append(("seek_committed", frozenset(self.fetching)))
        self._read_offset.update(self.committed)

    async def earliest_offsets(self, *tps: TP) -> dict[TP, int]:
        return dict.fromkeys(tps, 0)

    async def seek_wait(self, offsets: dict[TP, int]) -> None:
        self.calls.append(("seek_beginning", frozenset(offsets)))
        self.sought.update(offsets)

    def resume_partitions(self, tps: set[TP]) -> None:
        self.calls.append(("resume", frozenset(tps)))

    def resume_flow(self) -> None:
        self.calls.append(("resume_flow",))


def recovery(calls: list[Any], committed: dict[TP, int | None]) -> Any:
    consumer = FakeConsumer(calls, committed)

    async def maybe_start() -> None:
        return None

    async def wait(coro: Any, timeout: float | None = None) -> None:
        await coro

    app = SimpleNamespace(
        consumer=consumer,
        conf=SimpleNamespace(broker_request_timeout=5.0, consumer_auto_offset_reset="earliest"),
        flow_control=SimpleNamespace(resume=lambda: calls.append(("clear_queues",))),
        _fetcher=SimpleNamespace(maybe_start=maybe_start),
    )
    self = SimpleNamespace(
        app=app,
        log=SimpleNamespace(info=lambda *a: None, warning=lambda *a: None),
        completed=SimpleNamespace(set=lambda: calls.append(("completed",))),
        _wait=wait,
        _is_changelog_tp=lambda tp: tp.topic.endswith("changelog"),
    )
    for name in (
        "_stream_partitions",
        "_seek_uncommitted",
        "_seek_to_continuity",
        "_settle",
        "_let_fetches_return",
        "_seek_offsets",
        "_hand_over_streams",
        "_seek_and_resume",
    ):
        setattr(self, name, getattr(OrderedRecovery, name).__get__(self))
    return self


def test_streams_resume_only_after_the_seek_and_the_queue_clear() -> None:
    calls: list[Any] = []
    rec = recovery(calls, {STREAM_A: 2, STREAM_B: None, CHANGELOG: None})
    asyncio.run(rec._hand_over_streams())
    names = [c[0] for c in calls]
    assert names == [
        "pause",
        "stop_flow",
        "seek_committed",
        "seek_beginning",
        "completed",
        "clear_queues",
        "resume",
        "resume_flow",
    ]
    streams = frozenset({STREAM_A, STREAM_B})
    assert calls[0] == ("pause", streams) and calls[6] == ("resume", streams)
    # the partition without a commit is read from its beginning, the committed one is not
    assert calls[3] == ("seek_beginning", frozenset({STREAM_B}))


class FakeApplied(continuity.AppliedOffsets):
    """A tracker over a dict instead of a faust table."""

    def __init__(self, app: Any, topics: set[str], table: dict[str, int]) -> None:
        self.agent, self.topics, self.table = "fenliu-orders", frozenset(topics), table
        continuity.registry(app).append(self)


def test_a_commit_past_the_last_applied_record_is_read_again_before_the_resume() -> None:
    calls: list[Any] = []
    rec = recovery(calls, {STREAM_A: 7, STREAM_B: 5, CHANGELOG: None})
    FakeApplied(
        rec.app,
        {STREAM_A.topic, STREAM_B.topic},
        {"orders:0": 3, "lifecycle:1": 4},  # orders[0]: 4..6 never applied; lifecycle[1]: fine
    )
    before = continuity.REREAD.labels("fenliu-orders", "orders")._value.get()
    asyncio.run(rec._hand_over_streams())
    names = [c[0] for c in calls]
    assert names == [
        "pause",
        "stop_flow",
        "seek_committed",
        "seek_beginning",  # the continuity seek (FakeConsumer names every seek_wait so)
        "completed",
        "clear_queues",
        "resume",
        "resume_flow",
    ]
    assert calls[3] == ("seek_beginning", frozenset({STREAM_A}))
    assert rec.app.consumer.sought == {STREAM_A: 4}
    assert continuity.REREAD.labels("fenliu-orders", "orders")._value.get() == before + 3


def test_the_seek_waits_for_a_fetch_of_stream_partitions_not_for_changelogs() -> None:
    calls: list[Any] = []
    rec = recovery(calls, {STREAM_A: 2, STREAM_B: 5, CHANGELOG: None})
    rec.app.consumer.fetching = {STREAM_A, CHANGELOG}  # began before STREAM_A was paused

    async def run() -> None:
        handing_over = asyncio.ensure_future(rec._hand_over_streams())
        await asyncio.sleep(0.1)
        assert "seek_committed" not in [c[0] for c in calls]
        rec.app.consumer.fetching = {CHANGELOG}  # that fetch came back; a changelog one runs
        await handing_over

    asyncio.run(run())
    assert ("seek_committed", frozenset({CHANGELOG})) in calls
    assert "seek_beginning" not in [c[0] for c in calls]  # every stream partition has a commit


def test_a_changelog_seek_waits_for_a_fetch_that_began_before_the_rebalance() -> None:
    """Issue 12: a standby partition is read while the group rebalances; the fetch that
    includes it outlives the rebalance and, if the recovery's seek to 0 came first, takes
    the partition's records after that seek. faust drops them (flow stopped) with
    aiokafka's position already at the end: the promoted partition is never read."""
    calls: list[Any] = []
    rec = recovery(calls, {})
    consumer = rec.app.consumer
    consumer.fetching = {STREAM_A, CHANGELOG}  # the previous generation's active set

    async def run() -> None:
        offsets = Counter({CHANGELOG: -1})  # faust's "nothing read": seek to 0
        seeking = asyncio.ensure_future(rec._seek_offsets(consumer, {CHANGELOG}, offsets, "active"))
        await asyncio.sleep(0.1)
        assert calls == []  # not while that fetch may still take the records
        consumer.fetching = {STREAM_B}  # it came back; one without the changelog runs
        await seeking

    asyncio.run(run())
    assert calls == [("seek_beginning", frozenset({CHANGELOG}))]
    assert consumer.sought == {CHANGELOG: 0}


def test_a_fetch_reads_a_copy_of_the_active_set_and_an_empty_one_reads_nothing() -> None:
    consumer = object.__new__(SnapshotFetchConsumer)
    seen: list[tuple[set[TP], bool]] = []
    live = {STREAM_A, STREAM_B}

    async def getmany(active: set[TP], timeout: float) -> dict[TP, list[int]]:
        seen.append((set(active), consumer.fetching_any({STREAM_B})))
        live.clear()  # faust pauses every partition while the fetch waits for data
        await asyncio.sleep(0)
        return {tp: [0] for tp in active}

    consumer._thread = SimpleNamespace(getmany=getmany)
    assert asyncio.run(consumer._getmany(live, 1.0)) == {STREAM_A: [0], STREAM_B: [0]}
    assert seen == [({STREAM_A, STREAM_B}, True)]
    assert not consumer.fetching_any({STREAM_A, STREAM_B})  # none under way any more
    assert asyncio.run(consumer._getmany(live, 1.0)) == {}  # empty: no fetch at all
    assert len(seen) == 1


class RacingConsumer(SnapshotFetchConsumer):
    """faust's consumer over a stand-in broker, whose Fetcher round comes back while the
    hand-over is seeking: as upstream ``Consumer.getmany`` does when it finds the flow
    stopped, it asks for a seek back to the committed offsets right after the continuity
    seek (the interleaving of the continuity test's failure in CI, stop 24)."""

    def setup(self, calls: list[Any], committed: dict[TP, int]) -> None:
        self.calls, self.committed = calls, committed
        self._read_offset, self._committed_offset = {}, {}
        self.position: dict[TP, int] = {}
        self.owned_at: dict[str, bool] = {}

    def assignment(self) -> set[TP]:
        return {STREAM_A, STREAM_B, CHANGELOG}

    def fetching_any(self, tps: Any) -> bool:
        return False

    def pause_partitions(self, tps: Any) -> None:
        pass

    def resume_partitions(self, tps: Any) -> None:
        self.owned_at["resume"] = self.positions_owned

    def stop_flow(self) -> None:
        self.owned_at["stop_flow"] = self.positions_owned

    def resume_flow(self) -> None:
        self.owned_at["resume_flow"] = self.positions_owned

    async def seek_to_committed(self) -> dict[TP, int]:
        self.calls.append("seek_committed")
        self.position.update(self.committed)
        return dict(self.committed)

    async def earliest_offsets(self, *tps: TP) -> dict[TP, int]:
        return dict.fromkeys(tps, 0)

    async def seek_wait(self, offsets: dict[TP, int]) -> None:
        self.calls.append("seek_continuity")
        self.position.update(offsets)
        self._read_offset.update(offsets)
        await self.perform_seek()  # the Fetcher's round, back with the flow stopped


def test_a_seek_back_asked_during_the_hand_over_does_not_undo_the_continuity_seek() -> None:
    calls: list[Any] = []
    rec = recovery(calls, {})
    consumer = object.__new__(RacingConsumer)
    consumer.setup([], {STREAM_A: 7, STREAM_B: 5})
    rec.app.consumer = consumer
    FakeApplied(rec.app, {STREAM_A.topic}, {"orders:0": 3})  # orders[0]: 4..6 never applied
    asyncio.run(rec._hand_over_streams())
    assert consumer.calls == ["seek_committed", "seek_continuity"]  # the third one skipped
    assert consumer.position[STREAM_A] == 4 and consumer._read_offset[STREAM_A] == 4
    # owned from before the flow stops to after it resumes, and given back
    assert consumer.owned_at == {"stop_flow": True, "resume": True, "resume_flow": True}
    assert not consumer.positions_owned
    asyncio.run(consumer.perform_seek())  # outside a hand-over: upstream's seek as ever
    assert consumer.position[STREAM_A] == 7
