"""streams/worker/rates.py without a broker: real codec bytes in, real prometheus-client metrics out."""

from __future__ import annotations

import gc
from typing import Any

import pytest
from prometheus_client import REGISTRY, CollectorRegistry

from fenliu.processors.rates import Metric
from fenliu.schemas.serde import SingleObjectCodec
from fenliu.settings import Settings
from fenliu.streams.worker.rates import RateCounts, RatesProcessor
from fenliu.topics import catalogue as topics

T0 = 1_795_000_000_000
CODEC = SingleObjectCodec()


class FixedClock:
    def __init__(self, now_ms: int) -> None:
        self.now = now_ms

    def now_ms(self) -> int:
        return self.now


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def order_record(order_id: str, unit: str, **extra: Any) -> dict[str, Any]:
    base = {
        "order_id": order_id,
        "case_id": f"c-{order_id}",
        "decision_id": f"d-{order_id}",
        "created_at": T0,
        "source": "S110",
        "is_police_matter": False,
        "class_code": "NP03",
        "situation_code": "NP03-01",
        "situation_name": "拖欠工资",
        "priority": 3,
        "unit_id": unit,
        "unit_name": "调解中心",
        "unit_kind": "mediation",
        "town_code": "331099001",
        "grid_code": None,
        "team_id": None,
        "location": {"text": None, "lon": None, "lat": None, "admin_code": None},
        "summary": "工资",
        "caller_key": None,
        "deadlines": [],
        "repeat_count": 0,
        "flow_back": False,
        "taxonomy_version": "t",
        "routing_version": "r",
    }
    return base | extra


def lifecycle_record(
    event_id: str, order_id: str, unit: str, kind: str, at_ms: int, **extra: Any
) -> dict[str, Any]:
    return {
        "event_id": event_id,
        "order_id": order_id,
        "case_id": f"c-{order_id}",
        "kind": kind,
        "at": at_ms,
        "unit_id": unit,
        "actor": None,
        "note": None,
        "satisfaction": None,
        "resolved_on_site": None,
    } | extra


@pytest.fixture()
def rates() -> tuple[RatesProcessor, dict[str, Any], dict[str, Any], Settings]:
    settings = Settings(
        topics={"prefix": "unit-"}, rates={"order_state_s": 3600, "decision_dedupe_s": 60}
    )
    orders: dict[str, Any] = {}
    decisions: dict[str, Any] = {}
    return (
        RatesProcessor(settings, CODEC, FixedClock(T0 + 10**9), orders, decisions),
        orders,
        decisions,
        settings,
    )


def test_an_order_and_its_sign_off_reach_the_metrics_once(rates: Any) -> None:
    processor, orders, _, settings = rates
    unit = "u-agent-1"
    order = CODEC.encode("DispatchOrder", order_record("o1", unit))
    signed = CODEC.encode(
        "LifecycleEvent", lifecycle_record("e1", "o1", unit, "SIGNED", T0 + 30_000)
    )
    for value in (order, signed, signed, order):
        processor.handle(
            settings.topic(topics.ORDERS if value is order else topics.LIFECYCLE), 2, value, T0
        )
    labels = {"unit": unit, "class": "NP03", "source": "110"}
    assert sample("fenliu_rates_orders_total", **labels) == 1
    assert sample("fenliu_rates_signed_total", **labels) == 1
    assert sample("fenliu_rates_feedback_total", **labels) == 0  # created, at zero
    assert sample("fenliu_rates_stage_seconds_count", stage="sign", unit=unit) == 1
    assert sample("fenliu_rates_stage_seconds_sum", stage="sign", unit=unit) == 30.0
    assert orders["o1"]["p"] == 2 and orders["o1"]["k"] == ["signed"]


def test_undecodable_and_wrong_records_are_skipped_not_raised(rates: Any) -> None:
    processor, orders, _, settings = rates
    before = sample("fenliu_rates_skipped_total", topic="lifecycle", reason="UNDECODABLE")
    processor.handle(settings.topic(topics.LIFECYCLE), 0, b"not avro", T0)
    assert (
        sample("fenliu_rates_skipped_total", topic="lifecycle", reason="UNDECODABLE") == before + 1
    )
    wrong = CODEC.encode("DispatchOrder", order_record("o9", "u-agent-9"))
    before = sample("fenliu_rates_skipped_total", topic="lifecycle", reason="WRONG_SCHEMA")
    processor.handle(settings.topic(topics.LIFECYCLE), 0, wrong, T0)
    assert (
        sample("fenliu_rates_skipped_total", topic="lifecycle", reason="WRONG_SCHEMA") == before + 1
    )
    assert orders == {}


def test_order_state_expires_by_event_time_and_waiting_steps_then_count_as_unknown(
    rates: Any,
) -> None:
    processor, orders, _, settings = rates
    unit = "u-agent-2"
    processor.handle(
        settings.topic(topics.ORDERS),
        1,
        CODEC.encode("DispatchOrder", order_record("o2", unit)),
        T0,
    )
    # Another order on the same partition, two hours of event time later, moves the clock.
    later = order_record("o3", unit, created_at=T0 + 7_200_000)
    processor.handle(
        settings.topic(topics.ORDERS), 1, CODEC.encode("DispatchOrder", later), T0 + 7_200_000
    )
    assert "o2" not in orders and "o3" in orders
    closed = lifecycle_record("e2", "o2", unit, "CLOSED", T0 + 7_300_000)
    processor.handle(
        settings.topic(topics.LIFECYCLE), 1, CODEC.encode("LifecycleEvent", closed), T0
    )
    assert orders["o2"]["w"] and sample("fenliu_rates_unknown_orders_total", unit=unit) == 0
    # The order never comes back; once the step has waited out the bound it counts as unknown.
    last = order_record("o5", unit, created_at=T0 + 7_300_000 + 3_600_000)
    processor.handle(settings.topic(topics.ORDERS), 1, CODEC.encode("DispatchOrder", last), T0)
    assert "o2" not in orders
    assert sample("fenliu_rates_unknown_orders_total", unit=unit) == 1
    assert (
        sample("fenliu_rates_closed_total", unit=unit, **{"class": "unknown"}, source="unknown")
        == 1
    )


def test_an_order_read_from_another_partition_is_reported(rates: Any) -> None:
    processor, _, _, settings = rates
    unit = "u-agent-3"
    processor.handle(
        settings.topic(topics.ORDERS),
        0,
        CODEC.encode("DispatchOrder", order_record("o4", unit)),
        T0,
    )
    before = sample("fenliu_rates_copartition_violations_total", topic="lifecycle")
    event = lifecycle_record("e4", "o4", unit, "SIGNED", T0 + 1)
    processor.handle(settings.topic(topics.LIFECYCLE), 5, CODEC.encode("LifecycleEvent", event), T0)
    assert sample("fenliu_rates_copartition_violations_total", topic="lifecycle") == before + 1


def test_decisions_dedupe_within_their_bound_and_rebuild_restores_expiry(rates: Any) -> None:
    processor, _, ids, settings = rates
    record = _decision_record("d-agent-1", T0)
    value = CODEC.encode("Decision", record)
    town = {"source": "110", "town": "331099777"}
    processor.handle(settings.topic(topics.DECISIONS), 3, value, T0)
    processor.handle(settings.topic(topics.DECISIONS), 3, value, T0)
    assert sample("fenliu_rates_calls_total", **town, list="NON_POLICE") == 1
    assert sample("fenliu_rates_calls_total", **town, list="POLICE") == 0
    processor.rebuild()  # as after a restart: the index comes back from the table
    newer = CODEC.encode("Decision", _decision_record("d-agent-2", T0 + 61_000))
    processor.handle(settings.topic(topics.DECISIONS), 3, newer, T0)
    assert "d:d-agent-1" not in ids
    processor.handle(settings.topic(topics.DECISIONS), 3, value, T0)  # replayed after its bound
    assert sample("fenliu_rates_calls_total", **town, list="NON_POLICE") == 3


def _decision_record(decision_id: str, at_ms: int) -> dict[str, Any]:
    event = {
        "source": "S110",
        "source_id": decision_id,
        "received_at": at_ms,
        "received_local": "2026-11-19T00:00:00+08:00",
        "caller_key": None,
        "location": {"text": None, "lon": None, "lat": None, "admin_code": None},
        "text": "工资",
        "channel": "phone",
        "source_category": None,
    }
    route = {
        "town_code": "331099777",
        "town_name": "东城",
        "grid_code": None,
        "unit_id": "u",
        "unit_name": "n",
        "unit_kind": "mediation",
        "department": "d",
        "place_method": "POLYGON",
        "team_id": None,
        "team_method": "NOT_APPLICABLE",
        "routing_version": "r",
    }
    return {
        "decision_id": decision_id,
        "case_key": "331099777:NP03",
        "event": event,
        "is_police_matter": False,
        "list": "NON_POLICE",
        "class_code": "NP03",
        "class_name": "劳资",
        "situation_code": "NP03-01",
        "situation_name": "欠薪",
        "department": "人社",
        "priority": 3,
        "sla_class": "dispute",
        "confidence": 0.9,
        "rule_id": "r1",
        "evidence": [],
        "taxonomy_version": "t",
        "route": route,
        "deadlines": [],
        "sla_policy_version": "s",
    }


def case_update_record(update_id: str, kind: str, unit: str, at_ms: int) -> dict[str, Any]:
    return {
        "update_id": update_id, "case_id": "cs_1@331099001:NP03", "case_key": "331099001:NP03",
        "kind": kind, "rule": "SAME_CALLER", "at": at_ms, "decision_id": f"d-{update_id}",
        "lifecycle_event_id": None, "order_id": None, "current_order_id": "o-1", "source": "S110",
        "caller_key": None, "is_police_matter": False, "town_code": "331099001",
        "class_code": "NP03", "situation_code": None, "unit_id": unit, "place_key": None,
        "opened_at": at_ms, "status": "OPEN", "repeat_count": 1, "flow_back_count": 0,
        "escalation_level": 0, "priority": None, "related_case_id": None,
    }  # fmt: skip


def test_repeat_calls_come_from_the_cases_topic_once_per_update(rates: Any) -> None:
    processor, _, ids, settings = rates
    unit = "u-agent-5"
    labels = {"unit": unit, "class": "NP03", "source": "110"}
    repeat = CODEC.encode("CaseUpdate", case_update_record("cu_r1", "REPEAT", unit, T0))
    closed = CODEC.encode("CaseUpdate", case_update_record("cu_c1", "CLOSED", unit, T0))
    for value in (repeat, repeat, closed):
        processor.handle(settings.topic(topics.CASES), 4, value, T0)
    assert sample("fenliu_rates_case_calls_total", **labels, kind="REPEAT") == 1
    assert sample("fenliu_rates_case_calls_total", **labels, kind="OPENED") == 0
    assert "u:cu_r1" in ids and "u:cu_c1" not in ids


def test_the_counters_are_one_collectors_series_not_objects_per_series() -> None:
    """A labelled Counter kept three objects per series for the cyclic collector to walk
    (26 k series at 100 k open cases); the same series come from one dict at scrape time."""
    counts = RateCounts()
    registry = CollectorRegistry()
    registry.register(counts)
    order = {"unit": "u1", "class": "NP01", "source": "110"}
    counts.inc(Metric.ORDERS, ("u1", "NP01", "110"))
    counts.inc(Metric.ORDERS, ("u1", "NP01", "110"), 2)
    counts.inc(Metric.DUPLICATES, ("decisions", "decision_id"), 0)
    assert registry.get_sample_value("fenliu_rates_orders_total", order) == 3
    dup = {"topic": "decisions", "reason": "decision_id"}
    assert registry.get_sample_value("fenliu_rates_duplicates_total", dup) == 0
    with pytest.raises(ValueError):  # the same names twice are refused
        registry.register(RateCounts())
    for _ in range(3):
        gc.collect()
    before = len(gc.get_objects())
    for i in range(1000):
        counts.inc(Metric.CALLS, ("110", f"town-{i}", "POLICE"))
    for _ in range(3):
        gc.collect()
    assert len(gc.get_objects()) - before < 50
    assert (
        registry.get_sample_value(
            "fenliu_rates_calls_total", {"source": "110", "town": "town-999", "list": "POLICE"}
        )
        == 1
    )
