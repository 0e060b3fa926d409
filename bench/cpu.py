"""CPU per call, per process: where a window's calls cost CPU across the whole pipeline.

Latency and the sustained rate say whether the pipeline keeps up; they do not say which
process would have to get cheaper for it to keep up at a higher rate on the same cores.
``CpuMeter`` reads each process's user + system CPU time (psutil) at the start of a
window and again once every group has drained; what each uses idle (``idle_share``,
measured before the first window with the same readers running) is taken out, so the rest
divided by the calls sent is what one more call costs. The broker is found by its main
class (``kafka.Kafka``) when it runs on this machine.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping

import psutil

BROKER_MAIN_CLASS = "kafka.Kafka"


def broker_process() -> psutil.Process | None:
    """The local Kafka broker's JVM, or None (a broker elsewhere, e.g. in a container)."""
    for proc in psutil.process_iter(["cmdline"]):
        if BROKER_MAIN_CLASS in (proc.info.get("cmdline") or []):
            return proc
    return None


def _cpu_s(proc: psutil.Process) -> float | None:
    try:
        times = proc.cpu_times()
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return None
    return times.user + times.system


def cpu_seconds(pids: Iterable[int]) -> float:
    """User + system CPU seconds the processes used so far (one that is gone counts nothing):
    what the work costs whatever else the machine runs, unlike a wall-clock rate."""
    total = 0.0
    for pid in pids:
        try:
            total += _cpu_s(psutil.Process(pid)) or 0.0
        except psutil.NoSuchProcess:
            continue
    return total


class CpuMeter:
    """CPU seconds each named process spent since ``__init__``, and the wall time."""

    def __init__(self, pids: Mapping[str, int]) -> None:
        self._procs = {name: psutil.Process(pid) for name, pid in pids.items()}
        self._start = {name: _cpu_s(proc) for name, proc in self._procs.items()}
        self._began = time.monotonic()

    def spent(self) -> tuple[dict[str, float], float]:
        """(CPU seconds per process, wall seconds); a process that exited is left out."""
        out: dict[str, float] = {}
        for name, proc in self._procs.items():
            before, after = self._start[name], _cpu_s(proc)
            if before is not None and after is not None:
                out[name] = after - before
        return out, time.monotonic() - self._began


def idle_share(pids: Mapping[str, int], seconds: float) -> dict[str, float]:
    """Share of a core each process uses with nothing to do (polls, timers, metrics)."""
    meter = CpuMeter(pids)
    time.sleep(seconds)
    cpu, wall = meter.spent()
    return {name: used / wall for name, used in cpu.items()}


def summary(
    cpu: Mapping[str, float], wall: float, calls: int, idle: Mapping[str, float], cores: int
) -> str:
    """CPU a call per process, and the rate the cores would bear at that cost.

    Each process's CPU over the window, less what it uses idle over as long, is its cost
    per call; the cores left after every process's idle share, divided by the summed cost,
    is the rate the machine could bear if nothing else limited it."""
    if not cpu or not calls:
        return ""
    marginal = {n: max(0.0, used - idle.get(n, 0.0) * wall) / calls for n, used in cpu.items()}
    total = sum(marginal.values())
    idle_total = sum(idle.get(n, 0.0) for n in cpu)
    parts = ", ".join(
        f"{n} {1000 * m:.2f} (+{100 * idle.get(n, 0.0):.0f}% idle)" for n, m in marginal.items()
    )
    ceiling = (cores - idle_total) / total if total else float("inf")
    return (
        f"CPU ms a call: {parts} = {1000 * total:.2f} ms a call + {100 * idle_total:.0f}% of a "
        f"core idle → ≤ {ceiling:,.0f} calls/s on {cores} cores"
    )
