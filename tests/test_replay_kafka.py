"""Replay against the real broker: a recorded hour replays to the recorded decisions, byte for byte;
a changed taxonomy shows exactly the decisions it changes, police→diverted first; live topics
are never written."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
import yaml
from confluent_kafka import Consumer, Producer, TopicPartition
from confluent_kafka.admin import AdminClient

from fenliu.processors.model import Source
from fenliu.processors.records import decision_from_record
from fenliu.processors.replay_compare import Direction, Outcome
from fenliu.refdata.decider import build_decider
from fenliu.refdata.team_directory import TeamDirectory, seed_demo_teams
from fenliu.reports.replay_report import build_report, write_html
from fenliu.schemas.catalog import default_catalog
from fenliu.schemas.serde import SingleObjectCodec
from fenliu.settings import Settings
from fenliu.streams.kafka.config import confluent_config
from fenliu.streams.kafka.watchdog import WatchedProducer
from fenliu.streams.replay.run import Replay, ReplayRequest
from fenliu.streams.replay.sinks import FileSink, NullSink, TopicSink, replay_topic_name
from fenliu.streams.router.service import Router
from fenliu.topics import catalogue as topics
from fenliu.topics.admin import apply_topics
from tests.factories import call110, ticket12345
from tests.watchdog_support import recreated, stranded_in_place_of

pytestmark = [pytest.mark.kafka, pytest.mark.redis, pytest.mark.stack_parallel]

CODEC = SingleObjectCodec()
HOUR = 3_600_000
EXHAUST = "楼下饭店排风口冒烟，油烟熏得家里没法开窗"  # police (冒烟 = fire) until the new taxonomy
LEAK = "楼上邻居家卫生间漏水，水从天花板滴下来，物业不管"
# (id, text, minute in the hour): calls and tickets of the recorded hour
CALLS = [
    ("R1", "工地老板拖欠我们三个月工资，十几个工人没拿到钱", 0),
    ("R2", LEAK, 7),
    ("R3", "有人拿刀在小区门口砍人，地上有血", 15),
    ("R4", EXHAUST, 22),
    ("R5", "健身房突然关门跑路了，我办的预付卡还有三千块没用", 40),
    ("R6", "邻居家狗半夜一直叫，吵得睡不着", 59),
]
TICKETS = [
    ("Q1", "小区门口夜宵摊每天晚上吵到凌晨两点，油烟也大", 3),
    ("Q2", LEAK, 33),
    ("Q3", "我老公喝了酒又打我，我现在躲在邻居家，头上流血了", 50),
]


@pytest.fixture(scope="module")
def recorded(settings: Settings) -> Iterator[dict[str, Any]]:
    """An hour three hours ago, recorded by the real router with real Redis teams.

    Records just outside the hour (1 ms before, exactly at its end) are recorded too and
    must never show up in a replay of the hour.
    """
    s = settings.replace(
        topics={"prefix": f"{settings.topics.prefix}replay-{uuid.uuid4().hex[:6]}-"},
        router={"group": f"replay-router-{uuid.uuid4().hex[:6]}"},
    )
    apply_topics(s)
    start = (int(time.time() * 1000) - 3 * HOUR) // HOUR * HOUR

    def at(minute: int) -> int:
        return start + minute * 60_000 + (1 if minute else 0)

    items: list[tuple[str, bytes, int]] = []
    for cid, text, minute in CALLS:
        items.append(
            (
                topics.RAW_110,
                CODEC.encode("Call110", call110(cid, text, at_ms=at(minute))),
                at(minute),
            )
        )
    for tid, text, minute in TICKETS:
        items.append(
            (
                topics.RAW_12345,
                CODEC.encode("Ticket12345", ticket12345(tid, text, at_ms=at(minute))),
                at(minute),
            )
        )
    outside = [("X1", start - 1), ("X2", start + HOUR)]
    for cid, ts in outside:
        items.append((topics.RAW_110, CODEC.encode("Call110", call110(cid, LEAK, at_ms=ts)), ts))
    items.append(
        (topics.RAW_110, b"\x00\x01 not avro at all", at(10))
    )  # undecodable, inside the hour
    items.append(
        (
            topics.RAW_110,
            CODEC.encode(
                "Call110", call110("R9", None, lon=None, lat=None, admin_code=None, address=None)
            ),
            at(12),
        )
    )  # EMPTY_CALL
    producer = Producer(confluent_config(s))
    for topic, value, ts in items:
        producer.produce(s.topic(topic), value, key=b"k", timestamp=ts)
    assert producer.flush(30) == 0

    client = redis.Redis.from_url(s.teams.redis_url, socket_timeout=2)
    team_prefix = f"test-replay-{uuid.uuid4().hex[:6]}"
    teams = TeamDirectory(client, timeout_s=2.0, key_prefix=team_prefix)
    seed_demo_teams(teams, build_decider(s).jurisdiction)
    decisions = _run_router_until(s, teams, expected=len(CALLS) + len(TICKETS) + len(outside))
    for key in client.scan_iter(match=f"{team_prefix}*"):  # the replay must not need Redis
        client.delete(key)
    client.close()
    yield {"settings": s, "start": start, "decisions": decisions}


def _run_router_until(s: Settings, teams: TeamDirectory, expected: int) -> dict[str, bytes]:
    router = Router(s, build_decider(s), CODEC, teams)
    stop = threading.Event()
    worker = threading.Thread(target=router.run, args=(stop,), daemon=True)
    worker.start()
    try:
        got = _read_topic(s, s.topic(topics.DECISIONS), expected)
    finally:
        stop.set()
        worker.join(30)
    assert len(got) == expected
    return {decision_from_record(CODEC.decode(v, "Decision")).event.source_id: v for v in got}


def _read_topic(s: Settings, topic: str, expected: int, timeout_s: float = 60) -> list[bytes]:
    consumer = Consumer(
        confluent_config(
            s, **{"group.id": f"r-{uuid.uuid4().hex[:8]}", "auto.offset.reset": "earliest"}
        )
    )
    consumer.subscribe([topic])
    out: list[bytes] = []
    deadline = time.monotonic() + timeout_s
    while len(out) < expected and time.monotonic() < deadline:
        out += [m.value() for m in consumer.consume(100, timeout=0.5) if m.error() is None]
    consumer.close()
    return out


def _end_offsets(s: Settings) -> dict[tuple[str, int], int]:
    admin = AdminClient(confluent_config(s))
    existing = admin.list_topics(timeout=10).topics
    consumer = Consumer(confluent_config(s, **{"group.id": f"w-{uuid.uuid4().hex[:8]}"}))
    ends = {}
    for spec in topics.default_catalogue().topics:
        name = s.topic(spec.name)
        for p in existing[name].partitions:
            ends[(name, p)] = consumer.get_watermark_offsets(TopicPartition(name, p), timeout=10)[1]
    consumer.close()
    return ends


def _replay(rec: dict[str, Any], sink: Any = None, taxonomy: Path | None = None):  # type: ignore[no-untyped-def]
    s = rec["settings"]
    decider = build_decider(s, taxonomy_file=taxonomy)
    request = ReplayRequest(rec["start"], rec["start"] + HOUR, run_id=f"t{uuid.uuid4().hex[:8]}")
    return Replay(s, decider, CODEC, sink or NullSink()).run(request)


def _changed_taxonomy(tmp_path: Path) -> Path:
    """One recogniser changed each way: restaurant exhaust smoke is no fire; a leak is a danger."""
    doc = yaml.safe_load(Path(Settings().refdata.taxonomy_file).read_text(encoding="utf-8"))
    doc["version"] = f"{doc['version']}-audit-test"
    doc["safety"]["exclude"].append("排风口冒烟")
    next(g for g in doc["safety"]["groups"] if g["id"] == "danger")["terms"].append("漏水")
    path = tmp_path / "taxonomy.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    return path


def test_replay_of_a_recorded_hour_equals_the_recorded_decisions(recorded):
    s = recorded["settings"]
    inside = {i for i, _, _ in CALLS + TICKETS}
    assert {"X1", "X2"} <= set(recorded["decisions"])  # recorded, but outside the hour
    methods = {
        decision_from_record(CODEC.decode(v, "Decision")).route.team_method
        for v in recorded["decisions"].values()
    }
    assert "REDIS_NEAREST" in methods  # live teams were used then; the replay has none

    result = _replay(recorded, TopicSink(s, run_id := f"hour{uuid.uuid4().hex[:6]}"))
    o = result.tally.outcomes
    assert o[Outcome.SAME] == len(inside) and result.tally.byte_identical == len(inside)
    assert o[Outcome.UNDECODABLE] == 1 and o[Outcome.REJECTED] == 1
    assert sum(o.values()) == len(inside) + 2  # the records outside the hour were not read
    rejected = result.tally.rows["rejected"][0]
    assert (rejected.source_id, rejected.reason) == ("R9", "EMPTY_CALL")
    assert result.tally.rows["undecodable"][0].where.startswith(s.topic(topics.RAW_110))

    replayed = {
        decision_from_record(CODEC.decode(v, "Decision")).event.source_id: v
        for v in _read_topic(s, replay_topic_name(s, run_id), len(inside))
    }
    assert set(replayed) == inside
    assert all(replayed[i] == recorded["decisions"][i] for i in inside)  # byte-identical


class StrandedTopicSink(TopicSink):
    """The run's topic sink, its producer stranded from the start (librdkafka #5301)."""

    def new_producer(self, settings: Settings) -> WatchedProducer:
        return stranded_in_place_of(super().new_producer(settings))


def test_a_stranded_replay_producer_is_recreated_and_writes_each_decision_once(recorded):
    s = recorded["settings"]
    inside = {i for i, _, _ in CALLS + TICKETS}
    before = recreated("replay")
    result = _replay(recorded, StrandedTopicSink(s, run_id := f"strand{uuid.uuid4().hex[:6]}"))
    assert result.tally.byte_identical == len(inside)
    assert recreated("replay") == before + 1
    topic = replay_topic_name(s, run_id)
    values = _read_topic(s, topic, len(inside))
    consumer = Consumer(confluent_config(s, **{"group.id": f"w-{uuid.uuid4().hex[:8]}"}))
    written = sum(
        consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=10)[1]
        for p in range(s.topics.partitions)
    )
    consumer.close()
    assert written == len(inside)  # nothing written twice
    source_ids = [decision_from_record(CODEC.decode(v, "Decision")).event.source_id for v in values]
    assert sorted(source_ids) == sorted(inside)  # each once
    assert all(v == recorded["decisions"][i] for i, v in zip(source_ids, values, strict=True))


def test_the_same_input_and_rules_give_byte_identical_files(recorded, tmp_path):
    schema = default_catalog()["Decision"].parsed
    files = []
    for n in range(2):
        result = _replay(recorded, FileSink(tmp_path / f"run{n}" / "decisions.avro", schema))
        files.append(Path(result.output["path"]).read_bytes())
    assert files[0] == files[1] and len(files[0]) > 1000


def test_a_changed_taxonomy_shows_exactly_the_changed_decisions_police_first(recorded, tmp_path):
    before = {
        i: decision_from_record(CODEC.decode(v, "Decision"))
        for i, v in recorded["decisions"].items()
    }
    assert before["R4"].classification.is_police_matter, (
        "precondition: the exhaust call was police work"
    )
    assert (
        not before["R2"].classification.is_police_matter
        and not before["Q2"].classification.is_police_matter
    )

    result = _replay(recorded, taxonomy=_changed_taxonomy(tmp_path))
    rows = result.tally.rows
    assert [c.source_id for c in rows["police_to_diverted"]] == ["R4"]
    # The leak is now a danger sign: the 110 call goes to the police; the 12345 ticket's danger
    # rule is vetoed by the learned opinion (REVIEW, not TO_POLICE), so it changes but stays out.
    assert [c.source_id for c in rows["diverted_to_police"]] == ["R2"]
    assert [c.source_id for c in rows["changed"]] == ["Q2"]
    assert rows["not_recorded"] == [] and rows["now_rejected"] == []
    o = result.tally.outcomes
    assert o[Outcome.CHANGED] == 3 and o[Outcome.VERSIONS_ONLY] == len(CALLS) + len(TICKETS) - 3
    r4 = rows["police_to_diverted"][0]
    assert r4.direction is Direction.POLICE_TO_DIVERTED and r4.before.rule_id == "safety:fire"
    assert r4.after.taxonomy_version.endswith(
        "-audit-test"
    ) and not r4.before.taxonomy_version.endswith("-test")
    assert {"list", "class", "rule", "unit"} <= set(r4.aspects)

    report = build_report(result, "Asia/Shanghai")
    assert list(report["sections"])[:2] == ["police_to_diverted", "diverted_to_police"]
    (group,) = report["flips"]["police_to_diverted"]
    assert (group["before_rule"], group["count"]) == ("safety:fire", 1) and not group[
        "after"
    ].startswith("P")
    assert sum(g["count"] for g in report["flips"]["diverted_to_police"]) == 1
    page = write_html(report, tmp_path / "report.html").read_text(encoding="utf-8")
    assert page.index("R4") < page.index("R2") and page.index("R4") < page.index("Q2")
    assert "<svg" in page and "<script" not in page


def test_replay_never_writes_live_topics(recorded):
    s = recorded["settings"]
    before = _end_offsets(s)
    result = _replay(recorded, TopicSink(s, run_id := f"live{uuid.uuid4().hex[:6]}"))
    assert result.stats["decided"] == len(CALLS) + len(TICKETS)
    assert _end_offsets(s) == before
    assert replay_topic_name(s, run_id) not in {name for name, _ in before}


def test_cli_replay_reports_and_exits_2_when_police_work_would_be_diverted(recorded, tmp_path):
    s = recorded["settings"]
    env = {
        **os.environ,
        "FENLIU_TOPIC_PREFIX": s.topics.prefix,
        "FENLIU_KAFKA_BOOTSTRAP": s.kafka.bootstrap,
    }
    fenliu = Path(sys.executable).with_name("fenliu")
    args = [
        str(fenliu),
        "replay",
        "--since",
        str(recorded["start"]),
        "--until",
        str(recorded["start"] + HOUR),
        "--taxonomy",
        str(_changed_taxonomy(tmp_path)),
        "--out",
        str(tmp_path / "out"),
        "--sink",
        "none",
        "--source",
        "110",
        "--json",
    ]
    done = subprocess.run(args, env=env, check=False, capture_output=True, text=True, timeout=240)
    assert done.returncode == 2, done.stderr[-2000:]
    report = json.loads(done.stdout)
    assert (
        report["police_to_diverted"] == 1 and report["diverted_to_police"] == 1
    )  # R2 only: 110 alone
    assert report["sources"] == [Source.CALL_110.value]
    assert json.loads((tmp_path / "out" / "report.json").read_text(encoding="utf-8")) == report
    assert (tmp_path / "out" / "report.html").stat().st_size > 2000
