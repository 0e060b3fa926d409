"""Properties of the merge rules over random call sequences (hypothesis)."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from fenliu.processors.case_state import CaseBucket, Rule, UpdateKind, case_id_for, case_key_of
from fenliu.processors.merge import (
    IncomingCall,
    MergeRules,
    Step,
    apply_call,
    apply_step,
    place_from,
    same_place,
)

KEY = "331099001:NP01"
T0 = 1_795_000_000_000
RULES = MergeRules(max_calls_per_case=50)
PLACES = [(121.056, 28.860), (121.0562, 28.8601), (121.07, 28.87), None]
ADDRESSES = [None, "金城路8号", "银湖小区"]

calls = st.lists(
    st.tuples(
        st.integers(0, 20 * 86_400_000),  # offset of the event time
        st.sampled_from(["ck_a", "ck_b", "ck_c", None]),
        st.sampled_from(PLACES),
        st.sampled_from(ADDRESSES),
        st.booleans(),  # police
        st.integers(0, 3),  # 1 = close the case it landed in, 2 = the police keep it
    ),
    min_size=1,
    max_size=25,
)


def _apply(items, in_time_order: bool = False):
    if in_time_order:
        items = sorted(items, key=lambda x: x[0])
    bucket = CaseBucket(KEY)
    outcomes = []
    for i, (offset, caller, where, address, police, closing) in enumerate(items):
        lon, lat = where if where else (None, None)
        c = IncomingCall(
            f"dc_{i}", KEY, T0 + offset, caller, place_from(address, lon, lat), police, 3
        )
        out = apply_call(bucket, c, RULES)
        bucket = out.bucket
        outcomes.append((c, out))
        if closing in (1, 2):
            case = bucket.find(out.case.case_id)
            if case is not None:
                step = Step(
                    f"ev_{i}",
                    case.case_id,
                    case.current_order_id,
                    UpdateKind.CLOSED if closing == 1 else UpdateKind.KEPT_BY_POLICE,
                    c.at_ms + 60_000,
                )
                bucket = apply_step(bucket, step)[0]
    return bucket, outcomes


@given(calls)
@hsettings(max_examples=100, deadline=None)
def test_the_same_decisions_give_the_same_cases_and_ids(items):
    assert _apply(items)[0] == _apply(items)[0]


@given(calls)
@hsettings(max_examples=100, deadline=None)
def test_police_and_diverted_calls_never_share_a_case(items):
    _, outcomes = _apply(items)
    for c, out in outcomes:
        assert out.case.police == c.police


@given(calls)
@hsettings(max_examples=100, deadline=None)
def test_an_order_only_for_a_new_case_or_a_reopening(items):
    _, outcomes = _apply(items)
    orders = [out.call.order_id for _, out in outcomes if out.call.order_id is not None]
    assert len(orders) == len(set(orders))
    for _, out in outcomes:
        made_order = out.call.order_id is not None
        assert made_order == (
            out.call.kind is UpdateKind.OPENED
            or (
                out.call.kind is UpdateKind.FLOW_BACK
                and out.case.order_ids[-1] == out.call.order_id
                and len(out.case.order_ids) > 1
            )
        )
        if out.call.kind is UpdateKind.OPENED:
            assert out.case.case_id == case_id_for(KEY, out.call.decision_id)
            assert case_key_of(out.case.case_id) == KEY


@given(calls)
@hsettings(max_examples=100, deadline=None)
def test_every_repeat_has_a_matching_earlier_call_within_its_window(items):
    _, outcomes = _apply(items, in_time_order=True)
    for c, out in outcomes:
        others = [x for x in out.case.calls if x.decision_id != c.decision_id]
        if out.call.rule is Rule.SAME_CALLER:
            assert any(
                x.caller_key == c.caller_key
                and abs(x.at_ms - c.at_ms) <= RULES.same_caller_window_ms
                for x in others
            )
        if out.call.rule is Rule.SAME_PLACE:
            assert any(
                same_place(x.place, c.place, RULES.same_place_m)
                and abs(x.at_ms - c.at_ms) <= RULES.same_place_window_ms
                for x in others
            )
        if out.call.kind is UpdateKind.FLOW_BACK:
            assert not out.case.police


@given(calls, st.data())
@hsettings(max_examples=100, deadline=None)
def test_applying_a_decision_again_is_a_no_op(items, data):
    bucket, outcomes = _apply(items)
    c, first = outcomes[data.draw(st.integers(0, len(outcomes) - 1))]
    if bucket.find(first.case.case_id) is None:
        return  # expired or evicted since: nothing to compare with
    if all(x.decision_id != c.decision_id for x in bucket.find(first.case.case_id).calls):
        return
    again = apply_call(bucket, c, RULES)
    assert again.duplicate and again.bucket is bucket and again.call == first.call


@given(calls)
@hsettings(max_examples=100, deadline=None)
def test_every_bucket_round_trips_through_json(items):
    bucket, _ = _apply(items)
    assert CaseBucket.from_dict(json.loads(json.dumps(bucket.to_dict()))) == bucket


@given(st.from_regex(r"[0-9]{6,12}:[A-Z]{1,3}[0-9]{1,3}", fullmatch=True), st.text(min_size=1))
def test_a_case_id_carries_its_case_key(case_key, decision_id):
    assert case_key_of(case_id_for(case_key, decision_id)) == case_key


@given(calls)
@hsettings(max_examples=100, deadline=None)
def test_no_call_after_a_case_was_kept_by_the_police_merges_into_it(items):
    """Kept cases (a SUGGEST call not confirmed) absorb nothing later; a call about one
    opens its own case linked to it."""
    bucket, outcomes = _apply(items, in_time_order=True)
    kept_at: dict[str, int] = {}
    for c, out in outcomes:
        if out.duplicate:
            continue
        if out.call.kind is not UpdateKind.OPENED:
            assert not (out.case.case_id in kept_at and c.at_ms >= kept_at[out.case.case_id])
        # every case that is now kept, as of this call's bucket, and since when
        for case in out.bucket.cases:
            if case.kept and case.closed_at_ms is not None:
                kept_at.setdefault(case.case_id, case.closed_at_ms)
    for case in bucket.cases:
        if case.kept:
            assert case.closed_at_ms is not None
            assert all(x.at_ms < case.closed_at_ms for x in case.calls)
