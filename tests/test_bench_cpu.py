"""bench.cpu: CPU a call per process, less what each uses idle, and the rate the cores bear."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from bench.cpu import CpuMeter, cpu_seconds, summary


def test_idle_use_is_taken_out_before_the_cost_of_a_call() -> None:
    # 10 s window, 1,000 calls: the broker spent 3 s, 1 s of it what it spends idle (10%)
    line = summary({"broker": 3.0, "router": 1.0}, 10.0, 1000, {"broker": 0.1}, cores=2)
    assert "broker 2.00 (+10% idle)" in line and "router 1.00 (+0% idle)" in line
    # 3 ms a call, 10% of a core idle: (2 - 0.1) / 0.003 calls/s
    assert "= 3.00 ms a call + 10% of a core idle" in line and "≤ 633 calls/s on 2 cores" in line


def test_idle_use_larger_than_the_window_costs_nothing_rather_than_less() -> None:
    line = summary({"grid-sim": 0.5}, 10.0, 100, {"grid-sim": 0.2}, cores=2)
    assert "grid-sim 0.00" in line


@pytest.mark.parametrize(("cpu", "calls"), [({}, 10), ({"router": 1.0}, 0)])
def test_nothing_measured_says_nothing(cpu: dict[str, float], calls: int) -> None:
    assert summary(cpu, 10.0, calls, {}, cores=2) == ""


def test_a_process_that_exited_is_left_out() -> None:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    meter = CpuMeter({"child": child.pid, "bench": os.getpid()})
    child.wait()
    cpu, wall = meter.spent()
    assert "child" not in cpu and cpu["bench"] >= 0 and wall >= 0


def test_cpu_seconds_count_a_live_process_and_nothing_for_a_gone_one() -> None:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    assert cpu_seconds([child.pid]) == 0.0  # reaped: nothing to count
    assert cpu_seconds([os.getpid(), child.pid]) > 0  # this process has run pytest
