"""``fenliu audit case``: one case's trail across the real topics, in order, numbers masked."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from confluent_kafka import KafkaError, KafkaException, Producer
from confluent_kafka.admin import AdminClient, NewTopic

from fenliu.processors.model import Decision, Source
from fenliu.processors.records import decision_record
from fenliu.refdata.decider import build_decider
from fenliu.schemas.catalog import default_catalog
from fenliu.schemas.serde import SingleObjectCodec
from fenliu.streams.kafka.config import confluent_config
from fenliu.streams.replay.audit import CASES, TRAIL_TOPICS, CaseAudit
from fenliu.topics import catalogue as topics
from fenliu.topics.admin import apply_topics
from tests.factories import BASE_MS, call110

pytestmark = [pytest.mark.kafka, pytest.mark.stack_parallel]

CODEC = SingleObjectCodec()
PHONE = "13812345678"
T, S, M = BASE_MS, 1000, 60_000
HAS_CASE_UPDATES = "CaseUpdate" in default_catalog().names()


def _order(order_id: str, case_id: str, d: Decision) -> dict[str, Any]:
    r, c, e = d.route, d.classification, d.event
    return {
        "order_id": order_id,
        "case_id": case_id,
        "decision_id": d.decision_id,
        "created_at": e.received_at_ms,
        "source": "S110",
        "is_police_matter": c.is_police_matter,
        "class_code": c.class_code,
        "situation_code": c.situation_code,
        "situation_name": c.situation_name,
        "priority": c.priority,
        "unit_id": r.unit_id,
        "unit_name": r.unit_name,
        "unit_kind": r.unit_kind,
        "town_code": r.town_code,
        "grid_code": r.grid_code,
        "team_id": r.team_id,
        "location": {
            "text": e.location.text,
            "lon": e.location.lon,
            "lat": e.location.lat,
            "admin_code": e.location.admin_code,
        },
        "summary": e.text,
        "caller_key": e.caller_key,
        "deadlines": [{"stage": x.stage, "due_at": x.due_at_ms} for x in d.deadlines],
        "repeat_count": 0,
        "flow_back": False,
        "taxonomy_version": c.taxonomy_version,
        "routing_version": r.routing_version,
    }


def _step(
    event_id: str, order_id: str, case_id: str, kind: str, at: int, note: str | None = None
) -> dict[str, Any]:
    return {
        "event_id": event_id,
        "order_id": order_id,
        "case_id": case_id,
        "kind": kind,
        "at": at,
        "unit_id": "u-dc-mediation",
        "actor": "staff-7",
        "note": note,
        "satisfaction": None,
        "resolved_on_site": None,
    }


def _alert(order_id: str, case_id: str, level: str, fired: int) -> dict[str, Any]:
    return {
        "alert_id": f"{order_id}:ARRIVE:{level}",
        "order_id": order_id,
        "case_id": case_id,
        "unit_id": "u-dc-mediation",
        "town_code": "331099001",
        "class_code": "NP02",
        "stage": "ARRIVE",
        "level": level,
        "due_at": T + 8 * M,
        "fired_at": fired,
        "elapsed_ratio": (fired - T) / (8 * M),
    }


def _case(
    update_id: str,
    case_id: str,
    kind: str,
    rule: str,
    at: int,
    d: Decision | None,
    order_id: str,
    related: str | None = None,
) -> dict[str, Any]:
    return {
        "update_id": update_id,
        "case_id": case_id,
        "case_key": "331099001:NP02",
        "kind": kind,
        "rule": rule,
        "at": at,
        "decision_id": d.decision_id if d else None,
        "lifecycle_event_id": None,
        "order_id": order_id,
        "current_order_id": order_id,
        "source": "S110",
        "caller_key": d.event.caller_key if d else None,
        "is_police_matter": related is not None,
        "town_code": "331099001",
        "class_code": "NP02",
        "situation_code": None,
        "unit_id": None,
        "place_key": None,
        "opened_at": T,
        "status": "CLOSED" if kind == "CLOSED" else "OPEN",
        "repeat_count": 1 if kind in ("REPEAT", "CLOSED") else 0,
        "flow_back_count": 0,
        "escalation_level": 0,
        "priority": None,
        "related_case_id": related,
    }


@pytest.fixture()
def case_topics(isolated_settings):
    """Two cases: cs1 (call A1, repeat A2 by the same caller, order o1 with steps and alerts)
    and cs2 (call B1, order o2), and a police case cs3 that is only *related* to cs1."""
    s = isolated_settings
    apply_topics(s)
    admin = AdminClient(confluent_config(s))
    if (
        s.topic(CASES) not in admin.list_topics(timeout=10).topics
    ):  # a catalogue from before fenliu.cases
        try:
            admin.create_topics([NewTopic(s.topic(CASES), 1, 1)])[s.topic(CASES)].result(30)
        except KafkaException as exc:  # apply_topics made it; the metadata had not shown it
            if exc.args[0].code() != KafkaError.TOPIC_ALREADY_EXISTS:
                raise
    decider = build_decider(s)
    texts = {
        "A1": "楼上邻居家卫生间漏水，水从天花板滴下来，物业不管",
        "B1": "邻居家狗半夜一直叫，吵得睡不着",
        "A2": "楼上又漏水了，还是没人管",
    }
    calls = {
        cid: call110(cid, text, at_ms=T + off, phone=PHONE if cid != "B1" else "13900000000")
        for (cid, text), off in zip(texts.items(), (0, 60 * S, 120 * S))
    }
    d = {
        cid: decider.decide(raw, Source.CALL_110, now_ms=raw["received_at"])
        for cid, raw in calls.items()
    }
    out: list[tuple[str, str, dict[str, Any], int]] = []
    for cid, raw in calls.items():
        out.append((topics.RAW_110, "Call110", raw, raw["received_at"]))
        out.append((topics.DECISIONS, "Decision", decision_record(d[cid]), raw["received_at"] + S))
    out += [
        (topics.ORDERS, "DispatchOrder", _order("o1", "cs1", d["A1"]), T + 2500),
        (topics.ORDERS, "DispatchOrder", _order("o2", "cs2", d["B1"]), T + 62_500),
        (
            topics.LIFECYCLE,
            "LifecycleEvent",
            _step("e1", "o1", "cs1", "SIGNED", T + 30 * S),
            T + 31 * S,
        ),
        (
            topics.LIFECYCLE,
            "LifecycleEvent",
            _step("e2", "o1", "cs1", "ARRIVED", T + 9 * M, f"回电{PHONE}"),
            T + 9 * M,
        ),
        (
            topics.LIFECYCLE,
            "LifecycleEvent",
            _step("e3", "o1", "cs1", "CLOSED", T + 20 * M),
            T + 20 * M,
        ),
        (
            topics.LIFECYCLE,
            "LifecycleEvent",
            _step("e4", "o2", "cs2", "SIGNED", T + 70 * S),
            T + 70 * S,
        ),
        (topics.SLA_ALERTS, "SlaAlert", _alert("o1", "cs1", "WARNING", T + 6 * M), T + 6 * M),
        (topics.SLA_ALERTS, "SlaAlert", _alert("o1", "cs1", "BREACH", T + 8 * M), T + 8 * M),
    ]
    if HAS_CASE_UPDATES:
        out += [
            (CASES, "CaseUpdate", _case("u1", "cs1", "OPENED", "NEW", T, d["A1"], "o1"), T + 2 * S),
            (
                CASES,
                "CaseUpdate",
                _case("u2", "cs2", "OPENED", "NEW", T + 60 * S, d["B1"], "o2"),
                T + 62 * S,
            ),
            (
                CASES,
                "CaseUpdate",
                _case("u3", "cs1", "REPEAT", "SAME_CALLER", T + 120 * S, d["A2"], "o1"),
                T + 122 * S,
            ),
            (
                CASES,
                "CaseUpdate",
                _case("u4", "cs1", "CLOSED", "LIFECYCLE", T + 20 * M, None, "o1"),
                T + 20 * M + S,
            ),
            (
                CASES,
                "CaseUpdate",
                _case("u5", "cs3", "OPENED", "NEW", T + 3 * M, None, "o3", related="cs1"),
                T + 3 * M,
            ),
        ]
    producer = Producer(confluent_config(s))
    for logical, schema, record, ts in out:
        producer.produce(s.topic(logical), CODEC.encode(schema, record), key=b"k", timestamp=ts)
    assert producer.flush(30) == 0
    return s, d


EXPECTED = [
    "110 call",
    "decision",
    "case opened",
    "dispatch order",
    "lifecycle SIGNED",
    "110 call",
    "decision",
    "case repeat",
    "SLA WARNING",
    "SLA BREACH",
    "lifecycle ARRIVED",
    "lifecycle CLOSED",
    "case closed",
]


@pytest.mark.skipif(
    not HAS_CASE_UPDATES, reason="the CaseUpdate contract has not landed in schemas/ yet"
)
def test_any_id_of_the_case_gives_its_whole_trail_in_time_order(case_topics):
    s, d = case_topics
    audit = CaseAudit(s, CODEC)
    trails = {seed: audit.trail(seed) for seed in ("cs1", "o1", d["A2"].decision_id, "A1", "A2")}
    for seed, trail in trails.items():
        assert [i.kind for i in trail.items] == EXPECTED, seed
        assert [i.at_ms for i in trail.items] == sorted(i.at_ms for i in trail.items)
        assert trail.missing_topics == []
    items = trails["cs1"].items
    assert [i.detail["call_id"] for i in items if i.kind == "110 call"] == ["A1", "A2"]
    assert "B1" not in json.dumps(trails["cs1"].to_dict()) and "cs3" not in {
        i.detail.get("case_id") for i in items
    }
    decision = items[1].detail
    assert (
        decision["decision_id"] == d["A1"].decision_id and decision["evidence"]
    )  # the reasons travel along


def test_phone_numbers_never_appear_only_the_caller_key(case_topics):
    s, d = case_topics
    trail = CaseAudit(s, CODEC).trail("o1")
    text = json.dumps(trail.to_dict(), ensure_ascii=False)
    assert PHONE not in text
    calls = [i for i in trail.items if i.kind == "110 call"]
    assert calls and all(i.detail["caller_key"] == d["A1"].event.caller_key for i in calls)
    assert "caller_phone" not in calls[0].detail


def test_an_absent_cases_topic_is_reported_and_the_rest_of_the_trail_still_found(case_topics):
    s, _ = case_topics
    names = tuple("fenliu.cases-not-created" if t == CASES else t for t in TRAIL_TOPICS)
    trail = CaseAudit(s, CODEC).trail("cs1", topic_names=names)
    assert trail.missing_topics == [s.topic("fenliu.cases-not-created")]
    # without the merge record the repeat call A2 cannot be reached: A1's side only
    assert [i.kind for i in trail.items] == [
        "110 call",
        "decision",
        "dispatch order",
        "lifecycle SIGNED",
        "SLA WARNING",
        "SLA BREACH",
        "lifecycle ARRIVED",
        "lifecycle CLOSED",
    ]


def test_cli_prints_the_trail_and_exits_1_for_an_unknown_id(case_topics):
    s, _ = case_topics
    env = {
        **os.environ,
        "FENLIU_TOPIC_PREFIX": s.topics.prefix,
        "FENLIU_KAFKA_BOOTSTRAP": s.kafka.bootstrap,
    }
    fenliu = str(Path(sys.executable).with_name("fenliu"))
    done = subprocess.run(
        [fenliu, "audit", "case", "o1", "--json"],
        env=env,
        check=False,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    trail = json.loads(done.stdout)
    assert trail["seed"] == "o1" and "dispatch order" in [i["kind"] for i in trail["items"]]
    assert PHONE not in done.stdout
    table = subprocess.run(
        [fenliu, "audit", "case", "o1"],
        env={**env, "COLUMNS": "200"},
        check=False,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert (
        table.returncode == 0 and "lifecycle ARRIVED" in table.stdout and PHONE not in table.stdout
    )
    missing = subprocess.run(
        [fenliu, "audit", "case", "no-such-id"],
        env=env,
        check=False,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert missing.returncode == 1
