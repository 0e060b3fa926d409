"""How late the worker's event loop comes back: ``fenliu_streams_event_loop_lag_seconds``.

Everything the worker does runs on one event loop, so one slow step (a table's recovery,
a long tick, a large changelog batch encoded at once) delays every event queued behind it.
A task sleeps ``FENLIU_STREAMS_LOOP_LAG_PROBE_S`` and records how much later than asked it
woke: near zero on a loop that keeps up, the length of the blocking step otherwise. Beside
``fenliu_streams_input_age_seconds`` (how old a record is when an agent takes it,
``streams/worker/inputs.py``) it tells where a slow hop through the worker spends its
time: in the loop, or before the loop has the record. One wake-up per interval (20 a
second at the default) is cheap enough to run in service, where the tail happens.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

import faust
from prometheus_client import Histogram

from fenliu.streams.worker.context import StreamsContext

LOOP_LAG = Histogram(
    "fenliu_streams_event_loop_lag_seconds",
    "How much later than asked the worker's event loop ran a timed wake-up",
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)


async def probe(
    interval_s: float,
    observe: Callable[[float], None],
    stopping: Callable[[], bool],
) -> None:
    """Sleep ``interval_s`` at a time until ``stopping()``, observing each wake-up's delay."""
    while not stopping():
        asked = time.monotonic() + interval_s
        await asyncio.sleep(interval_s)
        observe(max(0.0, time.monotonic() - asked))


def install(app: faust.App, ctx: StreamsContext) -> None:
    """Start the probe with the worker (none when the interval is 0)."""
    interval = ctx.settings.streams.loop_lag_probe_s
    if interval <= 0:
        return

    @app.task
    async def probe_event_loop_lag() -> None:
        await probe(interval, LOOP_LAG.observe, lambda: app.should_stop)
