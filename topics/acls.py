"""The broker's ACLs, generated from the topic catalogue: each service only its own topics.

One SASL principal per service (``PRINCIPALS``). A topic's ``readers`` get READ and
DESCRIBE on it, its ``writers`` WRITE and DESCRIBE; each consumer its own group; the
streams worker its internal topics (changelogs, ticks: ``<prefix><app id>-``) and replay
its output topics (``<prefix>fenliu.replay.``). ``admin`` is the broker's super user and
needs no ACL. Nothing else is granted, so the broker refuses everything else
(``allow.everyone.if.no.acl.found=false``); docs/runbook.md has the table for people.
"""

from __future__ import annotations

from dataclasses import dataclass

from fenliu.settings import Settings
from fenliu.topics.catalogue import TopicCatalogue, default_catalogue

#: principal -> what it runs. ``admin`` creates topics and ACLs (super user).
PRINCIPALS: dict[str, str] = {
    "router": "fenliu run router",
    "streams": "fenliu run streams (the Faust worker)",
    "grid-sink": "fenliu run grid-sink",
    "ingress": "fenliu run ingress",
    "replay": "fenliu replay, fenliu audit (on-call staff, auditors)",
    "feed": "the CAD / hotline feeds and fenliu generate (writes the raw topics)",
    "admin": "fenliu topics apply, fenliu acls apply (super user)",
}
SUPER_USER = "admin"
REPLAY_TOPIC_PREFIX = "fenliu.replay."
# replay and audit read with throw-away groups named like this (they never commit).
REPLAY_GROUP_PREFIXES = ("fenliu-replay-", "fenliu-audit-")


@dataclass(frozen=True, order=True)
class Grant:
    """One ALLOW ACL binding: principal may do operation on a resource (by name or prefix)."""

    principal: str  # SASL user name, without "User:"
    resource: str  # TOPIC or GROUP
    name: str
    pattern: str  # LITERAL or PREFIXED
    operation: str  # READ, WRITE, DESCRIBE, CREATE, ALL


def _topic(principal: str, name: str, *operations: str, pattern: str = "LITERAL") -> list[Grant]:
    return [Grant(principal, "TOPIC", name, pattern, op) for op in operations]


def grants(settings: Settings, catalogue: TopicCatalogue | None = None) -> list[Grant]:
    """Every ACL the services need for this deployment (topic prefix and group names)."""
    catalogue = catalogue or default_catalogue()
    s = settings
    out: list[Grant] = []
    for spec in catalogue.topics:
        unknown = set(spec.readers) | set(spec.writers)
        unknown -= set(PRINCIPALS)
        if unknown:
            raise ValueError(f"topic {spec.name}: unknown principals {sorted(unknown)}")
        for reader in spec.readers:
            out += _topic(reader, s.topic(spec.name), "READ", "DESCRIBE")
        for writer in spec.writers:
            out += _topic(writer, s.topic(spec.name), "WRITE", "DESCRIBE")
    # Faust: group = app id; changelogs, the tick topic and its leader topic share the app id.
    streams_id = f"{s.topics.prefix}{s.streams.app_id}"
    out.append(Grant("streams", "GROUP", streams_id, "LITERAL", "READ"))
    out += _topic("streams", f"{streams_id}-", "ALL", pattern="PREFIXED")
    out.append(Grant("router", "GROUP", s.router.group, "LITERAL", "READ"))
    out.append(Grant("grid-sink", "GROUP", s.grid.sink_group, "LITERAL", "READ"))
    for prefix in REPLAY_GROUP_PREFIXES:
        out.append(Grant("replay", "GROUP", prefix, "PREFIXED", "READ"))
    out += _topic("replay", s.topic(REPLAY_TOPIC_PREFIX), "ALL", pattern="PREFIXED")
    return sorted(set(out))


def apply_grants(settings: Settings, wanted: list[Grant], timeout_s: float = 30.0) -> int:
    """Create ``wanted`` on the broker (as the settings' user, a super user); return how many.

    Creating an ACL that exists is a no-op on the broker, so this is idempotent. Returns
    once the broker's authorizer lists them all: the controller commits ACLs before the
    broker applies them, and a client let in a moment later must not be refused.
    """
    import time

    from confluent_kafka.admin import (
        AclBinding,
        AclBindingFilter,
        AclOperation,
        AclPermissionType,
        AdminClient,
        ResourcePatternType,
        ResourceType,
    )

    from fenliu.streams.kafka.config import confluent_config

    bindings = [
        AclBinding(
            ResourceType[g.resource],
            g.name,
            ResourcePatternType[g.pattern],
            f"User:{g.principal}",
            "*",
            AclOperation[g.operation],
            AclPermissionType.ALLOW,
        )  # fmt: skip
        for g in wanted
    ]
    if not bindings:
        return 0
    admin = AdminClient(confluent_config(settings))
    for future in admin.create_acls(bindings, request_timeout=timeout_s).values():
        future.result(timeout=timeout_s)
    # None matches any name, principal and host (librdkafka's filters); the confluent-kafka
    # stub types those arguments as str, so mypy is told to trust the documented filter.
    everything = AclBindingFilter(
        ResourceType.ANY, None, ResourcePatternType.ANY, None, None,  # type: ignore[arg-type]
        AclOperation.ANY, AclPermissionType.ANY,
    )  # fmt: skip
    deadline = time.monotonic() + timeout_s
    while True:
        listed = set(admin.describe_acls(everything, request_timeout=timeout_s).result())
        missing = [b for b in bindings if b not in listed]
        if not missing:
            return len(bindings)
        if time.monotonic() > deadline:
            raise TimeoutError(
                f"the broker does not list {len(missing)} new ACLs, e.g. {missing[0]}"
            )
        time.sleep(0.2)
