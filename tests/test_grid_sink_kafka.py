"""grid-sink against the real broker and a real grid-sim: once each, retries, outages, dead letters, TLS."""

from __future__ import annotations

import ssl
from pathlib import Path
from typing import Any

import httpx
import pytest
from confluent_kafka import Producer
from fenliu_grid_sim.store import body_hash

from fenliu.settings import Settings
from fenliu.sinks.base import TransientError
from fenliu.sinks.circuit import State
from fenliu.sinks.grid.client import GridPlatform
from fenliu.sinks.grid.contract import OrderRequest
from fenliu.sinks.grid.delivery import GridSinkService, run_in_thread
from fenliu.sinks.grid.webserver import ThreadedServer, server_tls
from fenliu.streams.kafka.config import confluent_config
from fenliu.streams.kafka.consumer_watchdog import WatchedConsumer
from fenliu.streams.kafka.watchdog import WatchedProducer
from fenliu.topics import catalogue as topics
from tests.grid_support import (
    CODEC,
    TOKEN,
    admin,
    committed,
    dispatch_order,
    make_ca_and_server_cert,
    produce_orders,
    read_topic,
    requests_for,
    running_sim,
    running_sink,
    sim_config,
    sink_settings,
    wait_for,
)
from tests.watchdog_support import (
    consumer_stranded_in_place_of,
    consumers_recreated,
    recreated,
    stranded_in_place_of,
)

pytestmark = [pytest.mark.kafka, pytest.mark.stack_parallel]
NOTHING_COMMITTED = -1001


@pytest.fixture()
def order_topics(isolated_settings: Settings, topic_factory: Any) -> Settings:
    topic_factory(topics.ORDERS, partitions=3)
    topic_factory(topics.DEAD_LETTER)
    return isolated_settings


def total_committed(settings: Settings, partitions: int = 3) -> int:
    offsets = committed(
        settings, settings.grid.sink_group, settings.topic(topics.ORDERS), partitions
    )
    return sum(max(o, 0) for o in offsets)


def posts(server: ThreadedServer) -> list[dict[str, Any]]:
    return [r for r in admin(server, "GET", "/admin/requests") if r["method"] == "POST"]


def stored_orders(server: ThreadedServer) -> int:
    return int(admin(server, "GET", "/health")["orders"])


def test_each_order_is_delivered_once_and_a_restart_resends_idempotently(
    order_topics: Settings,
) -> None:
    records = [dispatch_order(f"once-{i}") for i in range(20)]
    produce_orders(order_topics, records)
    with running_sim(sim_config()) as (_sim, server):
        s = sink_settings(order_topics, server.url)
        with running_sink(s):
            wait_for(lambda: total_committed(s) == 20, what="20 committed orders")
        assert stored_orders(server) == 20
        assert sorted(r["status"] for r in posts(server)) == [201] * 20

        # the same group goes on after its commit: only the new order is sent
        produce_orders(order_topics, [dispatch_order("once-20")])
        with running_sink(s):
            wait_for(lambda: total_committed(s) == 21, what="the 21st order committed")
        assert len(posts(server)) == 21

        # a group that never committed re-sends everything: the platform keeps one of each
        fresh = s.replace(grid={"sink_group": s.grid.sink_group + "-again"})
        with running_sink(fresh):
            wait_for(lambda: total_committed(fresh) == 21, what="re-sent orders committed")
        statuses = [r["status"] for r in posts(server)]
        assert statuses.count(201) == 21 and statuses.count(200) == 21
        assert stored_orders(server) == 21
        metrics = httpx.get(f"{server.url}/metrics").text
    assert 'fenliu_grid_sim_order_duplicates_total{kind="replayed"} 21.0' in metrics
    assert read_topic(order_topics, order_topics.topic(topics.DEAD_LETTER), 1, timeout_s=1) == []


def test_transient_errors_are_retried_then_the_order_is_delivered(order_topics: Settings) -> None:
    produce_orders(order_topics, [dispatch_order("retry-1")])
    with running_sim(sim_config()) as (_sim, server):
        admin(server, "POST", "/admin/faults", {"status": 502, "requests": 2, "scope": "orders"})
        s = sink_settings(order_topics, server.url)
        with running_sink(s):
            wait_for(lambda: total_committed(s) == 1, what="the order committed")
        assert requests_for(server, "retry-1") == [502, 502, 201]


def test_an_outage_opens_the_breaker_holds_commits_and_delivers_in_order_later(
    order_topics: Settings,
) -> None:
    versions = [
        dispatch_order("case-k", repeat_count=n) for n in range(3)
    ]  # one key, three records
    others = [dispatch_order(f"other-{i}") for i in range(3)]
    produce_orders(order_topics, versions + others)
    s = sink_settings(
        order_topics,
        "",
        sink_breaker_failures=3,
        sink_max_attempts=6,
        sink_concurrency=2,
    )
    with running_sim(sim_config()) as (_sim, server):
        admin(server, "POST", "/admin/faults", {"status": 503})  # down until cleared
        s = s.replace(grid={"platform_url": server.url})
        with running_sink(s) as sink:
            wait_for(lambda: sink.breaker.state is not State.CLOSED, what="the breaker to open")
            wait_for(
                lambda: (
                    sum(r["route"] == "health" for r in admin(server, "GET", "/admin/requests"))
                    >= 2
                ),
                what="two probes while open",
            )
            # while down: nothing committed, and orders are not hammered at the platform
            assert total_committed(s) == 0
            assert len(posts(server)) <= s.grid.sink_breaker_failures + s.grid.sink_concurrency - 1
            admin(server, "DELETE", "/admin/faults")
            wait_for(lambda: total_committed(s) == 6, what="all six committed")
            assert sink.breaker.state is State.CLOSED
        delivered = [r for r in posts(server) if r["order_id"] == "case-k" and r["status"] < 500]
        expected = [body_hash(OrderRequest.from_record(v)) for v in versions]
        assert [r["body_hash"] for r in delivered] == expected  # in offset order
        assert [r["status"] for r in delivered] == [201, 409, 409]
    assert read_topic(order_topics, order_topics.topic(topics.DEAD_LETTER), 1, timeout_s=1) == []


def test_failed_and_refused_orders_become_dead_letters_with_every_attempt(
    order_topics: Settings,
) -> None:
    records = [dispatch_order(i) for i in ("good-1", "poison", "refused", "good-2")]
    produce_orders(order_topics, records)
    producer = Producer(confluent_config(order_topics))
    producer.produce(order_topics.topic(topics.ORDERS), b"\x00garbage", b"garbage")
    assert producer.flush(30) == 0
    s = sink_settings(order_topics, "", sink_max_attempts=3, sink_breaker_failures=5)
    with running_sim(sim_config()) as (_sim, server):
        admin(
            server,
            "POST",
            "/admin/faults",
            {"status": 500, "order_ids": ["poison"], "scope": "orders"},
        )
        admin(
            server,
            "POST",
            "/admin/faults",
            {"status": 422, "order_ids": ["refused"], "scope": "orders"},
        )
        s = s.replace(grid={"platform_url": server.url})
        with running_sink(s):
            wait_for(lambda: total_committed(s) == 5, what="all five committed")
        assert requests_for(server, "poison") == [500, 500, 500]
        assert requests_for(server, "refused") == [422]
        assert requests_for(server, "good-1") == [201] and requests_for(server, "good-2") == [201]
    letters = read_topic(order_topics, order_topics.topic(topics.DEAD_LETTER), 3)
    by_key = {m.key(): CODEC.decode(m.value(), expect="DeadLetter") for m in letters}
    assert set(by_key) == {b"poison", b"refused", b"garbage"}
    poison = by_key[b"poison"]
    assert (poison["service"], poison["stage"], poison["reason"]) == (
        "grid-sink",
        "deliver",
        "DELIVERY_FAILED",
    )
    assert len(poison["attempts"]) == 3 and all("HTTP 500" in a for a in poison["attempts"])
    assert poison["value"] == CODEC.encode("DispatchOrder", records[1])
    assert poison["topic"] == order_topics.topic(topics.ORDERS)
    refused = by_key[b"refused"]
    assert refused["reason"] == "REJECTED" and len(refused["attempts"]) == 1
    assert "HTTP 422" in refused["attempts"][0]
    assert (by_key[b"garbage"]["stage"], by_key[b"garbage"]["reason"]) == ("decode", "UNDECODABLE")


def test_orders_go_over_https_verified_against_a_custom_ca(
    order_topics: Settings, tmp_path: Path
) -> None:
    ca, cert, key = make_ca_and_server_cert(tmp_path)
    produce_orders(order_topics, [dispatch_order("tls-1")])
    with running_sim(sim_config(), ssl_context=server_tls(cert, key)) as (_sim, server):
        assert server.url.startswith("https://127.0.0.1:")
        untrusting = GridPlatform(server.url, TOKEN)  # system CAs only
        with pytest.raises(TransientError, match="CERTIFICATE_VERIFY_FAILED"):
            untrusting.probe()
        untrusting.close()
        s = sink_settings(order_topics, server.url, platform_ca_file=ca)
        with running_sink(s):
            wait_for(lambda: total_committed(s) == 1, what="the order over TLS")
        assert requests_for(server, "tls-1", verify=ssl.create_default_context(cafile=str(ca))) == [
            201
        ]


def test_stopping_while_the_platform_is_down_leaves_orders_uncommitted(
    order_topics: Settings,
) -> None:
    produce_orders(order_topics, [dispatch_order("wait-1")])
    with running_sim(sim_config()) as (_sim, server):
        admin(server, "POST", "/admin/faults", {"status": 503})
        s = sink_settings(order_topics, server.url, sink_breaker_failures=1)
        with running_sink(s) as sink:
            wait_for(lambda: sink.breaker.state is not State.CLOSED, what="the breaker to open")
        assert total_committed(s) == 0  # a restart will send it again
        admin(server, "DELETE", "/admin/faults")
        with running_sink(s):
            wait_for(lambda: total_committed(s) == 1, what="delivered after the restart")
        assert requests_for(server, "wait-1")[-1] == 201


def test_a_slow_platform_times_out_and_the_resent_order_is_still_stored_once(
    order_topics: Settings,
) -> None:
    produce_orders(order_topics, [dispatch_order("slow-1")])
    with running_sim(sim_config()) as (_sim, server):
        slow = {"status": None, "delay_ms": 1500, "requests": 1, "scope": "orders"}
        admin(server, "POST", "/admin/faults", slow)
        s = sink_settings(order_topics, server.url, sink_timeout_s=0.5)
        with running_sink(s):
            wait_for(lambda: total_committed(s) == 1, what="the order committed")
        # the timed-out first request still arrives late: one 201, one 200, one stored order
        statuses = wait_for(
            lambda: (
                sorted(requests_for(server, "slow-1"))
                if len(requests_for(server, "slow-1")) == 2
                else None
            ),
            what="both requests logged",
        )
        assert statuses == [200, 201]
        assert stored_orders(server) == 1


def test_a_second_replica_takes_partitions_over_without_losing_or_doubling_orders(
    order_topics: Settings,
) -> None:
    produce_orders(order_topics, [dispatch_order(f"rebal-{i}") for i in range(30)])
    with running_sim(sim_config()) as (_sim, server):
        # slow answers keep orders in flight while the group rebalances
        admin(server, "POST", "/admin/faults", {"status": None, "delay_ms": 300, "scope": "orders"})
        s = sink_settings(order_topics, server.url, sink_concurrency=2)
        with running_sink(s):
            wait_for(lambda: len(posts(server)) >= 3, what="the first replica under way")
            with running_sink(s):
                produce_orders(order_topics, [dispatch_order(f"rebal-{i}") for i in range(30, 40)])
                wait_for(lambda: total_committed(s) == 40, what="all 40 committed by the two")
        assert stored_orders(server) == 40
        statuses = [r["status"] for r in posts(server)]
        assert statuses.count(201) == 40 and set(statuses) <= {200, 201}  # re-sends are replays


class StrandedDeadLetters(GridSinkService):
    """grid-sink whose dead-letter producer is stranded from the start: the watchdog
    must recreate it."""

    def new_producer(self) -> WatchedProducer:
        return stranded_in_place_of(super().new_producer())


def test_dead_letters_of_a_stranded_producer_arrive_once_and_are_committed(
    order_topics: Settings,
) -> None:
    """The delivery threads (four) share one watched producer for their dead letters: when
    librdkafka strands it, it is recreated and every dead letter is on the topic once, the
    orders committed; with a plain producer they would wait out message.timeout.ms."""
    producer = Producer(confluent_config(order_topics))
    for i in range(20):
        producer.produce(order_topics.topic(topics.ORDERS), b"\x00garbage", f"bad-{i:02d}".encode())
    assert producer.flush(30) == 0
    s = sink_settings(order_topics, "http://127.0.0.1:9", sink_concurrency=4)
    before = recreated("grid-sink")
    service = StrandedDeadLetters(s, GridPlatform.from_settings(s), CODEC)
    thread, stop = run_in_thread(service)
    try:
        wait_for(lambda: total_committed(s) == 20, what="all twenty committed", timeout_s=120)
    finally:
        stop.set()
        thread.join(60)
    assert not thread.is_alive()
    assert recreated("grid-sink") == before + 1
    letters = read_topic(order_topics, order_topics.topic(topics.DEAD_LETTER), 20)
    keys = sorted((m.key() or b"").decode() for m in letters)
    assert keys == [f"bad-{i:02d}" for i in range(20)]  # each once
    for m in letters:
        letter = CODEC.decode(m.value(), expect="DeadLetter")
        assert (letter["service"], letter["reason"]) == ("grid-sink", "UNDECODABLE")


class StrandedOrders(GridSinkService):
    """grid-sink whose orders' consumer is stranded from the start (no broker, never in its
    group): the consumer watchdog must replace it."""

    def new_consumer(self) -> WatchedConsumer:
        return consumer_stranded_in_place_of(super().new_consumer())


def test_orders_of_a_stranded_consumer_are_delivered_once_by_its_replacement(
    order_topics: Settings,
) -> None:
    """librdkafka #5301 met grid-sink's consumer once (docs/streams.md, "Consumers too"): it
    never joined its group again and the orders waited for ever. Watched, it is replaced;
    the new consumer reads every order and commits it."""
    produce_orders(order_topics, [dispatch_order(f"strand-{i}") for i in range(20)])
    before = consumers_recreated("grid-sink")
    with running_sim(sim_config()) as (_sim, server):
        s = sink_settings(order_topics, server.url)
        service = StrandedOrders(s, GridPlatform.from_settings(s), CODEC)
        thread, stop = run_in_thread(service)
        try:
            wait_for(lambda: total_committed(s) == 20, what="twenty committed", timeout_s=120)
        finally:
            stop.set()
            thread.join(60)
        assert not thread.is_alive()
        assert stored_orders(server) == 20
    assert consumers_recreated("grid-sink") == before + 1
