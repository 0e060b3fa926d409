"""The worker's own topics, created before Faust subscribes to them.

Faust declares a table's changelog when the worker starts; the consumer's metadata then
often lists it with 0 partitions until its next refresh (5 min), and the first table
write fails Faust's source/changelog partition check, crashing the agent on a fresh
deployment. ``fenliu run streams`` creates every table's changelog first, so they are
known at once.
"""

from __future__ import annotations

import time

import faust
from confluent_kafka import KafkaError, KafkaException
from confluent_kafka.admin import AdminClient, NewTopic

from fenliu.settings import Settings
from fenliu.streams.kafka.config import confluent_config


def changelog_topics(app: faust.App) -> list[str]:
    """The changelog topic of every table the features installed."""
    return sorted(table.changelog_topic_name for table in app.tables.values())


def ensure_changelog_topics(
    settings: Settings, names: list[str], timeout_s: float = 30.0
) -> list[str]:
    """Create the tables' compacted changelog topics if missing; wait until the broker lists them.

    Faust declares a changelog when the worker starts; the consumer's metadata then often
    lists it with 0 partitions until its next refresh (5 min), and the first table write
    fails Faust's source/changelog partition check. Created first, they are known at once.
    Returns the names created now.
    """
    admin = AdminClient(confluent_config(settings))
    existing = admin.list_topics(timeout=timeout_s).topics
    specs = [
        NewTopic(name, num_partitions=settings.topics.partitions,
                 replication_factor=settings.topics.replication,
                 config={"cleanup.policy": "compact"})
        for name in names if name not in existing
    ]  # fmt: skip
    created = []
    for name, future in (admin.create_topics(specs) if specs else {}).items():
        try:
            future.result(timeout=timeout_s)
            created.append(name)
        except KafkaException as exc:
            if exc.args[0].code() != KafkaError.TOPIC_ALREADY_EXISTS:
                raise
    deadline = time.monotonic() + timeout_s
    for name in names:
        while True:
            found = admin.list_topics(name, timeout=timeout_s).topics.get(name)
            if found is not None and found.error is None and found.partitions:
                break
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"changelog {name} not listed by the broker after {timeout_s:.0f} s"
                )
            time.sleep(0.2)
    return created
