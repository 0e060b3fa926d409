"""Kill the worker in the middle, restart it: tables recover from their changelogs.

At-least-once: messages processed after the last commit are processed again after the
restart. Every output carries a deterministic id, so what may repeat is the same record
(same order id, same update id), never a second order for the same case.
"""

from __future__ import annotations

import uuid
from collections import defaultdict

import pytest

from fenliu.processors.case_state import case_id_for, order_id_for
from fenliu.refdata.decider import build_decider
from fenliu.settings import Settings
from fenliu.topics import catalogue as topics
from fenliu.topics.admin import apply_topics
from tests.factories import BASE_MS, call110
from tests.streams_worker import Feed, Worker, metric_value, read_until, wait_for

pytestmark = [pytest.mark.kafka]

DAY = 86_400_000
HOUR = 3_600_000
# A call the rules and the model both divert (the model ~0.001): these tests follow its order.
# "……十几个工人没拿到钱" was the text until tm-032bfbbcd4 read the many workers as a crowd
# (0.22: SUGGEST, no order until confirmed).
WAGES = "工地老板拖欠我们三个月工资，一直拖着不给"
AGAIN = "工地老板拖欠工资，上次说好的钱又没给"


def _phone() -> str:
    return f"139{uuid.uuid4().int % 100_000_000:08d}"


def _updates(s: Settings, case_ids: set[str], done) -> list[dict]:
    return [
        v
        for _, v in read_until(
            s, topics.CASES, done, keep=lambda item: item[1]["case_id"] in case_ids
        )
    ]


def test_a_killed_worker_restarts_from_its_changelogs_without_new_orders(settings, tmp_path):
    s = settings.replace(
        topics={"prefix": f"{settings.topics.prefix}restart-{uuid.uuid4().hex[:6]}-"}
    )
    apply_topics(s)
    worker = Worker(s, tmp_path)
    feed = Feed(s, build_decider(s))
    t0 = BASE_MS - 30 * DAY
    caller_a, caller_b = _phone(), _phone()
    a1 = feed.decide(call110("RA1", WAGES, at_ms=t0, phone=caller_a))
    a2 = feed.decide(call110("RA2", AGAIN, at_ms=t0 + HOUR, phone=caller_a))
    a3 = feed.decide(call110("RA3", AGAIN, at_ms=t0 + 2 * HOUR, phone=caller_a))
    b1 = feed.decide(call110("RB1", WAGES, at_ms=t0, phone=caller_b, lon=121.070, lat=28.845))
    b2 = feed.decide(
        call110("RB2", AGAIN, at_ms=t0 + 2 * DAY, phone=caller_b, lon=121.070, lat=28.845)
    )
    case_a = case_id_for(a1.case_key, a1.decision_id)
    case_b = case_id_for(b1.case_key, b1.decision_id)
    cases = {case_a, case_b}
    try:
        worker.start()
        feed.decisions(a1, a2, b1)
        feed.lifecycle("ev-b1-close", order_id_for(b1.decision_id), case_b, "CLOSED", t0 + DAY)
        before = _updates(
            s,
            cases,
            lambda out: (
                {(u["case_id"], u["kind"]) for _, u in out}
                >= {(case_a, "REPEAT"), (case_b, "CLOSED")}
            ),
        )
        assert {(u["case_id"], u["kind"]) for u in before} >= {
            (case_a, "REPEAT"),
            (case_b, "CLOSED"),
        }

        worker.kill()  # a crash: no clean shutdown, no last commit
        feed.decisions(a3, b2)  # arrive while no worker runs
        worker.start()  # same group, same static member id, same (empty) memory store

        after = _updates(
            s,
            cases,
            lambda out: {u["decision_id"] for _, u in out} >= {a3.decision_id, b2.decision_id},
        )
        by_decision = defaultdict(set)
        for u in after:
            by_decision[u["decision_id"] or u["lifecycle_event_id"]].add(
                (u["update_id"], u["kind"], u["rule"], u["repeat_count"], u["escalation_level"])
            )
        # The tables came back: a3 is the second repeat of A (not a new case), b2 a flow-back
        # of the closed B (not a new case). Re-processed messages repeat identical updates.
        assert [(k, r, n) for _, k, r, n, _ in by_decision[a3.decision_id]] == [
            ("REPEAT", "SAME_CALLER", 2)
        ]
        assert [(k, r, e) for _, k, r, _, e in by_decision[b2.decision_id]] == [
            ("FLOW_BACK", "FLOW_BACK_SAME_CALLER", 1)
        ]
        assert all(len(v) == 1 for v in by_decision.values()), by_decision

        expected_orders = {
            order_id_for(a1.decision_id),
            order_id_for(b1.decision_id),
            order_id_for(b2.decision_id),
        }
        orders = read_until(
            s,
            topics.ORDERS,
            lambda out: {v["order_id"] for _, v in out} >= expected_orders,
            keep=lambda item: item[1]["case_id"] in cases,
        )
        assert {v["order_id"] for _, v in orders} == expected_orders  # copies allowed, no new ids
        for order_id in expected_orders:
            copies = {m.value() for m, v in orders if v["order_id"] == order_id}
            assert len(copies) == 1  # a re-sent order is byte-identical

        status, body = worker.health()
        assert status == 200 and body["recovering"] is False
        assert metric_value(worker.metrics(), "fenliu_streams_recovery_seconds") > 0
        # Gauges are recounted from the recovered tables, not restarted from zero.
        assert metric_value(worker.metrics(), "fenliu_cases_tracked") == 2
        # The history agent may still be reading; re-deliveries must not count twice.
        history = wait_for(
            lambda: (h := worker.caller(a1.event.caller_key)) and h[1].get("calls", 0) >= 3 and h
        )
        assert history and history[1]["calls"] == 3
    finally:
        worker.stop()
