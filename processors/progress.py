"""Whether a consumer makes progress: a verdict from sampled committed offsets and high
watermarks.

Two findings, kept apart because they call for different cures:

* **stalled** (``problems``; the verdict is unhealthy, ``/health`` 503): input waits on a
  partition and its committed offset has not moved for ``stall_s``. Nothing is being
  done; restarting the process (a liveness probe) is the cure.
* **behind** (``behind``; still healthy): the lag only grew over ``stall_s`` while commits
  advanced. The consumer works but slower than its input; a restart would only make it
  later (recovery, rebalance). That is the lag alert's business, not liveness.

Pure: times and samples are passed in (``streams/worker/health.py`` and
``streams/kafka/health.py`` sample the services).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from itertools import pairwise


@dataclass
class _Partition:
    committed: int | None = None
    committed_since: float = 0.0  # when ``committed`` last changed (or was first seen)
    lags: deque[tuple[float, int]] = field(default_factory=deque)


@dataclass(frozen=True)
class Verdict:
    healthy: bool
    problems: tuple[str, ...]  # why it is unhealthy (stalls, a stuck loop)
    lag: dict[str, int]
    behind: tuple[str, ...] = ()  # progressing but slower than the input (not unhealthy)


class ProgressTracker:
    """Decides from samples whether each partition's commits keep up with its input."""

    def __init__(self, stall_s: float) -> None:
        self.stall_s = stall_s
        self.parts: dict[str, _Partition] = {}

    def observe(self, now_s: float, samples: dict[str, tuple[int | None, int | None]]) -> None:
        """``samples``: partition name -> (committed offset, high watermark); partitions
        not in ``samples`` are no longer owned and are forgotten."""
        for gone in set(self.parts) - set(samples):
            del self.parts[gone]
        for name, (committed, highwater) in samples.items():
            part = self.parts.setdefault(name, _Partition(committed_since=now_s))
            if committed != part.committed:
                part.committed, part.committed_since = committed, now_s
            if highwater is not None:
                part.lags.append((now_s, max(0, highwater - (committed or 0))))
            while part.lags and part.lags[0][0] < now_s - self.stall_s:
                part.lags.popleft()

    def verdict(self, now_s: float) -> Verdict:
        problems: list[str] = []
        behind: list[str] = []
        lag: dict[str, int] = {}
        for name, part in sorted(self.parts.items()):
            if not part.lags:
                continue
            current = lag[name] = part.lags[-1][1]
            stalled_for = now_s - part.committed_since
            if current > 0 and stalled_for >= self.stall_s:
                problems.append(f"{name}: {current} waiting, no commit for {stalled_for:.0f}s")
                continue
            values = [v for _, v in part.lags]
            spans = part.lags[-1][0] - part.lags[0][0] >= self.stall_s * 0.9
            if spans and values[-1] > values[0] and all(b >= a for a, b in pairwise(values)):
                behind.append(f"{name}: lag grew from {values[0]} to {values[-1]}")
        return Verdict(not problems, tuple(problems), lag, tuple(behind))


def loop_problem(last_beat_s: float | None, now_s: float, stall_s: float) -> str | None:
    """Why a service's main loop counts as stuck, or None.

    A consume loop comes back at least every poll timeout when it is well; one that has
    not come back for ``stall_s`` hangs in a call (a broker that never answers a flush, a
    deadlock), and restarting the process is the cure. Before the first beat the loop
    is still starting: not a stall.
    """
    if last_beat_s is None:
        return None
    quiet = now_s - last_beat_s
    if quiet >= stall_s:
        return f"main loop has not come back for {quiet:.0f}s"
    return None


def combine(progress: Verdict, *problems: str | None) -> Verdict:
    """The progress verdict with further problems (a stuck loop) added."""
    more = tuple(p for p in problems if p)
    if not more:
        return progress
    return Verdict(False, (*progress.problems, *more), progress.lag, progress.behind)
