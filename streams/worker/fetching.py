"""How long the worker's fetches wait to fill: a consumer thread of faust's aiokafka driver
whose fetches wait for company while records flow and answer at once after a quiet spell.

faust builds its ``AIOKafkaConsumer`` with ``fetch_max_wait_ms=1500`` and aiokafka's
``fetch_min_bytes=1`` (faust/transport/drivers/aiokafka.py, ``_create_worker_consumer``),
and no setting reaches either. With a minimum of one byte the broker answers a fetch as
soon as any record arrives, so at a trickle (100 calls/s, each making several records on
the worker's input topics) every record came in its own fetch response and went through
aiokafka's and faust's per-fetch machinery alone: the worker paid 7.7–8.2 ms of CPU a
decision at 100/s (5.1–5.5 ms waiting 20 ms for 64 KB) against ~2 ms when draining a
backlog (docs/benchmarks.md, sixth round); the rest of that gap is faust's per-event work.

A fixed short wait has its own price: an idle worker's fetch then comes back empty every
20 ms, 50 fetch requests a second built and decoded in Python, 12–13% of a core with
nothing to do against 2.6% with faust's 1.5 s (seventh round). So the wait follows what
the last fetch brought (:class:`FetchPace`): records → the next fetch waits up to
``FENLIU_STREAMS_FETCH_MAX_WAIT_MS`` for ``FENLIU_STREAMS_FETCH_MIN_BYTES``; nothing → the
next asks for one byte and waits up to ``FENLIU_STREAMS_FETCH_IDLE_WAIT_MS``, so the broker
answers as soon as a record arrives and an idle worker fetches a few times a second.

Idle only when nothing is being read. aiokafka keeps one fetch in flight per broker and
leaves out of a request the partitions whose fetched records still wait to be consumed, so
a first version (0c843e6, reverted in a603572) went idle under a backlog: a fetch of only
the quiet partitions came back empty, the next one asked for a byte and waited, and the
busy partitions, drained meanwhile, waited behind it (streams p50 1.2 s against 0.4 s at
100/s). Now an empty fetch leads to an idle one only if no partition holds records fetched
less than ``FENLIU_STREAMS_FETCH_IDLE_AFTER_MS`` ago: records being drained are young;
records of a partition faust does not read stay in aiokafka's buffer for good, and a rule
that waited for every partition to be empty never saw the worker idle (7.3–8.1% of a core).
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from faust.transport.drivers import aiokafka as aiokafka_driver


@dataclass(frozen=True)
class FetchPace:
    """The worker's fetch sizes: while records flow, and once the worker is idle."""

    min_bytes: int
    max_wait_ms: int
    idle_wait_ms: int
    idle_after_ms: int

    def after(
        self, brought_records: bool, youngest_buffered_ms: float | None = None
    ) -> tuple[int, int]:
        """(min bytes, max wait ms) of the next fetch, given whether the last one brought
        records and the age of the youngest records still waiting in the client's buffer
        (None: nothing waits). Idle only after an empty fetch with nothing being drained."""
        draining = youngest_buffered_ms is not None and youngest_buffered_ms < self.idle_after_ms
        if brought_records or draining:
            return self.min_bytes, self.max_wait_ms
        return 1, self.idle_wait_ms


def youngest_buffered_ms(fetcher: Any, now: float) -> float | None:
    """Age of the youngest fetched records aiokafka still holds for the consumer (its
    ``_records``: ``FetchResult``/``FetchError`` per partition, each stamped ``_created``
    with ``time.monotonic()``, aiokafka 0.14), or None when it holds none."""
    created = [getattr(r, "_created", None) for r in list(fetcher._records.values())]
    ages = [(now - c) * 1000 for c in created if c is not None]
    return min(ages) if ages else None


def pace(fetcher: Any, fetch: FetchPace) -> None:
    """Set each next fetch of aiokafka's ``Fetcher`` by what the last one brought.

    aiokafka 0.14 builds every fetch request from the fetcher's ``_fetch_min_bytes`` and
    ``_fetch_max_wait_ms`` (consumer/fetcher.py, ``_get_actions_per_node``), and its
    ``_proc_fetch_request`` returns whether it added records; the two attributes are set
    when a fetch comes back, before the fetch loop builds the next request."""
    fetch_one: Callable[..., Awaitable[bool]] = fetcher._proc_fetch_request

    async def fetch_and_pace(assignment: Any, node_id: int, request: Any) -> bool:
        brought = await fetch_one(assignment, node_id, request)
        waiting = youngest_buffered_ms(fetcher, time.monotonic())
        fetcher._fetch_min_bytes, fetcher._fetch_max_wait_ms = fetch.after(bool(brought), waiting)
        return brought

    fetcher._proc_fetch_request = fetch_and_pace


class FetchSizedThread(aiokafka_driver.AIOKafkaConsumerThread):
    """faust's consumer thread whose aiokafka consumer fetches at the app's ``fenliu_fetch``
    (a :class:`FetchPace`) when it has one."""

    def _create_worker_consumer(self, transport: Any) -> Any:
        consumer = super()._create_worker_consumer(transport)
        fetch = getattr(self.app, "fenliu_fetch", None)
        if fetch is not None:
            # Read by AIOKafkaConsumer.start() when it builds its Fetcher (aiokafka 0.14,
            # aiokafka/consumer/consumer.py); the consumer is not started yet here.
            consumer._fetch_min_bytes, consumer._fetch_max_wait_ms = fetch.after(True)
        return consumer

    async def on_start(self) -> None:
        await super().on_start()  # starts the consumer, which builds its Fetcher
        fetch = getattr(self.app, "fenliu_fetch", None)
        fetcher = getattr(self._consumer, "_fetcher", None)
        if fetch is not None and fetcher is not None:
            pace(fetcher, fetch)
