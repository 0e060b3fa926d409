"""/health is progress: red when input waits and commits stop (a stall); lag that only
grows while commits advance is reported as behind, not red (a restart would not help)."""

from __future__ import annotations

from fenliu.processors.progress import ProgressTracker

P = "fenliu.decisions/0"


def test_a_partition_that_keeps_committing_is_healthy():
    t = ProgressTracker(stall_s=60)
    for i in range(20):
        t.observe(i * 5.0, {P: (100 + i * 10, 105 + i * 10)})
    v = t.verdict(95.0)
    assert v.healthy and v.lag == {P: 5}


def test_no_input_is_healthy_however_long_nothing_is_committed():
    t = ProgressTracker(stall_s=60)
    for i in range(40):
        t.observe(i * 5.0, {P: (42, 42)})
    assert t.verdict(195.0).healthy


def test_input_waiting_while_commits_stand_still_turns_red_after_the_stall_time():
    t = ProgressTracker(stall_s=60)
    for i in range(12):
        t.observe(i * 5.0, {P: (42, 50)})
    assert t.verdict(55.0).healthy  # not yet 60 s
    t.observe(60.0, {P: (42, 50)})
    v = t.verdict(60.0)
    assert not v.healthy and "no commit" in v.problems[0] and v.lag == {P: 8}
    t.observe(65.0, {P: (50, 50)})
    assert t.verdict(65.0).healthy


def test_lag_that_only_grows_while_commits_advance_is_behind_not_red():
    t = ProgressTracker(stall_s=60)
    for i in range(14):
        t.observe(i * 5.0, {P: (100 + i, 110 + i * 20)})
    v = t.verdict(65.0)
    assert v.healthy and v.problems == ()
    assert len(v.behind) == 1 and "grew" in v.behind[0]


def test_lag_that_grows_and_shrinks_is_healthy():
    t = ProgressTracker(stall_s=60)
    for i in range(14):
        t.observe(i * 5.0, {P: (100 + i * 10, 110 + i * 10 + (5 if i % 2 else 0))})
    assert t.verdict(65.0).healthy


def test_partitions_no_longer_owned_are_forgotten():
    t = ProgressTracker(stall_s=60)
    t.observe(0.0, {P: (1, 9)})
    t.observe(70.0, {"fenliu.decisions/1": (0, 0)})
    assert t.verdict(70.0).healthy and P not in t.verdict(70.0).lag
