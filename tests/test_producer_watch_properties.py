"""processors/producer_watch.py: a producer is stranded exactly when a signal held its grace.

Hypothesis plays a producer's statistics reports: queued records, brokers known and UP,
brokers changing state, delivery reports, at increasing times; a reference that replays the whole history says
when each signal has held long enough, and ``assess`` (which only keeps a small state) must
agree with it at every step."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from fenliu.processors.producer_watch import (
    Observation,
    WatchPolicy,
    WatchState,
    assess,
    brokers_in,
)

POLICY = WatchPolicy(no_broker_s=30.0, stall_s=120.0)

# (seconds since the previous report, queued, known, up, a broker changed state meanwhile,
#  a delivery report came meanwhile)
STEP = st.tuples(
    st.floats(0.5, 40.0),
    st.integers(0, 3),
    st.integers(0, 2),
    st.integers(0, 2),
    st.sampled_from([False, False, False, True]),
    st.booleans(),
)


def _observations(steps) -> list[Observation]:
    out, at, last_report, changed = [], 0.0, 0.0, 0.0
    for dt, queued, known, up, change, reported in steps:
        at += dt
        up = min(up, known)
        if change:
            changed = at - dt / 3
        if reported:
            last_report = at - dt / 2
        age = at - changed if known else None
        out.append(Observation(at, queued, known, up, age, last_report))
    return out


def _expected(history: list[Observation]) -> str | None:
    """The verdict from the whole history (what ``assess`` must say at its last step)."""
    now = history[-1]
    if now.queued == 0:
        return None
    spell = None
    for obs in reversed(history):
        if obs.brokers_known > 0:
            break
        spell = obs.at_s
    if spell is not None and now.at_s - spell >= POLICY.no_broker_s:
        return "no_broker"
    ups = [o.at_s for o in history if o.brokers_up > 0]
    changes = [o.at_s - o.state_age_s for o in history if o.state_age_s is not None]
    moved = max([now.last_report_s, *ups, *changes])
    if now.brokers_up == 0 and now.at_s - moved >= POLICY.stall_s:
        return "stall"
    return None


@given(st.lists(STEP, min_size=1, max_size=40))
def test_assess_agrees_with_the_whole_history_at_every_step(steps) -> None:
    state = WatchState()
    history: list[Observation] = []
    for obs in _observations(steps):
        history.append(obs)
        state, verdict = assess(state, obs, POLICY)
        assert (verdict.signal if verdict else None) == _expected(history)


@given(st.lists(STEP, min_size=1, max_size=40))
def test_nothing_queued_is_never_stranded(steps) -> None:
    state = WatchState()
    for obs in _observations(steps):
        state, verdict = assess(state, _idle(obs), POLICY)
        assert verdict is None


def _idle(obs: Observation) -> Observation:
    return Observation(
        obs.at_s, 0, obs.brokers_known, obs.brokers_up, obs.state_age_s, obs.last_report_s
    )


@given(st.lists(STEP, min_size=1, max_size=40), st.integers(1, 5))
def test_a_broker_up_in_every_report_is_never_stranded(steps, queued) -> None:
    """An ordinary producer, however slow its deliveries: never recreated."""
    state = WatchState()
    for obs in _observations(steps):
        up = Observation(
            obs.at_s, queued, max(1, obs.brokers_known), 1, obs.state_age_s, obs.last_report_s
        )
        state, verdict = assess(state, up, POLICY)
        assert verdict is None


@given(st.floats(0.0, 1e6), st.floats(0.5, 10.0), st.integers(1, 100))
def test_no_broker_known_with_records_queued_is_found_once_the_grace_has_passed(
    start, every, queued
) -> None:
    """The #5301 state (the list empty for good) is always found, within one report of
    the grace, and never before it."""
    state, at = WatchState(), start
    while True:
        state, verdict = assess(state, Observation(at, queued, 0, 0, None, start), POLICY)
        if verdict is not None:
            assert verdict.signal == "no_broker"
            assert POLICY.no_broker_s <= at - start < POLICY.no_broker_s + every
            return
        at += every


def test_a_broker_outage_of_any_length_is_no_verdict_while_the_producer_reconnects() -> None:
    """The broker down 10 min (a restart took 88 s, once over 2 min): listed (DOWN) the
    whole time and tried again every few seconds (its state changes), so neither signal
    fires."""
    state = WatchState()
    state, _ = assess(state, Observation(0.0, 5, 1, 1, 100.0, 0.0), POLICY)
    for at in range(5, 600, 5):
        state, verdict = assess(state, Observation(float(at), 5, 1, 0, 2.5, 0.0), POLICY)
        assert verdict is None
    state, verdict = assess(state, Observation(600.0, 0, 1, 1, 0.1, 600.0), POLICY)
    assert verdict is None


def test_a_listed_broker_nobody_connects_to_is_a_stall_after_its_grace() -> None:
    state = WatchState()
    state, _ = assess(state, Observation(0.0, 5, 1, 1, 100.0, 0.0), POLICY)
    state, verdict = assess(state, Observation(60.0, 5, 1, 0, 0.0, 0.0), POLICY)  # went DOWN
    state, verdict = assess(state, Observation(179.0, 5, 1, 0, 119.0, 0.0), POLICY)
    assert verdict is None
    state, verdict = assess(state, Observation(180.0, 5, 1, 0, 120.0, 0.0), POLICY)
    assert verdict is not None and verdict.signal == "stall"


def test_brokers_in_counts_real_brokers_and_those_up() -> None:
    stats = {
        "msg_cnt": 3,
        "brokers": {
            "127.0.0.1:9092/1": {"source": "learned", "state": "UP", "stateage": 9_000_000},
            "127.0.0.1:9092/bootstrap": {
                "source": "configured",
                "state": "DOWN",
                "stateage": 2_500_000,
            },
            ":0/internal": {"nodeid": -1, "source": "internal", "state": "UP"},
            "GroupCoordinator": {"nodeid": 1, "source": "logical", "state": "UP"},
        },
    }
    assert brokers_in(stats) == (2, 1, 2.5)
    assert brokers_in({"msg_cnt": 3, "brokers": {}}) == (0, 0, None)
    assert brokers_in({}) == (0, 0, None)
