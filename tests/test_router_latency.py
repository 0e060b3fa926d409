"""The router and grid-sink take what is there: a partial batch is worked on at once,
never after a wait for a full batch; offsets are committed only once acknowledged.

Fakes stand in for confluent-kafka's consumer and producer. The fake consumer models
``consume(n, timeout)``'s contract (it returns early only with ``n`` records) and fails
the test if it is asked to wait for records that are not there: no clock is read.
"""

from __future__ import annotations

import threading

import pytest
from confluent_kafka import KafkaError, TopicPartition

from fenliu.settings import Settings
from fenliu.streams.kafka import commit as commit_module
from fenliu.streams.kafka.commit import Committer
from fenliu.streams.kafka.produce import DeliveryFailed, Output
from fenliu.streams.kafka.take import take_available
from fenliu.streams.router import service as router_module
from fenliu.streams.router.service import Router
from fenliu.topics import catalogue as topics


class Msg:
    def __init__(self, topic: str, partition: int, offset: int) -> None:
        self._pos = (topic, partition, offset)

    def topic(self) -> str:
        return self._pos[0]

    def partition(self) -> int:
        return self._pos[1]

    def offset(self) -> int:
        return self._pos[2]

    def error(self) -> None:
        return None

    def key(self) -> bytes:
        return b"k"

    def value(self) -> bytes:
        return b"v"


class WouldWait(AssertionError):
    """consume() was asked for more records than are buffered, with a timeout to wait."""


class FakeConsumer:
    """A buffer of records; ``consume`` waits (here: fails) when asked for more than it has."""

    def __init__(self, buffered: list[Msg], stop: threading.Event | None = None) -> None:
        self.buffered = list(buffered)
        self.stop = stop
        self.commits: list[list[tuple[str, int, int]]] = []
        self.waited: list[bool] = []  # per commit: synchronous?
        self.calls: list[tuple[str, int, float]] = []

    def poll(self, timeout: float = -1) -> Msg | None:
        self.calls.append(("poll", 1, timeout))
        if self.buffered:
            return self.buffered.pop(0)
        if self.stop is not None:
            self.stop.set()  # the test's input is used up: let the loop end
        return None

    def consume(self, num_messages: int = 1, timeout: float = -1) -> list[Msg]:
        self.calls.append(("consume", num_messages, timeout))
        if len(self.buffered) < num_messages and timeout != 0:
            raise WouldWait(f"asked for {num_messages} with {len(self.buffered)} buffered")
        taken, self.buffered = self.buffered[:num_messages], self.buffered[num_messages:]
        return taken

    def commit(self, offsets: list[TopicPartition], asynchronous: bool = True) -> None:
        self.commits.append([(tp.topic, tp.partition, tp.offset) for tp in offsets])
        self.waited.append(not asynchronous)

    def subscribe(self, topics, on_assign=None, on_revoke=None, on_lost=None) -> None:
        self.topics = topics

    def close(self) -> None:
        pass


class FakeProducer:
    def __init__(self) -> None:
        self.unacked: list = []
        self.acked: list[tuple[str, bytes]] = []

    def produce(self, topic, value, key, headers=None, on_delivery=None) -> None:
        self.unacked.append((topic, value, on_delivery))

    def flush(self, timeout: float = -1) -> int:
        for topic, value, on_delivery in self.unacked:
            on_delivery(None, None)
            self.acked.append((topic, value))
        self.unacked = []
        return 0


def _msgs(n: int, topic: str = "raw", partition: int = 0) -> list[Msg]:
    return [Msg(topic, partition, i) for i in range(n)]


# --- take_available -------------------------------------------------------------------


def test_a_partial_batch_is_taken_without_waiting_for_a_full_one():
    consumer = FakeConsumer(_msgs(3))
    got = take_available(consumer, 500, wait_s=30.0)
    assert [m.offset() for m in got] == [0, 1, 2]
    # only the first record was waited for; the rest were taken as they were
    assert consumer.calls == [("poll", 1, 30.0), ("consume", 499, 0)]


def test_a_full_batch_is_capped_and_the_rest_stays_for_the_next():
    consumer = FakeConsumer(_msgs(10))
    assert len(take_available(consumer, 4, wait_s=1.0)) == 4
    assert [m.offset() for m in take_available(consumer, 100, wait_s=1.0)] == list(range(4, 10))


def test_nothing_there_is_an_empty_batch_and_no_second_call():
    consumer = FakeConsumer([])
    assert take_available(consumer, 500, wait_s=0.5) == []
    assert consumer.calls == [("poll", 1, 0.5)]


def test_a_batch_of_one_is_a_single_poll():
    consumer = FakeConsumer(_msgs(3))
    assert len(take_available(consumer, 1, wait_s=0.5)) == 1
    assert consumer.calls == [("poll", 1, 0.5)]


# --- Committer -------------------------------------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_acknowledged_offsets_wait_for_the_interval_then_go_in_one_commit():
    consumer, clock = FakeConsumer([]), Clock()
    c = Committer(consumer, interval_s=0.2, clock=clock)
    c.acknowledged(_msgs(3))
    c.acknowledged([Msg("raw", 1, 7)])
    assert consumer.commits == []  # within the interval: nothing yet
    clock.now += 0.2
    c.acknowledged([Msg("raw", 0, 3)])
    assert consumer.commits == [[("raw", 0, 4), ("raw", 1, 8)]]  # one past the highest
    assert consumer.waited == [False]  # the loop does not wait for the broker's answer
    assert c.pending == {}


def test_an_idle_commit_takes_what_is_pending_and_interval_zero_commits_every_batch():
    consumer, clock = FakeConsumer([]), Clock()
    c = Committer(consumer, interval_s=5, clock=clock)
    c.acknowledged(_msgs(2))
    assert consumer.commits == []
    assert c.commit() is True
    assert consumer.commits == [[("raw", 0, 2)]] and consumer.waited == [True]
    assert c.commit() is True and len(consumer.commits) == 1  # nothing pending: no call
    every = Committer(consumer, interval_s=0, clock=clock)
    every.acknowledged([Msg("raw", 0, 2)])
    assert consumer.commits[-1] == [("raw", 0, 3)]


def test_a_revoke_commits_only_its_partitions_and_a_loss_forgets_them():
    consumer, clock = FakeConsumer([]), Clock()
    c = Committer(consumer, interval_s=60, clock=clock)
    c.acknowledged([Msg("raw", 0, 5), Msg("raw", 1, 9), Msg("raw", 2, 1)])
    c.commit(only=[("raw", 1)])
    assert consumer.commits == [[("raw", 1, 10)]]
    c.forget([("raw", 2)])
    c.commit()
    assert consumer.commits[-1] == [("raw", 0, 6)]


def test_a_failed_commit_answer_puts_the_offsets_back_unless_overtaken_or_not_ours():
    consumer, clock = FakeConsumer([]), Clock()
    c = Committer(consumer, interval_s=0, clock=clock)
    c.assigned([("raw", 0), ("raw", 1), ("raw", 2)])
    c.acknowledged([Msg("raw", 0, 4), Msg("raw", 1, 9), Msg("raw", 2, 3)])  # sent, unanswered
    assert c.pending == {}
    c.acknowledged([Msg("raw", 2, 6)])  # a later batch of partition 2: waits its turn
    c.forget([("raw", 1)])  # ... and partition 1 is revoked
    c.on_commit(
        KafkaError(KafkaError.REBALANCE_IN_PROGRESS),
        [TopicPartition("raw", 0, 5), TopicPartition("raw", 1, 10), TopicPartition("raw", 2, 4)],
    )
    # partition 0 is ours again to commit, 1 is not ours, 2 was overtaken by offset 7
    assert c.pending == {("raw", 0): 5, ("raw", 2): 7}
    c.acknowledged([Msg("raw", 0, 7)])
    assert sorted(consumer.commits[-1]) == [("raw", 0, 8), ("raw", 2, 7)]
    c.on_commit(None, [TopicPartition("raw", 0, 8), TopicPartition("raw", 2, 7)])
    assert c.pending == {}  # a success changes nothing


def test_a_commit_waits_for_the_answer_to_the_previous_one_so_none_lands_out_of_order():
    """Issue 12: after a broker restart librdkafka retried an older commit (raw.110[3] at
    63) that landed after a newer one (176); the router had read everything, so nothing
    corrected it and its group never caught up. One commit in flight at a time."""
    consumer, clock = FakeConsumer([]), Clock()
    c = Committer(consumer, interval_s=0.2, clock=clock)
    c.assigned([("raw", 3)])
    clock.now += 1
    c.acknowledged([Msg("raw", 3, 62)])
    assert consumer.commits == [[("raw", 3, 63)]]  # sent; no answer yet (broker away)
    clock.now += 1
    c.acknowledged([Msg("raw", 3, 175)])
    assert c.commit(wait=False) is False  # the idle loop's commit: still unanswered
    assert consumer.commits == [[("raw", 3, 63)]] and c.pending == {("raw", 3): 176}
    c.on_commit(None, [TopicPartition("raw", 3, 63)])  # the broker answers, late
    assert c.commit(wait=False) is True
    assert consumer.commits == [[("raw", 3, 63)], [("raw", 3, 176)]]  # in order
    assert c.pending == {}


def test_a_failed_commit_keeps_its_offsets_for_the_next_attempt(monkeypatch):
    consumer, clock = FakeConsumer([]), Clock()
    outcomes = iter([False, True])
    monkeypatch.setattr(commit_module, "commit_offsets", lambda _c, _o: next(outcomes))
    c = Committer(consumer, interval_s=60, clock=clock)
    c.acknowledged(_msgs(4))
    assert c.commit() is False and c.pending == {("raw", 0): 4}  # the retries ran out
    assert c.commit() is True and c.pending == {}


# --- the router's loop -----------------------------------------------------------------


def test_the_router_decides_a_partial_batch_and_commits_it_only_after_acknowledgement(
    monkeypatch,
):
    """3 records with a batch size of 500 and an hour's poll timeout: they are produced
    and committed in the first round, and the loop never asks to wait for more."""
    settings = Settings().replace(router={"batch_size": 500, "poll_timeout_s": 3600.0})
    stop = threading.Event()
    raw = settings.topic(topics.RAW_110)
    consumer = FakeConsumer(_msgs(3, topic=raw), stop)
    producer = FakeProducer()
    monkeypatch.setattr(router_module, "watched_consumer", lambda _s, _conf, **_kw: consumer)
    monkeypatch.setattr(router_module, "watched_producer", lambda _s, _conf, client: producer)
    router = Router(settings, decider=None, codec=None, teams=None)  # type: ignore[arg-type]
    beats: list[int] = []
    router.heartbeat = lambda: beats.append(1)
    seen: list[int] = []

    def decide(msgs):
        seen.append(len(msgs))
        assert producer.unacked == [] and consumer.commits == []  # nothing before the work
        return [Output("decisions", b"k", b"d%d" % m.offset()) for m in msgs]

    router.process_batch = decide  # type: ignore[method-assign]
    router.run(stop)  # returns once the fake's input is used up
    assert seen == [3]  # one batch of what was there
    assert [v for _, v in producer.acked] == [b"d0", b"d1", b"d2"]
    assert consumer.commits == [[(raw, 0, 3)]]  # after the acknowledgement, once
    assert len(beats) >= 2  # the loop came back for /health
    assert not any(kind == "consume" and timeout != 0 for kind, _, timeout in consumer.calls)


def test_the_router_does_not_commit_a_batch_the_broker_did_not_acknowledge(monkeypatch):
    settings = Settings().replace(router={"poll_timeout_s": 3600.0})
    stop = threading.Event()
    consumer = FakeConsumer(_msgs(2, topic=settings.topic(topics.RAW_110)), stop)

    class Refusing(FakeProducer):
        def flush(self, timeout: float = -1) -> int:
            return len(self.unacked)  # still unacknowledged when the wait ends

    monkeypatch.setattr(router_module, "watched_consumer", lambda _s, _conf, **_kw: consumer)
    monkeypatch.setattr(router_module, "watched_producer", lambda _s, _conf, client: Refusing())
    router = Router(settings, decider=None, codec=None, teams=None)  # type: ignore[arg-type]
    router.process_batch = lambda msgs: [Output("d", None, b"x") for _ in msgs]  # type: ignore[method-assign]
    with pytest.raises(DeliveryFailed):
        router.run(stop)
    assert consumer.commits == []
