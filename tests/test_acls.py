"""The ACLs generated from the catalogue: each principal exactly its topics and group."""

from __future__ import annotations

from fenliu.settings import Settings
from fenliu.topics import catalogue as topics
from fenliu.topics.acls import PRINCIPALS, grants
from fenliu.topics.catalogue import default_catalogue

SETTINGS = Settings(topics={"prefix": "t1-"}, router={"group": "t1-router"})


def _who(operation: str, topic: str) -> set[str]:
    return {
        g.principal
        for g in grants(SETTINGS)
        if g.resource == "TOPIC" and g.name == SETTINGS.topic(topic) and g.operation == operation
    }


def test_phone_numbers_are_readable_only_by_the_router_and_replay() -> None:
    catalogue = default_catalogue()
    personal = {spec.name for spec in catalogue.topics if spec.personal_data}
    assert personal == {topics.RAW_110, topics.RAW_12345}
    for name in personal:
        assert _who("READ", name) == {"router", "replay"}
        assert _who("WRITE", name) == {"feed"}
    assert _who("READ", topics.DEAD_LETTER) == {"replay"}


def test_every_topic_grant_comes_from_the_catalogue_or_a_service_prefix() -> None:
    catalogue = default_catalogue()
    for g in grants(SETTINGS):
        assert g.principal in PRINCIPALS and g.principal != "admin"  # admin: super user
        if g.resource != "TOPIC":
            continue
        if g.pattern == "PREFIXED":
            assert (g.principal, g.name) in {
                ("streams", "t1-fenliu-streams-"),
                ("replay", "t1-fenliu.replay."),
            }, g
            continue
        spec = catalogue[g.name.removeprefix("t1-")]
        allowed = {
            "READ": spec.readers,
            "WRITE": spec.writers,
            "DESCRIBE": spec.readers + spec.writers,
        }[g.operation]
        assert g.principal in allowed, g


def test_each_consumer_gets_its_own_group_only() -> None:
    groups = {(g.principal, g.name, g.pattern) for g in grants(SETTINGS) if g.resource == "GROUP"}
    assert groups == {
        ("router", "t1-router", "LITERAL"),
        ("streams", "t1-fenliu-streams", "LITERAL"),
        ("grid-sink", "fenliu-grid-sink", "LITERAL"),
        ("replay", "fenliu-replay-", "PREFIXED"),
        ("replay", "fenliu-audit-", "PREFIXED"),
    }
