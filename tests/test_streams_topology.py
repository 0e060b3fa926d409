"""The worker's agents, as ``create_app`` wires them (no broker: nothing is started).

One reader per topic: faust delivers a record read by two agents into both queues with a
reference count of two; a worker stopping while one copy still waited in its queue drops
it (``flow_control.clear()``) unacknowledged, the other agent's stream keeps the record
alive, and ``Consumer.wait_empty`` then waited for it forever (the demo's Ctrl-C test: the
tick topic was read by the SLA's agent and by the held suggestions' agent). Whatever else
may leave an event unacknowledged, a stopping worker waits for it only so long.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from pathlib import Path

import pytest
from faust.types.tuples import Message

from fenliu.settings import Settings
from fenliu.streams.worker.app import create_app
from fenliu.streams.worker.clock import tick_topic
from fenliu.streams.worker.inputs import TICKS, hub


@pytest.fixture(params=["wall", "control"])
def app(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("FENLIU_STREAMS_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("FENLIU_CLOCK", request.param)
    return create_app(Settings())


def _readers(app) -> Counter[str]:
    return Counter(topic for agent in app.agents.values() for topic in agent.channel.topics)


def test_no_topic_is_read_by_two_agents(app) -> None:
    readers = _readers(app)
    assert readers, "the app has no agents"
    assert {topic: n for topic, n in readers.items() if n > 1} == {}


def test_the_sla_and_the_suggestions_share_the_one_tick_agent(app) -> None:
    settings = Settings()
    ticks = hub(app).ticks(app, None)  # the app's own (created by the first feature)
    assert ticks.agent.name == TICKS and ticks.agent.channel.topics == (tick_topic(settings),)
    owners = {handler.__self__.__class__.__name__ for handler in ticks.handlers}
    assert owners == {"SlaFeature", "SuggestionsFeature"}
    assert _readers(app)[tick_topic(settings)] == 1


def _stuck_message() -> Message:
    return Message("fenliu-streams-sla-ticks", 0, 3, 0.0, 0, None, None, b"1", None)


def _consumer(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, wait_s: str):
    """A worker app's consumer (never started) whose commits only count themselves; run
    coroutines on ``app.loop`` (faust's services keep the loop current at their creation)."""
    monkeypatch.setenv("FENLIU_STREAMS_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("FENLIU_STREAMS_SHUTDOWN_WAIT_S", wait_s)
    app = create_app(Settings())
    consumer = app.consumer
    commits: list[str] = []

    async def commit(*_args, **_kwargs) -> bool:
        commits.append("commit")
        return False

    monkeypatch.setattr(consumer, "commit", commit)
    return app, consumer, commits


def test_a_stopping_worker_gives_up_on_an_event_never_acknowledged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    app, consumer, commits = _consumer(tmp_path, monkeypatch, "0.5")
    stuck = _stuck_message()  # held here as the other agent's stream held it
    consumer._unacked_messages.add(stuck)
    app._stopped.set()  # the app is stopping (SIGTERM)

    async def stop() -> bool:
        waiting = asyncio.ensure_future(consumer.wait_empty())
        done, _ = await asyncio.wait({waiting}, timeout=30)  # upstream: it never ends
        return bool(done)

    with caplog.at_level(logging.ERROR):
        assert app.loop.run_until_complete(stop())
    assert "fenliu-streams-sla-ticks[0]@3" in caplog.text
    assert commits  # what was acknowledged is committed before it stops
    assert not stuck.acked and stuck.tp not in consumer._acked  # no commit covers it


def test_a_rebalance_still_waits_until_the_event_is_acknowledged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app, consumer, _ = _consumer(tmp_path, monkeypatch, "0.2")
    pending = _stuck_message()
    consumer._unacked_messages.add(pending)

    async def rebalance() -> None:
        waiting = asyncio.ensure_future(consumer.wait_empty())
        await asyncio.sleep(1.0)  # five times the shutdown bound: a rebalance has none
        assert not waiting.done()
        pending.acked = True  # the agent finished it
        await asyncio.wait_for(waiting, 60)

    app.loop.run_until_complete(rebalance())
