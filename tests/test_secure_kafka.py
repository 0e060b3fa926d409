"""The secure stack (``./dev test --secure``): one SCRAM principal per service, ACLs from the
catalogue. Each service works with its own principal and is refused, with an authorization
error and not a hang, on every topic it does not own; dead letters of raw calls point to
the original, which only a principal allowed to read raw topics can follow.

The session runs as ``admin`` (the super user: it makes topics and ACLs); each test
grants the services their ACLs for its own topic prefix and groups, as ``fenliu stack up
--secure`` does for the deployment's.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator

import pytest
from confluent_kafka import Consumer, KafkaError, Producer
from pydantic import SecretStr

from fenliu.refdata.decider import build_decider
from fenliu.schemas.serde import SingleObjectCodec
from fenliu.settings import Settings
from fenliu.sinks.grid.ingress import AckingProducer, Ingress
from fenliu.sinks.grid.webserver import ThreadedServer
from fenliu.stack.kafka import Kafka
from fenliu.stack.layout import StackLayout
from fenliu.streams.kafka.commit import NotAuthorized
from fenliu.streams.kafka.config import confluent_config
from fenliu.streams.kafka.dead_letters import read_original
from fenliu.streams.router.service import Router
from fenliu.topics import catalogue as topics
from fenliu.topics.acls import PRINCIPALS, apply_grants, grants
from fenliu.topics.admin import apply_topics
from fenliu.topics.catalogue import default_catalogue
from tests.factories import call110
from tests.grid_support import (
    admin,
    dispatch_order,
    produce_orders,
    read_topic,
    running_sim,
    running_sink,
    sim_config,
    sink_settings,
    wait_for,
)
from tests.streams_worker import Feed, Worker, read_until
from tests.test_ingress import event, ingress_settings, send, signed

pytestmark = [pytest.mark.kafka, pytest.mark.secure]

CODEC = SingleObjectCodec()
REFUSED = (KafkaError.TOPIC_AUTHORIZATION_FAILED, KafkaError.GROUP_AUTHORIZATION_FAILED)
# A refusal must come back well within this; librdkafka would otherwise retry for minutes.
ANSWER_S = 30.0
SERVICES = [p for p in PRINCIPALS if p != "admin"]


def as_principal(settings: Settings, principal: str) -> Settings:
    """``settings`` authenticated as ``principal``, with the password the stack made for it."""
    kafka = Kafka(settings, StackLayout.from_settings(settings))
    password = kafka.password_file(principal).read_text().strip()
    return settings.replace(
        kafka={"sasl_username": principal, "sasl_password": SecretStr(password)}
    )


def group_of(settings: Settings, principal: str) -> str:
    """The consumer group the catalogue's ACLs give ``principal`` (replay: a throw-away one)."""
    return {
        "router": settings.router.group,
        "streams": f"{settings.topics.prefix}{settings.streams.app_id}",
        "grid-sink": settings.grid.sink_group,
        "replay": f"fenliu-audit-{settings.topics.prefix}",
    }.get(principal, f"{settings.topics.prefix}{principal}-has-no-group")


@pytest.fixture()
def secure(isolated_settings: Settings) -> Iterator[Settings]:
    """This test's topics (made by admin) and the services' ACLs for its prefix and groups."""
    if isolated_settings.kafka.sasl_mechanism is None:
        pytest.fail("the secure tests need the secure stack: ./dev test --secure", pytrace=False)
    p = isolated_settings.topics.prefix
    settings = isolated_settings.replace(
        router={"group": f"{p}router"}, grid={"sink_group": f"{p}grid-sink"}
    )
    apply_topics(settings)
    apply_grants(settings, grants(settings))
    yield settings


def _produce(settings: Settings, topic: str, values: list[bytes]) -> list[KafkaError | None]:
    """Produce and wait for every delivery report; each record's error (None = stored)."""
    results: list[KafkaError | None] = []
    producer = Producer(confluent_config(settings, **{"message.timeout.ms": int(ANSWER_S * 1000)}))
    for value in values:
        producer.produce(topic, value, b"k", on_delivery=lambda err, _m: results.append(err))
    assert producer.flush(ANSWER_S + 5) == 0
    return results


def _consume_one(
    settings: Settings, group: str, topic: str
) -> tuple[bytes | None, KafkaError | None]:
    """Subscribe with ``group`` and return the first record or the first real error."""
    consumer = Consumer(confluent_config(settings, **{
        "group.id": group, "auto.offset.reset": "earliest", "enable.auto.commit": False,
    }))  # fmt: skip
    consumer.subscribe([topic])
    deadline = time.monotonic() + ANSWER_S
    try:
        while time.monotonic() < deadline:
            msg = consumer.poll(0.5)
            if msg is None:
                continue
            if msg.error() is None:
                return msg.value(), None
            if msg.error().code() != KafkaError._PARTITION_EOF:
                return None, msg.error()
        return None, None
    finally:
        consumer.close()


def test_each_service_reads_and_writes_its_own_topics_with_its_own_principal(secure):
    for spec in default_catalogue().topics:
        topic = secure.topic(spec.name)
        for writer in spec.writers:
            value = f"{writer} to {spec.name}".encode()
            assert _produce(as_principal(secure, writer), topic, [value]) == [None], (writer, topic)
        for reader in spec.readers:
            principal = as_principal(secure, reader)
            value, error = _consume_one(principal, group_of(secure, reader), topic)
            assert error is None and value is not None, (reader, topic, error)


def test_each_service_is_refused_every_topic_it_does_not_own_with_an_authorization_error(secure):
    for principal in SERVICES:
        settings = as_principal(secure, principal)
        for spec in default_catalogue().topics:
            topic = secure.topic(spec.name)
            if principal not in spec.writers:
                started = time.monotonic()
                (error,) = _produce(settings, topic, [b"not mine"])
                assert (
                    error is not None and error.code() == KafkaError.TOPIC_AUTHORIZATION_FAILED
                ), (principal, "write", topic, error)
                assert time.monotonic() - started < ANSWER_S  # refused, not timed out
            if principal not in spec.readers:
                group = group_of(secure, principal)
                _value, error = _consume_one(settings, group, topic)
                assert error is not None and error.code() in REFUSED, (
                    principal,
                    "read",
                    topic,
                    error,
                )


def _run_router(settings: Settings, until) -> BaseException | None:
    """Run the router in a thread until ``until()`` returns; what it raised, if anything."""
    raised: list[BaseException] = []

    def run() -> None:
        try:
            Router(settings, build_decider(settings), CODEC, None).run(stop)
        except BaseException as error:  # noqa: BLE001 - handed to the test
            raised.append(error)

    stop = threading.Event()
    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    try:
        until(worker)
    finally:
        stop.set()
        worker.join(60)
    assert not worker.is_alive()
    return raised[0] if raised else None


def test_the_router_works_as_router_and_its_raw_dead_letters_point_to_the_original(secure):
    feed = as_principal(secure, "feed")
    good = CODEC.encode(
        "Call110", call110("C-SECURE-1", "楼下有人打架，有人受伤", phone="13800138000")
    )
    bad = b'{"call_id": "C-SECURE-2", "caller_phone": "13900139000"} not avro'
    assert _produce(feed, secure.topic(topics.RAW_110), [good, bad]) == [None, None]
    got: dict[str, tuple[bytes | None, KafkaError | None]] = {}

    def until(_worker: threading.Thread) -> None:
        streams = as_principal(secure, "streams")
        got["decision"] = _consume_one(
            streams, group_of(secure, "streams"), secure.topic(topics.DECISIONS)
        )
        replay = as_principal(secure, "replay")
        got["dead"] = _consume_one(
            replay, group_of(secure, "replay"), secure.topic(topics.DEAD_LETTER)
        )

    assert _run_router(as_principal(secure, "router"), until) is None
    decision, error = got["decision"]
    assert error is None and CODEC.decode(decision)["event"]["source_id"] == "C-SECURE-1"
    dead_bytes, error = got["dead"]
    assert error is None and b"13900139000" not in dead_bytes
    dead = CODEC.decode(dead_bytes, expect="DeadLetter")
    assert dead["value"] is None and dead["value_in_source"] is True
    assert dead["topic"] == secure.topic(topics.RAW_110)
    # replay/audit may read raw topics: the pointer gives the original, checked by SHA-256.
    original = read_original(as_principal(secure, "replay"), dead)
    assert (original.value, original.verified, original.problem) == (bad, True, None)
    # grid-sink may not: the broker refuses, and the answer says so instead of waiting.
    refused = read_original(as_principal(secure, "grid-sink"), dead)
    assert refused.value is None and not refused.verified
    assert "not allowed to read" in (refused.problem or "")


def test_the_router_under_another_services_principal_stops_with_an_authorization_error(secure):
    """No hang: a router started with grid-sink's credentials exits naming the refusal."""

    def until(worker: threading.Thread) -> None:
        worker.join(ANSWER_S * 2)

    raised = _run_router(as_principal(secure, "grid-sink"), until)
    assert isinstance(raised, NotAuthorized), raised
    assert "refused" in str(raised) and "FENLIU_KAFKA_SASL_USERNAME" in str(raised)


def test_grid_sink_delivers_orders_as_grid_sink(secure):
    produce_orders(
        as_principal(secure, "streams"), [dispatch_order(f"secure-{i}") for i in range(3)]
    )
    with running_sim(sim_config()) as (_sim, server):
        sink = sink_settings(as_principal(secure, "grid-sink"), server.url)
        with running_sink(sink):
            wait_for(
                lambda: int(admin(server, "GET", "/health")["orders"]) == 3,
                what="3 orders on the platform",
            )


def test_the_ingress_writes_lifecycle_events_as_ingress(secure):
    s = ingress_settings(as_principal(secure, "ingress"))
    server = ThreadedServer(Ingress(s, CODEC, AckingProducer(s)).app()).start()
    try:
        body = json.dumps(event("secure-1")).encode()
        assert send(server, body, signed(body)).status_code == 202
    finally:
        server.stop()
    [record] = read_topic(secure, secure.topic(topics.LIFECYCLE), 1)
    assert CODEC.decode(record.value(), expect="LifecycleEvent")["event_id"] == "secure-1"


def test_the_streams_worker_makes_cases_and_orders_as_streams(secure, tmp_path):
    """The Faust worker (aiokafka, SCRAM) with its own user: its changelogs and tick topic
    under its prefix, decisions in, cases and orders out."""
    kafka = Kafka(secure, StackLayout.from_settings(secure))
    worker = Worker(
        secure,
        tmp_path,
        FENLIU_KAFKA_SASL_USERNAME="streams",
        FENLIU_KAFKA_SASL_PASSWORD_FILE=str(kafka.password_file("streams")),
    )
    worker.start()
    try:
        feed = Feed(as_principal(secure, "router"), build_decider(secure))
        first = feed.decide(call110("C-SECURE-W", "工地老板拖欠我们三个月工资，一直拖着不给"))
        feed.decisions(first)
        got = read_until(secure, topics.ORDERS, lambda out: len(out) >= 1, timeout_s=120)
        assert [v["decision_id"] for _, v in got] == [first.decision_id], worker.log_tail()
    finally:
        worker.stop()
