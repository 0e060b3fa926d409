"""The worker's fetches (streams/worker/fetching.py): faust fixes a minimum of one byte and
a 1.5 s wait, which at a trickle gave every record a fetch of its own; a fixed 20 ms wait
instead kept an idle worker fetching 50 times a second. The wait follows what the last
fetch brought."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import faust
import pytest
from faust.transport.drivers import aiokafka as aiokafka_driver

from fenliu.settings import Settings
from fenliu.streams.worker.app import create_app
from fenliu.streams.worker.fetching import FetchPace, FetchSizedThread, pace


def _fetch_of(app: faust.App) -> tuple[int, int]:
    """(min bytes, max wait ms) of the aiokafka consumer the worker's thread would start."""

    async def build() -> tuple[int, int]:
        thread = app.consumer._new_consumer_thread()
        assert isinstance(thread, FetchSizedThread)
        consumer = thread._create_worker_consumer(app.transport)
        try:
            return consumer._fetch_min_bytes, consumer._fetch_max_wait_ms
        finally:
            await consumer.stop()

    return asyncio.run(build())


def test_the_worker_fetches_with_the_settings_min_bytes_and_wait(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("FENLIU_STREAMS_FETCH_MIN_BYTES", "4096")
    monkeypatch.setenv("FENLIU_STREAMS_FETCH_MAX_WAIT_MS", "7")
    monkeypatch.setenv("FENLIU_STREAMS_FETCH_IDLE_WAIT_MS", "300")
    monkeypatch.setenv("FENLIU_STREAMS_FETCH_IDLE_AFTER_MS", "900")
    app = create_app(Settings())
    assert app.fenliu_fetch == FetchPace(4096, 7, 300, 900)
    assert _fetch_of(app) == (4096, 7)


def test_the_defaults_wait_a_little_for_a_batch_and_longer_when_idle() -> None:
    fetch = create_app(Settings()).fenliu_fetch
    assert fetch is not None
    assert fetch.min_bytes > 1  # faust's own: 1 byte, every record at once
    assert fetch.max_wait_ms <= 100  # a few ms a hop, not faust's 1,500
    assert fetch.idle_wait_ms >= 10 * fetch.max_wait_ms  # idle: a few fetches a second


def test_an_app_without_fetch_settings_keeps_fausts_own() -> None:
    app = create_app(Settings())
    app.fenliu_fetch = None
    assert _fetch_of(app) == (1, 1500)


@pytest.mark.parametrize(
    "name", ["FENLIU_STREAMS_FETCH_MAX_WAIT_MS", "FENLIU_STREAMS_FETCH_IDLE_WAIT_MS"]
)
def test_the_waits_are_bounded_by_fausts_own(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    monkeypatch.setenv(name, "5000")
    with pytest.raises(ValueError, match=name.removeprefix("FENLIU_STREAMS_").lower()):
        Settings()


class _Fetcher:
    """The two attributes and the one method of aiokafka's Fetcher that ``pace`` uses."""

    def __init__(self, brings: list[bool]) -> None:
        self._fetch_min_bytes, self._fetch_max_wait_ms = 1, 1500
        self.brings = brings
        self.sent: list[tuple[int, int]] = []
        self._records: dict[str, Any] = {}  # partition -> fetched records not consumed yet

    async def _proc_fetch_request(self, assignment: Any, node_id: int, request: Any) -> bool:
        self.sent.append((self._fetch_min_bytes, self._fetch_max_wait_ms))
        return self.brings.pop(0)


def test_each_fetch_waits_by_what_the_last_one_brought() -> None:
    fetcher = _Fetcher([True, True, False, False, True, False])
    pace(fetcher, FetchPace(65_536, 20, 500, 2_000))

    async def fetch_all() -> list[bool]:
        return [await fetcher._proc_fetch_request(None, 1, None) for _ in range(6)]

    assert asyncio.run(fetch_all()) == [True, True, False, False, True, False]
    assert fetcher.sent == [
        (1, 1500),  # as the consumer was built
        (65_536, 20),  # records came: wait for company
        (65_536, 20),
        (1, 500),  # nothing came: answer at the first byte
        (1, 500),
        (65_536, 20),
    ]
    assert (fetcher._fetch_min_bytes, fetcher._fetch_max_wait_ms) == (1, 500)


def test_the_started_thread_paces_its_consumers_fetcher(monkeypatch: pytest.MonkeyPatch) -> None:
    app = create_app(Settings())
    fetcher = _Fetcher([False])

    async def started(thread: FetchSizedThread) -> None:  # faust's, without a broker
        thread._consumer = type("Consumer", (), {"_fetcher": fetcher})()

    monkeypatch.setattr(aiokafka_driver.AIOKafkaConsumerThread, "on_start", started)
    thread = app.consumer._new_consumer_thread()
    assert isinstance(thread, FetchSizedThread)

    async def start_and_fetch() -> None:
        await thread.on_start()
        await fetcher._proc_fetch_request(None, 1, None)

    asyncio.run(start_and_fetch())
    assert (fetcher._fetch_min_bytes, fetcher._fetch_max_wait_ms) == (1, 500)


class _Buffered:
    """A FetchResult of aiokafka as the pacing reads it: when it was fetched."""

    def __init__(self, seconds_ago: float) -> None:
        self._created = time.monotonic() - seconds_ago


def test_an_empty_fetch_while_other_partitions_drain_stays_busy() -> None:
    """The reverted first version's failure (docs/benchmarks.md, seventh round): under a
    backlog a fetch of the quiet partitions came back empty while the busy ones' records
    were still being consumed; an idle fetch then held the busy partitions behind it."""
    fetcher = _Fetcher([False, False, False])
    pace(fetcher, FetchPace(65_536, 20, 500, idle_after_ms=2_000))

    async def fetch() -> None:
        await fetcher._proc_fetch_request(None, 1, None)

    fetcher._records = {"decisions-3": _Buffered(0.05)}  # fetched 50 ms ago, being drained
    asyncio.run(fetch())
    assert (fetcher._fetch_min_bytes, fetcher._fetch_max_wait_ms) == (65_536, 20)
    fetcher._records = {"changelog-0": _Buffered(30.0)}  # a partition faust does not read
    asyncio.run(fetch())
    assert (fetcher._fetch_min_bytes, fetcher._fetch_max_wait_ms) == (1, 500)
    fetcher._records = {}
    asyncio.run(fetch())
    assert (fetcher._fetch_min_bytes, fetcher._fetch_max_wait_ms) == (1, 500)


def test_pace_after_records_or_draining_is_busy_and_idle_only_otherwise() -> None:
    pace_ = FetchPace(4096, 20, 300, idle_after_ms=1_000)
    assert pace_.after(True) == (4096, 20)
    assert pace_.after(True, 5_000.0) == (4096, 20)
    assert pace_.after(False, 999.0) == (4096, 20)
    assert pace_.after(False, 1_000.0) == (1, 300)
    assert pace_.after(False, None) == (1, 300)
