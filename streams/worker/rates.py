"""The rates feature: counts behind the six rates, from decisions, cases, orders and lifecycle.

Calls and their case updates are counted where they are made: the cases agent hands each
decision with its ``CaseUpdate`` and whether it was a re-delivery (the case state knows)
in-process (``streams.worker.inputs``), so neither is read back, decoded again or
remembered in an id table. Orders and lifecycle events (keyed by order id, so one
partition holds an order and its steps) come from the shared ``fenliu-orders`` agent,
decoded once for the SLA, the cases and this feature. ``processors.rates`` decides what
counts; this module keeps the per-order state in the Faust table ``rates-orders``, prunes
it by event time (``processors.rates_expiry``) and turns effects into prometheus-client
metrics that the worker serves on its metrics port. docs/rates.md has the definitions and
the bounds. ``RatesProcessor.handle`` still reads any of the four topics from bytes (with
an id table of its own for decisions and updates) for callers that have only bytes.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, MutableMapping, Sequence
from typing import Any

import faust
from prometheus_client import REGISTRY, Counter, Gauge, Histogram
from prometheus_client.core import CounterMetricFamily

from fenliu.processors.model import InvalidEvent, RejectReason
from fenliu.processors.rates import (
    DUPLICATE_REASONS,
    LABELS,
    CaseCallFacts,
    Count,
    DecisionFacts,
    Effect,
    LifecycleFacts,
    Metric,
    OrderFacts,
    OrderState,
    Step,
    on_case_call,
    on_decision,
    on_expire,
    on_lifecycle,
    on_order,
)
from fenliu.processors.rates_expiry import ExpiryIndex
from fenliu.schemas.serde import Codec
from fenliu.settings import Settings
from fenliu.streams.worker.context import Clock, StreamsContext
from fenliu.streams.worker.inputs import CASE_CALLS, ORDERS_AND_LIFECYCLE, hub
from fenliu.streams.worker.table_store import flush_after_orders, order_states
from fenliu.topics import catalogue as topics

log = logging.getLogger("fenliu.streams.worker.rates")


class RateCounts:
    """The rates counters: one dict of label values -> count per metric, exposed at scrape
    time (a prometheus-client custom collector, ``CounterMetricFamily``).

    Why not a labelled ``Counter``: each series of one is a child object with a value and a
    lock, three objects CPython's cyclic collector walks at every full collection. With 100 k
    open cases over 600 towns that was 26 k series, 78 k of the 129 k objects a full
    collection of the worker still walked (docs/benchmarks.md, eleventh round). The series,
    names and values exported are the same.
    """

    def __init__(self) -> None:
        self.counts: dict[Metric, dict[tuple[str, ...], float]] = {m: {} for m in Metric}

    def inc(self, metric: Metric, labels: tuple[str, ...], amount: float = 1.0) -> None:
        """Add ``amount`` (0 makes the series exist at 0, as a ``Counter`` child does)."""
        series = self.counts[metric]
        series[labels] = series.get(labels, 0.0) + amount

    def value(self, metric: Metric, labels: tuple[str, ...]) -> float:
        return self.counts[metric].get(labels, 0.0)

    def _family(self, metric: Metric) -> CounterMetricFamily:
        return CounterMetricFamily(
            metric.prometheus_name.removesuffix("_total"),
            f"Rates counter {metric.value} (docs/rates.md)",
            labels=list(LABELS[metric]),
        )

    def describe(self) -> Iterator[CounterMetricFamily]:
        """The families without samples: lets the registry refuse a name registered twice."""
        return (self._family(m) for m in Metric)

    def collect(self) -> Iterator[CounterMetricFamily]:
        for m in Metric:
            family = self._family(m)
            # a copy: a scrape runs on the metrics server's thread while the loop counts
            for labels, value in self.counts[m].copy().items():
                family.add_metric([str(v) for v in labels], value)
            yield family


COUNTERS = RateCounts()
REGISTRY.register(COUNTERS)
STAGE_SECONDS = Histogram(
    "fenliu_rates_stage_seconds",
    "Event time from an order's creation to its first sign/arrive/feedback/close",
    ["stage", "unit"],
    buckets=(
        30,
        60,
        120,
        180,
        300,
        480,
        600,
        900,
        1800,
        3600,
        7200,
        21600,
        86400,
        3 * 86400,
        7 * 86400,
        15 * 86400,
        30 * 86400,
    ),
)
SKIPPED = Counter(
    "fenliu_rates_skipped",
    "Records the rates agent could not read (dead-lettered by their owner)",
    ["topic", "reason"],
)
COPARTITION = Counter(
    "fenliu_rates_copartition_violations",
    "Order state written from one partition and read from another: producers disagree on partitioning",
    ["topic"],
)
TABLE_ENTRIES = Gauge(
    "fenliu_rates_table_entries", "Entries the rates tables keep (this worker)", ["table"]
)

ORDERS_TABLE = "rates-orders"  # the metric label; the state is the ``rates`` part of order-state
PART = "rates"
IDS_TABLE = "rates-ids"
_FACTS: dict[str, Any] = {
    "decisions": DecisionFacts,
    "cases": CaseCallFacts,
    "orders": OrderFacts,
    "lifecycle": LifecycleFacts,
}


_CHILDREN: dict[tuple[Any, ...], Any] = {}


def _child(metric: Any, labels: tuple[str, ...]) -> Any:
    """``metric.labels(*labels)``, remembered: prometheus-client's lookup (validation, a
    lock) cost more than the counting itself, several times per call (bounded labels)."""
    key = (metric, labels)
    found = _CHILDREN.get(key)
    if found is None:
        found = _CHILDREN[key] = metric.labels(*labels)
    return found


def apply(effects: Sequence[Effect]) -> None:
    """Effects of ``processors.rates`` onto the process's metrics."""
    for e in effects:
        if isinstance(e, Count):
            COUNTERS.inc(e.metric, e.labels, e.amount)
        else:
            _child(STAGE_SECONDS, (e.stage, e.unit)).observe(e.seconds)


class RatesProcessor:
    """Reads one record, updates the tables and the metrics. Tables are plain mappings here.

    ``orders``: order id -> ``OrderState`` (orders and lifecycle share the order-id key);
    ``ids``: ``d:<decision id>`` / ``u:<update id>`` -> when and where it was first seen
    (decisions and case updates share the case key).
    """

    def __init__(
        self,
        settings: Settings,
        codec: Codec,
        clock: Clock,
        orders: MutableMapping[str, Any],
        ids: MutableMapping[str, Any],
    ) -> None:
        self.settings = settings
        self.codec = codec
        self.clock = clock
        self.orders = orders
        self.ids = ids
        skew_ms = settings.intake.max_future_skew_s * 1000
        self.order_index = ExpiryIndex(
            ttl_ms=settings.rates.order_state_s * 1000, max_skew_ms=skew_ms
        )
        self.id_index = ExpiryIndex(
            ttl_ms=settings.rates.decision_dedupe_s * 1000, max_skew_ms=skew_ms
        )
        self.arrival_target_ms = settings.rates.arrival_target_s * 1000
        self.kinds = {
            settings.topic(topics.DECISIONS): ("decisions", "Decision"),
            settings.topic(topics.CASES): ("cases", "CaseUpdate"),
            settings.topic(topics.ORDERS): ("orders", "DispatchOrder"),
            settings.topic(topics.LIFECYCLE): ("lifecycle", "LifecycleEvent"),
        }

    def handle(self, topic: str, partition: int, value: bytes | None, record_ms: int) -> None:
        """Count one record of one of the four topics (at-least-once safe)."""
        short, schema = self.kinds[topic]
        try:
            record = self.codec.decode(value or b"", expect=schema)
        except InvalidEvent as exc:
            SKIPPED.labels(short, exc.reason.value).inc()
            return
        self.handle_record(topic, partition, record, record_ms)

    def handle_record(
        self, topic: str, partition: int, record: dict[str, Any], record_ms: int
    ) -> None:
        """``handle`` for a record decoded already (the shared input decodes once)."""
        short, _ = self.kinds[topic]
        try:
            facts = _FACTS[short].from_record(record)
        except InvalidEvent as exc:
            SKIPPED.labels(short, exc.reason.value).inc()
            return
        except (KeyError, TypeError, ValueError, AttributeError):
            SKIPPED.labels(short, RejectReason.PROCESSING_ERROR.value).inc()
            log.warning(
                "rates: unreadable %s record on partition %s", short, partition, exc_info=True
            )
            return
        now_ms = self.clock.now_ms()
        if isinstance(facts, DecisionFacts):
            seen = self._seen(partition, f"d:{facts.decision_id}", facts.received_at_ms, now_ms)
            apply(on_decision(facts, seen_before=seen))
        elif isinstance(facts, CaseCallFacts):
            seen = self._seen(partition, f"u:{facts.update_id}", facts.at_ms, now_ms)
            apply(on_case_call(facts, seen_before=seen))
        elif facts is not None:  # None: a case update that is not a call
            self._order_step(short, partition, facts, record_ms, now_ms)

    def count_call(self, decision: dict[str, Any], update: dict[str, Any], duplicate: bool) -> None:
        """A decision and the case update the cases agent made of it; ``duplicate``: the
        case state already held the decision (a re-delivery), so neither counts again."""
        try:
            apply(on_decision(DecisionFacts.from_record(decision), seen_before=duplicate))
            call = CaseCallFacts.from_record(update)
        except (KeyError, TypeError, ValueError, AttributeError):
            SKIPPED.labels("decisions", RejectReason.PROCESSING_ERROR.value).inc()
            log.warning("rates: unreadable decision %s", decision.get("decision_id"), exc_info=True)
            return
        if call is not None:
            apply(on_case_call(call, seen_before=duplicate))

    def _seen(self, partition: int, key: str, event_ms: int, now_ms: int) -> bool:
        """Whether ``key`` was seen within its bound; remembers it if not."""
        seen = self.ids.get(key) is not None
        if not seen:
            self.ids[key] = {"t": event_ms, "p": partition}
            self.id_index.touch(partition, key, event_ms)
        self.id_index.advance(partition, event_ms, now_ms=now_ms)
        self._expire(self.ids, self.id_index, partition, IDS_TABLE)
        return seen

    def _order_step(
        self,
        short: str,
        partition: int,
        facts: OrderFacts | LifecycleFacts,
        record_ms: int,
        now_ms: int,
    ) -> None:
        stored = self.orders.get(facts.order_id)
        if stored is not None and stored.get("p", partition) != partition:
            COPARTITION.labels(short).inc()
        state = OrderState.from_json(stored) if stored is not None else None
        step: Step
        if isinstance(facts, OrderFacts):
            step = on_order(state, facts, arrival_target_ms=self.arrival_target_ms)
            event_ms = facts.created_at_ms
        else:
            step = on_lifecycle(state, facts, arrival_target_ms=self.arrival_target_ms,
                                ids_kept=self.settings.rates.event_ids_kept)  # fmt: skip
            event_ms = facts.at_ms
        if step.state != state:
            self.orders[facts.order_id] = {**step.state.to_json(), "p": partition}
            self.order_index.touch(partition, facts.order_id, step.state.touched_ms)
        apply(step.effects)
        self.order_index.advance(partition, max(event_ms, record_ms), now_ms=now_ms)
        self._expire(self.orders, self.order_index, partition, ORDERS_TABLE)

    def _expire(
        self, table: MutableMapping[str, Any], index: ExpiryIndex, partition: int, name: str
    ) -> None:
        """Delete what outlived its bound on this partition (tombstones go to this partition)."""
        for key in index.pop_due(partition, self.settings.rates.expire_batch):
            value = table.pop(key, None)
            if value and table is self.orders:
                apply(
                    on_expire(OrderState.from_json(value), arrival_target_ms=self.arrival_target_ms)
                )
        TABLE_ENTRIES.labels(name).set(index.size())

    def rebuild(self) -> None:
        """After recovery: the expiry indexes from what the tables hold."""
        for table, index, name in (
            (self.orders, self.order_index, ORDERS_TABLE),
            (self.ids, self.id_index, IDS_TABLE),
        ):
            index.rebuild(
                (int(v.get("p", 0)), k, int(v.get("t", 0))) for k, v in table.items() if v
            )
            TABLE_ENTRIES.labels(name).set(index.size())
        log.info(
            "rates tables recovered: %d orders, %d ids",
            self.order_index.size(),
            self.id_index.size(),
        )


def install(app: faust.App, ctx: StreamsContext) -> RatesProcessor:
    """The rates feature: its order table, its handler on the shared orders + lifecycle
    agent, and its count of the calls the cases agent makes."""
    s = ctx.settings
    for labels in DUPLICATE_REASONS:  # "no duplicates" is a 0, not a missing series
        COUNTERS.inc(Metric.DUPLICATES, labels, 0)
    # The rates' part of the per-order table the SLA shares (one changelog write per order
    # or step for both; written by the last handler of the shared input).
    shared_orders = order_states(app, s.topics.partitions)
    processor = RatesProcessor(s, ctx.codec, ctx.clock, shared_orders.part(PART), {})
    shared = hub(app)
    source = shared.input(
        app,
        ctx,
        ORDERS_AND_LIFECYCLE,
        {
            ctx.topic(topics.ORDERS): "DispatchOrder",
            ctx.topic(topics.LIFECYCLE): "LifecycleEvent",
        },
    )

    async def on_order_or_step(
        event: Any, record: dict[str, Any] | None, error: InvalidEvent | None
    ) -> None:
        message = event.message
        if record is None:
            assert error is not None
            SKIPPED.labels(processor.kinds[message.topic][0], error.reason.value).inc()
            return
        processor.handle_record(
            message.topic, message.partition, record, int(message.timestamp * 1000)
        )

    async def on_call(
        _partition: int, decision: dict[str, Any], update: dict[str, Any], duplicate: bool
    ) -> None:
        processor.count_call(decision, update, duplicate)

    source.subscribe(on_order_or_step)
    flush_after_orders(app)  # the per-order table is written once, after every handler
    shared.feed(CASE_CALLS).subscribe(on_call)

    async def rebuild_indexes() -> None:
        processor.rebuild()

    shared_orders.table.on_recover(rebuild_indexes)
    return processor
