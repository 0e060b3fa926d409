"""`fenliu run router` as a process: SIGTERM stops it cleanly, replicas share the work."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections import Counter as Tally

import pytest
from confluent_kafka import Consumer, Producer, TopicPartition

from fenliu.processors.records import decision_from_record
from fenliu.schemas.serde import SingleObjectCodec
from fenliu.streams.kafka.config import confluent_config
from fenliu.topics import catalogue as topics
from fenliu.topics.admin import apply_topics
from tests.factories import call110, ticket12345
from tests.ports import unused_port

pytestmark = [pytest.mark.kafka, pytest.mark.stack_parallel]
CODEC = SingleObjectCodec()
TEXTS = [
    "楼上装修噪音太大，中午都不停",
    "饭店老板拖欠我两个月工资不给",
    "我在超市买到过期的牛奶",
    "隔壁邻居家的狗天天半夜叫",
]


def _start_router(settings, metrics_port: int) -> subprocess.Popen:
    env = {
        **os.environ,
        "FENLIU_TOPIC_PREFIX": settings.topics.prefix,
        "FENLIU_REDIS_URL": settings.teams.redis_url,
        "FENLIU_ROUTER_GROUP": settings.router.group,
        "FENLIU_METRICS_PORT": str(metrics_port),
        "FENLIU_KAFKA_BOOTSTRAP": settings.kafka.bootstrap,
    }
    return subprocess.Popen(
        [sys.executable, "-m", "fenliu.cli", "run", "router"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _metric(port: int, name: str) -> float:
    body = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()
    return sum(
        float(line.rsplit(" ", 1)[1])
        for line in body.splitlines()
        if line.startswith(name) and not line.startswith("#")
    )


def _produce(settings, n: int, *, tickets: bool = False) -> None:
    """``n`` calls on the 110 topic, or alternately calls and tickets on both raw topics."""
    producer = Producer(confluent_config(settings))
    for i in range(n):
        text, phone = TEXTS[i % len(TEXTS)], f"1391234{i:04d}"
        if tickets and i % 2:
            topic, value = (
                topics.RAW_12345,
                CODEC.encode("Ticket12345", ticket12345(f"S{i}", text, phone=phone)),
            )
        else:
            topic, value = (
                topics.RAW_110,
                CODEC.encode("Call110", call110(f"S{i}", text, phone=phone)),
            )
        producer.produce(settings.topic(topic), value, key=f"S{i}".encode())
    assert producer.flush(30) == 0


def _decisions(settings, expected: int, timeout_s: float = 90) -> list:
    consumer = Consumer(
        confluent_config(
            settings,
            **{"group.id": f"{settings.topics.prefix}reader", "auto.offset.reset": "earliest"},
        )
    )
    consumer.subscribe([settings.topic(topics.DECISIONS)])
    out: list = []
    deadline = time.monotonic() + timeout_s
    while len(out) < expected and time.monotonic() < deadline:
        out += [
            decision_from_record(CODEC.decode(m.value(), "Decision"))
            for m in consumer.consume(200, timeout=0.5)
            if m.error() is None
        ]
    consumer.close()
    return out


def _stop(proc: subprocess.Popen) -> str:
    proc.send_signal(signal.SIGTERM)
    output, _ = proc.communicate(timeout=60)
    return output


@pytest.fixture()
def router_settings(isolated_settings):
    settings = isolated_settings.replace(
        router={"group": f"{isolated_settings.topics.prefix}router"}
    )
    apply_topics(settings)
    return settings


def test_sigterm_finishes_commits_and_exits_zero(router_settings):
    settings = router_settings
    port = unused_port()
    proc = _start_router(settings, port)
    try:
        _produce(settings, 40)
        got = _decisions(settings, 40)
        assert sorted(d.event.source_id for d in got) == sorted(f"S{i}" for i in range(40))
        assert _metric(port, "fenliu_router_events_in_total") == 40
        assert _metric(port, "fenliu_router_decisions_total") == 40
    finally:
        output = _stop(proc)
    assert proc.returncode == 0, output
    assert "router stopped" in output
    assert "1391234" not in output  # no raw phone number reaches a log line
    consumer = Consumer(confluent_config(settings, **{"group.id": settings.router.group}))
    parts = [
        TopicPartition(settings.topic(topics.RAW_110), p) for p in range(settings.topics.partitions)
    ]
    committed = sum(max(tp.offset, 0) for tp in consumer.committed(parts, timeout=10))
    consumer.close()
    assert committed == 40


def test_two_replicas_share_partitions_and_decide_each_call(router_settings):
    settings = router_settings
    ports = [unused_port(), unused_port()]
    procs = [_start_router(settings, p) for p in ports]
    try:
        deadline = time.monotonic() + 60  # both replicas own partitions before traffic starts
        while time.monotonic() < deadline:
            try:
                owned = [_metric(p, "fenliu_router_assigned_partitions") for p in ports]
            except OSError:  # metrics server not up yet
                owned = [0, 0]
            if all(owned) and sum(owned) == 2 * settings.topics.partitions:
                break
            time.sleep(0.2)
        _produce(settings, 300, tickets=True)  # both topics: the assignor may split by topic
        got = _decisions(settings, 300)
        per_replica = [_metric(p, "fenliu_router_events_in_total") for p in ports]
    finally:
        outputs = [_stop(p) for p in procs]
    assert all(p.returncode == 0 for p in procs), outputs
    ids = Tally(d.event.source_id for d in got)
    assert set(ids) == {f"S{i}" for i in range(300)}
    # at-least-once: a record may be decided twice around a rebalance, but always identically
    by_source: dict[str, set[str]] = {}
    for d in got:
        by_source.setdefault(d.event.source_id, set()).add(d.decision_id)
    assert all(len(v) == 1 for v in by_source.values())
    assert all(n > 0 for n in per_replica), per_replica
    assert sum(per_replica) >= 300
