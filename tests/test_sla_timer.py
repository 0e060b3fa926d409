"""The pure SLA timer: the bucketed index, escalation times, lifecycle steps, firing once."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fenliu.processors.sla_alerts import (
    LEVELS,
    LIFECYCLE_CLOSES,
    LIFECYCLE_IMPLIES,
    EscalationPolicy,
    Level,
    alert_id,
    alert_record,
)
from fenliu.processors.sla_policy import STAGE_ORDER
from fenliu.processors.sla_timer import (
    BookConfig,
    DeadlineIndex,
    LifecycleOutcome,
    OrderInfo,
    OrderOutcome,
    OrderSla,
    SlaBook,
)
from fenliu.schemas.catalog import default_catalog
from fenliu.schemas.serde import SingleObjectCodec

MIN = 60_000
POLICY = EscalationPolicy()


def info(created: int = 0, unit: str = "dc-med") -> OrderInfo:
    return OrderInfo("case-1", unit, "331099001", "NP01", created)


# --- the index -------------------------------------------------------------------


def test_pop_due_takes_due_keys_of_the_current_bucket_and_leaves_the_rest() -> None:
    index: DeadlineIndex[str] = DeadlineIndex(bucket_ms=1000)
    index.schedule("a", 1500)
    index.schedule("b", 1200)
    index.schedule("c", 1900)
    index.schedule("d", 3000)
    assert index.pop_due(1499) == ["b"]
    assert index.pop_due(1999) == ["a", "c"]
    assert len(index) == 1 and index.next_due() == 3000
    assert index.pop_due(2999) == []
    assert index.pop_due(10_000) == ["d"]
    assert index.next_due() is None


def test_schedule_moves_a_key_and_cancel_removes_it() -> None:
    index: DeadlineIndex[str] = DeadlineIndex(bucket_ms=100)
    index.schedule("a", 500)
    index.schedule("a", 50)
    index.schedule("b", 70)
    index.cancel("b")
    index.cancel("never")
    assert index.pop_due(60) == ["a"]
    assert index.pop_due(10_000) == []


ops = st.lists(
    st.one_of(
        st.tuples(st.just("schedule"), st.integers(0, 20), st.integers(-5_000, 50_000)),
        st.tuples(st.just("cancel"), st.integers(0, 20), st.just(0)),
        st.tuples(st.just("pop"), st.just(0), st.integers(-5_000, 60_000)),
    ),
    max_size=80,
)


@given(ops, st.sampled_from([1, 7, 1000, 60_000]))
def test_index_agrees_with_a_plain_dict(
    operations: list[tuple[str, int, int]], bucket: int
) -> None:
    """Whatever the operations and bucket width, the index pops what a dict scan would."""
    index: DeadlineIndex[int] = DeadlineIndex(bucket_ms=bucket)
    model: dict[int, int] = {}
    for op, key, at in operations:
        if op == "schedule":
            index.schedule(key, at)
            model[key] = at
        elif op == "cancel":
            index.cancel(key)
            model.pop(key, None)
        else:
            popped = index.pop_due(at)
            expected = {k for k, due in model.items() if due <= at}
            assert set(popped) == expected and len(popped) == len(expected)
            assert [model[k] for k in popped] == sorted(model[k] for k in popped)
            for k in popped:
                del model[k]
        assert len(index) == len(model)
    assert index.next_due() == (min(model.values()) if model else None)


# --- escalation times ------------------------------------------------------------


def test_default_levels_of_a_one_minute_sign_off() -> None:
    assert POLICY.fire_times(0, MIN) == (48_000, 60_000, 90_000, 120_000)


def test_late_levels_are_capped_after_long_windows() -> None:
    thirty_days = 30 * 86_400_000
    warning, breach, supervision, escalation = POLICY.fire_times(0, thirty_days)
    assert warning == 24 * 86_400_000 and breach == thirty_days
    assert supervision == thirty_days + 86_400_000
    assert escalation == thirty_days + 3 * 86_400_000


@given(
    st.integers(0, 10**12),
    st.integers(-(10**9), 10**10),
    st.floats(0.01, 0.99),
    st.floats(1.0, 5.0),
    st.floats(0.0, 5.0),
    st.none() | st.integers(0, 10**9),
    st.none() | st.integers(0, 10**9),
)
def test_fire_times_never_decrease(
    start: int,
    window: int,
    warn: float,
    sup: float,
    extra: float,
    sup_cap: int | None,
    esc_cap: int | None,
) -> None:
    policy = EscalationPolicy(warn, sup, sup + extra, sup_cap, esc_cap)
    times = policy.fire_times(start, start + window)
    assert list(times) == sorted(times)
    assert times[1] == start + window
    assert times[0] <= times[1] <= times[2]


def test_policy_rejects_nonsense() -> None:
    with pytest.raises(ValueError):
        EscalationPolicy(warning_share=1.0)
    with pytest.raises(ValueError):
        EscalationPolicy(supervision_share=2.0, escalation_share=1.5)


# --- the lifecycle mapping -------------------------------------------------------


def test_every_lifecycle_kind_of_the_schema_is_mapped_and_every_stage_can_close() -> None:
    schema = default_catalog()["LifecycleEvent"].raw
    kind_field = next(f for f in schema["fields"] if f["name"] == "kind")
    assert set(kind_field["type"]["symbols"]) == set(LIFECYCLE_CLOSES)
    closable = {s for stages in LIFECYCLE_CLOSES.values() for s in stages}
    assert closable == set(STAGE_ORDER)
    implied = {s for stages in LIFECYCLE_IMPLIES.values() for s in stages}
    assert implied <= set(STAGE_ORDER) and "FOLLOW_UP" not in implied


def test_alert_record_encodes_with_the_contract() -> None:
    book = SlaBook(BookConfig())
    book.open("o1", info(), [("SIGN", MIN)])
    alert = book.tick(MIN).alerts[1]
    codec = SingleObjectCodec()
    decoded = codec.decode(codec.encode("SlaAlert", alert_record(alert)), expect="SlaAlert")
    assert decoded["alert_id"] == alert_id("o1", "SIGN", Level.BREACH, MIN)
    assert decoded["level"] == "BREACH" and decoded["elapsed_ratio"] == 1.0


# --- the book --------------------------------------------------------------------


def test_each_level_fires_at_its_time_with_its_ratio() -> None:
    book = SlaBook(BookConfig())
    book.open("o1", info(created=1_000), [("SIGN", 1_000 + MIN), ("ARRIVE", 1_000 + 8 * MIN)])
    assert book.tick(1_000 + 47_999).alerts == []
    warning = book.tick(1_000 + 48_000).alerts
    assert [(a.stage, a.level, a.elapsed_ratio) for a in warning] == [("SIGN", Level.WARNING, 0.8)]
    assert [a.level for a in book.tick(1_000 + MIN).alerts] == [Level.BREACH]
    assert book.tick(1_000 + MIN + 1).alerts == []
    assert [a.level for a in book.tick(1_000 + 90_000).alerts] == [Level.SUPERVISION]
    assert book.open_stages == {"SIGN": 1, "ARRIVE": 1}


def test_closing_a_stage_stops_its_alerts_and_implied_stages_close_too() -> None:
    book = SlaBook(BookConfig())
    book.open(
        "o1", info(), [("SIGN", MIN), ("DEPART", 2 * MIN), ("ARRIVE", 8 * MIN), ("PHONE", 3 * MIN)]
    )
    assert book.lifecycle("o1", "ARRIVED", 30_000, "e1") is LifecycleOutcome.CLOSED
    assert book.lifecycle("o1", "SIGNED", 31_000, "e2") is LifecycleOutcome.OUT_OF_ORDER
    alerts = book.tick(10 * MIN).alerts
    assert {a.stage for a in alerts} == {"PHONE"}
    assert book.open_stages["SIGN"] == 0 and book.open_stages["PHONE"] == 1


def test_duplicates_unknown_and_missing_stages_are_named_not_raised() -> None:
    book = SlaBook(BookConfig())
    book.open("o1", info(), [("SIGN", MIN)])
    assert book.lifecycle("o1", "SIGNED", 1, "e1") is LifecycleOutcome.CLOSED
    assert book.lifecycle("o1", "SIGNED", 1, "e1") is LifecycleOutcome.DUPLICATE
    assert book.lifecycle("o1", "SIGNED", 2, "e9") is LifecycleOutcome.DUPLICATE
    assert book.lifecycle("o1", "PHONED", 2, "e3") is LifecycleOutcome.NO_SUCH_STAGE
    assert book.lifecycle("o1", "COMPLAINED", 2, "e4") is LifecycleOutcome.RECORDED
    assert book.lifecycle("o1", "TELEPORTED", 2, "e5") is LifecycleOutcome.UNKNOWN_KIND
    assert book.store["o1"].complained == 1


def test_steps_before_their_order_wait_for_it_then_expire() -> None:
    config = BookConfig(orphan_ttl_ms=10 * MIN)
    book = SlaBook(config)
    assert book.lifecycle("o1", "SIGNED", 5_000, "e1") is LifecycleOutcome.EARLY
    assert book.lifecycle("o1", "SIGNED", 5_000, "e1") is LifecycleOutcome.DUPLICATE
    book.open("o1", info(), [("SIGN", MIN), ("CLOSE", 30 * MIN)])
    alerts = book.tick(40 * MIN).alerts
    assert {a.stage for a in alerts} == {"CLOSE"}
    assert book.lifecycle("ghost", "ARRIVED", 40 * MIN, "g1") is LifecycleOutcome.EARLY
    assert book.tick(50 * MIN - 1).expired_orphans == 0
    assert book.tick(50 * MIN).expired_orphans == 1 and "ghost" not in book.store


def test_finished_orders_are_kept_for_late_steps_then_dropped() -> None:
    book = SlaBook(BookConfig(done_retention_ms=MIN))
    book.open("o1", info(), [("SIGN", MIN)])
    book.tick(10)
    book.lifecycle("o1", "SIGNED", 20, "e1")
    assert "o1" in book.store and book.store["o1"].expire_at_ms == 20 + MIN
    assert book.lifecycle("o1", "COMPLAINED", 30, "e2") is LifecycleOutcome.RECORDED
    assert book.tick(20 + MIN - 1).expired_done == 0
    assert book.tick(20 + MIN).expired_done == 1 and "o1" not in book.store
    assert len(book.index) == 0


def test_a_resent_order_changes_nothing_and_a_moved_deadline_starts_over() -> None:
    book = SlaBook(BookConfig())
    assert book.open("o1", info(), [("SIGN", MIN)]) is OrderOutcome.NEW
    fired = book.tick(MIN).alerts
    assert book.open("o1", info(), [("SIGN", MIN)]) is OrderOutcome.DUPLICATE
    assert book.tick(MIN).alerts == []
    assert book.open("o1", info(), [("SIGN", 5 * MIN)]) is OrderOutcome.UPDATED
    again = book.tick(5 * MIN).alerts
    assert {a.level for a in again} == {Level.WARNING, Level.BREACH}
    assert not {a.alert_id for a in fired} & {a.alert_id for a in again}


# --- properties: once and only once ----------------------------------------------

orders_st = st.lists(
    st.tuples(
        st.integers(0, 10 * MIN),  # created
        st.dictionaries(st.sampled_from(STAGE_ORDER), st.integers(0, 40 * MIN), min_size=1),
    ),
    min_size=1,
    max_size=8,
)
ticks_st = st.lists(st.integers(0, 200 * MIN), max_size=30)


def _expected_alert_ids(orders: list[tuple[int, dict[str, int]]]) -> set[str]:
    out = set()
    for n, (created, stages) in enumerate(orders):
        for stage, window in stages.items():
            for level in LEVELS:
                out.add(alert_id(f"o{n}", stage, level, created + window))
    return out


def _open_all(book: SlaBook, orders: list[tuple[int, dict[str, int]]]) -> None:
    for n, (created, stages) in enumerate(orders):
        book.open(f"o{n}", info(created), [(s, created + w) for s, w in stages.items()])


@given(orders_st, ticks_st)
def test_every_deadline_fires_exactly_once_whatever_the_ticks(orders, ticks) -> None:
    book = SlaBook(BookConfig(bucket_ms=7_000))
    _open_all(book, orders)
    fired: list[str] = []
    for now in sorted(ticks) + [10**12]:
        fired.extend(a.alert_id for a in book.tick(now).alerts)
    assert len(fired) == len(set(fired))
    assert set(fired) == _expected_alert_ids(orders)


@given(orders_st, ticks_st, st.integers(0, 200 * MIN))
def test_no_alert_after_a_stage_is_closed(orders, ticks, close_at) -> None:
    """Close every stage at ``close_at``: nothing fires after it, and a stage closed before
    its warning time never fires at all."""
    book = SlaBook(BookConfig())
    _open_all(book, orders)
    early = [t for t in sorted(ticks) if t < close_at]
    fired = [a for t in early for a in book.tick(t).alerts]
    for n in range(len(orders)):
        for kind in ("CLOSED", "FOLLOWED_UP"):
            book.lifecycle(f"o{n}", kind, close_at, f"{kind}-{n}")
    assert book.tick(10**12).alerts == []
    for alert in fired:
        created = orders[int(alert.order_id[1:])][0]
        assert POLICY.fire_at(alert.level, created, alert.due_at) <= max(early)
    assert sum(book.open_stages.values()) == 0


@settings(max_examples=150)
@given(orders_st, ticks_st, st.integers(0, 30), st.data())
def test_restart_rebuilds_from_state_and_fires_nothing_twice(orders, ticks, cut, data) -> None:
    """Stop after ``cut`` ticks, keep only the stored state (through JSON, as the changelog
    does), build a new book from it: every deadline still fires exactly once."""
    ticks = sorted(ticks) + [10**12]
    cut = min(cut, len(ticks))
    first = SlaBook(BookConfig())
    _open_all(first, orders)
    fired = [a.alert_id for t in ticks[:cut] for a in first.tick(t).alerts]
    # a few steps reported while the first worker ran; they close stages for good
    steps = data.draw(
        st.lists(
            st.tuples(st.integers(0, len(orders) - 1), st.sampled_from(sorted(LIFECYCLE_CLOSES))),
            max_size=5,
        )
    )
    for i, (n, kind) in enumerate(steps):
        first.lifecycle(f"o{n}", kind, 0, f"step-{i}")
    changelog = {k: json.loads(json.dumps(v.to_dict())) for k, v in first.store.items()}
    second = SlaBook(BookConfig(), {k: OrderSla.from_dict(v) for k, v in changelog.items()})
    assert second.rebuild() == len(changelog)
    assert +second.open_stages == +first.open_stages
    fired += [a.alert_id for t in ticks[cut:] for a in second.tick(t).alerts]
    assert len(fired) == len(set(fired))
    closed = {
        (f"o{n}", s)
        for n, kind in steps
        for s in LIFECYCLE_CLOSES[kind] + LIFECYCLE_IMPLIES.get(kind, ())
    }
    expected = {a for a in _expected_alert_ids(orders) if tuple(a.split(":")[:2]) not in closed}
    assert expected <= set(fired) <= _expected_alert_ids(orders)


@given(
    st.lists(
        st.tuples(
            st.sampled_from(["o1", "o2", "o3"]),
            st.sampled_from(sorted(LIFECYCLE_CLOSES) + ["BOGUS"]),
            st.integers(-MIN, 60 * MIN),
            st.sampled_from(["a", "b", "c", "d"]),
        ),
        max_size=30,
    ),
    st.lists(st.integers(0, 60 * MIN), max_size=10),
)
def test_any_lifecycle_stream_is_handled(steps, ticks) -> None:
    """Out of order, twice, unknown orders, interleaved with ticks: never an exception."""
    book = SlaBook(BookConfig(orphan_ttl_ms=5 * MIN))
    book.open("o1", info(), [("SIGN", MIN), ("ARRIVE", 8 * MIN), ("FOLLOW_UP", 30 * MIN)])
    for (order, kind, at, ev), now in zip(steps, sorted(ticks) + [0] * len(steps)):
        outcome = book.lifecycle(order, kind, at, f"{order}-{kind}-{ev}")
        assert isinstance(outcome, LifecycleOutcome)
        book.tick(now)
    book.open("o2", info(), [("CLOSE", 30 * MIN)])
    book.tick(10**12)
    assert all(v >= 0 for v in book.open_stages.values())
    assert len(book.index) == len(book.store)
