"""Table changelog writes handed to aiokafka as whole batches, not one message at a time.

faust writes a table's changelog record through its generic path: each ``table[key] =
value`` makes a ``FutureMessage``, queues it in the producer buffer, and a task takes it
out one at a time, serialises it, calls the sensors and ``AIOKafkaProducer.send`` (a
future, a metadata wait and a partitioner per record). With about three changelog writes
per decision this per-record machinery was a large share of the worker's CPU, and each
record reached aiokafka on its own, so partitions' batches became ready at scattered
times and went out in many small produce requests (whose responses aiokafka decodes in
pure Python).

``ChangelogBatcher`` replaces ``send_changelog`` on each table: a write is serialised
with faust's own JSON codec (what recovery reads back) and appended to an aiokafka
``BatchBuilder`` per changelog partition; every ``delay_s`` (and before every commit)
all builders are handed over with ``send_batch`` at once, so their records share
requests. At-least-once is unchanged: faust flushes the producer buffer before it
commits offsets, and the worker's buffer flush (``app.tune_producer_buffer``) sends the
held batches first and then waits for aiokafka as before; nothing behind a committed
offset is left unsent. Only for memory stores: a RocksDB store records the offset of
each changelog write it made (``Collection._on_changelog_sent``), which this skips.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

from faust.serializers import codecs
from prometheus_client import Counter

log = logging.getLogger(__name__)

BATCHES = Counter(
    "fenliu_streams_changelog_batches_total", "Changelog batches handed to the producer"
)
FAILED = Counter(
    "fenliu_streams_changelog_failed_total", "Changelog batches the broker did not take"
)


class _Sent:
    """What ``Table.on_key_set`` reads from ``send_changelog``'s result: the partition."""

    __slots__ = ("message", "partition")

    def __init__(self, partition: int) -> None:
        self.message = self
        self.partition = partition


class _Batch:
    """A builder and the futures of the outputs in it (changelog writes have none)."""

    __slots__ = ("builder", "waiters")

    def __init__(self, builder: Any) -> None:
        self.builder = builder
        self.waiters: list[asyncio.Future[Any]] = []

    def delivered(self, fut: asyncio.Future[Any]) -> None:
        if fut.cancelled():
            self.settle(None, asyncio.CancelledError())
        else:
            self.settle(fut.result() if fut.exception() is None else None, fut.exception())

    def settle(self, result: Any, exc: BaseException | None) -> None:
        for waiter in self.waiters:
            if waiter.done():
                continue
            if exc is not None:
                waiter.set_exception(exc)
            else:
                waiter.set_result(result)


def _none() -> int:
    return 0


class ChangelogBatcher:
    """Changelog records per topic partition, handed to aiokafka as batches.

    Held records go out ``delay_s`` after the first of them, unless ``backlog()`` says at
    least ``busy_backlog`` input records already wait in front of the agents: then they
    wait in steps of ``delay_s`` until the backlog is below that or the first has waited
    ``busy_delay_s``. A worker that keeps up (a few records fetched ahead at most) sends
    every linger as before (the latency of a call); a worker
    draining a backlog sends fewer, fuller batches and produce requests, whose building,
    compression and response decoding in Python cost more per record the smaller they
    are (docs/benchmarks.md, "Fifth round"). Records of a backlog wait for the input in
    front of them anyway; a commit flushes whatever is held, as before."""

    def __init__(
        self,
        app: Any,
        delay_s: float,
        busy_delay_s: float | None = None,
        backlog: Callable[[], int] = _none,
        busy_backlog: int = 1,
    ) -> None:
        self.app = app
        self.delay_s = delay_s
        self.busy_delay_s = max(delay_s, busy_delay_s if busy_delay_s is not None else delay_s)
        self.backlog = backlog
        self.busy_backlog = max(1, busy_backlog)
        self._first_held_at: float | None = None
        self._now_due = False
        self.builders: dict[tuple[str, int], _Batch] = {}
        self.full: list[tuple[tuple[str, int], _Batch]] = []  # filled up, in the order they were
        self.sent = {p: _Sent(p) for p in range(1024)}
        self._timer: asyncio.TimerHandle | None = None
        self._lock = asyncio.Lock()

    def install(self, table: Any) -> None:
        """Route ``table``'s changelog writes through this batcher."""
        topic = table.changelog_topic.get_topic_name()
        schema = getattr(table, "schema", None)
        key_codec = table.key_serializer or getattr(schema, "key_serializer", None) or "json"
        value_codec = table.value_serializer or getattr(schema, "value_serializer", None) or "json"
        original = table.send_changelog

        def send_changelog(
            partition: int | None,
            key: Any,
            value: Any,
            key_serializer: Any = None,
            value_serializer: Any = None,
        ) -> Any:
            if partition is None:  # a table that partitions by key: faust's own path
                return original(partition, key, value, key_serializer, value_serializer)
            k = codecs.dumps(key_serializer or key_codec, key)
            v = None if value is None else codecs.dumps(value_serializer or value_codec, value)
            self.append(topic, partition, k, v)
            return self.sent.get(partition) or _Sent(partition)

        table.send_changelog = send_changelog

    async def send(
        self, topic: str, key: bytes | None, value: bytes | None, partition: int | None = None
    ) -> asyncio.Future[Any]:
        """An output record, batched with the changelogs: the future is its batch's delivery.

        The partition is the producer's own choice (its ``librdkafka_partitioner``)."""
        producer = self._producer()
        if partition is None:
            await producer.client._wait_on_metadata(topic)
            partition = producer._partition(topic, None, None, None, key, value)
        waiter: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self.append(topic, partition, key, value, waiter)
        return waiter

    def append(
        self,
        topic: str,
        partition: int,
        key: bytes | None,
        value: bytes | None,
        waiter: asyncio.Future[Any] | None = None,
    ) -> None:
        tp = (topic, partition)
        batch = self.builders.get(tp)
        if batch is None:
            batch = self.builders[tp] = _Batch(self._producer().create_batch())
        if batch.builder.append(timestamp=None, key=key, value=value) is None:  # full
            self.full.append((tp, batch))
            batch = self.builders[tp] = _Batch(self._producer().create_batch())
            if batch.builder.append(timestamp=None, key=key, value=value) is None:
                raise ValueError(f"record for {topic}[{partition}] exceeds a batch")
            self._now_due = True
            self._schedule(0.0)
        if waiter is not None:
            batch.waiters.append(waiter)
        self._schedule(self.delay_s)

    def _schedule(self, delay: float) -> None:
        if self._timer is not None:
            if delay > 0:
                return
            self._timer.cancel()
        loop = asyncio.get_running_loop()
        if self._first_held_at is None:
            self._first_held_at = loop.time()
        self._timer = loop.call_later(delay, self._due)

    def _due(self) -> None:
        self._timer = None
        if (
            not self._now_due
            and self.busy_delay_s > self.delay_s
            and self._first_held_at is not None
        ):
            loop = asyncio.get_running_loop()
            left = self._first_held_at + self.busy_delay_s - loop.time()
            if left > 0 and self.backlog() >= self.busy_backlog:  # let the batches fill
                self._timer = loop.call_later(min(self.delay_s, left), self._due)
                return
        task = asyncio.ensure_future(self.flush())
        task.add_done_callback(self._log_failure)

    async def flush(self) -> None:
        """Hand every held batch to aiokafka, in order per partition (returns once aiokafka
        has them; a commit then waits for their delivery with the producer's flush)."""
        async with self._lock:  # one flush at a time: batches of a partition stay in order
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
            self._first_held_at, self._now_due = None, False
            held = [*self.full, *self.builders.items()]
            self.full, self.builders = [], {}
            if not held:
                return
            by_tp: dict[tuple[str, int], list[_Batch]] = {}
            for tp, batch in held:
                by_tp.setdefault(tp, []).append(batch)
            await asyncio.gather(*(self._send(tp, batches) for tp, batches in by_tp.items()))

    async def _send(self, tp: tuple[str, int], batches: list[_Batch]) -> None:
        producer = self._producer()
        for batch in batches:
            try:
                fut = await producer.send_batch(batch.builder, tp[0], partition=tp[1])
            except Exception as exc:
                batch.settle(None, exc)
                raise
            BATCHES.inc()
            fut.add_done_callback(self._log_failure)
            if batch.waiters:
                fut.add_done_callback(batch.delivered)

    def _producer(self) -> Any:
        return self.app.producer._ensure_producer()

    @staticmethod
    def _log_failure(fut: Any) -> None:
        if fut.cancelled():
            return
        exc = fut.exception()
        if exc is not None:
            FAILED.inc()
            log.error("changelog batch not delivered: %r", exc)
