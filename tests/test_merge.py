"""Merge rules: new case, repeat by caller or place, flow-back (回流), lifecycle steps."""

from __future__ import annotations

import json

import pytest

from fenliu.processors.case_state import (
    CaseBucket,
    Place,
    Rule,
    UpdateKind,
    case_id_for,
    case_key_of,
    order_id_for,
)
from fenliu.processors.merge import (
    DAY_MS,
    IncomingCall,
    MergeRules,
    Step,
    StepOutcome,
    apply_call,
    apply_step,
    distance_m,
    expires_at,
    place_from,
    prune,
    same_place,
)

KEY = "331099001:NP01"
T0 = 1_795_000_000_000
HOUR = 3_600_000
STALL = (121.056, 28.860)  # a point in 东城街道
RULES = MergeRules()


def call(
    decision_id: str,
    at: int,
    caller: str | None = "ck_a",
    *,
    where=STALL,
    address: str | None = None,
    police: bool = False,
    priority: int = 3,
) -> IncomingCall:
    lon, lat = where if where else (None, None)
    return IncomingCall(
        decision_id, KEY, at, caller, place_from(address, lon, lat), police, priority
    )


def north(metres: float) -> tuple[float, float]:
    return STALL[0], STALL[1] + metres / 111_320


def run(*calls: IncomingCall, rules: MergeRules = RULES, bucket: CaseBucket | None = None):
    bucket = bucket or CaseBucket(KEY)
    outcomes = []
    for c in calls:
        out = apply_call(bucket, c, rules)
        bucket = out.bucket
        outcomes.append(out)
    return bucket, outcomes


def close(
    bucket: CaseBucket,
    case_id: str,
    at: int,
    event_id: str = "ev-close",
    order_id: str | None = None,
):
    case = bucket.find(case_id)
    assert case is not None
    step = Step(event_id, case_id, order_id or case.current_order_id, UpdateKind.CLOSED, at)
    return apply_step(bucket, step)


def test_a_first_call_opens_a_case_with_one_order_named_after_its_decision():
    bucket, (out,) = run(call("dc_1", T0))
    assert out.call.kind is UpdateKind.OPENED and out.call.rule is Rule.NEW
    assert out.call.order_id == order_id_for("dc_1")
    assert out.case.case_id == case_id_for(KEY, "dc_1")
    assert case_key_of(out.case.case_id) == KEY
    assert [c.case_id for c in bucket.cases] == [out.case.case_id]


def test_the_same_caller_within_the_window_is_a_repeat_without_an_order():
    bucket, (first, second) = run(call("dc_1", T0), call("dc_2", T0 + 23 * HOUR, where=None))
    assert second.call.kind is UpdateKind.REPEAT and second.call.rule is Rule.SAME_CALLER
    assert second.call.order_id is None
    assert second.case.case_id == first.case.case_id
    assert second.case.repeat_count == 1 and len(bucket.cases) == 1


def test_the_same_caller_after_the_window_is_a_flow_back_of_an_open_diverted_case():
    _, (first, later) = run(call("dc_1", T0), call("dc_2", T0 + 25 * HOUR, where=None))
    assert later.call.kind is UpdateKind.FLOW_BACK and later.call.rule is Rule.FLOW_BACK_SAME_CALLER
    assert later.call.order_id is None  # still open: escalated, not re-dispatched
    assert later.case.case_id == first.case.case_id
    assert later.case.escalation_level == 1 and later.case.flow_back_count == 1


def test_the_same_caller_after_the_window_opens_a_new_police_case():
    _, (first, later) = run(
        call("dc_1", T0, police=True), call("dc_2", T0 + 25 * HOUR, police=True)
    )
    assert later.call.kind is UpdateKind.OPENED
    assert later.case.case_id != first.case.case_id


def test_neighbours_about_one_stall_within_the_hour_are_one_case():
    bucket, outs = run(
        call("dc_1", T0, "ck_a"),
        call("dc_2", T0 + 20 * 60_000, "ck_b", where=north(40)),
        call("dc_3", T0 + 50 * 60_000, "ck_c", where=north(80)),
    )
    assert [o.call.rule for o in outs] == [Rule.NEW, Rule.SAME_PLACE, Rule.SAME_PLACE]
    assert len(bucket.cases) == 1 and bucket.cases[0].repeat_count == 2


def test_a_neighbour_farther_than_the_radius_or_later_than_the_hour_is_not_a_repeat():
    _, (_, far) = run(call("dc_1", T0, "ck_a"), call("dc_2", T0 + 60_000, "ck_b", where=north(150)))
    assert far.call.kind is UpdateKind.OPENED
    _, (_, late) = run(call("dc_1", T0, "ck_a"), call("dc_2", T0 + 2 * HOUR, "ck_b"))
    assert late.call.kind is UpdateKind.FLOW_BACK and late.call.rule is Rule.FLOW_BACK_SAME_PLACE


def test_the_same_address_written_differently_is_the_same_place_without_coordinates():
    a = place_from("东城街道 金城路８号", None, None)
    b = place_from("东城街道金城路8号", None, None)
    assert same_place(a, b, 100.0)
    assert not same_place(a, place_from("东城街道金城路9号", None, None), 100.0)
    _, (_, out) = run(
        call("dc_1", T0, "ck_a", where=None, address="东城街道 金城路８号"),
        call("dc_2", T0 + 60_000, "ck_b", where=None, address="东城街道金城路8号"),
    )
    assert out.call.rule is Rule.SAME_PLACE


def test_distance_is_metres_on_the_ground():
    d = distance_m(Place(None, *STALL), Place(None, *north(100)))
    assert d is not None and 99 < d < 101


def test_a_call_within_the_flow_back_window_after_closing_reopens_and_escalates():
    bucket, (first,) = run(call("dc_1", T0, priority=3))
    bucket, closed, outcome = close(bucket, first.case.case_id, T0 + DAY_MS)
    assert (
        outcome is StepOutcome.APPLIED and closed is not None and closed.closed_at_ms == T0 + DAY_MS
    )
    bucket, (back,) = run(call("dc_2", T0 + 3 * DAY_MS), bucket=bucket)
    assert back.call.kind is UpdateKind.FLOW_BACK and back.call.order_id == order_id_for("dc_2")
    assert back.case.closed_at_ms is None
    assert back.case.order_ids == (order_id_for("dc_1"), order_id_for("dc_2"))
    assert back.call.priority == 2 and back.case.escalation_level == 1


def test_after_the_flow_back_window_the_matter_is_a_new_case():
    bucket, (first,) = run(call("dc_1", T0))
    bucket, _, _ = close(bucket, first.case.case_id, T0 + HOUR)
    bucket, (later,) = run(call("dc_2", T0 + HOUR + 8 * DAY_MS), bucket=bucket)
    assert later.call.kind is UpdateKind.OPENED
    assert [c.case_id for c in bucket.cases] == [later.case.case_id]  # the old one expired


def test_a_late_call_from_before_the_closing_belongs_to_the_open_case():
    bucket, (first,) = run(call("dc_1", T0))
    bucket, _, _ = close(bucket, first.case.case_id, T0 + 2 * HOUR)
    bucket, (late,) = run(call("dc_2", T0 + HOUR), bucket=bucket)
    assert late.call.kind is UpdateKind.REPEAT


def test_a_police_call_never_merges_into_a_diverted_case_but_is_linked_to_it():
    bucket, (diverted, police) = run(call("dc_1", T0), call("dc_2", T0 + 60_000, police=True))
    assert police.call.kind is UpdateKind.OPENED and police.case.police
    assert police.related_case_id == diverted.case.case_id
    assert len(bucket.cases) == 2
    _, (_, back) = run(call("dc_1", T0, police=True), call("dc_2", T0 + 60_000))
    assert back.call.kind is UpdateKind.OPENED and not back.case.police


def test_a_decision_delivered_again_changes_nothing_and_is_reported_as_such():
    bucket, (first, second) = run(call("dc_1", T0), call("dc_2", T0 + HOUR))
    again = apply_call(bucket, call("dc_1", T0), RULES)
    assert again.duplicate and again.bucket is bucket and again.call == first.call
    again = apply_call(bucket, call("dc_2", T0 + HOUR), RULES)
    assert again.duplicate and again.call == second.call


def test_each_rule_is_configurable():
    no_caller = MergeRules(same_caller_window_ms=0, same_place_window_ms=0, flow_back_window_ms=0)
    _, (_, out) = run(call("dc_1", T0), call("dc_2", T0 + 60_000, where=None), rules=no_caller)
    assert out.call.kind is UpdateKind.FLOW_BACK  # open and diverted: still about it
    wide = MergeRules(same_place_m=500.0)
    _, (_, out) = run(
        call("dc_1", T0, "ck_a"), call("dc_2", T0 + 60_000, "ck_b", where=north(400)), rules=wide
    )
    assert out.call.rule is Rule.SAME_PLACE


def test_steps_for_unknown_cases_orders_and_repeats_are_named_not_applied():
    bucket, (first,) = run(call("dc_1", T0))
    case_id = first.case.case_id
    assert close(bucket, case_id, T0, order_id="od_nope")[2] is StepOutcome.UNKNOWN_ORDER
    unknown = Step("ev", case_id_for(KEY, "dc_x"), "od_x", UpdateKind.CLOSED, T0)
    assert apply_step(bucket, unknown)[2] is StepOutcome.UNKNOWN_CASE
    bucket, _, _ = close(bucket, case_id, T0 + HOUR, "ev-1")
    assert close(bucket, case_id, T0 + HOUR, "ev-1")[2] is StepOutcome.DUPLICATE
    assert close(bucket, case_id, T0 + HOUR, "ev-2")[2] is StepOutcome.DUPLICATE


def test_a_close_older_than_the_last_call_still_closes_and_is_named_late():
    bucket, (first, _) = run(call("dc_1", T0), call("dc_2", T0 + 2 * HOUR))
    bucket, case, outcome = close(bucket, first.case.case_id, T0 + HOUR)
    assert (
        outcome is StepOutcome.APPLIED_LATE and case is not None and case.closed_at_ms == T0 + HOUR
    )


def test_closing_the_order_a_reopened_case_moved_past_is_stale():
    bucket, (first,) = run(call("dc_1", T0))
    bucket, _, _ = close(bucket, first.case.case_id, T0 + HOUR, "ev-1")
    bucket, _ = run(call("dc_2", T0 + DAY_MS), bucket=bucket)
    stale = close(
        bucket, first.case.case_id, T0 + DAY_MS + 1, "ev-2", order_id=order_id_for("dc_1")
    )
    assert stale[2] is StepOutcome.STALE_ORDER and stale[0] is bucket


def test_a_return_by_the_unit_is_a_flow_back_and_escalates():
    bucket, (first,) = run(call("dc_1", T0))
    step = Step(
        "ev-r", first.case.case_id, first.case.current_order_id, UpdateKind.RETURNED, T0 + HOUR
    )
    bucket, case, outcome = apply_step(bucket, step)
    assert outcome is StepOutcome.APPLIED and case is not None
    assert (case.returned_count, case.flow_back_count, case.escalation_level) == (1, 1, 1)
    assert apply_step(bucket, step)[2] is StepOutcome.DUPLICATE


def test_expiry_by_event_time():
    bucket, (first, _) = run(call("dc_1", T0), call("dc_2", T0 + 10, "ck_b", where=north(5_000)))
    assert expires_at(bucket, RULES) == T0 + 10 + RULES.open_max_ms
    bucket, _, _ = close(bucket, first.case.case_id, T0 + HOUR)
    kept = prune(bucket, T0 + HOUR + RULES.flow_back_window_ms + 1, RULES)
    assert len(kept.cases) == 1 and kept.cases[0].closed_at_ms is None
    assert prune(kept, T0 + 10 + RULES.open_max_ms + 1, RULES).cases == ()


def test_a_bucket_keeps_at_most_max_cases_dropping_closed_ones_first():
    rules = MergeRules(max_cases_per_key=2)
    bucket, (a,) = run(call("dc_1", T0, "ck_a", where=None), rules=rules)
    bucket, _, _ = close(bucket, a.case.case_id, T0 + 1)
    bucket, _ = run(
        call("dc_2", T0 + 2, "ck_b", where=None),
        call("dc_3", T0 + 3, "ck_c", where=None),
        bucket=bucket,
        rules=rules,
    )
    assert [c.case_id for c in bucket.cases] == [case_id_for(KEY, "dc_2"), case_id_for(KEY, "dc_3")]


def test_a_case_remembers_its_most_recent_calls_only():
    rules = MergeRules(max_calls_per_case=3)
    bucket, _ = run(*[call(f"dc_{i}", T0 + i * 60_000) for i in range(6)], rules=rules)
    (case,) = bucket.cases
    assert [c.decision_id for c in case.calls] == ["dc_3", "dc_4", "dc_5"]
    assert case.repeat_count == 5 and case.order_ids == (order_id_for("dc_0"),)


def test_the_bucket_survives_json_as_the_table_stores_it():
    bucket, _ = run(
        call("dc_1", T0, address="金城路8号"), call("dc_2", T0 + HOUR, "ck_b", where=None)
    )
    bucket, _, _ = close(bucket, bucket.cases[0].case_id, T0 + 2 * HOUR)
    assert CaseBucket.from_dict(json.loads(json.dumps(bucket.to_dict()))) == bucket


@pytest.mark.parametrize("bad", ["", "od_123", "cs_abc", "cs_abc@nokey", "x@331099001:NP01"])
def test_case_key_of_refuses_ids_that_are_not_ours(bad):
    assert case_key_of(bad) is None
