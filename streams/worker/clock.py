"""Clocks of the streams worker, and the tick records that carry SLA time (docs/sla.md).

SLA time moves by **tick records** on an internal topic with one partition per input
partition (``{app id}-sla-ticks``). The value is the tick's time as ASCII epoch
milliseconds. Who writes them depends on ``FENLIU_CLOCK``:

* ``wall`` (production): every worker ticks the partitions it owns with the wall clock,
  every ``FENLIU_SLA_TICK_INTERVAL_S``;
* ``control``: nobody in the worker; tests and drills write ticks (``send_ticks``,
  ``fenliu sla tick``), so an 8-minute deadline is reached without waiting 8 minutes;
* ``event``: as ``control``, and every order or lifecycle event also moves its
  partition's time to the event's own time (replays of recorded traffic).

Because ticks are records of the partition that owns the orders, the timer's table
writes happen inside stream processing, on the right changelog partition, and a
rebalance moves time together with the deadlines.
"""

from __future__ import annotations

import time
from collections.abc import Iterable

from confluent_kafka import KafkaError, KafkaException, Producer
from confluent_kafka.admin import AdminClient, NewTopic

from fenliu.settings import Settings
from fenliu.streams.kafka.config import confluent_config
from fenliu.streams.worker.context import Clock, WallClock

__all__ = [
    "Clock",
    "ControlClock",
    "WallClock",
    "clock_for",
    "decode_tick",
    "encode_tick",
    "ensure_tick_topic",
    "send_ticks",
    "tick_topic",
]

TICK_RETENTION_MS = 6 * 3_600_000  # a tick is worthless once a later one has been read


class ControlClock:
    """Time moves only when told (tick records, event times); it never goes back."""

    def __init__(self, start_ms: int = 0) -> None:
        self._now = start_ms

    def now_ms(self) -> int:
        return self._now

    def advance(self, to_ms: int) -> int:
        self._now = max(self._now, to_ms)
        return self._now


def clock_for(settings: Settings) -> Clock:
    """The clock ``FENLIU_CLOCK`` asks for: the wall clock, or one the ticks move."""
    return WallClock() if settings.sla.clock == "wall" else ControlClock()


def tick_topic(settings: Settings) -> str:
    """Physical name of the tick topic: internal to the streams app, like its changelogs."""
    return f"{settings.topics.prefix}{settings.streams.app_id}-sla-ticks"


def ensure_tick_topic(settings: Settings, timeout_s: float = 30.0) -> bool:
    """Create the tick topic when it is missing and wait until the broker lists it.

    The worker calls this before its consumer subscribes: a topic that Faust declares at
    subscription time is often not yet in the metadata the first assignment is computed
    from, and then its partitions stay unassigned until the next metadata refresh (5 min).
    Returns True when the topic was created now.
    """
    admin = AdminClient(confluent_config(settings))
    name = tick_topic(settings)
    created = False
    if name not in admin.list_topics(timeout=timeout_s).topics:
        spec = NewTopic(
            name,
            num_partitions=settings.topics.partitions,
            replication_factor=settings.topics.replication,
            config={"retention.ms": str(TICK_RETENTION_MS), "cleanup.policy": "delete"},
        )
        try:
            admin.create_topics([spec])[name].result(timeout=timeout_s)
            created = True
        except KafkaException as exc:
            if exc.args[0].code() != KafkaError.TOPIC_ALREADY_EXISTS:
                raise
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        found = admin.list_topics(name, timeout=timeout_s).topics.get(name)
        if found is not None and found.error is None and found.partitions:
            return created
        time.sleep(0.2)
    raise RuntimeError(f"tick topic {name} not listed by the broker after {timeout_s:.0f} s")


def encode_tick(at_ms: int) -> bytes:
    return str(int(at_ms)).encode("ascii")


def decode_tick(value: bytes | None) -> int | None:
    """The tick's time, or None for a value that is not one (counted, never fatal)."""
    try:
        return int((value or b"").decode("ascii"))
    except (UnicodeDecodeError, ValueError):
        return None


def send_ticks(
    settings: Settings, at_ms: int, partitions: Iterable[int] | None = None, timeout_s: float = 10.0
) -> int:
    """Write one tick at ``at_ms`` to every partition of the tick topic (or the given ones).

    The topic is created by the worker when it starts; this fails when it does not exist.
    Returns how many ticks were delivered.
    """
    topic = tick_topic(settings)
    if partitions is None:
        meta = AdminClient(confluent_config(settings)).list_topics(topic, timeout=timeout_s)
        found = meta.topics.get(topic)
        if found is None or found.error is not None or not found.partitions:
            raise RuntimeError(f"tick topic {topic} does not exist: start the streams worker")
        partitions = sorted(found.partitions)
    producer = Producer(confluent_config(settings, **{"enable.idempotence": True}))
    errors: list[str] = []
    sent = 0
    for partition in partitions:
        producer.produce(
            topic,
            encode_tick(at_ms),
            partition=partition,
            on_delivery=lambda err, _msg: errors.append(str(err)) if err else None,
        )
        sent += 1
    if producer.flush(timeout_s) or errors:
        raise RuntimeError(f"ticks not delivered to {topic}: {errors or 'flush timed out'}")
    return sent
