"""Router and grid-sink lag per partition (``fenliu_consumer_lag``) on the real broker: it rises
with records waiting for the group and falls to zero once the service has committed them."""

from __future__ import annotations

import threading
import uuid
from typing import Any

import pytest
from confluent_kafka import Producer
from hypothesis import given
from hypothesis import strategies as st
from prometheus_client import REGISTRY

from fenliu.refdata.decider import build_decider
from fenliu.schemas.serde import SingleObjectCodec
from fenliu.settings import Settings
from fenliu.streams.kafka.config import confluent_config
from fenliu.streams.kafka.lag import LagReporter, partition_lag
from fenliu.streams.router.service import Router
from fenliu.topics import catalogue as topics
from tests.factories import call110
from tests.grid_support import (
    dispatch_order,
    produce_orders,
    running_sim,
    running_sink,
    sim_config,
    sink_settings,
    wait_for,
)

CODEC = SingleObjectCodec()


def _gauge(group: str, topic: str) -> float:
    return sum(
        s.value
        for m in REGISTRY.collect()
        if m.name == "fenliu_consumer_lag"
        for s in m.samples
        if s.labels["group"] == group and s.labels["topic"] == topic
    )


@given(st.integers(0, 10**6), st.integers(0, 10**6), st.integers(-1001, 2 * 10**6))
def test_lag_is_what_the_group_has_left_between_log_start_and_end(low, size, committed):
    high = low + size
    lag = partition_lag(low, high, committed)
    assert 0 <= lag <= size
    if committed < 0:
        assert lag == size  # nothing committed: everything from the log start
    elif low <= committed <= high:
        assert lag == high - committed


@pytest.mark.kafka
@pytest.mark.stack_parallel
def test_router_lag_rises_with_waiting_calls_and_falls_when_they_are_decided(
    isolated_settings: Settings, topic_factory: Any
) -> None:
    s = isolated_settings.replace(router={"group": f"lag-router-{uuid.uuid4().hex[:6]}"})
    raw = topic_factory(topics.RAW_110, partitions=3)
    topic_factory(topics.RAW_12345, partitions=1)
    topic_factory(topics.DECISIONS, partitions=3)
    topic_factory(topics.DEAD_LETTER)
    producer = Producer(confluent_config(s))
    for i in range(30):
        producer.produce(
            raw,
            CODEC.encode("Call110", call110(f"L{i}", "邻居家狗半夜一直叫")),
            key=f"L{i}".encode(),
        )
    assert producer.flush(30) == 0
    reporter = LagReporter(s, s.router.group, [raw, s.topic(topics.RAW_12345)])
    lags = reporter.measure()
    assert sum(lags.values()) == 30 and len([v for v in lags.values() if v]) >= 2
    assert _gauge(s.router.group, raw) == 30  # exported per partition, summed here
    router = Router(s, build_decider(s), CODEC, None)
    stop = threading.Event()
    thread = threading.Thread(target=router.run, args=(stop,), daemon=True)
    thread.start()
    try:
        wait_for(lambda: sum(reporter.measure().values()) == 0, what="the router's lag at 0")
    finally:
        stop.set()
        thread.join(30)
        reporter.stop()
    assert _gauge(s.router.group, raw) == 0


@pytest.mark.kafka
@pytest.mark.stack_parallel
def test_grid_sink_lag_rises_with_waiting_orders_and_falls_when_delivered(
    isolated_settings: Settings, topic_factory: Any
) -> None:
    topic_factory(topics.ORDERS, partitions=3)
    topic_factory(topics.DEAD_LETTER)
    produce_orders(isolated_settings, [dispatch_order(f"lag-{i}") for i in range(12)])
    with running_sim(sim_config()) as (_sim, server):
        s = sink_settings(isolated_settings, server.url)
        reporter = LagReporter(s, s.grid.sink_group, [s.topic(topics.ORDERS)])
        try:
            assert sum(reporter.measure().values()) == 12
            with running_sink(s):
                wait_for(lambda: sum(reporter.measure().values()) == 0, what="grid-sink lag 0")
        finally:
            reporter.stop()
    assert _gauge(s.grid.sink_group, s.topic(topics.ORDERS)) == 0
