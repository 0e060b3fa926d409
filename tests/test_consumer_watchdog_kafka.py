"""streams/kafka/consumer_watchdog.py against the real broker: a consumer librdkafka strands
(#5301) is replaced, the service hears its partitions are lost, and the new consumer
resumes from the committed offsets: nothing skipped.

As for the producer (tests/test_producer_watchdog_kafka.py), #5301 itself cannot be forced:
a working consumer's real statistics reports are made to list no broker, so detection,
the hand-back, the close and the new subscription run on real consumers in a real group.
"""

from __future__ import annotations

import logging
from typing import Any

import pytest
from confluent_kafka import Consumer, Message, Producer, TopicPartition

from fenliu.processors.producer_watch import WatchPolicy
from fenliu.streams.kafka.config import confluent_config
from tests.watchdog_support import FirstConsumerLosesItsBroker, consumers_recreated

pytestmark = pytest.mark.kafka

RECORDS = 300


def _produce(settings: Any, topic: str) -> None:
    producer = Producer(confluent_config(settings))
    for i in range(RECORDS):
        producer.produce(topic, f"value {i}".encode(), f"k{i:03d}".encode())
    assert producer.flush(30) == 0


def test_a_stranded_consumer_is_replaced_and_resumes_from_the_committed_offsets(
    isolated_settings, topic_factory, caplog
) -> None:
    topic = topic_factory(partitions=3)
    _produce(isolated_settings, topic)
    group = f"{topic}-group"
    client = f"test-consumer-{topic}"
    replaced: list[bool] = []
    events: list[tuple[str, int, frozenset[int]]] = []  # (callback, generation, partitions)
    consumer = FirstConsumerLosesItsBroker(
        confluent_config(
            isolated_settings,
            **{
                "group.id": group,
                "enable.auto.commit": False,
                "auto.offset.reset": "earliest",
                "partition.assignment.strategy": "cooperative-sticky",
            },
        ),
        WatchPolicy(no_broker_s=0.5, stall_s=600.0),
        client=client,
        stats_interval_ms=100,
        on_recreated=lambda: replaced.append(True),
    )

    def recorder(name: str):  # noqa: ANN202 - a rebalance callback
        def record(_c: Consumer, parts: list[TopicPartition]) -> None:
            events.append((name, consumer.recreated, frozenset(p.partition for p in parts)))

        return record

    consumer.subscribe(
        [topic],
        on_assign=recorder("assign"),
        on_revoke=recorder("revoke"),
        on_lost=recorder("lost"),
    )
    read: list[tuple[int, Message]] = []  # (generation, record)
    while len(read) < 100:
        read += [(0, m) for m in consumer.consume(50, timeout=0.5) if m.error() is None]
    consumer.commit(asynchronous=False)  # everything read so far
    committed = {
        tp.partition: tp.offset
        for tp in consumer.current.committed(
            [TopicPartition(topic, p) for p in range(3)], timeout=10
        )
    }
    ends = {p: _end(isolated_settings, topic, p) for p in range(3)}
    # the new consumer must read each partition from its committed offset to its end
    expected_new = {
        p: set(range(max(committed[p], 0), ends[p])) for p in range(3) if committed[p] < ends[p]
    }
    before = consumers_recreated(client)

    def new_reads() -> dict[int, set[int]]:
        out: dict[int, set[int]] = {p: set() for p in expected_new}
        for generation, m in read:
            if generation == 1 and m.partition() in out:
                out[m.partition()].add(m.offset())
        return out

    consumer.strand = True
    with caplog.at_level(logging.WARNING, logger="fenliu.kafka.watchdog"):
        for _ in range(600):
            got = consumer.consume(20, timeout=0.1)
            read += [(consumer.recreated, m) for m in got if m.error() is None]
            if consumer.recreated and new_reads() == expected_new:
                break
    consumer.close()

    assert consumer.recreated == 1 and replaced == [True]
    assert consumers_recreated(client) == before + 1
    assert any("#5301" in r.getMessage() for r in caplog.records)
    # nothing skipped: every record was read, the new consumer from the committed offsets on
    assert {(m.key() or b"").decode() for _, m in read} == {f"k{i:03d}" for i in range(RECORDS)}
    assert expected_new  # the old consumer had records left to read when it was replaced
    assert new_reads() == expected_new
    first_new: dict[int, int] = {}
    for generation, m in read:
        if generation == 1:
            first_new.setdefault(m.partition(), m.offset())
    assert first_new == {p: min(offsets) for p, offsets in expected_new.items()}
    # the service heard the old partitions lost (once), and nothing of the old consumer's
    # close: its revocation was for partitions already handed back
    old_events = [(name, parts) for name, gen, parts in events if gen == 0]
    assert ("lost", frozenset({0, 1, 2})) in old_events
    assert not [e for e in old_events if e[0] == "revoke"]
    assigned_new = frozenset().union(*(p for n, g, p in events if n == "assign" and g == 1))
    assert assigned_new == {0, 1, 2}


def _end(settings: Any, topic: str, partition: int) -> int:
    """The partition's end offset (one past its last record)."""
    c = Consumer(confluent_config(settings, **{"group.id": f"{topic}-ends"}))
    try:
        return c.get_watermark_offsets(TopicPartition(topic, partition), timeout=10)[1]
    finally:
        c.close()
