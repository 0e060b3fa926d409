"""How long the worker's fetches wait to fill: a consumer thread of faust's aiokafka driver
with a minimum fetch size and a short wait.

faust builds its ``AIOKafkaConsumer`` with ``fetch_max_wait_ms=1500`` and aiokafka's
``fetch_min_bytes=1`` (faust/transport/drivers/aiokafka.py, ``_create_worker_consumer``),
and no setting reaches either. With a minimum of one byte the broker answers a fetch as
soon as any record arrives, so at a trickle (100 calls/s, each making several records on
the worker's input topics) every record came in its own fetch response and went through
aiokafka's and faust's per-fetch machinery alone: the worker paid 7.7–8.2 ms of CPU a
decision at 100/s (5.1–5.5 ms with the defaults here) against ~2 ms when draining a backlog
(docs/benchmarks.md, sixth round); the rest of that gap is faust's per-event work.

``FENLIU_STREAMS_FETCH_MIN_BYTES`` and ``FENLIU_STREAMS_FETCH_MAX_WAIT_MS`` let the broker
gather records for a few ms: a fetch returns once that many bytes are there or the wait has
passed. An idle worker's fetch now ends after the short wait instead of 1.5 s, which also
keeps the fetches the recovery waits for short (``streams/worker/recovery.py``).
"""

from __future__ import annotations

from typing import Any

from faust.transport.drivers import aiokafka as aiokafka_driver


class FetchSizedThread(aiokafka_driver.AIOKafkaConsumerThread):
    """faust's consumer thread whose aiokafka consumer fetches with the app's
    ``fenliu_fetch`` (min bytes, max wait ms) when it has one."""

    def _create_worker_consumer(self, transport: Any) -> Any:
        consumer = super()._create_worker_consumer(transport)
        fetch = getattr(self.app, "fenliu_fetch", None)
        if fetch is not None:
            # Read by AIOKafkaConsumer.start() when it builds its Fetcher (aiokafka 0.14,
            # aiokafka/consumer/consumer.py); the consumer is not started yet here.
            consumer._fetch_min_bytes, consumer._fetch_max_wait_ms = fetch
        return consumer
