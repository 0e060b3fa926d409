"""The worker's fetches wait to fill (streams/worker/fetching.py): faust fixes a minimum of
one byte and a 1.5 s wait, which at a trickle gave every record a fetch of its own."""

from __future__ import annotations

import asyncio

import faust
import pytest

from fenliu.settings import Settings
from fenliu.streams.worker.app import create_app
from fenliu.streams.worker.fetching import FetchSizedThread


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
    assert _fetch_of(create_app(Settings())) == (4096, 7)


def test_the_defaults_wait_a_little_for_a_batch() -> None:
    min_bytes, max_wait_ms = _fetch_of(create_app(Settings()))
    assert min_bytes > 1  # faust's own: 1 byte, every record at once
    assert max_wait_ms <= 100  # a few ms a hop, not faust's 1,500


def test_an_app_without_fetch_settings_keeps_fausts_own() -> None:
    app = create_app(Settings())
    app.fenliu_fetch = None
    assert _fetch_of(app) == (1, 1500)


def test_the_wait_is_bounded_by_fausts_own(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FENLIU_STREAMS_FETCH_MAX_WAIT_MS", "5000")
    with pytest.raises(ValueError, match="fetch_max_wait_ms"):
        Settings()
