"""Cases and repeat callers in the Faust worker (docs/streams.md).

Three agents:

* ``fenliu-cases`` reads ``fenliu.decisions`` and the internal ``<app>-case-steps``
  (both keyed by case key, so co-partitioned): each decision becomes a new case (one
  ``DispatchOrder`` on ``fenliu.orders``), a repeat or a flow-back (``processors.merge``);
  each step closes or returns a case. Every change is a ``CaseUpdate`` on ``fenliu.cases``.
* ``fenliu-case-steps`` reads ``fenliu.lifecycle`` (keyed by order id) and forwards
  CLOSED and RETURNED to ``<app>-case-steps`` keyed by the case key inside the case id.
* ``fenliu-callers`` reads ``<app>-cases-by-caller`` (the CaseUpdates of calls, keyed by
  caller key) and keeps a history per caller key.

Event time is the decision's ``event.received_at`` (and a step's ``at``); nothing reads
the wall clock. Outputs carry deterministic ids and are re-sent when a decision is
delivered again, so a crash between sending and committing duplicates, never loses.
"""

from __future__ import annotations

import logging
from typing import Any

import faust
from prometheus_client import Counter, Gauge

from fenliu.processors import caller_history
from fenliu.processors.case_records import (
    call_update_record,
    incoming_call,
    order_record,
    step_from_lifecycle,
    step_update_record,
)
from fenliu.processors.case_state import CaseBucket, UpdateKind, case_key_of
from fenliu.processors.hotspot import place_key
from fenliu.processors.merge import (
    MergeRules,
    Outcome,
    StepOutcome,
    apply_call,
    apply_step,
    expires_at,
    prune,
)
from fenliu.processors.model import InvalidEvent
from fenliu.schemas.records import CLOSING_KINDS, epoch_ms
from fenliu.settings import Settings
from fenliu.streams.worker.context import StreamsContext
from fenliu.streams.kafka.dead_letters import DeadLetters
from fenliu.streams.worker.table_store import ExpiringTable
from fenliu.topics.catalogue import CASES, DECISIONS, LIFECYCLE, ORDERS, default_catalogue

log = logging.getLogger(__name__)
DAY_MS = 86_400_000
RAW = {"key_serializer": "raw", "value_serializer": "raw"}
JSON = faust.Schema(key_serializer="json", value_serializer="json")

CALLS = Counter("fenliu_cases_calls_total", "Decisions by what they did to the cases",
                ["kind", "rule"])
ORDERS_MADE = Counter("fenliu_cases_orders_total", "Dispatch orders made", ["reason"])
REDELIVERED = Counter("fenliu_cases_redelivered_total",
                      "Decisions seen before (re-delivery); their outputs were sent again")
STEPS = Counter("fenliu_cases_steps_total", "Lifecycle steps by what they did to the cases",
                ["kind", "outcome"])
SKIPPED = Counter("fenliu_cases_skipped_total",
                  "Messages the cases agents ignored, counted (never fatal)", ["reason"])
EXPIRED = Counter("fenliu_cases_expired_total", "Entries dropped by event-time expiry", ["table"])
TRACKED = Gauge("fenliu_cases_tracked", "Cases (open and recently closed) this worker holds")
REPEAT_CALLERS = Gauge("fenliu_cases_repeat_callers",
                       "Callers this worker holds with at least FENLIU_CALLER_REPEAT_THRESHOLD calls")


def merge_rules(s: Settings) -> MergeRules:
    """The merge rules the settings configure."""
    return MergeRules(
        same_caller_window_ms=s.cases.same_caller_window_s * 1000,
        same_place_window_ms=s.cases.same_place_window_s * 1000,
        flow_back_window_ms=s.cases.flowback_days * DAY_MS,
        same_place_m=s.cases.geo_cell_m,
        open_max_ms=s.cases.open_max_days * DAY_MS,
        max_calls_per_case=s.cases.max_calls,
        max_cases_per_key=s.cases.max_per_key,
    )


def internal_topic(s: Settings, name: str) -> str:
    """Physical name of one of the worker's own topics (app id in front, like changelogs)."""
    return f"{s.topics.prefix}{s.streams.app_id}-{name}"


def input_partitions(s: Settings) -> int:
    """Partitions of ``fenliu.decisions``: internal topics and tables co-partition with it."""
    return default_catalogue()[DECISIONS].partitions or s.topics.partitions


class CasesFeature:
    """The state and the handlers behind the three agents."""

    def __init__(self, app: faust.App, ctx: StreamsContext) -> None:
        s = ctx.settings
        self.ctx = ctx
        self.rules = merge_rules(s)
        self.cell_m = s.cases.geo_cell_m
        self.caller_retention_ms = s.cases.caller_history_days * DAY_MS
        self.repeat_threshold = s.cases.caller_repeat_threshold
        partitions = self.partitions = input_partitions(s)
        self.decisions_name = ctx.topic(DECISIONS)
        self.steps_name = internal_topic(s, "case-steps")
        self.cases = ExpiringTable(app.Table(
            "cases", default=None, partitions=partitions, schema=JSON,
            help="open and recently closed cases per case key (CaseBucket as a dict)"), "cases")
        # JSON keys and values: Faust recovers a table with its JSON serializers whatever
        # schema wrote the changelog, and a record it cannot decode stalls recovery.
        self.callers = ExpiringTable(app.Table(
            "callers", default=None, partitions=partitions, schema=JSON,
            help="history per caller key (CallerHistory as a dict)"), "callers")
        self.needs_recount = True
        self.decisions = app.topic(self.decisions_name, **RAW)
        self.lifecycle = app.topic(ctx.topic(LIFECYCLE), **RAW)
        self.steps = app.topic(self.steps_name, internal=True, partitions=partitions, **RAW)
        self.by_caller = app.topic(internal_topic(s, "cases-by-caller"), internal=True,
                                   partitions=partitions, **RAW)
        self.orders = app.topic(ctx.topic(ORDERS), **RAW)
        self.updates = app.topic(ctx.topic(CASES), **RAW)
        self.dead = DeadLetters(app, ctx)

    # --- fenliu-cases -------------------------------------------------------------------
    async def on_case_input(self, message: Any) -> None:
        if self.needs_recount:
            self.recount()
        stage = "cases"
        try:
            if message.topic == self.decisions_name:
                stage = "decode"
                record = self.ctx.codec.decode(message.value or b"", expect="Decision")
                stage = "cases"
                await self._decision(message, record)
            else:
                stage = "decode"
                record = self.ctx.codec.decode(message.value or b"", expect="LifecycleEvent")
                stage = "case-steps"
                await self._step(message, record)
            self._expire_cases(message.partition)
        except Exception as exc:  # noqa: BLE001 - errors are data: dead letter, go on
            await self.dead.send(message, stage, exc)

    async def _decision(self, message: Any, record: dict[str, Any]) -> None:
        call = incoming_call(record)
        if message.key is not None and message.key != call.case_key.encode():
            SKIPPED.labels("decision_key_mismatch").inc()  # still handled, by its own case key
        partition = message.partition
        self.cases.advance(partition, call.at_ms)
        stored = self.cases.get(call.case_key)
        bucket = CaseBucket.from_dict(stored) if stored else CaseBucket(call.case_key)
        outcome = apply_call(bucket, call, self.rules)
        await self._emit(record, outcome)
        if outcome.duplicate:
            REDELIVERED.inc()
            return
        self._store(partition, bucket, outcome.bucket)

    async def _emit(self, record: dict[str, Any], outcome: Outcome) -> None:
        """The order (new case, reopening) and the CaseUpdate of one call."""
        case, call = outcome.case, outcome.call
        if call.order_id is not None:
            order = order_record(record, case, call)
            await self.orders.send(key=call.order_id.encode(),
                                   value=self.ctx.codec.encode("DispatchOrder", order))
        loc = record["event"]["location"]
        place = place_key(record["route"]["grid_code"], loc["lon"], loc["lat"],
                          call.place.address_key, self.cell_m)
        update = call_update_record(record, case, call, place, outcome.related_case_id)
        value = self.ctx.codec.encode("CaseUpdate", update)
        await self.updates.send(key=record["case_key"].encode(), value=value)
        if call.caller_key:
            await self.by_caller.send(key=call.caller_key.encode(), value=value)
        if not outcome.duplicate:
            CALLS.labels(call.kind.value, call.rule.value).inc()
            if call.order_id is not None:
                ORDERS_MADE.labels("opened" if call.kind is UpdateKind.OPENED else "reopened").inc()

    async def _step(self, message: Any, record: dict[str, Any]) -> None:
        step = step_from_lifecycle(record)
        key = message.key.decode() if message.key else None
        if step is None or key is None or case_key_of(step.case_id) != key:
            SKIPPED.labels("step_not_for_cases").inc()
            return
        self.cases.advance(message.partition, step.at_ms)
        stored = self.cases.get(key)
        bucket = CaseBucket.from_dict(stored) if stored else CaseBucket(key)
        after, case, outcome = apply_step(bucket, step)
        STEPS.labels(step.kind.value, outcome.value).inc()
        if outcome not in (StepOutcome.APPLIED, StepOutcome.APPLIED_LATE) or case is None:
            return
        await self.updates.send(key=key.encode(), value=self.ctx.codec.encode(
            "CaseUpdate", step_update_record(key, case, step)))
        self._store(message.partition, bucket, after)

    def _store(self, partition: int, before: CaseBucket, after: CaseBucket) -> None:
        TRACKED.inc(len(after.cases) - len(before.cases))
        due = expires_at(after, self.rules)
        if due is None:
            self.cases.delete(partition, after.case_key)
        else:
            self.cases.put(partition, after.case_key, after.to_dict(), due)

    def _expire_cases(self, partition: int) -> None:
        """Drop what the partition's event time has made useless (a few per message)."""
        now = self.cases.clock(partition)
        for key in self.cases.due(partition):
            stored = self.cases.get(key)
            if not stored or now is None:
                continue
            before = CaseBucket.from_dict(stored)
            after = prune(before, now, self.rules)
            EXPIRED.labels("cases").inc(len(before.cases) - len(after.cases))
            self._store(partition, before, after)

    # --- fenliu-case-steps --------------------------------------------------------------
    async def forward_step(self, message: Any) -> None:
        """Send CLOSED/RETURNED to the partition of the case they belong to.

        Bad bytes are the SLA agent's to dead-letter (it reads the same topic); here
        they are only counted."""
        try:
            record = self.ctx.codec.decode(message.value or b"", expect="LifecycleEvent")
        except InvalidEvent:
            SKIPPED.labels("lifecycle_undecodable").inc()
            return
        if record["kind"] not in CLOSING_KINDS:
            return
        key = case_key_of(record["case_id"])
        if key is None:
            SKIPPED.labels("lifecycle_unknown_case_id").inc()
            return
        await self.steps.send(key=key.encode(), value=message.value)

    # --- fenliu-callers -----------------------------------------------------------------
    async def on_caller_update(self, message: Any) -> None:
        try:
            update = self.ctx.codec.decode(message.value or b"", expect="CaseUpdate")
            caller = update["caller_key"]
            if not caller:
                return
            at = epoch_ms(update["at"])
            partition = message.partition
            self.callers.advance(partition, at)
            stored = self.callers.get(caller)
            before = caller_history.CallerHistory.from_dict(stored) if stored else None
            after, changed = caller_history.observe(
                before, caller, update["update_id"], update["kind"], update["case_id"],
                update["class_code"], at)
            if changed:
                self.callers.put(partition, caller, after.to_dict(),
                                 after.last_seen_ms + self.caller_retention_ms)
                if after.calls == self.repeat_threshold:
                    REPEAT_CALLERS.inc()
            self._expire_callers(partition)
        except Exception as exc:  # noqa: BLE001 - errors are data: dead letter, go on
            await self.dead.send(message, "callers", exc)

    def _expire_callers(self, partition: int) -> None:
        for key in self.callers.due(partition):
            stored = self.callers.get(key)
            if stored is None:
                continue
            if stored["calls"] >= self.repeat_threshold:
                REPEAT_CALLERS.dec()
            self.callers.delete(partition, key)
            EXPIRED.labels("callers").inc()

    def caller(self, caller_key: str) -> dict[str, Any] | None:
        """A caller's history as this worker holds it (the web view)."""
        stored = self.callers.get(caller_key)
        if stored is None:
            return None
        return caller_history.CallerHistory.from_dict(stored).to_dict()

    def recount(self) -> None:
        """Gauges from the tables after an assignment (tables recovered); deltas after."""
        TRACKED.set(sum(len(v["cases"]) for _, v in self.cases.table.items() if v))
        REPEAT_CALLERS.set(sum(1 for _, v in self.callers.table.items()
                               if v and v["calls"] >= self.repeat_threshold))
        self.needs_recount = False


def install(app: faust.App, ctx: StreamsContext) -> CasesFeature:
    """Tables, topics, agents and the caller web view of the cases feature."""
    feature = CasesFeature(app, ctx)

    # internal=True makes Faust create the steps topic before subscribing; for
    # fenliu.decisions (made by `fenliu topics apply`) that declaration is a no-op.
    source = app.topic(feature.decisions_name, feature.steps_name, internal=True,
                       partitions=feature.partitions, **RAW)

    @app.agent(source, name="fenliu-cases")
    async def cases(stream: faust.StreamT) -> None:
        async for event in stream.events():
            await feature.on_case_input(event.message)

    @app.agent(feature.lifecycle, name="fenliu-case-steps")
    async def case_steps(stream: faust.StreamT) -> None:
        async for event in stream.events():
            await feature.forward_step(event.message)

    @app.agent(feature.by_caller, name="fenliu-callers")
    async def callers(stream: faust.StreamT) -> None:
        async for event in stream.events():
            await feature.on_caller_update(event.message)

    async def assignment_changed(*_args: Any, **_kwargs: Any) -> None:
        feature.cases.stale()
        feature.callers.stale()
        feature.needs_recount = True

    app.on_partitions_assigned.connect(assignment_changed)
    app.on_partitions_revoked.connect(assignment_changed)

    # Routed by the by-caller topic's own key hashing (the table's changelog keys are JSON,
    # which would hash to another partition than the one that owns the caller).
    @app.page("/cases/callers/{caller_key}/")
    @app.topic_route(topic=feature.by_caller, match_info="caller_key")
    async def caller_view(web: Any, request: Any, caller_key: str) -> Any:
        found = feature.caller(caller_key)
        if found is None:
            return web.json({"caller_key": caller_key, "found": False}, status=404)
        return web.json({**found, "found": True})

    return feature
