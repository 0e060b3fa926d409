"""streams/kafka/watchdog.py against the real broker: a stranded producer is replaced and
every unacknowledged record reaches its topic, once, with its first timestamp.

librdkafka #5301 itself (a Metadata answer with no brokers from a broker in controlled
shutdown) cannot be forced here. The first test strands the first producer for real in the
other way the watchdog knows (its only broker never answers: the `stall` signal, read from
librdkafka's own statistics); the second keeps a working producer's records in its queue
and has its statistics report the #5301 picture (no broker left), so the purge of queued
records and their re-production run on a real producer against the real broker.
"""

from __future__ import annotations

import json
import logging
import socket
import time
from collections import Counter
from typing import Any

import pytest
from confluent_kafka import (
    OFFSET_BEGINNING,
    Consumer,
    KafkaError,
    Message,
    Producer,
    TopicPartition,
)

from fenliu.processors.producer_watch import WatchPolicy
from fenliu.streams.kafka.config import confluent_config
from fenliu.streams.kafka.watchdog import RECREATED, RESENT, WatchedProducer

pytestmark = pytest.mark.kafka


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class FirstBootstrapDead(WatchedProducer):
    """The first producer's only broker is a port nobody listens on (known, never UP)."""

    def _new_producer(self) -> Producer:
        if self._generation == 0:
            real = self.config
            self.config = {**real, "bootstrap.servers": f"127.0.0.1:{_closed_port()}"}
            try:
                return super()._new_producer()
            finally:
                self.config = real
        return super()._new_producer()


class FirstLosesItsBroker(WatchedProducer):
    """The first producer lingers (its records stay queued) and, once ``strand`` is set,
    its statistics list no broker: the picture librdkafka #5301 leaves."""

    strand = False

    def _new_producer(self) -> Producer:
        if self._generation == 0:
            real = self.config
            self.config = {**real, "linger.ms": 200_000}
            try:
                return super()._new_producer()
            finally:
                self.config = real
        return super()._new_producer()

    def _on_stats(self, generation: int, raw: str) -> None:
        if generation == 0 and self.strand and generation == self._generation:
            stats = json.loads(raw)
            stats["brokers"] = {}
            raw = json.dumps(stats)
        super()._on_stats(generation, raw)


def _read(settings: Any, topic: str, partitions: int, expect: int) -> list[Message]:
    c = Consumer(confluent_config(settings, **{"group.id": f"{topic}-read"}))
    try:
        c.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in range(partitions)])
        out: list[Message] = []
        idle = 0
        while idle < 6 or len(out) < expect and idle < 60:  # a few empty polls past the end
            got = [m for m in c.consume(1000, timeout=0.5) if m.error() is None]
            out += got
            idle = 0 if got else idle + 1
        return out
    finally:
        c.close()


def _config(settings: Any) -> dict[str, Any]:
    return confluent_config(settings, **{"enable.idempotence": True, "acks": "all"})


def _counted(client: str) -> tuple[float, float]:
    recreated = sum(
        s.value
        for m in RECREATED.collect()
        for s in m.samples
        if s.name.endswith("_total") and s.labels["client"] == client
    )
    resent = sum(
        s.value
        for m in RESENT.collect()
        for s in m.samples
        if s.name.endswith("_total") and s.labels["client"] == client
    )
    return recreated, resent


def test_a_producer_whose_broker_never_answers_is_recreated_and_delivers_every_record_once(
    isolated_settings, topic_factory, caplog
) -> None:
    topic = topic_factory(partitions=3)
    reports: list[tuple[str, KafkaError | None]] = []
    producer = FirstBootstrapDead(
        _config(isolated_settings),
        WatchPolicy(no_broker_s=30.0, stall_s=3.0),
        client="test-stall",
        stats_interval_ms=200,
        check_every_s=0.2,
    )
    ids = [f"call-{i:04d}" for i in range(300)]
    with caplog.at_level(logging.WARNING, logger="fenliu.kafka.watchdog"):
        for i in ids:
            producer.produce(
                topic,
                f"value of {i}".encode(),
                i.encode(),
                on_delivery=lambda err, msg, i=i: reports.append((i, err)),
            )
        left = producer.flush(120)

    assert left == 0
    assert producer.recreated == 1
    assert _counted("test-stall") == (1.0, 300.0)
    assert sorted(reports) == sorted((i, None) for i in ids)  # one report each, all delivered
    assert any("#5301" in r.getMessage() and "stranded" in r.getMessage() for r in caplog.records)
    got = Counter((m.key() or b"").decode() for m in _read(isolated_settings, topic, 3, 300))
    assert got == Counter(ids)  # the first producer never reached a broker: nothing twice
    producer.close()


def test_queued_records_of_a_producer_left_without_brokers_are_produced_again_once(
    isolated_settings, topic_factory
) -> None:
    topic = topic_factory(partitions=3)
    reports: list[tuple[str, KafkaError | None]] = []
    producer = FirstLosesItsBroker(
        _config(isolated_settings),
        WatchPolicy(no_broker_s=0.5, stall_s=600.0),
        client="test-no-broker",
        stats_interval_ms=100,
        check_every_s=0.2,
    )

    def send(ids: list[str]) -> None:
        for i in ids:
            producer.produce(
                topic,
                f"value of {i}".encode(),
                i.encode(),
                headers=[("decision_id", i.encode())],
                on_delivery=lambda err, msg, i=i: reports.append((i, err)),
            )

    early = [f"early-{i:03d}" for i in range(100)]
    late = [f"late-{i:03d}" for i in range(100)]
    send(early)
    assert producer.flush(60) == 0  # acknowledged on the first producer: never sent again
    assert producer.recreated == 0

    send(late)  # they linger in the first producer's queue (linger.ms 200 s)
    stamped_before_ms = time.time_ns() // 1_000_000
    producer.strand = True
    for _ in range(600):  # statistics every 0.1 s, the grace 0.5 s
        producer.poll(0.1)
        if producer.recreated:
            break
    assert producer.recreated == 1
    assert producer.flush(60) == 0

    assert _counted("test-no-broker") == (1.0, 100.0)
    assert sorted(reports) == sorted((i, None) for i in early + late)
    records = _read(isolated_settings, topic, 3, 200)
    assert Counter((m.key() or b"").decode() for m in records) == Counter(early + late)
    for m in records:  # byte-identical repeats: value, header and first timestamp kept
        key = (m.key() or b"").decode()
        assert m.value() == f"value of {key}".encode()
        assert m.headers() == [("decision_id", key.encode())]
        if key.startswith("late-"):
            assert m.timestamp()[1] <= stamped_before_ms
    producer.close()
