"""The sink base: retries and their attempt log, waiting on the breaker, commit-after-ack, per-key lanes."""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Callable

import pytest
from confluent_kafka import KafkaError, TopicPartition
from hypothesis import given
from hypothesis import strategies as st

from fenliu.sinks.base import (
    Ack,
    Cancelled,
    Deliverer,
    OffsetTracker,
    PermanentError,
    RetryPolicy,
    Sink,
    TransientError,
)
from fenliu.sinks.circuit import CircuitBreaker, State
from fenliu.sinks.grid.delivery import KeyedLanes
from fenliu.streams.kafka.commit import Committer

FAST = RetryPolicy(max_attempts=4, backoff_initial_s=0.001, backoff_max_s=0.005)


class ScriptedSink(Sink[str]):
    """Answers ``send`` from a script: an exception to raise, or None for an ack."""

    name = "scripted"

    def __init__(
        self, script: list[Exception | None], probes: list[Exception | None] | None = None
    ):
        self.script = list(script)
        self.probes = list(probes or [])
        self.sent: list[str] = []
        self.probed = 0

    def send(self, item: str) -> Ack:
        self.sent.append(item)
        outcome = self.script.pop(0) if self.script else None
        if outcome is not None:
            raise outcome
        return Ack(201, "created")

    def probe(self) -> None:
        self.probed += 1
        outcome = self.probes.pop(0) if self.probes else None
        if outcome is not None:
            raise outcome


def deliverer(
    sink: ScriptedSink, policy: RetryPolicy = FAST, failures: int = 100
) -> Deliverer[str]:
    return Deliverer(sink, policy, CircuitBreaker(failures, 0.01, name="test"))


def never() -> bool:
    return False


def test_transient_failures_are_retried_until_the_platform_acknowledges() -> None:
    sink = ScriptedSink([TransientError("HTTP 500: boom"), TransientError("timeout: read")])
    outcome = deliverer(sink).deliver("o1", never)
    assert outcome.delivered and outcome.ack == Ack(201, "created")
    assert sink.sent == ["o1", "o1", "o1"]
    assert len(outcome.attempts) == 2
    assert "HTTP 500: boom" in outcome.attempts[0] and "timeout: read" in outcome.attempts[1]


def test_used_up_attempts_give_a_dead_letter_outcome_with_every_error_in_order() -> None:
    errors = [TransientError(f"HTTP 50{i}") for i in range(4)]
    sink = ScriptedSink(list(errors))
    outcome = deliverer(sink).deliver("o1", never)
    assert not outcome.delivered
    assert outcome.reason == "DELIVERY_FAILED"
    assert [a.split(": ", 1)[1] for a in outcome.attempts] == [str(e) for e in errors]
    assert [a.split(" ")[1] for a in outcome.attempts] == ["1", "2", "3", "4"]


def test_a_permanent_refusal_is_not_retried() -> None:
    sink = ScriptedSink([PermanentError("HTTP 422: invalid_order")])
    outcome = deliverer(sink).deliver("o1", never)
    assert outcome.reason == "REJECTED"
    assert sink.sent == ["o1"]
    assert len(outcome.attempts) == 1 and "422" in outcome.attempts[0]


def test_while_the_breaker_is_open_the_item_waits_without_using_attempts() -> None:
    # 2 failures open the breaker; the platform stays down for 3 probes; then the order goes
    sink = ScriptedSink(
        [TransientError("HTTP 503"), TransientError("HTTP 503")],
        probes=[ConnectionError("down"), ConnectionError("down"), ConnectionError("down")],
    )
    policy = RetryPolicy(max_attempts=3, backoff_initial_s=0.001, backoff_max_s=0.002)
    d = deliverer(sink, policy, failures=2)
    outcome = d.deliver("o1", never)
    assert outcome.delivered
    assert len(outcome.attempts) == 2  # the waiting did not count
    assert sink.probed == 4
    assert d.breaker.state is State.CLOSED


def test_cancelling_a_waiting_item_raises_and_sends_nothing_more() -> None:
    sink = ScriptedSink([TransientError("HTTP 503")] * 10, probes=[ConnectionError("down")] * 1000)
    d = deliverer(sink, failures=1)
    stop = threading.Event()
    timer = threading.Timer(0.2, stop.set)
    timer.start()
    with pytest.raises(Cancelled):
        d.deliver("o1", stop.is_set)
    assert sink.sent == ["o1"]


def test_backoff_honours_retry_after_within_the_maximum() -> None:
    policy = RetryPolicy(max_attempts=5, backoff_initial_s=0.001, backoff_max_s=2.0)
    d = deliverer(ScriptedSink([]), policy)

    class _State:
        attempt_number = 1

        class outcome:
            @staticmethod
            def exception() -> Exception:
                return TransientError("HTTP 429", retry_after_s=1.5)

    assert 1.5 <= d._wait(_State()) <= 2.0  # type: ignore[arg-type]
    _State.outcome.exception = staticmethod(lambda: TransientError("x", retry_after_s=60))  # type: ignore[method-assign]
    assert d._wait(_State()) == 2.0  # type: ignore[arg-type]


# --- commit-after-ack ---------------------------------------------------------------------
@given(st.integers(1, 40).flatmap(lambda n: st.permutations(list(range(n)))), st.integers(0, 40))
def test_commit_never_passes_an_unacknowledged_offset(order: list[int], acked: int) -> None:
    tracker = OffsetTracker()
    for offset in range(len(order)):
        tracker.add("t", 0, 100 + offset)
    done: set[int] = set()
    committed = 100
    for offset in order[:acked]:
        tracker.done("t", 0, 100 + offset)
        done.add(offset)
        for tp in tracker.take_committable():
            assert tp.offset > committed
            committed = tp.offset
    prefix = 0
    while prefix in done:
        prefix += 1
    assert committed == 100 + prefix
    assert tracker.pending() == len(order) - prefix


def test_revoked_partitions_are_forgotten_and_late_acks_ignored() -> None:
    tracker = OffsetTracker()
    tracker.add("t", 0, 5)
    tracker.add("t", 1, 7)
    tracker.forget({("t", 0)})
    tracker.done("t", 0, 5)
    tracker.done("t", 1, 7)
    assert [(tp.partition, tp.offset) for tp in tracker.take_committable()] == [(1, 8)]
    assert tracker.take_committable() == []


# --- per-key lanes --------------------------------------------------------------------------
def test_lanes_keep_each_keys_order_and_run_different_keys_together() -> None:
    lanes = KeyedLanes(4)
    seen: dict[bytes, list[int]] = defaultdict(list)
    lock = threading.Lock()
    both_running = threading.Barrier(2, timeout=10)

    def task(key: bytes, n: int, meet: bool = False) -> Callable[[], None]:
        def run() -> None:
            if meet:
                both_running.wait()  # breaks (and fails) unless a and b run at the same time
            with lock:
                seen[key].append(n)

        return run

    lanes.submit(b"a", task(b"a", 0, meet=True))
    lanes.submit(b"b", task(b"b", 0, meet=True))
    for n in range(1, 50):
        lanes.submit(b"a", task(b"a", n))
        lanes.submit(b"b", task(b"b", n))
        lanes.submit(b"c", task(b"c", n))
    lanes.shutdown()
    assert seen[b"a"] == list(range(50))
    assert seen[b"b"] == list(range(50))
    assert seen[b"c"] == list(range(1, 50))
    assert not both_running.broken


class _CommitLog:
    """The two calls of a confluent-kafka consumer a Committer makes."""

    def __init__(self) -> None:
        self.commits: list[list[tuple[str, int, int]]] = []
        self.waited: list[bool] = []

    def commit(self, offsets: list[TopicPartition], asynchronous: bool) -> None:
        self.commits.append([(tp.topic, tp.partition, tp.offset) for tp in offsets])
        self.waited.append(not asynchronous)


def test_finished_orders_are_committed_without_waiting_and_a_failed_answer_offers_them_again():
    """grid-sink hands the tracker's committable offsets to the router's Committer: the
    loop never waits for the broker, and offsets whose commit failed go again while the
    partition is still owned."""
    tracker, consumer = OffsetTracker(), _CommitLog()
    committer = Committer(consumer, interval_s=0)
    committer.assigned([("t", 0), ("t", 1)])
    for p in (0, 1):
        tracker.add("t", p, 3)
    tracker.add("t", 0, 4)
    for p in (0, 1):
        tracker.done("t", p, 3)
    committer.finished(tracker.take_committable())
    assert consumer.commits == [[("t", 0, 4), ("t", 1, 4)]]  # offset 4 of partition 0 is not done
    assert consumer.waited == [False]
    committer.forget([("t", 1)])  # partition 1 revoked meanwhile
    committer.on_commit(
        KafkaError(KafkaError.REBALANCE_IN_PROGRESS),
        [TopicPartition("t", 0, 4), TopicPartition("t", 1, 4)],
    )
    assert committer.pending == {("t", 0): 4}
    tracker.done("t", 0, 4)
    committer.finished(tracker.take_committable())
    assert consumer.commits[-1] == [("t", 0, 5)]
