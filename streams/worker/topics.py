"""The worker's own topics, created before Faust subscribes to them.

Faust declares a table's changelog when the worker starts; the consumer's metadata then
often lists it with 0 partitions until its next refresh (5 min), and the first table
write fails Faust's source/changelog partition check, crashing the agent on a fresh
deployment. ``fenliu run streams`` creates every table's changelog first, so they are
known at once, and the agents' internal topics too, so the first assignment has them.
"""

from __future__ import annotations

import time
from typing import Any

import faust
from confluent_kafka import KafkaError, KafkaException
from confluent_kafka.admin import AdminClient, NewTopic
from mode.utils.times import want_seconds

from fenliu.settings import Settings
from fenliu.streams.kafka.config import confluent_config
from fenliu.topics.catalogue import DECISIONS, default_catalogue


def input_partitions(s: Settings) -> int:
    """Partitions of ``fenliu.decisions``: the internal topics and tables the cases agent
    reads co-partition with it (case steps, case verdicts, the cases table)."""
    return default_catalogue()[DECISIONS].partitions or s.topics.partitions


def internal_topics(app: faust.App) -> dict[str, dict[str, str]]:
    """Faust-internal topics the agents read (case steps, cases by caller, SLA ticks):
    physical name -> topic config, as Faust's ``Topic.declare`` would create them.

    They must exist before the worker joins its group for the same reason as the
    changelogs: a topic missing from the consumer's metadata at the join gets no
    partitions in the assignment, and with static membership a restarted worker takes
    that assignment back as it was (the broker does not rebalance a static re-join), so
    the agent reading it would never get a partition. Seen: ``cases-by-caller`` created
    during the first join, "not found in cluster metadata", and a restarted worker that
    never read it (tests/test_streams_restart_kafka.py, 1 run of 3)."""
    out: dict[str, dict[str, str]] = {}
    for agent in app.agents.values():
        topic = agent.channel
        if not getattr(topic, "internal", False):
            continue
        config = {str(k): str(v) for k, v in (topic.config or {}).items()}
        policy = [p for p, on in (("compact", topic.compacting), ("delete", topic.deleting)) if on]
        if policy:
            config["cleanup.policy"] = ",".join(policy)
        if topic.retention:
            config["retention.ms"] = str(int(want_seconds(topic.retention) * 1000))
        for name in topic.topics:
            out[name] = config
    return out


def ensure_worker_topics(settings: Settings, app: faust.App, timeout_s: float = 30.0) -> list[str]:
    """Create every topic the worker's tables and agents need before Faust starts, if
    missing: each table's compacted changelog, with the table's partitions, and the agents'
    internal topics (see ``internal_topics``); wait until the broker lists them. Returns
    the names created now.

    Faust declares a changelog when the worker starts; the consumer's metadata then often
    lists it with 0 partitions until its next refresh (5 min), and the first table write
    fails Faust's source/changelog partition check. Created first, they are known at once.
    Whatever starts a worker of this app calls it first (``fenliu run streams``, the tests'
    single-feature workers); one that did not lost its rates agent to that check
    (tests/test_rates_kafka.py, fresh-clone CI on a142db2)."""
    changelogs = {t.changelog_topic_name: t.changelog_topic.partitions for t in app.tables.values()}
    internal_partitions = {
        name: topic.partitions
        for agent in app.agents.values()
        if getattr(topic := agent.channel, "internal", False)
        for name in topic.topics
    }
    configs = dict.fromkeys(changelogs, {"cleanup.policy": "compact"}) | internal_topics(app)
    return _ensure_topics(settings, configs, changelogs | internal_partitions, timeout_s)


def _ensure_topics(
    settings: Settings,
    topics: dict[str, dict[str, str]],
    partitions: dict[str, int | None],
    timeout_s: float,
) -> list[str]:
    names = sorted(topics)
    admin = AdminClient(confluent_config(settings))
    existing = admin.list_topics(timeout=timeout_s).topics
    specs = [
        NewTopic(name, num_partitions=partitions.get(name) or settings.topics.partitions,
                 replication_factor=settings.topics.replication, config=topics[name])
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
                raise RuntimeError(f"topic {name} not listed by the broker after {timeout_s:.0f} s")
            time.sleep(0.2)
    return created


class DirectTopic:
    """A faust topic whose records go straight to aiokafka's producer.

    faust's ``Topic.send`` makes a ``FutureMessage``, serialises through its codec
    machinery (``raw`` here: the bytes are Avro already), calls the sensors and then
    ``AIOKafkaProducer.send``; the worker's outputs (about two records a decision) need only
    the last step. With the app's ``ChangelogBatcher`` (``create_app``, memory stores) the
    record joins the changelog batches, handed to aiokafka together once a linger; else
    it goes to ``AIOKafkaProducer.send``. Same partitioning (the producer's
    ``librdkafka_partitioner`` when no partition is given), same timestamps (the producer's
    clock), and the same result: the delivery future, which a commit waits for through the
    producer's flush. An app without a running faust producer (the benchmark's stand-in)
    goes through ``topic.send``."""

    def __init__(self, app: faust.App, topic: faust.TopicT) -> None:
        self.app, self.topic = app, topic
        self.name = topic.get_topic_name()

    def get_topic_name(self) -> str:
        return self.name

    async def send(
        self,
        *,
        key: bytes | None = None,
        value: bytes | None = None,
        partition: int | None = None,
        force: bool = False,
    ) -> Any:
        batcher = getattr(self.app, "fenliu_batcher", None)
        if batcher is not None:  # with the changelogs, one hand-over a linger
            return await batcher.send(self.name, key, value, partition)
        producer = getattr(self.app, "producer", None)
        if producer is None or not hasattr(producer, "_ensure_producer"):
            return await self.topic.send(key=key, value=value, partition=partition, force=force)
        return await producer._ensure_producer().send(
            self.name, value=value, key=key, partition=partition
        )
