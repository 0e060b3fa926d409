"""A confluent-kafka producer that is recreated when librdkafka strands it (#5301).

librdkafka #5301 (open; confluent-kafka 2.16.1 does not have the fix): a producer whose
Metadata request reaches a broker in controlled shutdown gets "0 brokers", terminates its
only broker and never re-bootstraps; its records wait until ``message.timeout.ms`` (300 s)
fails them (docs/streams.md, "Why the sender stalled"). ``WatchedProducer`` reads
librdkafka's statistics (``statistics.interval.ms``), asks
``processors.producer_watch.assess`` whether the producer is stranded and, if so, logs it,
counts it, purges the old producer and produces every record not yet acknowledged again on
a new one, in the order they were first produced.

At-least-once: a record the old producer had in flight may have reached the broker, so it
can be written twice. Every record it is used for carries a deterministic id (the router's
decision ids and dead-letter source pointers, the generator's call ids), and downstream
recognises a repeat. Each record keeps its first timestamp, so a repeat is byte-identical.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from confluent_kafka import KafkaError, Message, Producer
from prometheus_client import Counter

from fenliu.processors.producer_watch import (
    Observation,
    Stranded,
    WatchPolicy,
    WatchState,
    assess,
    brokers_in,
)
from fenliu.settings import Settings

log = logging.getLogger("fenliu.kafka.watchdog")

RECREATED = Counter(
    "fenliu_kafka_producers_recreated_total",
    "Producers found stranded (librdkafka #5301: queued records, no broker) and recreated",
    ["client", "signal"],
)
RESENT = Counter(
    "fenliu_kafka_producer_records_resent_total",
    "Unacknowledged records produced again on a recreated producer",
    ["client"],
)

DeliveryCallback = Callable[[KafkaError | None, Message], None]


@dataclass
class _Record:
    """Everything needed to produce a record again."""

    topic: str
    value: bytes | str | None
    key: bytes | str | None
    partition: int | None
    timestamp: int
    headers: Any
    on_delivery: DeliveryCallback | None


class WatchedProducer:
    """The calls of ``confluent_kafka.Producer`` the services use, on a producer that is
    replaced when it is stranded. Every check runs in ``poll``/``flush`` on the caller's
    thread. Threads may share it as they share a ``Producer`` (grid-sink's delivery threads
    produce dead letters and flush at once): a lock keeps the unacknowledged records,
    the statistics' verdict and the swap of producers consistent; ``poll``/``flush`` wait
    on the broker outside it, holding a lease on the producer they wait on, so that a
    recreation by another thread never closes a producer a thread is inside (closing it
    under a waiting ``flush`` raised "Producer has been closed" in that thread)."""

    def __init__(
        self,
        config: dict[str, Any],
        policy: WatchPolicy,
        *,
        client: str,
        stats_interval_ms: int,
        check_every_s: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.config = dict(config)
        self.policy = policy
        self.client = client
        self.stats_interval_ms = stats_interval_ms
        self.check_every_s = check_every_s
        self.clock = clock
        self.recreated = 0
        # Re-entrant: a recreation polls the new producer, whose callbacks take it again.
        self._lock = threading.RLock()
        self._pending: dict[int, _Record] = {}
        # id(producer) -> threads inside a call on it; replaced producers still in use.
        self._leases: dict[int, int] = {}
        self._retired: dict[int, Producer] = {}
        self._next = 0
        self._generation = 0
        self._verdict: Stranded | None = None
        self._state = WatchState()
        self._last_report_s = clock()
        self._producer = self._new_producer()

    # --- the producer's calls ------------------------------------------------------------
    def produce(
        self,
        topic: str,
        value: bytes | str | None = None,
        key: bytes | str | None = None,
        partition: int | None = None,
        on_delivery: DeliveryCallback | None = None,
        timestamp: int = 0,
        headers: Any = None,
    ) -> None:
        """As ``Producer.produce`` (``BufferError`` included); the record is kept until
        its delivery report, to be produced again if the producer is recreated."""
        record = _Record(
            topic,
            value,
            key,
            partition,
            timestamp or time.time_ns() // 1_000_000,
            headers,
            on_delivery,
        )
        with self._lock:  # a report served meanwhile by another thread waits for the entry
            self._produce(self._next, record)
            self._pending[self._next] = record
            self._next += 1

    def poll(self, timeout: float = 0.0) -> int:
        """Serve callbacks (statistics included), then recreate a stranded producer."""
        with self._current() as producer:
            served = producer.poll(timeout)
        self._check()
        return served

    def flush(self, timeout: float | None = None) -> int:
        """Wait until every record is acknowledged or failed, checking the producer every
        ``check_every_s``; returns how many records are still unacknowledged."""
        deadline = None if timeout is None else self.clock() + timeout
        while True:
            left = None if deadline is None else max(0.0, deadline - self.clock())
            with self._current() as producer:
                producer.flush(
                    self.check_every_s if left is None else min(left, self.check_every_s)
                )
            self._check()
            if not self._pending:
                return 0
            if deadline is not None and self.clock() >= deadline:
                return len(self._pending)

    def __len__(self) -> int:
        return len(self._pending)

    def close(self) -> None:
        """Close the current producer (it flushes what it still holds)."""
        _close(self._producer)

    @contextmanager
    def _current(self) -> Iterator[Producer]:
        """The current producer, leased: if another thread replaces it meanwhile, it is
        retired and the last thread to leave it disposes of it."""
        with self._lock:
            producer = self._producer
            key = id(producer)
            self._leases[key] = self._leases.get(key, 0) + 1
        try:
            yield producer
        finally:
            with self._lock:
                self._leases[key] -= 1
                if not self._leases[key]:
                    del self._leases[key]
                    retired = self._retired.pop(key, None)
                    if retired is not None:
                        _dispose(retired)

    # --- the watchdog --------------------------------------------------------------------
    def recreate(self, verdict: Stranded) -> int:
        """Purge the current producer, produce every unacknowledged record again on a new
        one; returns how many were produced again."""
        with self._lock:
            old, resent = self._replace(verdict)
        self._retire(old)
        return resent

    def _replace(self, verdict: Stranded) -> tuple[Producer, int]:
        """Under the lock: purge the current producer and put a new one in its place with
        every unacknowledged record; returns the old one and how many were produced again."""
        log.warning(
            "producer %s is stranded (librdkafka #5301: a broker in controlled shutdown"
            " answered its Metadata with no brokers, it dropped its only broker and does not"
            " re-bootstrap): %s; purging it and producing its %d unacknowledged record(s)"
            " again on a new producer",
            self.client,
            verdict.reason,
            len(self._pending),
        )
        RECREATED.labels(self.client, verdict.signal).inc()
        old = self._producer
        self._generation += 1  # from here on the old producer's failures are stale
        old.purge(in_queue=True, in_flight=True, blocking=False)
        self._producer = self._new_producer()
        self.recreated += 1
        for n, record in list(self._pending.items()):
            while True:
                try:
                    self._produce(n, record)
                    break
                except BufferError:
                    self._producer.poll(0.1)
        RESENT.labels(self.client).inc(len(self._pending))
        return old, len(self._pending)

    def _retire(self, old: Producer) -> None:
        """Serve the replaced producer's purged reports (stale, ignored), outside the lock:
        a thread inside ``old.flush`` may be serving one, and its callback takes the lock.
        Then close it, or leave that to the last thread still inside a call on it."""
        until = self.clock() + 5.0
        while len(old) and self.clock() < until:
            old.poll(0.1)
        with self._lock:
            if self._leases.get(id(old)):
                self._retired[id(old)] = old
            else:
                _dispose(old)

    def _new_producer(self) -> Producer:
        generation = self._generation
        self._state = WatchState()
        self._last_report_s = self.clock()
        self._verdict = None
        config = dict(self.config)
        if self.stats_interval_ms > 0:
            config["statistics.interval.ms"] = self.stats_interval_ms
            config["stats_cb"] = lambda stats: self._on_stats(generation, stats)
        return Producer(config)

    def _produce(self, n: int, record: _Record) -> None:
        generation = self._generation
        kwargs: dict[str, Any] = {"timestamp": record.timestamp}
        if record.partition is not None:
            kwargs["partition"] = record.partition
        if record.headers is not None:
            kwargs["headers"] = record.headers
        self._producer.produce(
            record.topic,
            record.value,
            record.key,
            on_delivery=lambda err, msg: self._on_delivery(n, generation, err, msg),
            **kwargs,
        )

    def _on_delivery(self, n: int, generation: int, err: KafkaError | None, msg: Message) -> None:
        """A report of the current producer is final; of a replaced one only a success is
        (the record reached the broker after all): its failures are purges, produced again."""
        with self._lock:
            record = self._settle(n, generation, err)
        if record is not None and record.on_delivery is not None:
            record.on_delivery(err, msg)  # the caller's callback, outside the lock

    def _settle(self, n: int, generation: int, err: KafkaError | None) -> _Record | None:
        """The record ``n`` if this report is its final one (then it is no longer pending)."""
        if generation != self._generation and err is not None:
            return None
        record = self._pending.pop(n, None)
        if record is None:  # already reported by the other generation
            return None
        if generation == self._generation:
            self._last_report_s = self.clock()
        return record

    def _on_stats(self, generation: int, raw: str) -> None:
        try:
            known, up, state_age_s = brokers_in(json.loads(raw))
        except (ValueError, AttributeError) as exc:
            log.debug("unreadable statistics of producer %s: %s", self.client, exc)
            return
        with self._lock:
            if generation == self._generation:
                self.observe(known, up, state_age_s)

    def observe(self, brokers_known: int, brokers_up: int, state_age_s: float | None) -> None:
        """One look at the producer's brokers (from its statistics; a test may call it)."""
        with self._lock:
            self._observe(brokers_known, brokers_up, state_age_s)

    def _observe(self, brokers_known: int, brokers_up: int, state_age_s: float | None) -> None:
        obs = Observation(
            at_s=self.clock(),
            queued=len(self._pending),
            brokers_known=brokers_known,
            brokers_up=brokers_up,
            state_age_s=state_age_s,
            last_report_s=self._last_report_s,
        )
        self._state, verdict = assess(self._state, obs, self.policy)
        self._verdict = self._verdict or verdict

    def _check(self) -> None:
        if self._verdict is None:  # the common case, without the lock
            return
        with self._lock:  # one thread takes the verdict and recreates; the others see None
            if self._verdict is None:
                return
            verdict, self._verdict = self._verdict, None
            old, _ = self._replace(verdict)
        self._retire(old)


def _dispose(producer: Producer) -> None:
    """Close a replaced producer if it holds nothing; otherwise (its purged records' reports
    not served in time) let it be destroyed with its last reference: what it still holds is
    never delivered."""
    if not len(producer):
        _close(producer)


def _close(producer: Producer) -> None:
    """``Producer.close`` where confluent-kafka has it (newer than the oldest allowed, 2.6);
    otherwise the producer is destroyed when its last reference goes."""
    close = getattr(producer, "close", None)
    if close is not None:
        close()


def watched_producer(settings: Settings, config: dict[str, Any], *, client: str) -> WatchedProducer:
    """``config``'s producer under the watchdog, with the settings' policy."""
    k = settings.kafka
    return WatchedProducer(
        config,
        WatchPolicy(no_broker_s=k.producer_no_broker_s, stall_s=k.producer_stall_s),
        client=client,
        stats_interval_ms=k.producer_stats_interval_ms,
    )
