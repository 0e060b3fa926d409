"""The worker's own topics, created on the real broker before Faust starts.

A worker that let Faust declare a table's changelog itself saw it with 0 partitions in
the consumer's metadata and lost its agent to Faust's source/changelog partition check at
the first table write (tests/test_rates_kafka.py in the fresh-clone CI on a142db2: its
worker skipped this step). ``ensure_worker_topics`` is what every worker start calls.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from confluent_kafka.admin import AdminClient, ConfigResource

from fenliu.settings import Settings
from fenliu.streams.worker.app import create_app
from fenliu.streams.worker.topics import ensure_worker_topics, internal_topics

pytestmark = [pytest.mark.kafka, pytest.mark.stack_parallel]


@pytest.fixture()
def app(isolated_settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("FENLIU_STREAMS_DATA_DIR", str(tmp_path))
    settings = isolated_settings.replace(topics={"partitions": 3})
    return settings, create_app(settings)


def _listed(admin: AdminClient, names: list[str]) -> dict[str, int]:
    topics = admin.list_topics(timeout=30).topics
    return {name: len(topics[name].partitions) for name in names if name in topics}


def test_every_changelog_and_internal_topic_exists_with_its_partitions(
    app, kafka_admin: AdminClient
) -> None:
    settings, faust_app = app
    changelogs = {
        t.changelog_topic_name: t.changelog_topic.partitions for t in faust_app.tables.values()
    }
    internal = {
        name: agent.channel.partitions or settings.topics.partitions
        for agent in faust_app.agents.values()
        if getattr(agent.channel, "internal", False)
        for name in agent.channel.topics
    }
    assert changelogs and internal, "the app declares no table or no internal topic"
    names = sorted(changelogs | internal)
    assert _listed(kafka_admin, names) == {}, "the topics exist before the call"

    created = ensure_worker_topics(settings, faust_app)

    assert sorted(created) == names
    assert _listed(kafka_admin, names) == {**changelogs, **internal}


def test_changelogs_are_compacted_and_internal_topics_keep_their_config(
    app, kafka_admin: AdminClient
) -> None:
    settings, faust_app = app
    ensure_worker_topics(settings, faust_app)
    want = {
        t.changelog_topic_name: {"cleanup.policy": "compact"} for t in faust_app.tables.values()
    }
    want |= internal_topics(faust_app)
    resources = [ConfigResource(ConfigResource.Type.TOPIC, name) for name in want]
    for resource, future in kafka_admin.describe_configs(resources).items():
        got = {k: v.value for k, v in future.result(timeout=30).items()}
        expected = want[resource.name]
        assert {k: got[k] for k in expected} == expected, resource.name


def test_a_second_start_creates_nothing_and_keeps_the_partitions(
    app, kafka_admin: AdminClient
) -> None:
    settings, faust_app = app
    first = ensure_worker_topics(settings, faust_app)
    before = _listed(kafka_admin, first)

    assert ensure_worker_topics(settings, faust_app) == []
    assert _listed(kafka_admin, first) == before
