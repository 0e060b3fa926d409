"""Where a slow hop through the worker waits (issue 12): the event loop's lag probe
(streams/worker/loop_lag.py) and the input age an agent records (streams/worker/inputs.py)."""

from __future__ import annotations

import asyncio
import time
from types import SimpleNamespace
from typing import Any

import pytest
from prometheus_client import REGISTRY

from fenliu.settings import Settings
from fenliu.streams.worker.app import create_app
from fenliu.streams.worker.inputs import INPUT_AGE, SharedInput
from fenliu.streams.worker.loop_lag import probe


def test_the_probe_sees_a_step_that_blocks_the_loop() -> None:
    seen: list[float] = []

    async def scenario() -> None:
        stop = False
        task = asyncio.create_task(probe(0.01, seen.append, lambda: stop))
        await asyncio.sleep(0.05)
        time.sleep(0.12)  # a step that does not yield: every event behind it waits
        await asyncio.sleep(0.05)
        stop = True
        await task

    asyncio.run(scenario())
    assert len(seen) >= 3
    assert max(seen) >= 0.1  # the blocked 120 ms, less the 10 ms it asked to sleep
    assert min(seen) >= 0.0


def test_the_probe_stops_when_asked() -> None:
    seen: list[float] = []
    asyncio.run(probe(0.01, seen.append, lambda: True))
    assert seen == []


def _probe_tasks(settings: Settings) -> list[str]:
    app = create_app(settings)
    return [getattr(t, "__name__", "") for t in app._app_tasks]


def test_the_worker_runs_the_probe_unless_its_interval_is_zero(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with_probe = _probe_tasks(Settings())
    monkeypatch.setenv("FENLIU_STREAMS_LOOP_LAG_PROBE_S", "0")
    without = _probe_tasks(Settings())
    assert len(with_probe) == len(without) + 1


class _Codec:
    def decode(self, value: bytes, expect: str) -> dict[str, Any]:
        return {"value": value, "schema": expect}


def _shared_input(name: str, handled: list[Any]) -> SharedInput:
    """A SharedInput without an app: the codec, one handler and no-op applied offsets."""
    shared = SharedInput.__new__(SharedInput)
    shared.ctx = SimpleNamespace(codec=_Codec())  # type: ignore[assignment]
    shared.schemas = {"t": "Decision"}
    shared.handlers = []
    shared.age = INPUT_AGE.labels(name)
    shared.applied = SimpleNamespace(applied=lambda msg: None)  # type: ignore[assignment]

    async def handler(event: Any, record: Any, error: Any) -> None:
        handled.append(record)

    shared.subscribe(handler)
    return shared


def _event(timestamp: float | None) -> Any:
    return SimpleNamespace(message=SimpleNamespace(topic="t", value=b"x", timestamp=timestamp))


def test_an_agent_records_how_old_each_record_is_when_it_takes_it() -> None:
    handled: list[Any] = []
    shared = _shared_input("test-age", handled)
    labels = {"agent": "test-age"}
    asyncio.run(shared.dispatch(_event(time.time() - 3.0)))  # waited 3 s on the way
    asyncio.run(shared.dispatch(_event(None)))  # no timestamp: handled, not measured
    assert len(handled) == 2
    count = REGISTRY.get_sample_value("fenliu_streams_input_age_seconds_count", labels)
    total = REGISTRY.get_sample_value("fenliu_streams_input_age_seconds_sum", labels)
    assert count == 1
    assert total is not None and total >= 3.0
    under_one = REGISTRY.get_sample_value(
        "fenliu_streams_input_age_seconds_bucket", {**labels, "le": "1.0"}
    )
    assert under_one == 0
