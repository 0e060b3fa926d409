"""Contracts against the real broker: topics apply is idempotent, every schema survives Kafka."""

from __future__ import annotations

import time
import uuid

import pytest
from confluent_kafka import Consumer, Producer
from fastavro.utils import generate_many

from fenliu.schemas.catalog import default_catalog
from fenliu.schemas.serde import SingleObjectCodec
from fenliu.streams.kafka.config import confluent_config
from fenliu.topics.admin import apply_topics, delete_topics
from fenliu.topics.catalogue import default_catalogue

pytestmark = [pytest.mark.kafka, pytest.mark.stack_parallel]


@pytest.fixture()
def applied(settings):
    """The whole catalogue created under a prefix unique to this test, deleted after."""
    isolated = settings.replace(
        topics={"prefix": f"{settings.topics.prefix}{uuid.uuid4().hex[:8]}-"}
    )
    first = apply_topics(isolated)
    yield isolated, first
    delete_topics(isolated)


def test_apply_creates_then_is_a_no_op(applied):
    isolated, first = applied
    assert {r.action for r in first} == {"created"}
    assert len(first) == len(default_catalogue().topics)
    second = apply_topics(isolated)
    assert [(r.topic, r.action) for r in second] == [(r.topic, "ok") for r in first]


def test_apply_reports_and_fixes_drift(applied):
    isolated, _ = applied
    from confluent_kafka.admin import (
        AdminClient,
        AlterConfigOpType,
        ConfigEntry,
        ConfigResource,
        ResourceType,
    )

    admin = AdminClient(confluent_config(isolated))
    name = isolated.topic("fenliu.decisions")
    res = ConfigResource(
        ResourceType.TOPIC,
        name,
        incremental_configs=[
            ConfigEntry("retention.ms", "60000", incremental_operation=AlterConfigOpType.SET)
        ],
    )
    admin.incremental_alter_configs([res])[res].result(30)
    for _ in range(50):  # the broker applies config changes through its metadata log
        drift = {r.topic: r for r in apply_topics(isolated)}
        if drift[name].action != "ok":
            break
        time.sleep(0.2)
    assert drift[name].action == "drift" and "retention.ms 60000" in drift[name].detail
    assert {r.topic: r.action for r in apply_topics(isolated, fix=True)}[name] == "fixed"
    for _ in range(50):
        actions = {r.action for r in apply_topics(isolated)}
        if actions == {"ok"}:
            break
        time.sleep(0.2)
    assert actions == {"ok"}


def test_every_schema_round_trips_through_kafka(applied, consumer_group):
    isolated, _ = applied
    codec = SingleObjectCodec()
    catalogue = default_catalogue()
    sent: dict[str, list[bytes]] = {}
    producer = Producer(confluent_config(isolated, **{"enable.idempotence": True}))
    for spec in catalogue.topics:
        records = list(generate_many(default_catalog()[spec.value].parsed, 5))
        sent[isolated.topic(spec.name)] = [codec.encode(spec.value, r) for r in records]
        for value in sent[isolated.topic(spec.name)]:
            producer.produce(isolated.topic(spec.name), value, key=b"k")
    assert producer.flush(30) == 0

    consumer = Consumer(
        confluent_config(isolated, **{"group.id": consumer_group, "auto.offset.reset": "earliest"})
    )
    consumer.subscribe(list(sent))
    received: dict[str, list[bytes]] = {t: [] for t in sent}
    total = sum(len(v) for v in sent.values())
    got = 0
    for _ in range(120):
        for msg in consumer.consume(100, timeout=0.5):
            assert msg.error() is None
            received[msg.topic()].append(msg.value())
            got += 1
        if got >= total:
            break
    consumer.close()
    for topic, values in sent.items():
        spec = catalogue[topic.removeprefix(isolated.topics.prefix)]
        assert sorted(received[topic]) == sorted(values), topic
        for value in received[topic]:
            decoded = codec.decode(value, expect=spec.value)
            assert codec.encode(spec.value, decoded) == value
