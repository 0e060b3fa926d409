"""``fenliu sla migrate-order-state``: carry open orders from the old per-order tables.

Run it once, after the old worker is stopped and before the new one starts (docs/runbook.md,
"Upgrading to one order-state table"). It reads the changelogs of ``sla-orders`` and
``rates-orders`` from the beginning to their end, merges each order's parts
(``processors.order_state_migration``) and writes one record per order to the
``order-state`` changelog, on the partition the order lived on. The new worker restores its
table from that changelog as after any restart. It refuses to write into a changelog that
already holds records (the new worker has run: its state would be overwritten by older
parts); ``--dry-run`` only counts.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from confluent_kafka import Consumer, KafkaError, KafkaException, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

from fenliu.processors.order_state_migration import OLD_TABLES, OldRecord, merge_parts
from fenliu.settings import Settings
from fenliu.streams.kafka.config import confluent_config
from fenliu.streams.worker.app import app_id
from fenliu.streams.worker.table_store import ORDER_STATES

TIMEOUT_S = 30.0


class MigrationRefused(RuntimeError):
    """The target changelog is not empty, or an old changelog could not be read."""


@dataclass(frozen=True)
class MigrationReport:
    read: dict[str, int]  # old table -> records read
    orders: int  # merged entries written (or that would be)
    target: str
    written: bool


def changelog_topic(settings: Settings, table: str) -> str:
    """Faust's name for a table's changelog: ``<app id>-<table>-changelog``."""
    return f"{app_id(settings)}-{table}-changelog"


def _partitions(admin: AdminClient, topic: str) -> list[int] | None:
    found = admin.list_topics(topic, timeout=TIMEOUT_S).topics.get(topic)
    if found is None or found.error is not None or not found.partitions:
        return None
    return sorted(found.partitions)


def _read_to_end(
    settings: Settings, topic: str, partitions: list[int]
) -> list[tuple[int, bytes, bytes | None]]:
    """Every record of ``topic`` from its start to its end now, in log order per partition."""
    consumer = Consumer(
        confluent_config(
            settings,
            **{
                "group.id": f"{app_id(settings)}-migrate-order-state",
                "enable.auto.commit": False,
                "enable.partition.eof": True,
                "auto.offset.reset": "earliest",
            },
        )
    )
    try:
        ends = {
            p: consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=TIMEOUT_S)
            for p in partitions
        }
        todo = {p for p, (low, high) in ends.items() if high > low}
        consumer.assign([TopicPartition(topic, p, ends[p][0]) for p in sorted(todo)])
        out: list[tuple[int, bytes, bytes | None]] = []
        while todo:
            msg = consumer.poll(TIMEOUT_S)
            if msg is None:
                raise MigrationRefused(
                    f"{topic}: no record within {TIMEOUT_S:.0f} s, partitions {sorted(todo)} unread"
                )
            err = msg.error()
            if err is not None and err.code() != KafkaError._PARTITION_EOF:
                raise MigrationRefused(f"{topic}: {err}")
            part, offset = msg.partition() or 0, msg.offset() or 0
            if err is None and offset < ends[part][1]:
                out.append((part, msg.key() or b"", msg.value()))
            if err is not None or offset >= ends[part][1] - 1:
                todo.discard(part)
        return out
    finally:
        consumer.close()


def migrate(settings: Settings, *, dry_run: bool = False) -> MigrationReport:
    """Read the old changelogs, merge, and (unless ``dry_run``) write the new one."""
    admin = AdminClient(confluent_config(settings))
    target = changelog_topic(settings, ORDER_STATES)
    records: list[OldRecord] = []
    read: dict[str, int] = {}
    widest = settings.topics.partitions
    for part, table in OLD_TABLES.items():
        topic = changelog_topic(settings, table)
        partitions = _partitions(admin, topic)
        rows = _read_to_end(settings, topic, partitions) if partitions else []
        widest = max([widest, *(p + 1 for p in partitions or [])])
        read[table] = len(rows)
        records += [
            OldRecord(part, p, key, None if value is None else json.loads(value))
            for p, key, value in rows
        ]
    merged = merge_parts(records)
    if dry_run or not merged:
        return MigrationReport(read, len(merged), target, written=False)
    _ensure_target(settings, admin, target, widest)
    producer = Producer(confluent_config(settings, **{"enable.idempotence": True, "acks": "all"}))
    failures: list[str] = []

    def delivered(err: KafkaError | None, _msg: object) -> None:
        if err is not None:
            failures.append(str(err))

    for (partition, key), entry in sorted(merged.items()):
        producer.produce(
            target,
            key=key,
            value=json.dumps(entry).encode(),
            partition=partition,
            on_delivery=delivered,
        )
        producer.poll(0)
    left = producer.flush(TIMEOUT_S)
    if left or failures:
        raise MigrationRefused(f"{target}: {left} undelivered, errors: {failures[:3]}")
    return MigrationReport(read, len(merged), target, written=True)


def _ensure_target(settings: Settings, admin: AdminClient, target: str, partitions: int) -> None:
    """Create the new changelog as Faust would (compacted), or check that it is empty."""
    existing = _partitions(admin, target)
    if existing is None:
        spec = NewTopic(
            target,
            num_partitions=partitions,
            replication_factor=settings.topics.replication,
            config={"cleanup.policy": "compact"},
        )
        try:
            admin.create_topics([spec])[target].result(timeout=TIMEOUT_S)
        except KafkaException as exc:
            if exc.args[0].code() != KafkaError.TOPIC_ALREADY_EXISTS:
                raise
        return
    consumer = Consumer(
        confluent_config(settings, **{"group.id": f"{app_id(settings)}-migrate-check"})
    )
    try:
        for p in existing:
            low, high = consumer.get_watermark_offsets(TopicPartition(target, p), timeout=TIMEOUT_S)
            if high > low:
                raise MigrationRefused(
                    f"{target} already holds records (partition {p}): the new worker has run; "
                    "migrating now would overwrite its state with older parts"
                )
    finally:
        consumer.close()
