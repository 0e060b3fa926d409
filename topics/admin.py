"""``fenliu topics apply``: make the broker match the catalogue, idempotently.

Creates missing topics, then compares partitions and the managed configs of existing
ones. Drift is reported; with ``fix`` partitions are raised (never lowered: Kafka cannot)
and configs altered incrementally.
"""

from __future__ import annotations

from dataclasses import dataclass

from confluent_kafka import KafkaException
from confluent_kafka.admin import (
    AdminClient,
    AlterConfigOpType,
    ConfigEntry,
    ConfigResource,
    NewPartitions,
    NewTopic,
    ResourceType,
)

from fenliu.settings import Settings
from fenliu.streams.kafka.config import confluent_config
from fenliu.topics.catalogue import TopicCatalogue, TopicSpec, default_catalogue


@dataclass(frozen=True)
class TopicReport:
    """What ``apply`` found or did for one topic."""

    topic: str
    action: str  # "created", "ok", "drift", "fixed"
    detail: str = ""


def _desired(spec: TopicSpec, settings: Settings) -> tuple[int, int]:
    return (
        spec.partitions or settings.topics.partitions,
        spec.replication or settings.topics.replication,
    )


def apply_topics(
    settings: Settings,
    catalogue: TopicCatalogue | None = None,
    *,
    fix: bool = False,
    timeout_s: float = 30.0,
) -> list[TopicReport]:
    """Create or verify every catalogue topic on the broker the settings point at."""
    catalogue = catalogue or default_catalogue()
    admin = AdminClient(confluent_config(settings))
    existing = admin.list_topics(timeout=timeout_s).topics
    reports: list[TopicReport] = []
    to_create: list[NewTopic] = []
    for spec in catalogue.topics:
        name = settings.topic(spec.name)
        partitions, replication = _desired(spec, settings)
        if name not in existing:
            to_create.append(NewTopic(name, partitions, replication, config=spec.broker_config()))
    for fut_name, future in (
        admin.create_topics(to_create, request_timeout=timeout_s).items() if to_create else []
    ):
        try:
            future.result()
            reports.append(TopicReport(fut_name, "created"))
        except KafkaException as exc:
            if exc.args[0].name() != "TOPIC_ALREADY_EXISTS":  # a racing replica created it
                raise
            reports.append(TopicReport(fut_name, "ok", "created concurrently"))
    created = {r.topic for r in reports}
    for spec in catalogue.topics:
        name = settings.topic(spec.name)
        if name in created:
            continue
        reports.append(_verify(admin, spec, name, existing[name], settings, fix, timeout_s))
    order = {settings.topic(s.name): i for i, s in enumerate(catalogue.topics)}
    return sorted(reports, key=lambda r: order[r.topic])


def _verify(admin, spec, name, metadata, settings, fix, timeout_s) -> TopicReport:
    partitions, _ = _desired(spec, settings)
    problems: list[str] = []
    have = len(metadata.partitions)
    if have < partitions:
        problems.append(f"partitions {have} < {partitions}")
        if fix:
            admin.create_partitions([NewPartitions(name, partitions)])[name].result(timeout_s)
    elif have > partitions:
        problems.append(f"partitions {have} > {partitions} (cannot shrink; left as is)")
    resource = ConfigResource(ResourceType.TOPIC, name)
    current = admin.describe_configs([resource])[resource].result(timeout_s)
    changes = []
    for key, want in spec.broker_config().items():
        got = current[key].value if key in current else None
        if got != want:
            problems.append(f"{key} {got} != {want}")
            changes.append(ConfigEntry(key, want, incremental_operation=AlterConfigOpType.SET))
    if fix and changes:
        target = ConfigResource(ResourceType.TOPIC, name, incremental_configs=changes)
        admin.incremental_alter_configs([target])[target].result(timeout_s)
    if not problems:
        return TopicReport(name, "ok")
    fixable = [p for p in problems if "cannot shrink" not in p]
    return TopicReport(name, "fixed" if fix and fixable else "drift", "; ".join(problems))


def delete_topics(
    settings: Settings, catalogue: TopicCatalogue | None = None, timeout_s: float = 30.0
) -> None:
    """Delete the catalogue's topics under the settings' prefix (tests and demos only)."""
    catalogue = catalogue or default_catalogue()
    admin = AdminClient(confluent_config(settings))
    existing = admin.list_topics(timeout=timeout_s).topics
    names = [settings.topic(s.name) for s in catalogue.topics if settings.topic(s.name) in existing]
    for future in admin.delete_topics(names, request_timeout=timeout_s).values() if names else []:
        future.result()
