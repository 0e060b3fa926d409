"""A confluent-kafka consumer that is recreated when librdkafka strands it (#5301).

librdkafka #5301 on a consumer (met once, docs/streams.md "Consumers too"): while the broker
restarted, grid-sink's consumer dropped its only broker, logged no connection attempt, timed
out of its group after the session timeout, and never joined again; the process stayed in
its poll loop, reading nothing. ``WatchedConsumer`` reads librdkafka's statistics as the
producer watchdog does (``processors.producer_watch.assess``; a subscribed consumer always
has work waiting: its membership) and, when the consumer is stranded, logs it, counts it,
tells the service its partitions are lost, closes the old consumer (in a thread, with a
time limit: a consumer without brokers may not finish leaving its group) and subscribes a
new one with the same callbacks. The new one joins the group and resumes from the committed
offsets, so nothing is skipped; what the old one had taken and not committed is read again
(at least once, as after any rebalance).

Only the service's loop thread uses it, as it uses a ``Consumer``: every check runs at the
start of ``poll``/``consume``, before the consumer is read, so a record is never taken from
a consumer about to be replaced.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

from confluent_kafka import Consumer, Message, TopicPartition
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
    "fenliu_kafka_consumers_recreated_total",
    "Consumers found stranded (librdkafka #5301: subscribed, no broker) and recreated",
    ["client", "signal"],
)

Rebalance = Callable[[Consumer, list[TopicPartition]], None]
_WAITING = "subscribed to its group"


class WatchedConsumer:
    """The calls of ``confluent_kafka.Consumer`` the services use, on a consumer that is
    replaced when it is stranded."""

    def __init__(
        self,
        config: dict[str, Any],
        policy: WatchPolicy,
        *,
        client: str,
        stats_interval_ms: int,
        close_timeout_s: float = 10.0,
        on_recreated: Callable[[], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.config = dict(config)
        # What the service must drop with the old consumer beyond its partitions (the
        # router's Committer: a commit sent without waiting whose answer will never come).
        self.on_recreated = on_recreated
        self.policy = policy
        self.client = client
        self.stats_interval_ms = stats_interval_ms
        self.close_timeout_s = close_timeout_s
        self.clock = clock
        self.recreated = 0
        self._generation = 0
        self._topics: list[str] = []
        self._callbacks: dict[str, Rebalance] = {}
        self._verdict: Stranded | None = None
        self._state = WatchState()
        self._last_record_s = clock()
        self._consumer = self._new_consumer()

    # --- the consumer's calls ------------------------------------------------------------
    def subscribe(
        self,
        topics: Sequence[str],
        on_assign: Rebalance | None = None,
        on_revoke: Rebalance | None = None,
        on_lost: Rebalance | None = None,
    ) -> None:
        """As ``Consumer.subscribe``; kept, to subscribe a recreated consumer the same way."""
        self._topics = list(topics)
        given = {"on_assign": on_assign, "on_revoke": on_revoke, "on_lost": on_lost}
        self._callbacks = {name: cb for name, cb in given.items() if cb is not None}
        self._subscribe()

    def poll(self, timeout: float = -1) -> Message | None:
        self._check()
        msg = self._consumer.poll(timeout)
        if msg is not None and msg.error() is None:
            self._last_record_s = self.clock()
        return msg

    def consume(self, num_messages: int = 1, timeout: float = -1) -> list[Message]:
        self._check()
        messages = self._consumer.consume(num_messages, timeout=timeout)
        if messages:
            self._last_record_s = self.clock()
        return messages

    def commit(self, *args: Any, **kwargs: Any) -> Any:
        return self._consumer.commit(*args, **kwargs)

    def assignment(self) -> list[TopicPartition]:
        return self._consumer.assignment()

    def pause(self, partitions: list[TopicPartition]) -> None:
        self._consumer.pause(partitions)

    def resume(self, partitions: list[TopicPartition]) -> None:
        self._consumer.resume(partitions)

    def close(self) -> None:
        self._consumer.close()

    @property
    def current(self) -> Consumer:
        """The consumer in use now (tests; a recreation replaces it)."""
        return self._consumer

    # --- the watchdog --------------------------------------------------------------------
    def observe(self, brokers_known: int, brokers_up: int, state_age_s: float | None) -> None:
        """One look at the consumer's brokers (from its statistics; a test may call it)."""
        obs = Observation(
            at_s=self.clock(),
            queued=1 if self._topics else 0,  # not subscribed yet: nothing waits for a broker
            brokers_known=brokers_known,
            brokers_up=brokers_up,
            state_age_s=state_age_s,
            last_report_s=self._last_record_s,
        )
        self._state, verdict = assess(self._state, obs, self.policy, waiting=_WAITING)
        self._verdict = self._verdict or verdict

    def recreate(self, verdict: Stranded) -> None:
        """Hand the old consumer's partitions back as lost, close it, subscribe a new one."""
        log.warning(
            "consumer %s is stranded (librdkafka #5301: it dropped its only broker and does"
            " not re-bootstrap): %s; closing it and subscribing a new one, which resumes from"
            " the committed offsets",
            self.client,
            verdict.reason,
        )
        RECREATED.labels(self.client, verdict.signal).inc()
        old = self._consumer
        self._generation += 1  # from here on the old consumer's callbacks are ignored
        self._lose(old)
        _close_within(old, self.close_timeout_s, self.client)
        self._consumer = self._new_consumer()
        self.recreated += 1
        if self.on_recreated is not None:
            self.on_recreated()
        if self._topics:
            self._subscribe()

    def _lose(self, old: Consumer) -> None:
        """The service forgets what the old consumer held (a commit of it would be refused
        or stale once the group has moved on): its ``on_lost``, as librdkafka would call it."""
        try:
            held = old.assignment()
        except Exception as exc:  # noqa: BLE001 - a broken consumer: nothing to hand back
            log.debug("assignment of stranded consumer %s unreadable: %s", self.client, exc)
            return
        on_lost = self._callbacks.get("on_lost")
        if held and on_lost is not None:
            on_lost(old, held)

    def _check(self) -> None:
        if self._verdict is None:
            return
        verdict, self._verdict = self._verdict, None
        self.recreate(verdict)

    def _new_consumer(self) -> Consumer:
        generation = self._generation
        self._state = WatchState()
        self._last_record_s = self.clock()
        self._verdict = None
        config = dict(self.config)
        if self.stats_interval_ms > 0:
            config["statistics.interval.ms"] = self.stats_interval_ms
            config["stats_cb"] = lambda stats: self._on_stats(generation, stats)
        return Consumer(config)

    def _subscribe(self) -> None:
        generation = self._generation
        wrapped = {
            name: _current_only(lambda: generation == self._generation, callback)
            for name, callback in self._callbacks.items()
        }
        self._consumer.subscribe(self._topics, **wrapped)

    def _on_stats(self, generation: int, raw: str) -> None:
        if generation != self._generation:
            return
        try:
            known, up, state_age_s = brokers_in(json.loads(raw))
        except (ValueError, AttributeError) as exc:
            log.debug("unreadable statistics of consumer %s: %s", self.client, exc)
            return
        self.observe(known, up, state_age_s)


def _current_only(is_current: Callable[[], bool], callback: Rebalance) -> Rebalance:
    """A rebalance callback that does nothing for a replaced consumer (its close revokes
    partitions the service has already been told are lost)."""

    def call(consumer: Consumer, partitions: list[TopicPartition]) -> None:
        if is_current():
            callback(consumer, partitions)

    return call


def _close_within(consumer: Consumer, timeout_s: float, client: str) -> None:
    """Close in a daemon thread, waiting at most ``timeout_s``: leaving the group needs a
    coordinator a stranded consumer may never reach. One that does not finish is left to
    the thread (and the group's session timeout)."""
    thread = threading.Thread(target=consumer.close, name=f"{client}-close", daemon=True)
    thread.start()
    thread.join(timeout_s)
    if thread.is_alive():
        log.warning("stranded consumer %s did not close within %.0f s", client, timeout_s)


def watched_consumer(
    settings: Settings,
    config: dict[str, Any],
    *,
    client: str,
    on_recreated: Callable[[], None] | None = None,
) -> WatchedConsumer:
    """``config``'s consumer under the watchdog, with the settings' policy."""
    k = settings.kafka
    return WatchedConsumer(
        config,
        WatchPolicy(no_broker_s=k.consumer_no_broker_s, stall_s=k.consumer_stall_s),
        client=client,
        stats_interval_ms=k.consumer_stats_interval_ms,
        on_recreated=on_recreated,
    )
