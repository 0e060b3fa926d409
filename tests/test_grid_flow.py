"""The whole loop on the real broker: orders → grid-sink → grid-sim → signed webhook → ingress → lifecycle."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import pytest
from fenliu_grid_sim import LifeKnobs, plan_life

from fenliu.settings import Settings
from fenliu.sinks.grid.contract import OrderRequest
from fenliu.sinks.grid.ingress import WEBHOOK_PATH, AckingProducer, Ingress
from fenliu.sinks.grid.webserver import ThreadedServer
from fenliu.topics import catalogue as topics
from tests.grid_support import (
    CODEC,
    dispatch_order,
    produce_orders,
    read_topic,
    running_sim,
    running_sink,
    sim_config,
    sink_settings,
)

pytestmark = [pytest.mark.kafka, pytest.mark.stack_parallel]


def test_grid_sim_plays_each_orders_life_onto_the_lifecycle_topic(
    isolated_settings: Settings, topic_factory: Any
) -> None:
    for name in (topics.ORDERS, topics.LIFECYCLE):
        topic_factory(name, partitions=3)
    topic_factory(topics.DEAD_LETTER)
    records = [
        dispatch_order("flow-wage"),
        dispatch_order("flow-police", is_police_matter=True, unit_kind="police", source="S12345"),
        dispatch_order("flow-noise", situation_code="NOISE-STALL", unit_kind="department"),
    ]
    # mixed behaviour, fixed seed: some lives end early (returned, never arrived)
    knobs = LifeKnobs(sign_late_rate=0.5, no_arrival_rate=0.3, return_rate=0.3, complaint_rate=0.5)
    settings = sink_settings(isolated_settings, "")
    expected = {
        r["order_id"]: [s.kind for s in plan_life(OrderRequest.from_record(r), knobs, 11)]
        for r in records
    }
    ingress = ThreadedServer(Ingress(settings, CODEC, AckingProducer(settings)).app()).start()
    try:
        config = sim_config(webhook_url=f"{ingress.url}{WEBHOOK_PATH}", knobs=knobs, seed=11)
        with running_sim(config) as (_sim, server):
            s = settings.replace(grid={"platform_url": server.url})
            produce_orders(s, records)
            with running_sink(s):
                events = read_topic(
                    s, s.topic(topics.LIFECYCLE), sum(len(k) for k in expected.values())
                )
    finally:
        ingress.stop()
    kinds: dict[str, list[str]] = defaultdict(list)
    for msg in sorted(events, key=lambda m: (m.partition(), m.offset())):
        record = CODEC.decode(msg.value(), expect="LifecycleEvent")
        assert msg.key() == record["order_id"].encode()
        kinds[record["order_id"]].append(record["kind"])
    assert dict(kinds) == expected
    assert "ACCEPTED" in kinds["flow-police"]
    # lifecycle events land on the partition of their order (docs/partitioning.md)
    orders = read_topic(settings, settings.topic(topics.ORDERS), len(records))
    order_partition = {m.key(): m.partition() for m in orders}
    assert all(order_partition[m.key()] == m.partition() for m in events)
