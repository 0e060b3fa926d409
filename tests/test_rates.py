"""processors/rates.py: which record counts where, exactly once per order and step."""

from __future__ import annotations

from collections import Counter as Tally
from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from fenliu.processors.rate_definitions import RATES, SIX_RATES, recording_rule_groups
from fenliu.processors.rates import (
    DUPLICATE_REASONS,
    LABELS,
    CaseCallFacts,
    Count,
    DecisionFacts,
    LifecycleFacts,
    Metric,
    Observe,
    OrderFacts,
    OrderState,
    on_case_call,
    on_decision,
    on_expire,
    on_lifecycle,
    on_order,
)

T0 = 1_795_000_000_000
TARGET_MS = 600_000
ORDER = OrderFacts("o1", "u-med-1", "NP03", "110", T0)
LABELS_O1 = ("u-med-1", "NP03", "110")


def lc(kind: str, at_ms: int, event_id: str | None = None, **kw: object) -> LifecycleFacts:
    return LifecycleFacts(event_id or f"{kind}-{at_ms}", "o1", kind, at_ms, "u-med-1", **kw)  # type: ignore[arg-type]


def run(
    records: list[OrderFacts | LifecycleFacts],
) -> tuple[OrderState | None, list[Count | Observe]]:
    """Fold records of one order through the processor, as the agent does."""
    state: OrderState | None = None
    effects: list[Count | Observe] = []
    for r in records:
        if isinstance(r, OrderFacts):
            step = on_order(state, r, arrival_target_ms=TARGET_MS)
        else:
            step = on_lifecycle(state, r, arrival_target_ms=TARGET_MS, ids_kept=64)
        state = step.state
        effects.extend(step.effects)
    return state, effects


def totals(
    effects: list[Count | Observe], *, skip: tuple[Metric, ...] = (Metric.DUPLICATES,)
) -> Tally:
    """Sum of amounts per (metric, labels), without the duplicate bookkeeping."""
    out: Tally = Tally()
    for e in effects:
        if isinstance(e, Count) and e.metric not in skip and e.amount:
            out[(e.metric, e.labels)] += e.amount
    return out


def test_an_order_is_dispatched_once_and_creates_its_series_at_zero() -> None:
    _, effects = run([ORDER, ORDER])
    assert totals(effects) == Tally({(Metric.ORDERS, LABELS_O1): 1})
    zeros = {(e.metric, e.labels) for e in effects if isinstance(e, Count) and e.amount == 0}
    assert (Metric.SIGNED, LABELS_O1) in zeros
    assert (Metric.FOLLOWUPS, (*LABELS_O1, "DISSATISFIED")) in zeros
    assert (Metric.FLOW_BACKS, (*LABELS_O1, "recalled")) in zeros
    assert Count(Metric.DUPLICATES, ("orders", "order_repeated")) in effects


def test_the_whole_loop_counts_each_step_with_its_latency() -> None:
    _, effects = run(
        [
            ORDER,
            lc("SIGNED", T0 + 40_000),
            lc("DEPARTED", T0 + 60_000),
            lc("ARRIVED", T0 + 540_000),
            lc("FEEDBACK", T0 + 3_600_000),
            lc("CLOSED", T0 + 1_800_000, resolved_on_site=True),
            lc("FOLLOWED_UP", T0 + 86_400_000, satisfaction="BASICALLY_SATISFIED"),
        ]
    )
    assert totals(effects) == Tally(
        {
            (Metric.ORDERS, LABELS_O1): 1,
            (Metric.SIGNED, LABELS_O1): 1,
            (Metric.ARRIVED, LABELS_O1): 1,
            (Metric.ARRIVED_WITHIN_TARGET, LABELS_O1): 1,
            (Metric.FEEDBACK, LABELS_O1): 1,
            (Metric.CLOSED, LABELS_O1): 1,
            (Metric.CLOSED_ON_SITE, LABELS_O1): 1,
            (Metric.FOLLOWUPS, (*LABELS_O1, "BASICALLY_SATISFIED")): 1,
        }
    )
    latencies = {e.stage: e.seconds for e in effects if isinstance(e, Observe)}
    assert latencies == {"sign": 40.0, "arrive": 540.0, "feedback": 3600.0, "close": 1800.0}


def test_arrival_after_the_target_is_not_on_time_and_a_skewed_clock_counts_zero() -> None:
    _, late = run([ORDER, lc("ARRIVED", T0 + TARGET_MS + 1)])
    assert (Metric.ARRIVED_WITHIN_TARGET, LABELS_O1) not in totals(late)
    assert (Metric.ARRIVED, LABELS_O1) in totals(late)
    _, skewed = run([ORDER, lc("SIGNED", T0 - 5_000)])
    assert [e.seconds for e in skewed if isinstance(e, Observe)] == [0.0]


def test_a_unit_returns_an_order_once_however_often_it_says_so() -> None:
    _, effects = run([ORDER, lc("RETURNED", T0 + 10_000), lc("RETURNED", T0 + 20_000)])
    flows = {k: v for k, v in totals(effects).items() if k[0] is Metric.FLOW_BACKS}
    assert flows == {(Metric.FLOW_BACKS, (*LABELS_O1, "returned")): 1}
    assert Count(Metric.DUPLICATES, ("lifecycle", "step_repeated")) in effects


def test_calls_merged_by_the_cases_agent_count_by_kind_and_recalls_flow_back() -> None:
    def call(kind: str) -> CaseCallFacts:
        return CaseCallFacts(f"cu_{kind}", kind, "u-med-1", "NP03", "110", T0)

    effects = [
        e
        for k in ("OPENED", "REPEAT", "FLOW_BACK")
        for e in on_case_call(call(k), seen_before=False)
    ]
    assert totals(effects) == Tally({
        (Metric.CASE_CALLS, (*LABELS_O1, "OPENED")): 1,
        (Metric.CASE_CALLS, (*LABELS_O1, "REPEAT")): 1,
        (Metric.CASE_CALLS, (*LABELS_O1, "FLOW_BACK")): 1,
        (Metric.FLOW_BACKS, (*LABELS_O1, "recalled")): 1,
    })  # fmt: skip
    assert on_case_call(call("REPEAT"), seen_before=True) == [
        Count(Metric.DUPLICATES, ("cases", "update_id"))
    ]


def test_case_updates_that_are_not_calls_are_not_read() -> None:
    update = {"update_id": "cu_1", "kind": "CLOSED", "unit_id": None, "class_code": "NP03",
              "source": None, "at": T0}  # fmt: skip
    assert CaseCallFacts.from_record(update) is None
    repeat = CaseCallFacts.from_record(
        update | {"kind": "REPEAT", "unit_id": "u", "source": "S110"}
    )
    assert repeat == CaseCallFacts("cu_1", "REPEAT", "u", "NP03", "110", T0)


def test_satisfaction_counts_the_first_answer_and_the_first_unreachable_attempt() -> None:
    _, effects = run(
        [
            ORDER,
            lc("FOLLOWED_UP", T0 + 1, satisfaction="UNREACHABLE"),
            lc("FOLLOWED_UP", T0 + 2, satisfaction="UNREACHABLE"),
            lc("FOLLOWED_UP", T0 + 3, satisfaction="DISSATISFIED"),
            lc("FOLLOWED_UP", T0 + 4, satisfaction="SATISFIED"),
            lc("FOLLOWED_UP", T0 + 5, satisfaction=None),
        ]
    )
    follow = {k[1][3]: v for k, v in totals(effects).items() if k[0] is Metric.FOLLOWUPS}
    assert follow == {"UNREACHABLE": 1, "DISSATISFIED": 1}


def test_steps_read_before_their_order_wait_and_count_with_it() -> None:
    state, effects = run(
        [lc("SIGNED", T0 + 1_000), lc("ARRIVED", T0 + 2_000), ORDER, lc("SIGNED", T0 + 3)]
    )
    assert totals(effects) == Tally(
        {
            (Metric.ORDERS, LABELS_O1): 1,
            (Metric.SIGNED, LABELS_O1): 1,
            (Metric.ARRIVED, LABELS_O1): 1,
            (Metric.ARRIVED_WITHIN_TARGET, LABELS_O1): 1,
        }
    )
    assert sorted(e.seconds for e in effects if isinstance(e, Observe)) == [1.0, 2.0]
    assert state is not None and state.pending == () and {"signed", "arrived"} <= state.counted


def test_steps_of_an_order_that_never_comes_count_as_unknown_when_they_expire() -> None:
    state, effects = run([lc("CLOSED", T0 + 1, resolved_on_site=True), lc("ARRIVED", T0 + 2)])
    assert totals(effects) == Tally() and state is not None and len(state.pending) == 2
    unknown = ("u-med-1", "unknown", "unknown")
    expired = on_expire(OrderState.from_json(state.to_json()), arrival_target_ms=TARGET_MS)
    assert totals(expired) == Tally(
        {
            (Metric.UNKNOWN_ORDERS, ("u-med-1",)): 2,
            (Metric.CLOSED, unknown): 1,
            (Metric.CLOSED_ON_SITE, unknown): 1,  # an arrival without its order cannot be timed
        }
    )
    assert on_expire(run([ORDER])[0], arrival_target_ms=TARGET_MS) == []  # type: ignore[arg-type]


def test_past_the_pending_bound_a_step_counts_at_once_as_unknown() -> None:
    state = None
    effects: list[Count | Observe] = []
    for i, kind in enumerate(["DEPARTED", "PHONED", "SIGNED"]):
        step = on_lifecycle(state, lc(kind, T0 + i), arrival_target_ms=TARGET_MS, ids_kept=2)
        state, effects = step.state, effects + list(step.effects)
    assert totals(effects) == Tally(
        {
            (Metric.UNKNOWN_ORDERS, ("u-med-1",)): 1,
            (Metric.SIGNED, ("u-med-1", "unknown", "unknown")): 1,
        }
    )
    assert state is not None and len(state.pending) == 2


def test_a_repeated_event_id_is_a_duplicate_and_counts_nothing() -> None:
    signed = lc("SIGNED", T0 + 1, event_id="e1")
    state, effects = run([ORDER, signed, signed])
    assert Count(Metric.DUPLICATES, ("lifecycle", "event_id")) in effects
    assert totals(effects)[(Metric.SIGNED, LABELS_O1)] == 1
    assert state is not None and state.event_ids == ("e1",)


def test_only_the_last_event_ids_are_kept() -> None:
    state = None
    for i in range(5):
        state = on_lifecycle(
            state, lc("DEPARTED", T0 + i, event_id=f"e{i}"), arrival_target_ms=TARGET_MS, ids_kept=3
        ).state
    assert state is not None and state.event_ids == ("e2", "e3", "e4")
    assert state.touched_ms == T0 + 4


def test_decisions_count_calls_per_town_once() -> None:
    d = DecisionFacts("d1", "110", "331099001", "NON_POLICE", T0)
    assert on_decision(d, seen_before=False) == [
        Count(Metric.CALLS, ("110", "331099001", "POLICE"), 0),
        Count(Metric.CALLS, ("110", "331099001", "NON_POLICE")),
        Count(Metric.DIVERTED, ("110", "331099001", "confirmed"), 0),
        Count(Metric.DIVERTED, ("110", "331099001", "divert"), 1),  # no outcome: by its list
    ]
    assert on_decision(d, seen_before=True) == [
        Count(Metric.DUPLICATES, ("decisions", "decision_id"))
    ]


def test_only_divert_counts_as_diverted_at_decision_time() -> None:
    """SUGGEST is counted when confirmed (streams/worker/suggestions.py), KEEP never."""
    for outcome, expected in (("DIVERT", 1), ("SUGGEST", 0), ("KEEP", 0)):
        d = DecisionFacts("d1", "110", "t", "NON_POLICE", T0, outcome)
        diverted = [c for c in on_decision(d, seen_before=False) if c.metric is Metric.DIVERTED]
        assert sum(c.amount for c in diverted) == expected


def test_records_are_read_from_avro_dicts() -> None:
    at = datetime.fromtimestamp(T0 / 1000, UTC)
    order = OrderFacts.from_record(
        {
            "order_id": "o1",
            "case_id": "c1",
            "decision_id": "d1",
            "created_at": at,
            "source": "S12345",
            "is_police_matter": False,
            "class_code": "NP03",
            "situation_code": "NP03-01",
            "situation_name": "s",
            "priority": 3,
            "unit_id": "u",
            "unit_name": "n",
            "unit_kind": "mediation",
            "town_code": "331099001",
            "location": {"text": None, "lon": None, "lat": None, "admin_code": None},
            "summary": "x",
            "deadlines": [],
            "repeat_count": 2,
            "flow_back": True,
            "taxonomy_version": "t",
            "routing_version": "r",
        }
    )
    assert order == OrderFacts("o1", "u", "NP03", "12345", T0)
    event = LifecycleFacts.from_record(
        {
            "event_id": "e",
            "order_id": "o1",
            "case_id": "c1",
            "kind": "CLOSED",
            "at": at,
            "unit_id": "u",
            "satisfaction": None,
            "resolved_on_site": True,
        }
    )
    assert event.at_ms == T0 and event.resolved_on_site is True
    decision = DecisionFacts.from_record(
        {
            "decision_id": "d",
            "list": "POLICE",
            "route": {"town_code": "331099002"},
            "event": {"source": "S110", "received_at": at},
        }
    )
    assert decision == DecisionFacts("d", "110", "331099002", "POLICE", T0)


def test_every_count_has_as_many_label_values_as_its_metric_has_names() -> None:
    _, effects = run(
        [ORDER, lc("RETURNED", T0 + 1), lc("FOLLOWED_UP", T0 + 2, satisfaction="SATISFIED")]
    )
    for e in effects:
        if isinstance(e, Count):
            assert len(e.labels) == len(LABELS[e.metric]), e


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from(["SIGNED", "RETURNED", "CLOSED"]), max_size=6))
def test_every_duplicate_reason_is_one_the_agent_creates_at_start(kinds: list[str]) -> None:
    records = [ORDER, ORDER] + [lc(k, T0 + 1, event_id=f"e{i % 2}") for i, k in enumerate(kinds)]
    _, effects = run(records)
    decision = DecisionFacts("d", "110", "t", "POLICE", T0)
    call = CaseCallFacts("u", "REPEAT", "u", "NP03", "110", T0)
    effects += on_decision(decision, seen_before=True) + on_case_call(call, seen_before=True)
    reasons = {e.labels for e in effects if isinstance(e, Count) and e.metric is Metric.DUPLICATES}
    assert reasons <= set(DUPLICATE_REASONS) and len(reasons) >= 3


# --- properties ---------------------------------------------------------------------------
KINDS = [
    "SIGNED",
    "DEPARTED",
    "PHONED",
    "ARRIVED",
    "FEEDBACK",
    "CLOSED",
    "FOLLOWED_UP",
    "RETURNED",
    "COMPLAINED",
    "ACCEPTED",
]
events = st.lists(
    st.builds(
        lambda i, kind, dt, sat, onsite: lc(
            kind, T0 + dt, f"e{i}", satisfaction=sat, resolved_on_site=onsite
        ),
        st.integers(0, 30),
        st.sampled_from(KINDS),
        st.integers(-60_000, 30 * 86_400_000),
        st.sampled_from([None, "SATISFIED", "BASICALLY_SATISFIED", "DISSATISFIED", "UNREACHABLE"]),
        st.sampled_from([None, True, False]),
    ),
    max_size=25,
)


@settings(max_examples=200, deadline=None)
@given(events, st.data())
def test_duplicates_and_redeliveries_never_change_the_totals(
    evs: list[LifecycleFacts], data: st.DataObject
) -> None:
    # Events with one id are one event (the reporter's id is unique); keep the first of each.
    unique = list({e.event_id: e for e in reversed(evs)}.values())[::-1]
    redelivered = data.draw(st.lists(st.sampled_from(unique), max_size=10)) if unique else []
    _, once = run([ORDER, *unique])
    _, again = run([ORDER, *unique, ORDER, *redelivered])
    assert totals(once) == totals(again)


@settings(max_examples=200, deadline=None)
@given(events, st.randoms())
def test_no_step_counts_twice_for_an_order_in_any_order(
    evs: list[LifecycleFacts], rnd: object
) -> None:
    shuffled = list(evs)
    rnd.shuffle(shuffled)  # type: ignore[attr-defined]
    cut = rnd.randint(0, len(shuffled))  # type: ignore[attr-defined]
    state, effects = run([*shuffled[:cut], ORDER, *shuffled[cut:]])
    per_metric = Tally()
    for (metric, labels), n in totals(effects).items():
        key = metric if metric is not Metric.FOLLOWUPS else (metric, labels[3] == "UNREACHABLE")
        per_metric[key] += n
    assert all(n == 1 for n in per_metric.values()), per_metric
    assert state is not None and OrderState.from_json(state.to_json()) == state


# --- the rate table -------------------------------------------------------------------------
def test_the_six_rates_and_the_other_figures_are_all_defined() -> None:
    names = [r.name for r in RATES]
    assert set(SIX_RATES) <= set(names) and len(names) == len(set(names)) == 10
    assert {"repeat_call", "satisfaction", "onsite", "arrival_target"} <= set(names)


def test_per_group_and_overall_rules_are_the_same_ratio_of_sums() -> None:
    signoff = next(r for r in RATES if r.name == "signoff")
    assert signoff.record("1h") == "fenliu_unit:rate_signoff:ratio_1h"
    assert signoff.record("1d", overall=True) == "fenliu:rate_signoff:ratio_1d"
    assert signoff.expr("1h") == (
        "sum by (unit) (increase(fenliu_rates_signed_total[1h]))\n/\n"
        "(sum by (unit) (increase(fenliu_rates_orders_total[1h])) > 0)"
    )
    assert signoff.expr("1h", overall=True).replace(" by (unit)", "") == signoff.expr(
        "1h", overall=True
    )
    repeat = next(r for r in RATES if r.name == "repeat_call")
    assert repeat.expr("1d") == (
        'sum by (unit) (increase(fenliu_rates_case_calls_total{kind="REPEAT"}[1d]))\n/\n'
        "(sum by (unit) (increase(fenliu_rates_case_calls_total[1d])) > 0)"
    )
    records = [rule["record"] for g in recording_rule_groups() for rule in g["rules"]]
    assert len(records) == len(set(records)) == 2 * sum(len(r.windows) for r in RATES)
