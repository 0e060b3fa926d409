"""Committing consumed offsets after delivery (at-least-once), and skipping poll errors."""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from collections.abc import Sequence

from confluent_kafka import Consumer, KafkaError, KafkaException, Message, TopicPartition
from prometheus_client import Counter

from fenliu.streams.kafka.position import position

log = logging.getLogger("fenliu.kafka")

COMMITS_SKIPPED = Counter(
    "fenliu_router_commits_skipped_total", "Batches whose offset commit failed after retries"
)


# The broker refused this principal (ACLs, docs/runbook.md): waiting will not help.
AUTHORIZATION_ERRORS = frozenset({
    KafkaError.TOPIC_AUTHORIZATION_FAILED,
    KafkaError.GROUP_AUTHORIZATION_FAILED,
    KafkaError.CLUSTER_AUTHORIZATION_FAILED,
    KafkaError.TRANSACTIONAL_ID_AUTHORIZATION_FAILED,
    KafkaError.SASL_AUTHENTICATION_FAILED,
    KafkaError._AUTHENTICATION,
})  # fmt: skip


class NotAuthorized(RuntimeError):
    """The broker refused the service's principal a topic or group: stop, say which."""


def raise_if_not_authorized(err: KafkaError | None, what: str) -> None:
    """Turn an authentication or authorization error into ``NotAuthorized`` naming the fix."""
    if err is not None and err.code() in AUTHORIZATION_ERRORS:
        raise NotAuthorized(
            f"Kafka refused {what}: {err.str()}. Each service may use only the topics and "
            f"group that topics/catalogue.yaml grants its principal (FENLIU_KAFKA_SASL_USERNAME;"
            f" docs/runbook.md, deployment checklist)"
        )


def is_consumer_error(msg: Message) -> bool:
    """True for a polled error event (logged unless it is only a partition's end).

    An authorization error raises ``NotAuthorized``: a service that may not read its input
    stops with the reason instead of polling errors for ever.
    """
    err = msg.error()
    if err is None:
        return False
    raise_if_not_authorized(err, f"reading {msg.topic() or 'a topic or the group'}")
    if err.code() != KafkaError._PARTITION_EOF:
        log.warning("consumer error: %s", err)
    return True


def next_offsets(messages: Sequence[Message]) -> list[TopicPartition]:
    """The offsets to commit after a batch: one past the highest offset per partition."""
    highest: dict[tuple[str, int], int] = defaultdict(lambda: -1)
    for m in messages:
        topic, partition, offset = position(m)
        highest[topic, partition] = max(highest[topic, partition], offset)
    return [TopicPartition(t, p, o + 1) for (t, p), o in sorted(highest.items())]


def commit_offsets(consumer: Consumer, offsets: list[TopicPartition], attempts: int = 5) -> bool:
    """Commit after delivery; a retriable failure (the coordinator moved, the broker is
    restarting) is retried, and if it persists the batch stays uncommitted rather than the
    service dying: the next batch's commit covers it, or a replica re-decides it with the
    same decision ids (at-least-once)."""
    for attempt in range(attempts):
        try:
            consumer.commit(offsets=offsets, asynchronous=False)
            return True
        except KafkaException as exc:
            err = exc.args[0]
            if err.code() in _GROUP_MOVED_ON:
                # The group no longer knows this member (its session expired, e.g. while the
                # broker restarted): no retry can succeed, librdkafka rejoins at the next poll
                # and the batch is read again from the last commit, by whoever owns it then.
                log.warning("commit dropped (%s): the consumer rejoins its group", err.name())
                break
            if not (err.retriable() or err.code() in _COMMIT_RETRY_CODES):
                raise
            log.warning("commit failed (%s), attempt %d of %d", err.name(), attempt + 1, attempts)
            time.sleep(min(2.0, 0.1 * 2**attempt))
    COMMITS_SKIPPED.inc()
    return False


_GROUP_MOVED_ON = {KafkaError.UNKNOWN_MEMBER_ID, KafkaError.ILLEGAL_GENERATION}

_COMMIT_RETRY_CODES = {
    KafkaError.NOT_COORDINATOR,
    KafkaError.COORDINATOR_NOT_AVAILABLE,
    KafkaError.COORDINATOR_LOAD_IN_PROGRESS,
    KafkaError.REBALANCE_IN_PROGRESS,
    KafkaError._TRANSPORT,
    KafkaError._TIMED_OUT,
    KafkaError.REQUEST_TIMED_OUT,
    # librdkafka's own "no coordinator yet" (seen right after a broker restart:
    # "Commit failed: Local: Waiting for coordinator", not flagged retriable)
    KafkaError._WAIT_COORD,
    KafkaError._ALL_BROKERS_DOWN,
}
