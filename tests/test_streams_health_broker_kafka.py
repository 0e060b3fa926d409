"""The worker's /health reads offsets from the broker: records waiting behind a group
that commits nothing make the verdict red (the stall), whatever the consumer itself
last fetched. Real broker; the verdict's times are passed in, no clock is read."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from confluent_kafka import Consumer, Producer, TopicPartition

from fenliu.processors.progress import ProgressTracker
from fenliu.settings import Settings
from fenliu.streams.kafka.config import confluent_config
from fenliu.streams.kafka.lag import LagReporter
from fenliu.streams.worker.health import broker_sample

pytestmark = pytest.mark.kafka


def test_waiting_input_of_a_group_that_stopped_committing_turns_health_red(
    isolated_settings: Settings, topic_factory: Any
):
    topic = topic_factory(partitions=2)
    group = f"stalled-{uuid.uuid4().hex[:8]}"
    producer = Producer(confluent_config(isolated_settings))
    for i in range(5):
        producer.produce(topic, b"v%d" % i, partition=0)
    producer.flush(10)
    committer = Consumer(confluent_config(isolated_settings, **{"group.id": group}))
    committer.commit(offsets=[TopicPartition(topic, 0, 2)], asynchronous=False)
    committer.close()

    reporter = LagReporter(isolated_settings, group, [])
    try:
        owned = [f"{topic}/0", f"{topic}/1"]
        first = broker_sample(reporter, owned)
        assert first == {f"{topic}/0": (2, 5), f"{topic}/1": (0, 0)}
        assert broker_sample(reporter, [f"{topic}/1"]) == {f"{topic}/1": (0, 0)}  # owned only

        tracker = ProgressTracker(stall_s=60)
        for t in range(0, 65, 5):  # the group commits nothing while 3 records wait
            tracker.observe(float(t), broker_sample(reporter, owned) if t == 60 else first)
        verdict = tracker.verdict(60.0)
        assert not verdict.healthy
        assert verdict.problems == (f"{topic}/0: 3 waiting, no commit for 60s",)
    finally:
        reporter.stop()
