"""Committing consumed offsets after delivery (at-least-once), and skipping poll errors."""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from confluent_kafka import KafkaError, KafkaException, Message, TopicPartition
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


def commit_offsets(consumer: Any, offsets: list[TopicPartition], attempts: int = 5) -> bool:
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
            if not (err.retriable() or err.code() in COMMIT_RETRY_CODES):
                raise
            log.warning("commit failed (%s), attempt %d of %d", err.name(), attempt + 1, attempts)
            time.sleep(min(2.0, 0.1 * 2**attempt))
    COMMITS_SKIPPED.inc()
    return False


_GROUP_MOVED_ON = {KafkaError.UNKNOWN_MEMBER_ID, KafkaError.ILLEGAL_GENERATION}

COMMIT_RETRY_CODES = {
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


class Committer:
    """Commits offsets whose outputs the broker acknowledged, at most every ``interval_s``.

    A synchronous commit after every batch costs a broker round trip per batch, and once
    the consumer takes whatever is there (``take.take_available``) a batch at low rates is
    a record or two. So acknowledged offsets are remembered and committed when
    ``interval_s`` has passed since the last commit, and when the input is idle, without
    waiting for the broker's answer (``asynchronous=True``: the loop goes on deciding);
    before partitions are revoked and at stop the commit waits. Only acknowledged
    offsets are ever committed, so this stays at-least-once: a crash re-reads at most
    ``interval_s`` worth of records, which are decided again with the same ids. A failed
    commit puts its offsets back (``on_commit``, librdkafka's answer, served on the
    loop's thread by poll) for the next one, unless the partition is no longer ours.

    At most one commit without waiting is in flight: the next is sent only after the
    broker answered the previous one (``on_commit``); meanwhile acknowledged offsets
    accumulate in ``pending``. Commits are last-writer-wins per partition, and librdkafka
    retries a commit by itself while the coordinator is away, so two commits in flight
    can land in the wrong order: after a broker restart an older commit (raw.110[3] at
    63) landed after a newer one (176), the router had nothing left to read on that
    partition, so nothing corrected it and the group's lag stayed (issue 12,
    docs/streams.md).
    """

    def __init__(
        self,
        consumer: Any,
        interval_s: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.consumer = consumer
        self.interval_s = interval_s
        self.clock = clock
        self.pending: dict[tuple[str, int], int] = {}  # (topic, partition) -> next offset
        self.owned: set[tuple[str, int]] = set()
        self.last_commit = clock()
        self.in_flight = False  # a commit sent without waiting, not answered yet

    def assigned(self, partitions: Iterable[tuple[str, int]]) -> None:
        self.owned.update(partitions)

    def acknowledged(self, messages: Sequence[Message]) -> None:
        """Every output of ``messages`` is acknowledged; commit if the interval has passed."""
        self.finished(next_offsets(messages))

    def finished(self, offsets: Iterable[TopicPartition]) -> None:
        """Everything before these offsets (the next to read) is done; commit if the
        interval has passed. For a consumer that finishes records out of order and tracks
        the committable offsets itself (grid-sink's ``OffsetTracker``)."""
        for tp in offsets:
            key = (tp.topic, tp.partition)
            self.pending[key] = max(self.pending.get(key, -1), tp.offset)
        if self.clock() - self.last_commit >= self.interval_s:
            self.commit(wait=False)

    def commit(self, only: Iterable[tuple[str, int]] | None = None, *, wait: bool = True) -> bool:
        """Commit what is pending now (of ``only``'s partitions, if given); ``wait=False``
        hands it to the client and goes on (a failure comes back through ``on_commit``),
        or returns False at once while the previous one is unanswered (kept pending)."""
        if not wait and self.in_flight:
            return False
        wanted = None if only is None else set(only)
        take = {k: o for k, o in self.pending.items() if wanted is None or k in wanted}
        if not take:
            return True
        offsets = [TopicPartition(t, p, o) for (t, p), o in take.items()]
        if wait:
            ok = commit_offsets(self.consumer, offsets)
        else:
            try:
                self.consumer.commit(offsets=offsets, asynchronous=True)
                ok = self.in_flight = True
            except KafkaException as exc:  # not even sent (no group yet, closing): keep them
                log.warning("commit not sent: %s", exc)
                ok = False
        self.last_commit = self.clock()
        if ok:
            for key, offset in take.items():
                if self.pending.get(key) == offset:
                    del self.pending[key]
        return ok

    def on_commit(self, err: KafkaError | None, partitions: list[TopicPartition]) -> None:
        """The broker's answer to a commit: failed offsets go back to pending (if still ours
        and not overtaken by a later acknowledgement); the next commit may go now."""
        self.in_flight = False
        failed = [tp for tp in partitions if err is not None or tp.error is not None]
        if not failed:
            return
        log.warning("commit failed (%s), retried with the next one", err or failed[0].error)
        for tp in failed:
            key = (tp.topic, tp.partition)
            if tp.offset >= 0 and key in self.owned and self.pending.get(key, -1) < tp.offset:
                self.pending[key] = tp.offset

    def consumer_replaced(self) -> None:
        """The consumer was recreated (streams/kafka/consumer_watchdog.py): a commit the old
        one sent without waiting will never be answered, so the next may go. Its offsets
        stay committed or not; either way they are acknowledged ones (at-least-once)."""
        self.in_flight = False

    def forget(self, partitions: Iterable[tuple[str, int]]) -> None:
        """Partitions revoked or lost: their offsets are no longer ours to commit."""
        for key in partitions:
            self.pending.pop(key, None)
            self.owned.discard(key)
