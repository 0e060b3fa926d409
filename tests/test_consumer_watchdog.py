"""The consumer watchdog's decisions, without a broker: when a consumer counts as stranded,
and what a recreation does to the service's callbacks (streams/kafka/consumer_watchdog.py).
Its run against the real broker: tests/test_consumer_watchdog_kafka.py."""

from __future__ import annotations

from confluent_kafka import Consumer, TopicPartition

from fenliu.processors.producer_watch import WatchPolicy
from fenliu.streams.kafka.consumer_watchdog import WatchedConsumer, _current_only

CLOSED_PORT = {"bootstrap.servers": "127.0.0.1:9", "group.id": "nobody"}


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _watched(clock: Clock, replaced: list[bool]) -> WatchedConsumer:
    return WatchedConsumer(
        CLOSED_PORT,
        WatchPolicy(no_broker_s=30.0, stall_s=120.0),
        client="test-unit",
        stats_interval_ms=0,  # the test observes by hand
        close_timeout_s=5.0,
        on_recreated=lambda: replaced.append(True),
        clock=clock,
    )


def test_a_subscribed_consumer_without_a_broker_is_replaced_after_the_grace_only() -> None:
    clock, replaced = Clock(), []
    watched = _watched(clock, replaced)
    first = watched.current
    watched.subscribe(["t"])
    watched.observe(0, 0, None)
    clock.now += 29.0
    watched.observe(0, 0, None)
    watched.poll(0)
    assert watched.current is first and watched.recreated == 0  # within the grace
    clock.now += 1.5
    watched.observe(0, 0, None)
    assert watched.current is first  # the verdict waits for the loop's next read
    watched.poll(0)
    assert watched.current is not first
    assert watched.recreated == 1 and replaced == [True]
    watched.close()


def test_a_broker_listed_again_or_no_subscription_keeps_the_consumer() -> None:
    clock, replaced = Clock(), []
    unsubscribed = _watched(clock, replaced)
    unsubscribed.observe(0, 0, None)
    clock.now += 300
    unsubscribed.observe(0, 0, None)
    unsubscribed.consume(1, timeout=0)
    assert unsubscribed.recreated == 0  # nothing waits for a broker yet
    unsubscribed.close()

    watched = _watched(clock, replaced)
    watched.subscribe(["t"])
    for _ in range(10):  # a broker restarting: listed (DOWN, reconnecting) every 20 s
        watched.observe(1, 0, 0.5)
        clock.now += 20
    watched.consume(1, timeout=0)
    assert watched.recreated == 0 and replaced == []
    watched.close()


def test_the_stall_signal_fires_when_no_broker_changes_state() -> None:
    clock, replaced = Clock(), []
    watched = _watched(clock, replaced)
    watched.subscribe(["t"])
    start = clock.now
    for _ in range(13):  # listed, never UP, its state unchanged since the start
        watched.observe(1, 0, clock.now - start + 1)
        clock.now += 10
    watched.poll(0)
    assert watched.recreated == 1
    watched.close()


def test_callbacks_of_a_replaced_consumer_do_nothing() -> None:
    calls: list[list[int]] = []
    current = [True]
    callback = _current_only(
        lambda: current[0], lambda _c, parts: calls.append([p.partition for p in parts])
    )
    consumer = Consumer(CLOSED_PORT)
    try:
        callback(consumer, [TopicPartition("t", 0)])
        current[0] = False
        callback(consumer, [TopicPartition("t", 1)])
    finally:
        consumer.close()
    assert calls == [[0]]
