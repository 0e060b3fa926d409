"""``fenliu generate``'s window and pace (fenliu.traffic.feed.plan_run), without a broker."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from fenliu.traffic.feed import DAY_S, Pace, plan_run

NOW = 1_795_000_000_000
BASE = {
    "now_ms": NOW,
    "rate": 20.0,
    "speed": None,
    "days": None,
    "per_day": None,
    "model_calls_per_day": 5000.0,
    "start_ms": None,
    "as_fast": False,
    "steady": False,
    "rate_given": False,
}


def test_history_ends_now_and_goes_as_fast_as_it_can_unless_a_rate_is_given() -> None:
    plan = plan_run(**{**BASE, "days": 2.0})
    assert (plan.start_ms, plan.end_ms) == (NOW - 2 * DAY_S * 1000, NOW)
    assert plan.pacer.pace is Pace.MAX and plan.calls_per_day == 5000.0 and not plan.restamp
    paced = plan_run(**{**BASE, "days": 2.0, "rate": 7.0, "rate_given": True, "per_day": 900.0})
    assert paced.pacer.pace is Pace.STEADY and paced.pacer.rate == 7.0
    assert paced.calls_per_day == 900.0


def test_live_follows_event_time_or_restamps_a_fixed_pace() -> None:
    live = plan_run(**{**BASE, "speed": 60.0})
    assert live.pacer.pace is Pace.EVENT and live.pacer.speed == 60.0 and live.end_ms is None
    assert live.calls_per_day == 20.0 * DAY_S / 60.0 and not live.restamp
    steady = plan_run(**{**BASE, "steady": True})
    assert steady.pacer.pace is Pace.STEADY and steady.restamp
    pinned = plan_run(**{**BASE, "as_fast": True, "start_ms": NOW - 5})
    assert pinned.pacer.pace is Pace.MAX and pinned.start_ms == NOW - 5 and not pinned.restamp


@given(st.floats(0.001, 30), st.one_of(st.none(), st.integers(0, NOW)))
def test_a_history_window_is_exactly_its_days_long(days: float, start: int | None) -> None:
    plan = plan_run(**{**BASE, "days": days, "start_ms": start})
    assert plan.end_ms is not None and plan.end_ms - plan.start_ms == int(days * DAY_S * 1000)
    assert plan.start_ms == (start if start is not None else NOW - int(days * DAY_S * 1000))
