"""SLA windows and escalation in the Faust worker (docs/sla.md).

Two agents share one lock, so their steps never interleave:

* ``fenliu-orders`` reads ``fenliu.orders`` and ``fenliu.lifecycle`` (keyed by order id,
  so an order and its steps are on one partition), decoding each record once for this,
  the rates and the cases features (``streams.worker.inputs``): here orders start being
  watched, steps close stages;
* ``fenliu-ticks`` reads the internal tick topic (``streams.worker.clock``; one agent for
  this feature and the held suggestions, ``inputs.TickInput``): a tick fires what is due
  on its partition.

State is the ``sla`` part of the changelogged table ``order-state`` (order id -> ``OrderSla``
as a dict; the rates keep their part of the same entry, so an order or a step is one
changelog write for both: ``streams.worker.table_store.SharedEntries``); the per-partition
``SlaBook`` indexes are rebuilt from it after every assignment. Alerts are
sent and their delivery awaited **before** the state that marks them fired is written,
so a crash in between re-sends an alert (same ``alert_id``) and never loses one.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter as Tally
from collections.abc import Iterator, MutableMapping
from typing import Any

import faust
from prometheus_client import Counter, Gauge

from fenliu.processors.model import InvalidEvent
from fenliu.processors.sla_alerts import EscalationPolicy, alert_record
from fenliu.processors.sla_policy import STAGE_ORDER
from fenliu.processors.sla_timer import BookConfig, OrderInfo, OrderSla, SlaBook, TickResult
from fenliu.schemas.records import LifecycleEvent, SlaAlert, epoch_ms
from fenliu.settings import Settings
from fenliu.streams.kafka.dead_letters import DeadLetters
from fenliu.streams.worker.clock import (
    ControlClock,
    decode_tick,
    encode_tick,
    tick_topic,
)
from fenliu.streams.worker.context import StreamsContext
from fenliu.streams.worker.inputs import ORDERS_AND_LIFECYCLE, hub
from fenliu.streams.worker.table_store import flush_after_orders, order_states
from fenliu.streams.worker.topics import DirectTopic
from fenliu.topics.catalogue import LIFECYCLE, ORDERS, SLA_ALERTS

log = logging.getLogger(__name__)
SERVICE = "streams"
PART = "sla"  # this feature's part of the per-order table (table_store.order_states)

OPEN_STAGES = Gauge("fenliu_sla_open_stages", "Stages of watched orders not closed yet", ["stage"])
OPEN_ORDERS = Gauge("fenliu_sla_open_orders", "Watched orders with at least one open stage")
ALERTS = Counter("fenliu_sla_alerts_total", "SLA alerts sent", ["unit_id", "stage", "level"])
LIFECYCLE_STEPS = Counter(
    "fenliu_sla_lifecycle_total", "Lifecycle events by what they did", ["kind", "outcome"]
)
ORDERS_SEEN = Counter("fenliu_sla_orders_total", "Dispatch orders by what they did", ["outcome"])
EXPIRED = Counter(
    "fenliu_sla_expired_total",
    "States dropped: orphans (steps whose order never"
    " came) and finished orders after their retention",
    ["what"],
)
TICKS = Counter("fenliu_sla_ticks_total", "Tick records read", ["outcome"])
REBUILDS = Counter("fenliu_sla_index_rebuilds_total", "Index rebuilds from the table")
REBUILD_SECONDS = Gauge("fenliu_sla_index_rebuild_seconds", "Duration of the last index rebuild")
MISPLACED = Counter(
    "fenliu_sla_partition_mismatch_total",
    "Lifecycle events on another partition"
    " than their order: the producer does not partition like Kafka's default",
)
GAUGE_INTERVAL_S = 0.25
SLA_TIME = Gauge("fenliu_sla_clock_ms", "Latest SLA time (tick) this worker has reached")


def book_config(settings: Settings) -> BookConfig:
    """The pure timer's configuration from the settings."""

    def ms(seconds: float | None) -> int | None:
        return None if seconds is None else int(seconds * 1000)

    return BookConfig(
        policy=EscalationPolicy(
            warning_share=settings.sla.warning_share,
            supervision_share=settings.sla.supervision_share,
            escalation_share=settings.sla.escalation_share,
            supervision_max_late_ms=ms(settings.sla.supervision_max_late_s),
            escalation_max_late_ms=ms(settings.sla.escalation_max_late_s),
        ),
        bucket_ms=max(1, int(settings.sla.tick_interval_s * 1000)),
        orphan_ttl_ms=settings.sla.orphan_ttl_s * 1000,
        done_retention_ms=settings.sla.done_retention_s * 1000,
    )


def order_input(record: dict[str, Any]) -> tuple[str, OrderInfo, list[tuple[str, int]]]:
    """What the timer needs from a ``DispatchOrder`` record, read from the decoded dict:
    building the whole ``DispatchOrder`` (every field, the location, each deadline a
    record) for these seven was ~5% of the orders agent's time through the broker."""
    info = OrderInfo(
        record["case_id"],
        record["unit_id"],
        record["town_code"],
        record["class_code"],
        epoch_ms(record["created_at"]),
    )
    deadlines = [(d["stage"], epoch_ms(d["due_at"])) for d in record["deadlines"]]
    return record["order_id"], info, deadlines


class TableStore(MutableMapping[str, OrderSla]):
    """The Faust table seen as ``OrderSla`` values, with writes held until ``flush``.

    Reads see held writes. ``flush`` (inside the event that caused them) writes the table,
    hence the changelog, after the alerts those writes record have been delivered.
    """

    def __init__(self, table: Any) -> None:
        self.table = table
        self._held: dict[str, OrderSla | None] = {}

    def __getitem__(self, key: str) -> OrderSla:
        if key in self._held:
            held = self._held[key]
            if held is None:
                raise KeyError(key)
            return held
        raw = self.table.get(key)
        if raw is None:
            raise KeyError(key)
        return OrderSla.from_dict(raw)

    def __setitem__(self, key: str, value: OrderSla) -> None:
        self._held[key] = value

    def __delitem__(self, key: str) -> None:
        if key not in self:
            raise KeyError(key)
        self._held[key] = None

    def __iter__(self) -> Iterator[str]:
        seen = set()
        for key in list(self.table.keys()):
            seen.add(key)
            if self._held.get(key, True) is not None:
                yield key
        yield from (k for k, v in self._held.items() if v is not None and k not in seen)

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def flush(self) -> int:
        held, self._held = self._held, {}
        for key, value in held.items():
            if value is None:
                self.table.pop(key, None)
            else:
                self.table[key] = value.to_dict()
        return len(held)


class SlaFeature:
    """The SLA agents' shared state: books per partition, the table, the lock."""

    def __init__(
        self, app: faust.App, ctx: StreamsContext, table: Any, *, alerts: Any, dead: DeadLetters
    ) -> None:
        self.app, self.ctx, self.settings = app, ctx, ctx.settings
        self.config = book_config(ctx.settings)
        self.store = TableStore(table)
        self.alerts, self.dead = alerts, dead
        self.orders_topic = ctx.topic(ORDERS)
        self.lifecycle_topic = ctx.topic(LIFECYCLE)
        self.tick_topic = tick_topic(ctx.settings)
        self.books: dict[int, SlaBook] = {}
        self.lock = asyncio.Lock()
        self.needs_rebuild = True
        # Writes the table after a tick (an order or a step is written once for the SLA and
        # the rates by the last handler of the shared input: table_store.flush_after_orders).
        self.commit: Any = lambda: None
        self._gauges_at = 0.0
        self._gauges_pending = False

    # --- the agents' steps -------------------------------------------------------------
    async def on_input(
        self,
        event: faust.types.EventT,
        record: dict[str, Any] | None = None,
        error: InvalidEvent | None = None,
    ) -> None:
        """An order or a lifecycle event; ``record`` when the shared input decoded it
        already (``error`` when it could not), else decoded here."""
        msg = event.message
        async with self.lock:
            book = self._book(msg.partition)
            try:
                if error is not None:
                    raise error
                if record is None:
                    schema = "DispatchOrder" if msg.topic == self.orders_topic else "LifecycleEvent"
                    record = self.ctx.codec.decode(msg.value or b"", schema)
                if msg.topic == self.orders_topic:
                    event_time = self._open(book, record)
                else:
                    book, event_time = self._step(book, record)
            except (InvalidEvent, KeyError, TypeError, ValueError, AttributeError) as exc:
                await self.dead.send(msg, "sla", exc)
                self.store.flush()  # nothing should be held; if it is, it belongs here
                return
            now = (
                max(book.now_ms, event_time) if self.settings.sla.clock == "event" else book.now_ms
            )
            await self._fire(book, book.tick(now))

    async def on_tick(self, event: faust.types.EventT) -> None:
        at = decode_tick(event.message.value)
        if at is None:
            TICKS.labels("bad").inc()
            return
        TICKS.labels("ok").inc()
        async with self.lock:
            book = self._book(event.message.partition)
            await self._fire(book, book.tick(at))
            self.commit()

    async def send_wall_ticks(self, ticks: Any) -> None:
        """Wall clock: tick every partition of the tick topic this worker owns."""
        now = self.ctx.clock.now_ms()
        for tp in sorted(self.app.assignor.assigned_actives()):
            if tp.topic == self.tick_topic:
                await ticks.send(value=encode_tick(now), partition=tp.partition, force=True)

    def on_assignment_changed(self) -> None:
        self.needs_rebuild = True

    # --- internals ---------------------------------------------------------------------
    def _open(self, book: SlaBook, record: dict[str, Any]) -> int:
        order_id, info, deadlines = order_input(record)
        ORDERS_SEEN.labels(book.open(order_id, info, deadlines).value).inc()
        return info.created_at_ms

    def _step(self, book: SlaBook, record: dict[str, Any]) -> tuple[SlaBook, int]:
        """Close stages; a step that came on another partition than its order is counted and
        handled by the order's book (it only works while one worker owns both partitions)."""
        step = LifecycleEvent.from_avro(record)
        order_id, kind, at = step.order_id, step.kind, step.at
        state = self.store.get(order_id)
        if state is not None and state.partition != book.partition:
            MISPLACED.inc()
            book = self.books.get(state.partition, book)
        outcome = book.lifecycle(order_id, kind, at, step.event_id)
        LIFECYCLE_STEPS.labels(kind, outcome.value).inc()
        return book, at

    async def _fire(self, book: SlaBook, result: TickResult) -> None:
        """Send the alerts, wait until the broker has them, then write what they changed."""
        pending = [await self._send_alert(a) for a in result.alerts]
        if pending:
            await asyncio.gather(*pending)
        for alert in result.alerts:
            ALERTS.labels(alert.unit_id, alert.stage, alert.level.value).inc()
        if result.expired_orphans:
            EXPIRED.labels("orphan").inc(result.expired_orphans)
        if result.expired_done:
            EXPIRED.labels("done").inc(result.expired_done)
        self.store.flush()
        self._publish_gauges(book)

    async def _send_alert(self, alert: SlaAlert) -> Any:
        value = self.ctx.codec.encode("SlaAlert", alert_record(alert))
        return await self.alerts.send(key=alert.order_id.encode(), value=value, force=True)

    def _book(self, partition: int) -> SlaBook:
        if self.needs_rebuild:
            self._rebuild()
        book = self.books.get(partition)
        if book is None:  # an input partition the assignment did not list (a test app)
            book = self.books[partition] = SlaBook(self.config, self.store, partition)
        return book

    def _rebuild(self) -> None:
        """Index every owned partition's states, in one pass over the table."""
        started = time.perf_counter()
        owned = {
            tp.partition
            for tp in self.app.assignor.assigned_actives()
            if tp.topic in (self.orders_topic, self.lifecycle_topic, self.tick_topic)
        }
        by_partition: dict[int, list[OrderSla]] = {p: [] for p in owned}
        for order_id in self.store:
            state = self.store[order_id]
            if state.partition in by_partition:
                by_partition[state.partition].append(state)
        books: dict[int, SlaBook] = {}
        for partition, states in by_partition.items():
            book = books[partition] = SlaBook(self.config, self.store, partition)
            old = self.books.get(partition)
            book.now_ms = old.now_ms if old is not None else 0
            book.rebuild(states)
        self.books = books
        self.needs_rebuild = False
        REBUILDS.inc()
        REBUILD_SECONDS.set(time.perf_counter() - started)
        log.info(
            "sla: index rebuilt for partitions %s (%d orders)",
            sorted(owned),
            sum(len(s) for s in by_partition.values()),
        )

    def _publish_gauges(self, book: SlaBook) -> None:
        """Advance a control clock now; set the gauges at most every ``GAUGE_INTERVAL_S``
        (summing every book per event cost more than the event), and once more after the
        last event of a burst, so a scrape never sees them older than that."""
        if isinstance(self.ctx.clock, ControlClock):
            self.ctx.clock.advance(book.now_ms)
        if time.monotonic() - self._gauges_at >= GAUGE_INTERVAL_S:
            self._set_gauges()
        elif not self._gauges_pending:
            self._gauges_pending = True
            asyncio.get_running_loop().call_later(GAUGE_INTERVAL_S, self._set_gauges)

    def _set_gauges(self) -> None:
        self._gauges_pending = False
        self._gauges_at = time.monotonic()
        totals: Tally[str] = Tally()
        for b in self.books.values():
            totals.update(b.open_stages)
        for stage in STAGE_ORDER:
            OPEN_STAGES.labels(stage).set(totals[stage])
        OPEN_ORDERS.set(sum(b.open_orders for b in self.books.values()))
        SLA_TIME.set(max((b.now_ms for b in self.books.values()), default=0))


def install(app: faust.App, ctx: StreamsContext) -> SlaFeature:
    """Topics, table, the handlers on the two shared agents and (wall clock) the ticker of
    the SLA feature."""
    settings = ctx.settings
    partitions = settings.topics.partitions
    shared = order_states(app, partitions)
    table = shared.part(PART)
    raw: dict[str, Any] = {"key_serializer": "raw", "value_serializer": "raw"}
    ticks = hub(app).ticks(app, ctx)
    feature = SlaFeature(
        app,
        ctx,
        table,
        alerts=DirectTopic(app, app.topic(ctx.topic(SLA_ALERTS), **raw)),
        dead=DeadLetters(app, ctx),
    )
    feature.commit = shared.flush

    # Orders and lifecycle events are read once for the SLA, rates and cases features.
    hub(app).input(
        app,
        ctx,
        ORDERS_AND_LIFECYCLE,
        {
            ctx.topic(ORDERS): "DispatchOrder",
            ctx.topic(LIFECYCLE): "LifecycleEvent",
        },
    ).subscribe(feature.on_input)
    flush_after_orders(app)  # the per-order table is written once, after every handler

    ticks.subscribe(feature.on_tick)

    async def assignment_changed(*_args: Any, **_kwargs: Any) -> None:
        feature.on_assignment_changed()

    app.on_partitions_assigned.connect(assignment_changed)
    app.on_partitions_revoked.connect(assignment_changed)

    if settings.sla.clock == "wall":

        @app.timer(settings.sla.tick_interval_s, name="sla-wall-ticker")
        async def sla_wall_ticker() -> None:
            await feature.send_wall_ticks(ticks.topic)

    return feature
