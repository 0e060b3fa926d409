"""Health is progress: ``/health`` of the streams worker.

Every ``SAMPLE_S`` the worker samples, for each input partition it owns, the committed
offset and the high watermark **from the broker** (the group's OffsetFetch and the
partition's end, by a client that never joins the group, in a thread): a consumer whose
fetcher silently stopped still sees its input grow, which Faust's own idea of the high
watermark (the last fetch's) would hide. Faust's in-memory figures are the fallback when
the broker does not answer. ``ProgressTracker`` (pure: times are passed in) turns the
samples into a verdict: red when input waits (lag > 0) and the committed offset has not
moved for ``FENLIU_STREAMS_HEALTH_STALL_S`` (the stall); lag that only grew over that
long while commits advanced is reported under ``behind`` and stays green (the lag alert's
business: a restart would only make a slow worker later). A worker whose event loop is blocked does not answer ``/health/`` at
all, which a liveness probe (``fenliu demo``'s supervisor, Kubernetes) counts as red.
Metrics: lag per partition, table keys, index rebuilds and recovery time; memory is the
default ``process_resident_memory_bytes`` of prometheus-client.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

import faust
from faust.tables import TableManager
from prometheus_client import Gauge

from fenliu.processors.progress import ProgressTracker, Verdict
from fenliu.streams.kafka.lag import LagReporter
from fenliu.streams.worker.context import StreamsContext

log = logging.getLogger("fenliu.streams.health")

__all__ = ["ProgressTracker", "Verdict", "install"]

SAMPLE_S = 5.0

LAG = Gauge("fenliu_streams_lag", "High watermark minus committed offset", ["topic", "partition"])
TABLE_KEYS = Gauge("fenliu_streams_table_keys", "Keys held by this worker", ["table"])
HEALTHY = Gauge("fenliu_streams_healthy", "1 when every input partition makes progress")
RECOVERY_SECONDS = Gauge(
    "fenliu_streams_recovery_seconds", "Duration of the last table recovery from changelogs"
)
RECOVERING = Gauge("fenliu_streams_recovering", "1 while tables recover from changelogs")


def _input_partitions(app: faust.App) -> list[Any]:
    """Assigned partitions the worker's agents read (changelogs are recovery, not input)."""
    try:
        assigned = app.consumer.assignment()
    except Exception:  # noqa: BLE001 - not started or closing: nothing owned to report
        return []
    return sorted(
        (tp for tp in assigned if not tp.topic.endswith("-changelog")),
        key=lambda tp: (tp.topic, tp.partition),
    )


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


def broker_sample(
    reporter: LagReporter, owned: list[str]
) -> dict[str, tuple[int | None, int | None]]:
    """(committed, high watermark) from the broker for the ``topic/partition`` names owned
    (blocking: run it in a thread)."""
    reporter.topics = sorted({name.rpartition("/")[0] for name in owned})
    got: dict[tuple[str, int], tuple[int | None, int | None]] = {}
    reporter.on_sample = got.update
    reporter.measure()
    wanted = set(owned)
    return {f"{t}/{p}": v for (t, p), v in got.items() if f"{t}/{p}" in wanted}


def recovery_seconds(app: faust.App) -> float | None:
    tables = app.tables
    if not isinstance(tables, TableManager):  # the abstract TableManagerT has no recovery
        return None
    recovery = tables.recovery
    started = getattr(recovery, "_recovery_started_at", None)
    ended = getattr(recovery, "_recovery_ended_at", None)
    if started is None or ended is None or ended < started:
        return None
    return ended - started


def install(app: faust.App, ctx: StreamsContext) -> ProgressTracker:
    """The sampling timer, the gauges and the ``/health/`` page."""
    tracker = ProgressTracker(ctx.settings.streams.health_stall_s)
    labelled: set[tuple[str, str]] = set()
    reporter = LagReporter(ctx.settings, app.conf.id, [])

    @app.timer(SAMPLE_S, name="fenliu-health-sample")
    async def sample_progress() -> None:
        samples = sample(app)
        if samples:
            try:
                from_broker = await asyncio.to_thread(broker_sample, reporter, list(samples))
                samples.update(from_broker)  # Faust's own figures only where the broker is silent
            except Exception as exc:  # noqa: BLE001 - broker restarting: Faust's figures this time
                log.warning("health: offsets not read from the broker: %s", exc)
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
        body = {
            "healthy": verdict.healthy,
            "problems": list(verdict.problems),
            "behind": list(verdict.behind),
            "lag": verdict.lag,
            "recovering": bool(app.in_recovery),
            "recovery_seconds": recovery_seconds(app),
            "partitions": len(tracker.parts),
        }
        return web.json(body, status=200 if verdict.healthy else 503)

    return tracker
