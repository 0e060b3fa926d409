"""The waiting circuit breaker: opens on a run of failures, probes after the reset time, closes on a good probe."""

from __future__ import annotations

import threading

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fenliu.sinks.circuit import CircuitBreaker, State


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def never() -> bool:
    return False


def test_opens_after_threshold_consecutive_failures_and_success_resets_the_run() -> None:
    breaker = CircuitBreaker(3, 10, clock=FakeClock())
    breaker.record_failure()
    breaker.record_failure()
    breaker.record_success()  # the run is broken
    breaker.record_failure()
    breaker.record_failure()
    assert breaker.state is State.CLOSED
    breaker.record_failure()
    assert breaker.state is State.OPEN


@given(st.lists(st.booleans(), max_size=60), st.integers(1, 6))
def test_open_exactly_when_a_failure_run_reaches_the_threshold(
    outcomes: list[bool], threshold: int
) -> None:
    breaker = CircuitBreaker(threshold, 10, clock=FakeClock())
    run, longest = 0, 0
    for ok in outcomes:
        if breaker.state is State.OPEN:
            break
        breaker.record_success() if ok else breaker.record_failure()
        run = 0 if ok else run + 1
        longest = max(longest, run)
    assert (breaker.state is State.OPEN) == (longest >= threshold)


def test_probe_waits_for_reset_time_and_a_failed_probe_restarts_it() -> None:
    clock = FakeClock()
    changes: list[State] = []
    breaker = CircuitBreaker(1, 10, clock=clock, on_change=changes.append)
    breaker.record_failure()
    probes: list[float] = []

    def failing_probe() -> None:
        probes.append(clock.now)
        raise ConnectionError("still down")

    # not due yet: a cancelled waiter returns without probing
    calls = iter([False, True])
    assert breaker.wait_until_closed(failing_probe, lambda: next(calls), tick_s=0.001) is False
    assert probes == []
    clock.now = 10.0
    calls = iter([False, True])
    assert (
        breaker.wait_until_closed(failing_probe, lambda: next(calls, True), tick_s=0.001) is False
    )
    assert probes == [10.0]
    assert breaker.state is State.OPEN
    assert breaker.open_until() == 20.0  # the failed probe restarted the reset period
    clock.now = 20.0
    assert breaker.wait_until_closed(lambda: None, never) is True
    assert breaker.state is State.CLOSED
    assert changes == [State.OPEN, State.HALF_OPEN, State.OPEN, State.HALF_OPEN, State.CLOSED]


def test_failures_reported_while_open_do_not_extend_it() -> None:
    clock = FakeClock()
    breaker = CircuitBreaker(1, 5, clock=clock)
    breaker.record_failure()
    clock.now = 4.0
    breaker.record_failure()  # a late answer of a request sent before it opened
    assert breaker.open_until() == 5.0


def test_many_waiters_share_one_probe_and_all_go_once_it_succeeds() -> None:
    clock = FakeClock()
    breaker = CircuitBreaker(1, 1, clock=clock)
    breaker.record_failure()
    clock.now = 1.0
    release = threading.Event()
    probes: list[int] = []

    def slow_probe() -> None:
        probes.append(1)
        release.wait(10)

    results: list[bool] = []
    waiters = [
        threading.Thread(
            target=lambda: results.append(breaker.wait_until_closed(slow_probe, never))
        )
        for _ in range(6)
    ]
    for w in waiters:
        w.start()
    # while the probe runs, the others wait (half-open), none passes
    for _ in range(200):
        if breaker.state is State.HALF_OPEN:
            break
        threading.Event().wait(0.01)
    assert breaker.state is State.HALF_OPEN
    assert results == []
    release.set()
    for w in waiters:
        w.join(10)
    assert results == [True] * 6
    assert probes == [1]


def test_rejects_nonsense_configuration() -> None:
    with pytest.raises(ValueError):
        CircuitBreaker(0, 1)
    with pytest.raises(ValueError):
        CircuitBreaker(1, 0)
