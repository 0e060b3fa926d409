"""The router's commit survives a moving coordinator instead of killing the service."""

from __future__ import annotations

import pytest
from confluent_kafka import KafkaError, KafkaException, TopicPartition

from fenliu.streams.kafka.commit import commit_offsets


class FlakyConsumer:
    """Fails its first ``failures`` commits with ``code``, then succeeds."""

    def __init__(self, failures: int, code: int) -> None:
        self.failures, self.code, self.calls = failures, code, 0

    def commit(self, offsets, asynchronous):
        self.calls += 1
        assert asynchronous is False
        if self.calls <= self.failures:
            raise KafkaException(KafkaError(self.code))
        return offsets


OFFSETS = [TopicPartition("fenliu.raw.110", 0, 10)]


def test_a_moved_coordinator_is_retried_until_the_commit_lands():
    consumer = FlakyConsumer(2, KafkaError.NOT_COORDINATOR)
    assert commit_offsets(consumer, OFFSETS) is True
    assert consumer.calls == 3


@pytest.mark.parametrize("code", [KafkaError._WAIT_COORD, KafkaError._ALL_BROKERS_DOWN])
def test_a_local_wait_for_the_coordinator_is_retried(code):
    """After a broker restart librdkafka answers a commit with "Waiting for coordinator"
    (not flagged retriable); the router died of it (tests/test_faults_kill.py)."""
    consumer = FlakyConsumer(2, code)
    assert commit_offsets(consumer, OFFSETS) is True


def test_a_persisting_retriable_failure_leaves_the_batch_uncommitted_and_the_loop_alive():
    consumer = FlakyConsumer(99, KafkaError.COORDINATOR_LOAD_IN_PROGRESS)
    assert commit_offsets(consumer, OFFSETS, attempts=3) is False
    assert consumer.calls == 3


def test_other_failures_still_stop_the_service():
    consumer = FlakyConsumer(1, KafkaError.TOPIC_AUTHORIZATION_FAILED)
    with pytest.raises(KafkaException):
        commit_offsets(consumer, OFFSETS)


@pytest.mark.parametrize("code", [KafkaError.UNKNOWN_MEMBER_ID, KafkaError.ILLEGAL_GENERATION])
def test_a_group_that_moved_on_drops_the_commit_without_retrying_or_dying(code):
    """Seen after a broker restart (tests/test_faults_kill.py): the router's session expired
    while the broker was down, its commit failed with UNKNOWN_MEMBER_ID and the router
    exited after the test's supervisor had looked, so the raw topics were never drained."""
    consumer = FlakyConsumer(99, code)
    assert commit_offsets(consumer, OFFSETS) is False
    assert consumer.calls == 1
