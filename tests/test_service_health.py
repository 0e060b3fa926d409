"""/health of the router and grid-sink: red when the loop hangs or owned input waits
while commits stand still; the verdict is pure (times passed in), so no clock is read."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from fenliu.processors.progress import ProgressTracker, combine, loop_problem
from fenliu.streams.kafka.health import ServiceHealth, wsgi_app


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_loop_that_comes_back_is_green_and_one_that_hangs_is_red():
    assert loop_problem(None, 10_000.0, 60) is None  # still starting: no beat yet
    assert loop_problem(100.0, 159.0, 60) is None
    problem = loop_problem(100.0, 160.0, 60)
    assert problem is not None and "60s" in problem


@given(
    last=st.integers(0, 10**6),
    quiet=st.integers(0, 10**4),
    stall=st.integers(1, 10**3),
)
def test_the_loop_is_red_exactly_when_it_was_quiet_for_the_stall_time(last, quiet, stall):
    # whole seconds: exact in floating point, so the boundary itself is tested
    assert (loop_problem(float(last), float(last + quiet), stall) is not None) == (quiet >= stall)


def test_combine_keeps_a_green_verdict_and_adds_problems_to_it():
    green = ProgressTracker(60).verdict(0.0)
    assert combine(green, None) is green
    red = combine(green, "main loop has not come back for 61s")
    assert not red.healthy and red.problems == ("main loop has not come back for 61s",)


def test_owned_input_that_waits_while_commits_stand_still_turns_the_service_red():
    clock = Clock()
    owned = {("raw", 0)}
    h = ServiceHealth(stall_s=30, owned=lambda: owned, clock=clock)
    for _ in range(8):
        h.beat()  # the loop is alive: only progress can make it red
        h.observe({("raw", 0): (10, 25), ("raw", 1): (0, 99)})
        clock.now += 5
    v = h.verdict()
    assert not v.healthy
    assert v.problems == ("raw/0: 15 waiting, no commit for 40s",)
    assert "raw/1" not in v.lag  # another replica's partition is not judged here


def test_a_hung_loop_turns_red_with_its_reason_and_a_beat_makes_it_green_again():
    clock = Clock()
    h = ServiceHealth(stall_s=30, clock=clock)
    h.beat()
    clock.now += 31
    status, body = h.body()
    doc = json.loads(body)
    assert status == 503 and not doc["healthy"]
    assert doc["problems"] == ["main loop has not come back for 31s"]
    h.beat()
    assert h.body()[0] == 200


def test_health_is_served_beside_the_metrics():
    clock = Clock()
    h = ServiceHealth(stall_s=5, clock=clock)
    h.beat()
    clock.now += 10

    def metrics(environ, start_response):
        start_response("200 OK", [])
        return [b"metrics"]

    app = wsgi_app(h, metrics)
    got: list[str] = []
    body = app({"PATH_INFO": "/health"}, lambda status, headers: got.append(status))
    assert got == ["503 Service Unavailable"] and b"main loop" in b"".join(body)
    assert app({"PATH_INFO": "/metrics"}, lambda s, h: got.append(s)) == [b"metrics"]
