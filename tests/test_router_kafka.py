"""The stateless router against the real broker and Redis: decisions, dead letters, commits."""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Iterator

import pytest
import redis
from confluent_kafka import Consumer, Producer, TopicPartition

from fenliu.processors.records import decision_from_record
from fenliu.refdata.decider import build_decider
from fenliu.refdata.team_directory import TeamDirectory
from fenliu.schemas.serde import SingleObjectCodec
from fenliu.streams.kafka.commit import Committer
from fenliu.streams.kafka.config import confluent_config
from fenliu.streams.kafka.consumer_watchdog import WatchedConsumer
from fenliu.streams.kafka.dead_letters import read_original
from fenliu.streams.router.service import Router
from fenliu.topics import catalogue as topics
from fenliu.topics.admin import apply_topics
from tests.factories import call110, ticket12345
from tests.watchdog_support import consumer_stranded_in_place_of, consumers_recreated

pytestmark = [pytest.mark.kafka, pytest.mark.redis, pytest.mark.stack_parallel]

CODEC = SingleObjectCodec()
GOOD = [
    ("raw110", call110("A1", "工地老板拖欠我们三个月工资，十几个工人没拿到钱")),
    ("raw110", call110("A2", "楼上邻居家卫生间漏水，水从天花板滴下来，物业不管")),
    ("raw110", call110("A3", "有人拿刀在小区门口砍人，地上有血")),
    ("raw110", call110("A4", "健身房突然关门跑路了，我办的预付卡还有三千块没用")),
    ("raw12345", ticket12345("T1", "小区门口夜宵摊每天晚上吵到凌晨两点，油烟也大")),
    ("raw12345", ticket12345("T2", "我老公喝了酒又打我，我现在躲在邻居家，头上流血了")),
]


def _bad_inputs() -> list[tuple[str, bytes, str]]:
    future = call110("B3", "邻居吵架", at_ms=int(time.time() * 1000) + 86_400_000)
    return [
        ("raw110", b"\x00\x01 not avro at all", "UNDECODABLE"),
        ("raw110", CODEC.encode("Ticket12345", ticket12345("B2", "wrong topic")), "WRONG_SCHEMA"),
        ("raw110", CODEC.encode("Call110", future), "FUTURE_TIME"),
        (
            "raw110",
            CODEC.encode(
                "Call110", call110("B4", None, lon=None, lat=None, admin_code=None, address=None)
            ),
            "EMPTY_CALL",
        ),
        (
            "raw110",
            CODEC.encode("Call110", call110("B5", "噪音", lon=2.35, lat=48.85)),
            "COORDINATES_OUTSIDE_CHINA",
        ),
        ("raw110", CODEC.encode("Call110", call110("B6", "漏水"))[:14], "UNDECODABLE"),
    ]


def _read_all(settings, group: str, topic: str, expected: int, timeout_s: float = 60) -> list:
    consumer = Consumer(
        confluent_config(settings, **{"group.id": group, "auto.offset.reset": "earliest"})
    )
    consumer.subscribe([topic])
    out: list = []
    deadline = time.monotonic() + timeout_s
    while len(out) < expected and time.monotonic() < deadline:
        out += [m for m in consumer.consume(100, timeout=0.5) if m.error() is None]
    consumer.close()
    return out


@pytest.fixture()
def stack_topics(isolated_settings) -> Iterator:
    settings = isolated_settings.replace(
        router={"group": f"{isolated_settings.topics.prefix}router"}
    )
    apply_topics(settings)
    yield settings


def _produce(settings, items: list[tuple[str, bytes]]) -> None:
    names = {"raw110": settings.topic(topics.RAW_110), "raw12345": settings.topic(topics.RAW_12345)}
    producer = Producer(confluent_config(settings))
    for which, value in items:
        producer.produce(names[which], value, key=b"k")
    assert producer.flush(30) == 0


def _run_router(settings, teams, until) -> None:
    router = Router(settings, build_decider(settings), CODEC, teams)
    stop = threading.Event()
    worker = threading.Thread(target=router.run, args=(stop,), daemon=True)
    worker.start()
    try:
        until()
    finally:
        stop.set()
        worker.join(30)
    assert not worker.is_alive()


def test_router_decides_dead_letters_and_commits(stack_topics, redis_client):
    settings = stack_topics
    bad = _bad_inputs()
    _produce(
        settings,
        [(w, CODEC.encode("Call110" if w == "raw110" else "Ticket12345", r)) for w, r in GOOD]
        + [(w, v) for w, v, _ in bad],
    )
    teams = TeamDirectory(
        redis.Redis.from_url(settings.teams.redis_url, socket_timeout=0.5), timeout_s=0.5
    )
    results: dict[str, list] = {}

    def until() -> None:
        results["decisions"] = _read_all(
            settings, f"{settings.topics.prefix}d", settings.topic(topics.DECISIONS), len(GOOD)
        )
        results["dead"] = _read_all(
            settings, f"{settings.topics.prefix}x", settings.topic(topics.DEAD_LETTER), len(bad)
        )

    _run_router(settings, teams, until)
    decisions = {
        d.event.source_id: d
        for d in (
            decision_from_record(CODEC.decode(m.value(), "Decision")) for m in results["decisions"]
        )
    }
    assert sorted(decisions) == sorted(
        r["call_id"] if "call_id" in r else r["ticket_id"] for _, r in GOOD
    )
    assert [
        decisions[i].classification.is_police_matter for i in ("A1", "A2", "A3", "A4", "T1", "T2")
    ] == [False, False, True, False, False, True]
    assert (
        decisions["T2"].route.unit_kind == "police"
    )  # a police matter in a 12345 ticket goes to 110
    for m in results["decisions"]:
        assert b"13812345678" not in m.value() and b"88123456" not in m.value()
        assert (
            m.key().decode() == decision_from_record(CODEC.decode(m.value(), "Decision")).case_key
        )

    dead = [CODEC.decode(m.value(), "DeadLetter") for m in results["dead"]]
    assert sorted(d["reason"] for d in dead) == sorted(reason for _, _, reason in bad)
    # Raw calls hold phone numbers: the dead letter points to the original instead of copying
    # it, and the pointer leads back to the original bytes, untouched (checked by SHA-256).
    assert all(d["value"] is None and d["value_in_source"] for d in dead)
    assert sorted(d["value_sha256"] for d in dead) == sorted(
        hashlib.sha256(v).hexdigest() for _, v, _ in bad
    )
    originals = [read_original(settings, d) for d in dead]
    assert all(o.verified for o in originals)
    assert sorted(o.value for o in originals) == sorted(v for _, v, _ in bad)
    assert all(d["topic"] == settings.topic(topics.RAW_110) and d["error"] for d in dead)

    # offsets were committed after delivery: the group's position is the end of each partition
    committed, ends = _committed_and_ends(settings)
    assert committed == ends


def test_rerun_gives_the_same_decision_ids_and_redis_down_falls_back(stack_topics):
    settings = stack_topics
    _produce(
        settings,
        [(w, CODEC.encode("Call110" if w == "raw110" else "Ticket12345", r)) for w, r in GOOD],
    )
    dead_redis = TeamDirectory(
        redis.Redis(host="127.0.0.1", port=1, socket_timeout=0.05, socket_connect_timeout=0.05),
        timeout_s=0.05,
    )
    runs = []
    for n in range(2):
        group_settings = settings.replace(router={"group": f"{settings.topics.prefix}g{n}"})
        got: list = []
        _run_router(
            group_settings,
            dead_redis,
            lambda: got.extend(
                _read_all(
                    settings,
                    f"{settings.topics.prefix}r{n}",
                    settings.topic(topics.DECISIONS),
                    len(GOOD) * (n + 1),
                )
            ),
        )
        runs.append(
            sorted(
                decision_from_record(CODEC.decode(m.value(), "Decision")).decision_id for m in got
            )
        )
    first, both = runs[0], runs[1]
    assert both == sorted(first * 2)  # the second run wrote exactly the same ids again
    decisions = [decision_from_record(CODEC.decode(m.value(), "Decision")) for m in got]
    diverted_calls = [
        d
        for d in decisions
        if d.event.source.value == "110" and not d.classification.is_police_matter
    ]
    assert diverted_calls and {d.route.team_method for d in diverted_calls} == {"FALLBACK_TIMEOUT"}
    assert {d.route.unit_kind for d in diverted_calls} == {"command_room"}


class StrandedInputs(Router):
    """The router whose inputs' consumer is stranded from the start (no broker, never in
    its group): the consumer watchdog must replace it."""

    def new_consumer(self, committer: Committer) -> WatchedConsumer:
        return consumer_stranded_in_place_of(super().new_consumer(committer))


def test_a_stranded_consumer_is_replaced_and_every_input_decided_and_committed(stack_topics):
    settings = stack_topics
    _produce(
        settings,
        [(w, CODEC.encode("Call110" if w == "raw110" else "Ticket12345", r)) for w, r in GOOD],
    )
    before = consumers_recreated("router")
    router = StrandedInputs(settings, build_decider(settings), CODEC, None)
    stop = threading.Event()
    worker = threading.Thread(target=router.run, args=(stop,), daemon=True)
    worker.start()
    try:
        decisions = _read_all(
            settings, f"{settings.topics.prefix}d", settings.topic(topics.DECISIONS), len(GOOD)
        )
        deadline = time.monotonic() + 60
        while _lag(settings) and time.monotonic() < deadline:
            time.sleep(0.5)
    finally:
        stop.set()
        worker.join(30)
    assert not worker.is_alive()
    assert consumers_recreated("router") == before + 1
    assert sorted(
        decision_from_record(CODEC.decode(m.value(), "Decision")).event.source_id for m in decisions
    ) == sorted(r["call_id"] if "call_id" in r else r["ticket_id"] for _, r in GOOD)
    committed, ends = _committed_and_ends(settings)
    assert committed == ends  # the replacement committed what it decided


def _committed_and_ends(settings) -> tuple[list[int], list[int]]:
    """The router group's committed offset (0 for none) and the end of each input partition."""
    consumer = Consumer(confluent_config(settings, **{"group.id": settings.router.group}))
    try:
        parts = [
            TopicPartition(settings.topic(t), p)
            for t in (topics.RAW_110, topics.RAW_12345)
            for p in range(settings.topics.partitions)
        ]
        committed = consumer.committed(parts, timeout=10)
        ends = [consumer.get_watermark_offsets(tp, timeout=10)[1] for tp in parts]
        return [max(c.offset, 0) for c in committed], ends
    finally:
        consumer.close()


def _lag(settings) -> int:
    """The router group's committed lag over both inputs."""
    committed, ends = _committed_and_ends(settings)
    return sum(end - done for done, end in zip(committed, ends, strict=True))
