"""The upgrade from two per-order tables to one: the pure merge, and the command on the broker."""

from __future__ import annotations

import json

import pytest
from confluent_kafka import Consumer, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic
from hypothesis import given
from hypothesis import strategies as st

from fenliu.processors.order_state_migration import OLD_TABLES, OldRecord, merge_parts
from fenliu.settings import Settings
from fenliu.streams.kafka.config import confluent_config


def test_last_write_of_each_part_wins_and_a_tombstone_removes_it() -> None:
    log = [
        OldRecord("sla", 0, b'"o1"', {"due": 1}),
        OldRecord("rates", 0, b'"o1"', {"signed": False}),
        OldRecord("sla", 0, b'"o1"', {"due": 2}),
        OldRecord("sla", 1, b'"o2"', {"due": 5}),
        OldRecord("rates", 1, b'"o2"', {"signed": True}),
        OldRecord("rates", 1, b'"o2"', None),
        OldRecord("sla", 2, b'"o3"', {"due": 9}),
        OldRecord("sla", 2, b'"o3"', None),
    ]
    assert merge_parts(log) == {
        (0, b'"o1"'): {"sla": {"due": 2}, "rates": {"signed": False}},
        (1, b'"o2"'): {"sla": {"due": 5}},
    }


def test_an_unknown_part_is_an_error() -> None:
    with pytest.raises(ValueError, match="unknown part"):
        merge_parts([OldRecord("hotspot", 0, b"k", 1)])


records = st.lists(
    st.builds(
        OldRecord,
        part=st.sampled_from(sorted(OLD_TABLES)),
        partition=st.integers(0, 2),
        key=st.sampled_from([b'"a"', b'"b"', b'"c"']),
        value=st.one_of(st.none(), st.integers(0, 9)),
    ),
    max_size=40,
)


@given(records)
def test_the_merge_is_what_replaying_each_table_gives(log: list[OldRecord]) -> None:
    tables: dict[str, dict[tuple[int, bytes], int]] = {part: {} for part in OLD_TABLES}
    for r in log:
        if r.value is None:
            tables[r.part].pop((r.partition, r.key), None)
        else:
            tables[r.part][(r.partition, r.key)] = r.value
    merged = merge_parts(log)
    slots = {slot for table in tables.values() for slot in table}
    assert set(merged) == slots
    for slot, entry in merged.items():
        assert entry == {part: t[slot] for part, t in tables.items() if slot in t}


def _produce(settings: Settings, topic: str, rows: list[tuple[int, str, object]]) -> None:
    producer = Producer(confluent_config(settings))
    for partition, key, value in rows:
        encoded = None if value is None else json.dumps(value).encode()
        producer.produce(topic, key=json.dumps(key).encode(), value=encoded, partition=partition)
    assert producer.flush(30) == 0


def _read_all(settings: Settings, topic: str, partitions: int) -> dict[tuple[int, str], object]:
    consumer = Consumer(confluent_config(settings, **{"group.id": "migration-check"}))
    out: dict[tuple[int, str], object] = {}
    try:
        ends = {
            p: consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=30)[1]
            for p in range(partitions)
        }
        consumer.assign([TopicPartition(topic, p, 0) for p, end in ends.items() if end])
        left = sum(ends.values())
        while left:
            msg = consumer.poll(30)
            assert msg is not None, f"{topic}: {left} record(s) not read"
            assert msg.error() is None
            out[(msg.partition(), json.loads(msg.key()))] = json.loads(msg.value())
            left -= 1
    finally:
        consumer.close()
    return out


@pytest.mark.kafka
def test_the_command_carries_open_orders_into_order_state(
    isolated_settings: Settings, kafka_admin: AdminClient
) -> None:
    from fenliu.streams.worker.order_state_migration import (
        MigrationRefused,
        changelog_topic,
        migrate,
    )

    settings = isolated_settings.replace(topics={"partitions": 3})
    sla, rates = (changelog_topic(settings, table) for table in OLD_TABLES.values())
    new = [NewTopic(t, num_partitions=3, replication_factor=1) for t in (sla, rates)]
    for future in kafka_admin.create_topics(new).values():
        future.result(timeout=30)
    _produce(settings, sla, [(0, "o1", {"due": 1}), (0, "o1", {"due": 2}), (2, "o2", {"due": 7})])
    _produce(settings, rates, [(0, "o1", {"signed": False}), (1, "o3", {"n": 1}), (1, "o3", None)])

    dry = migrate(settings, dry_run=True)
    assert (dry.orders, dry.written) == (2, False)
    assert dry.read == {"sla-orders": 3, "rates-orders": 3}

    done = migrate(settings)
    assert done.written and done.target.endswith("-order-state-changelog")
    assert _read_all(settings, done.target, 3) == {
        (0, "o1"): {"sla": {"due": 2}, "rates": {"signed": False}},
        (2, "o2"): {"sla": {"due": 7}},
    }
    with pytest.raises(MigrationRefused, match="already holds records"):
        migrate(settings)
