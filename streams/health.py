"""Health is progress, not liveness: ``/health`` of the streams worker.

Every ``SAMPLE_S`` the worker samples, for each input partition it owns, the committed
offset and the high watermark. ``ProgressTracker`` (pure: times are passed in) turns the
samples into a verdict: red when input waits (lag > 0) and the committed offset has not
moved for ``FENLIU_STREAMS_HEALTH_STALL_S``, or when the lag has only grown over that
long. Metrics: lag per partition, table keys, index rebuilds and recovery time; memory is
the default ``process_resident_memory_bytes`` of prometheus-client.
"""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

import faust
from prometheus_client import Gauge

from fenliu.streams.context import StreamsContext

SAMPLE_S = 5.0

LAG = Gauge("fenliu_streams_lag", "High watermark minus committed offset", ["topic", "partition"])
TABLE_KEYS = Gauge("fenliu_streams_table_keys", "Keys held by this worker", ["table"])
HEALTHY = Gauge("fenliu_streams_healthy", "1 when every input partition makes progress")
RECOVERY_SECONDS = Gauge("fenliu_streams_recovery_seconds",
                         "Duration of the last table recovery from changelogs")
RECOVERING = Gauge("fenliu_streams_recovering", "1 while tables recover from changelogs")


@dataclass
class _Partition:
    committed: int | None = None
    committed_since: float = 0.0  # when ``committed`` last changed (or was first seen)
    lags: deque[tuple[float, int]] = field(default_factory=deque)


@dataclass(frozen=True)
class Verdict:
    healthy: bool
    problems: tuple[str, ...]
    lag: dict[str, int]


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
                problems.append(f"{name}: lag grew from {values[0]} to {values[-1]}")
        return Verdict(not problems, tuple(problems), lag)


def _input_partitions(app: faust.App) -> list[Any]:
    """Assigned partitions the worker's agents read (changelogs are recovery, not input)."""
    try:
        assigned = app.consumer.assignment()
    except Exception:  # noqa: BLE001 - not started or closing: nothing owned to report
        return []
    return sorted((tp for tp in assigned if not tp.topic.endswith("-changelog")),
                  key=lambda tp: (tp.topic, tp.partition))


def sample(app: faust.App) -> dict[str, tuple[int | None, int | None]]:
    """Committed offset and high watermark of every input partition."""
    # Faust's own record of committed offsets: seeded from the broker when it seeks to
    # them after an assignment, updated on every commit.
    committed = getattr(app.consumer, "_committed_offset", None) or {}
    out: dict[str, tuple[int | None, int | None]] = {}
    for tp in _input_partitions(app):
        try:
            highwater = app.consumer.highwater(tp)
        except Exception:  # noqa: BLE001 - revoked meanwhile: no high watermark
            highwater = None
        out[f"{tp.topic}/{tp.partition}"] = (committed.get(tp), highwater)
    return out


def recovery_seconds(app: faust.App) -> float | None:
    recovery = app.tables.recovery
    started = getattr(recovery, "_recovery_started_at", None)
    ended = getattr(recovery, "_recovery_ended_at", None)
    if started is None or ended is None or ended < started:
        return None
    return ended - started


def install(app: faust.App, ctx: StreamsContext) -> ProgressTracker:
    """The sampling timer, the gauges and the ``/health/`` page."""
    tracker = ProgressTracker(ctx.settings.streams_health_stall_s)
    labelled: set[tuple[str, str]] = set()

    @app.timer(SAMPLE_S, name="fenliu-health-sample")
    async def sample_progress() -> None:
        samples = sample(app)
        now = time.monotonic()
        tracker.observe(now, samples)
        verdict = tracker.verdict(now)
        HEALTHY.set(1 if verdict.healthy else 0)
        seen: set[tuple[str, str]] = set()
        for name, value in verdict.lag.items():
            topic, _, partition = name.rpartition("/")
            LAG.labels(topic, partition).set(value)
            seen.add((topic, partition))
        for gone in labelled - seen:
            LAG.remove(*gone)
        labelled.clear()
        labelled.update(seen)
        for name, table in app.tables.items():
            TABLE_KEYS.labels(name).set(len(table))
        RECOVERING.set(1 if app.in_recovery else 0)
        took = recovery_seconds(app)
        if took is not None:
            RECOVERY_SECONDS.set(took)

    @app.page("/health/")
    async def health(web: Any, request: Any) -> Any:
        verdict = tracker.verdict(time.monotonic())
        body = {"healthy": verdict.healthy, "problems": list(verdict.problems),
                "lag": verdict.lag, "recovering": bool(app.in_recovery),
                "recovery_seconds": recovery_seconds(app),
                "partitions": len(tracker.parts)}
        return web.json(body, status=200 if verdict.healthy else 503)

    return tracker
