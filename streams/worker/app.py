"""The Faust app of ``fenliu run streams``: one worker, several features plugged in.

``create_app`` builds the ``faust.App`` from ``Settings`` and calls every feature's
``install`` in ``FEATURES`` (an explicit list: adding a feature is one line here) to add
its topics, tables, agents and timers. Names carry the topic
prefix (app id, hence consumer group and changelog topics too), so tests that use a
unique prefix never see each other's state. docs/streams.md explains the choices.
"""

from __future__ import annotations

import functools
import random
import socket
import zlib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import faust

from fenliu.schemas.serde import codec_for
from fenliu.settings import Settings
from fenliu.streams.kafka.config import faust_credentials
from fenliu.streams.worker import (
    cases,
    continuity,
    health,
    hotspot,
    loop_lag,
    rates,
    sla,
    suggestions,
)
from fenliu.streams.worker.changelog import ChangelogBatcher
from fenliu.streams.worker.clock import clock_for
from fenliu.streams.worker.context import Clock, StreamsContext
from fenliu.streams.worker.fetching import FetchPace
from fenliu.streams.worker.recovery import OrderedApp, OrderedTableManager
from fenliu.streams.worker.table_store import flush_after_orders


class WorkerApp(OrderedApp):
    """The worker's app: ``OrderedApp`` (recovery order) without faust's Monitor as a sensor.

    faust adds its ``Monitor`` to the sensors at start-up, and every event, table read and
    write, send and commit then calls into it (per-topic counters, timings, a deque of
    latencies). Nothing of ours reads it: ``/health`` samples the consumer's committed
    offsets and high watermarks (``streams/worker/health.py``), the metrics are our own.
    The Monitor object stays (the consumer calls it directly for end offsets and commits,
    which is cheap); it is only kept off the per-event sensor path."""

    fenliu_batcher: Any = None  # create_app's ChangelogBatcher (streams/worker/changelog.py)
    fenliu_shutdown_wait_s: float | None = None  # SnapshotFetchConsumer.wait_empty's bound
    fenliu_fetch: FetchPace | None = None  # the consumer's fetch sizes (fetching.py)

    def on_init_dependencies(self) -> Any:
        deps = super().on_init_dependencies()
        self.sensors.remove(self.monitor)
        return deps


# The worker's features, installed in this order: each adds its topics, tables and agents.
FEATURES: tuple[Callable[[faust.App, StreamsContext], object], ...] = (
    cases.install,
    hotspot.install,
    sla.install,
    rates.install,
    suggestions.install,
)


def librdkafka_partitioner(
    key: bytes | None, all_partitions: Sequence[int], available: Sequence[int]
) -> int:
    """Pick a partition the way confluent-kafka's default (``consistent_random``) does.

    The router, the grid sink and tests produce with librdkafka (CRC-32 of the key), while
    aiokafka would hash with murmur2. Every producer of a co-partitioned pair (orders and
    lifecycle by order id; decisions and the cases' internal topics by case key) must agree,
    so the worker's producer uses librdkafka's hash too.
    """
    if key is None:
        return random.choice(list(available) or list(all_partitions))
    return all_partitions[zlib.crc32(key) % len(all_partitions)]


def app_id(settings: Settings) -> str:
    """Consumer group and changelog prefix: the deployment's topic prefix + the app id."""
    return f"{settings.topics.prefix}{settings.streams.app_id}"


def store_url(settings: Settings) -> str:
    """``rocksdb://`` when asked for and installed; memory otherwise (tables still recover
    from their changelog topics, RocksDB only makes a restart read less of them)."""
    if settings.streams.store == "rocksdb":
        try:
            import rocksdb  # noqa: F401  (faust-streaming-rocksdb)
        except ImportError as exc:  # pragma: no cover - depends on the machine
            raise RuntimeError(
                "FENLIU_STREAMS_STORE=rocksdb but faust-streaming-rocksdb is not installed"
            ) from exc
        return "rocksdb://"
    return "memory://"


def instance_id(settings: Settings) -> str | None:
    """Static group membership id: set, or host + web port (unique per replica on a host).

    An empty string turns static membership off (dynamic membership)."""
    if settings.streams.instance_id is not None:
        return settings.streams.instance_id or None
    return f"{socket.gethostname()}-{settings.streams.web_port}"


def app_config(settings: Settings) -> dict[str, Any]:
    """The ``faust.App`` keywords; separate so tests and docs can read them."""
    session = settings.streams.session_timeout_s
    return {
        "broker": f"kafka://{settings.kafka.bootstrap.replace(',', ';kafka://')}",
        "broker_credentials": faust_credentials(settings),
        "store": store_url(settings),
        "datadir": str(settings.streams.data_dir / app_id(settings)),
        "autodiscover": False,
        # Our Avro topics are read as bytes and decoded inside the agent, so that bad
        # bytes become dead letters instead of an exception in Faust's consumer.
        "key_serializer": "raw",
        "value_serializer": "raw",
        "topic_partitions": settings.topics.partitions,
        "topic_replication_factor": settings.topics.replication,
        "consumer_auto_offset_reset": "earliest",
        "processing_guarantee": "at_least_once",
        "producer_partitioner": librdkafka_partitioner,
        "producer_acks": -1,
        # Stream partitions are handed back only after the seek to the committed offsets
        # and after the agents' queues are cleared: faust's own order lost records after
        # a restart and could stop a partition's commits for good (streams/worker/recovery.py).
        "TableManager": OrderedTableManager,
        # Static membership: a restarted worker (same id) takes its old place and
        # partitions at once, without waiting for the dead member's session to expire.
        "consumer_group_instance_id": instance_id(settings),
        # A slow tick must not cost a rebalance: heartbeats come from aiokafka's own task
        # in the consumer thread (not the busy event loop), every second, so a session of
        # 10 s (settings) survives several lost heartbeats; the poll interval is generous.
        "broker_session_timeout": session,
        "broker_heartbeat_interval": min(1.0, session / 3),
        "broker_max_poll_interval": settings.streams.max_poll_interval_s,
        "broker_request_timeout": max(90.0, session + 10),
        "broker_rebalance_timeout": max(60.0, session),
        # Producer and commits (docs/streams.md): batches that fill for a few ms and are
        # compressed, so ~6 records per decision do not each cost a request.
        "producer_linger_ms": settings.streams.producer_linger_ms,
        "producer_compression_type": (
            None
            if settings.streams.producer_compression == "none"
            else settings.streams.producer_compression
        ),
        "producer_max_batch_size": settings.streams.producer_batch_bytes,
        "producer_max_request_size": max(1_048_576, 4 * settings.streams.producer_batch_bytes),
        "stream_buffer_maxsize": settings.streams.stream_buffer_maxsize,
        "broker_commit_interval": settings.streams.commit_interval_s,
        "web_enabled": settings.streams.web_port > 0,
        "web_port": settings.streams.web_port or 6066,
        "web_bind": "0.0.0.0",
        "web_in_thread": False,
        "topic_disable_leader": True,
    }


def create_app(settings: Settings, *, clock: Clock | None = None) -> faust.App:
    """The worker's app with every feature of ``FEATURES`` installed, and ``/health``.

    ``clock`` defaults to what ``FENLIU_CLOCK`` asks for (``streams.worker.clock.clock_for``)."""
    config = app_config(settings)
    batching = settings.streams.store == "memory"  # RocksDB records each write's offset
    if batching:
        # The batcher holds the worker's records for the linger and hands them over
        # together, ready: aiokafka must not linger a second time.
        config["producer_linger_ms"] = 0
    Path(config["datadir"]).mkdir(parents=True, exist_ok=True)
    app = WorkerApp(app_id(settings), **config)  # see streams/worker/recovery.py
    app.fenliu_shutdown_wait_s = settings.streams.shutdown_wait_s
    app.fenliu_fetch = FetchPace(
        settings.streams.fetch_min_bytes,
        settings.streams.fetch_max_wait_ms,
        settings.streams.fetch_idle_wait_ms,
        settings.streams.fetch_idle_after_ms,
    )
    ctx = StreamsContext(
        settings=settings,
        codec=codec_for(settings.topics.schema_registry_url),
        clock=clock or clock_for(settings),
    )
    for install in FEATURES:
        install(app, ctx)
    flush_after_orders(app)  # the SLA's and the rates' per-order writes: one per event
    health.install(app, ctx)
    loop_lag.install(app, ctx)
    batcher = None
    if batching:
        batcher = ChangelogBatcher(
            app,
            settings.streams.producer_linger_ms / 1000,
            busy_delay_s=settings.streams.producer_busy_linger_ms / 1000,
            backlog=functools.partial(input_backlog, app),
            busy_backlog=settings.streams.producer_busy_backlog,
        )
        for table in app.tables.values():
            batcher.install(table)
        for tracker in continuity.registry(app):  # applied offsets: written at commits
            tracker.defer_writes()
        app.fenliu_batcher = batcher  # DirectTopic outputs join the batches
    tune_producer_buffer(app, settings, batcher)
    return app


def input_backlog(app: faust.App) -> int:
    """Input already there that the agents have not taken yet: records queued in front of
    the streams, plus per partition the high watermark (as of the consumer's last fetch)
    past the last offset faust handed to the streams.

    Reaches into two private attributes: mode's ``FlowControlEvent._queues`` (every
    stream's queue, which the app clears on a rebalance) and faust's
    ``Consumer._read_offset`` (the last offset given to the streams per partition). The
    queues alone say little: the agents empty them as soon as the fetcher fills them, so
    a backlog waits in the fetched batches and on the broker."""
    queues = getattr(app.flow_control, "_queues", None) or ()
    waiting = sum(queue.qsize() for queue in list(queues))
    consumer = app.consumer
    read = getattr(consumer, "_read_offset", None) or {}
    try:
        for tp, offset in list(read.items()):
            if offset is not None:
                waiting += max(0, consumer.highwater(tp) - 1 - offset)
    except Exception:  # noqa: BLE001 - not started, closing or rebalancing: none known
        pass
    return waiting


def tune_producer_buffer(
    app: faust.App, settings: Settings, batcher: ChangelogBatcher | None = None
) -> None:
    """Size faust's producer buffer for the load, and bound the flush a commit waits for.

    Every table write goes through ``ProducerBuffer``; a stream waits once it holds more
    than ``max_messages``, a class constant of 100 with no setting, so at ~4 changelog
    writes a decision a stream stopped after every ~25 decisions. Raised, it starved the
    commits instead: before committing, faust flushes the buffer *until it is empty*
    (``flush_atmost(None)`` loops while messages keep arriving), and streams that keep
    writing never let it be empty — a commit was seen to take 89 s. The offsets a commit
    stores are chosen before that flush, and only writes made before them need to be
    out, so the flush here sends the messages present when it starts (the buffer is FIFO;
    each wake-up of ``flush_atmost`` is at least one message sent) and returns. The
    changelog batches held by ``batcher`` (``streams/worker/changelog.py``) are handed to
    aiokafka first: faust's commit then waits for their delivery with aiokafka's flush."""
    buffer = app.producer.buffer
    buffer.max_messages = settings.streams.producer_buffer_messages

    async def bounded_flush() -> None:
        if batcher is not None:
            continuity.write_held(app)  # the applied offsets, before the commit they cover
            await batcher.flush()
        await buffer.flush_atmost(buffer.size)

    buffer.flush = bounded_flush  # type: ignore[method-assign]  # this instance's flush, on purpose
