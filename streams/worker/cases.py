"""Cases and repeat callers in the Faust worker (docs/streams.md).

One agent, ``fenliu-cases``, reads ``fenliu.decisions`` and the internal
``<app>-case-steps`` (both keyed by case key, so co-partitioned), decoding each record once:

* each decision becomes a new case (one ``DispatchOrder`` on ``fenliu.orders``), a repeat
  or a flow-back (``processors.merge``, over the cases ``processors.case_index`` finds);
  each step closes or returns a case. Every change is a ``CaseUpdate`` on ``fenliu.cases``;
* the caller's history is counted right there (table ``callers``, one part per caller and
  partition), and the update is handed in-process to the hotspot and rates features
  (``streams.worker.inputs``), which no longer read ``fenliu.cases`` back.

CLOSED and RETURNED reach the case-steps topic from the shared ``fenliu-orders`` agent
(``fenliu.orders`` + ``fenliu.lifecycle``), which forwards them keyed by the case key
inside the case id. A SUGGEST call the police keep (REJECTED, or EXPIRED unanswered)
reaches it on ``<app>-case-verdicts`` from the suggestions agent, keyed the same way: the
case closes as KEPT_BY_POLICE.

State is one table entry per case (``cases``: case id -> the case), so a decision reads
the few cases sharing its caller or place and writes one entry, whatever is open.
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
from fenliu.processors.case_index import CallResult, CaseBook, Write
from fenliu.processors.case_records import (
    call_update_record,
    incoming_call,
    order_record,
    step_from_lifecycle,
    step_from_verdict,
    step_update_record,
)
from fenliu.processors.case_state import UpdateKind, case_key_of
from fenliu.processors.hotspot import place_key
from fenliu.processors.merge import MergeRules, StepOutcome
from fenliu.processors.model import InvalidEvent
from fenliu.schemas.records import CLOSING_KINDS, epoch_ms
from fenliu.settings import Settings
from fenliu.streams.kafka.dead_letters import DeadLetters
from fenliu.streams.worker import suggestions
from fenliu.streams.worker.context import StreamsContext
from fenliu.streams.worker.inputs import CASE_CALLS, CASE_UPDATES, ORDERS_AND_LIFECYCLE, hub
from fenliu.streams.worker.table_store import ExpiringTable, json_table
from fenliu.streams.worker.topics import DirectTopic, input_partitions
from fenliu.topics.catalogue import CASES, DECISIONS, LIFECYCLE, ORDERS

log = logging.getLogger(__name__)
DAY_MS = 86_400_000
RAW: dict[str, Any] = {"key_serializer": "raw", "value_serializer": "raw"}

CALLS = Counter(
    "fenliu_cases_calls_total", "Decisions by what they did to the cases", ["kind", "rule"]
)
ORDERS_MADE = Counter("fenliu_cases_orders_total", "Dispatch orders made", ["reason"])
REDELIVERED = Counter(
    "fenliu_cases_redelivered_total",
    "Decisions seen before (re-delivery); their outputs were sent again",
)
STEPS = Counter(
    "fenliu_cases_steps_total", "Lifecycle steps by what they did to the cases", ["kind", "outcome"]
)
SKIPPED = Counter(
    "fenliu_cases_skipped_total",
    "Messages the cases agents ignored, counted (never fatal)",
    ["reason"],
)
EXPIRED = Counter("fenliu_cases_expired_total", "Entries dropped by event-time expiry", ["table"])
TRACKED = Gauge("fenliu_cases_tracked", "Cases (open and recently closed) this worker holds")
REPEAT_CALLERS = Gauge(
    "fenliu_cases_repeat_callers",
    "Caller histories (per caller and partition) this worker holds with at"
    " least FENLIU_CALLER_REPEAT_THRESHOLD calls",
)


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


def caller_part(caller_key: str, partition: int) -> str:
    """Table key of one caller's history on one partition (a caller's calls about several
    towns and classes land on several partitions; each partition writes only its part)."""
    return f"{caller_key}|{partition}"


class CasesFeature:
    """The state and the handlers behind the cases agent."""

    def __init__(self, app: faust.App, ctx: StreamsContext) -> None:
        s = ctx.settings
        self.ctx = ctx
        self.lifecycle_name = ctx.topic(LIFECYCLE)
        self.rules = merge_rules(s)
        self.cell_m = s.cases.geo_cell_m
        self.caller_retention_ms = s.cases.caller_history_days * DAY_MS
        self.repeat_threshold = s.cases.caller_repeat_threshold
        partitions = self.partitions = input_partitions(s)
        self.decisions_name = ctx.topic(DECISIONS)
        self.steps_name = internal_topic(s, "case-steps")
        self.verdicts_name = suggestions.case_verdicts_topic_name(ctx)
        # JSON keys and values (held as bytes, ``table_store.json_table``): Faust recovers a
        # table with the serializers of its types whatever schema wrote the changelog, and a
        # record it cannot decode stalls recovery.
        self.cases = ExpiringTable(
            json_table(
                app, "cases", partitions, "open and recently closed cases, one entry per case id"
            ),
            "cases",
        )
        self.book = CaseBook(self.rules, self.cases.table.get)
        self.book_stale = True
        self.callers = ExpiringTable(
            json_table(
                app,
                "callers",
                partitions,
                "history per caller key and partition (CallerHistory as a dict)",
            ),
            "callers",
        )
        self.needs_recount = True
        # Outputs go straight to the producer (streams.worker.topics.DirectTopic).
        self.steps = DirectTopic(
            app, app.topic(self.steps_name, internal=True, partitions=partitions, **RAW)
        )
        self.orders = DirectTopic(app, app.topic(ctx.topic(ORDERS), **RAW))
        self.held = DirectTopic(app, app.topic(suggestions.held_topic_name(ctx), **RAW))
        self.updates = DirectTopic(app, app.topic(ctx.topic(CASES), **RAW))
        self.dead = DeadLetters(app, ctx)
        self.calls_feed = hub(app).feed(CASE_CALLS)
        self.updates_feed = hub(app).feed(CASE_UPDATES)

    # --- fenliu-cases -------------------------------------------------------------------
    async def on_case_input(
        self, event: Any, record: dict[str, Any] | None, error: InvalidEvent | None
    ) -> None:
        message = event.message
        if self.needs_recount or self.book_stale:
            self.refresh()
        stage = "decode"
        try:
            if error is not None:
                raise error
            assert record is not None
            if message.topic == self.decisions_name:
                stage = "cases"
                await self._decision(message, record)
            else:  # a unit's CLOSED/RETURNED, or a kept SUGGEST call's verdict
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
        result = self.book.apply_call(call)
        update = await self._emit(record, result)
        if result.duplicate:
            REDELIVERED.inc()
        else:
            self._store(partition, result.writes)
            self._count_caller(partition, update)
        await self.calls_feed.publish(partition, record, update, result.duplicate)
        await self.updates_feed.publish(partition, update)

    async def _emit(self, record: dict[str, Any], result: CallResult) -> dict[str, Any]:
        """The order (new case, reopening) and the CaseUpdate of one call."""
        case, call = result.case, result.call
        if call.order_id is not None:
            order = self.ctx.codec.encode("DispatchOrder", order_record(record, case, call))
            if suggestions.is_held(record):
                await self.held.send(
                    key=record["decision_id"].encode(),
                    value=suggestions.held_message(record, call.order_id, order),
                )
            else:
                await self.orders.send(key=call.order_id.encode(), value=order)
        loc = record["event"]["location"]
        place = place_key(
            record["route"]["grid_code"],
            loc["lon"],
            loc["lat"],
            call.place.address_key,
            self.cell_m,
        )
        update = call_update_record(record, case, call, place, result.related_case_id)
        await self.updates.send(
            key=record["case_key"].encode(), value=self.ctx.codec.encode("CaseUpdate", update)
        )
        if not result.duplicate:
            CALLS.labels(call.kind.value, call.rule.value).inc()
            if call.order_id is not None:
                ORDERS_MADE.labels("opened" if call.kind is UpdateKind.OPENED else "reopened").inc()
        return update

    async def _step(self, message: Any, record: dict[str, Any]) -> None:
        if message.topic == self.verdicts_name:
            step = step_from_verdict(record)
        else:
            step = step_from_lifecycle(record)
        key = message.key.decode() if message.key else None
        if step is None or key is None or case_key_of(step.case_id) != key:
            SKIPPED.labels("step_not_for_cases").inc()
            return
        self.cases.advance(message.partition, step.at_ms)
        case, outcome, writes = self.book.apply_step(step)
        STEPS.labels(step.kind.value, outcome.value).inc()
        if outcome not in (StepOutcome.APPLIED, StepOutcome.APPLIED_LATE) or case is None:
            return
        update = step_update_record(key, case, step)
        await self.updates.send(key=key.encode(), value=self.ctx.codec.encode("CaseUpdate", update))
        self._store(message.partition, writes)
        await self.updates_feed.publish(message.partition, update)

    def _store(self, partition: int, writes: tuple[Write, ...] | list[Write]) -> None:
        for w in writes:
            if w.entry is None:
                if w.case_id in self.cases.table:
                    TRACKED.dec()
                self.cases.delete(partition, w.case_id)
            else:
                if w.case_id not in self.cases.table:
                    TRACKED.inc()
                self.cases.put(partition, w.case_id, w.entry, w.due_ms)

    def _expire_cases(self, partition: int) -> None:
        """Drop what the partition's event time has made useless (a few per message)."""
        now = self.cases.clock(partition)
        if now is None:
            return
        gone = []
        for case_id in self.cases.due(partition):
            if self.book.due(case_id, now):
                gone.append(self.book.drop(case_id))
            else:  # changed since it was scheduled: keep it scheduled at its new time
                self.cases.index.touch(partition, case_id, self.book.drop_at_ms(case_id))
        if gone:
            EXPIRED.labels("cases").inc(len(gone))
            self._store(partition, gone)

    # --- caller history, counted where the call is --------------------------------------
    def _count_caller(self, partition: int, update: dict[str, Any]) -> None:
        caller = update["caller_key"]
        if not caller:
            return
        at = epoch_ms(update["at"])
        key = caller_part(caller, partition)
        self.callers.advance(partition, at)
        stored = self.callers.get(key)
        before = caller_history.CallerHistory.from_dict(stored) if stored else None
        after, changed = caller_history.observe(
            before,
            caller,
            update["update_id"],
            update["kind"],
            update["case_id"],
            update["class_code"],
            at,
        )
        if changed:
            self.callers.put(
                partition, key, after.to_dict(), after.last_seen_ms + self.caller_retention_ms
            )
            if after.calls == self.repeat_threshold:
                REPEAT_CALLERS.inc()
        self._expire_callers(partition)

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
        """A caller's history over the partitions this worker holds (the web view)."""
        parts = [
            caller_history.CallerHistory.from_dict(v)
            for p in range(self.partitions)
            if (v := self.callers.get(caller_part(caller_key, p))) is not None
        ]
        if not parts:
            return None
        return {
            **caller_history.combine(parts).to_dict(),
            "partitions": sorted(
                p
                for p in range(self.partitions)
                if self.callers.get(caller_part(caller_key, p)) is not None
            ),
        }

    def refresh(self) -> None:
        """After an assignment (tables recovered): the case index and the gauges again."""
        if self.book_stale:
            self.book.rebuild((k, v) for k, v in self.cases.table.items() if v)
            self.book_stale = False
        TRACKED.set(len(self.book))
        REPEAT_CALLERS.set(
            sum(
                1
                for _, v in self.callers.table.items()
                if v and v["calls"] >= self.repeat_threshold
            )
        )
        self.needs_recount = False

    # --- steps for the cases, from the shared orders + lifecycle agent -----------------
    async def forward_step(
        self, event: Any, record: dict[str, Any] | None, error: InvalidEvent | None
    ) -> None:
        """Send CLOSED/RETURNED to the partition of the case they belong to.

        Bad bytes are the SLA feature's to dead-letter; here they are only counted."""
        message = event.message
        if message.topic != self.lifecycle_name:
            return
        if record is None:
            SKIPPED.labels("lifecycle_undecodable").inc()
            return
        if record["kind"] not in CLOSING_KINDS:
            return
        key = case_key_of(record["case_id"])
        if key is None:
            SKIPPED.labels("lifecycle_unknown_case_id").inc()
            return
        await self.steps.send(key=key.encode(), value=message.value)


def install(app: faust.App, ctx: StreamsContext) -> CasesFeature:
    """Tables, topics, the cases agent and the caller web view of the cases feature."""
    feature = CasesFeature(app, ctx)
    shared = hub(app)
    # internal=True makes Faust create the steps topic before subscribing; for
    # fenliu.decisions (made by `fenliu topics apply`) that declaration is a no-op.
    shared.input(
        app,
        ctx,
        "fenliu-cases",
        {
            feature.decisions_name: "Decision",
            feature.steps_name: "LifecycleEvent",
            feature.verdicts_name: "CallTakerVerdict",
        },
        internal=True,
        partitions=feature.partitions,
    ).subscribe(feature.on_case_input)
    shared.input(
        app,
        ctx,
        ORDERS_AND_LIFECYCLE,
        {ctx.topic(ORDERS): "DispatchOrder", ctx.topic(LIFECYCLE): "LifecycleEvent"},
    ).subscribe(feature.forward_step)

    async def assignment_changed(*_args: Any, **_kwargs: Any) -> None:
        feature.cases.stale()
        feature.callers.stale()
        feature.book_stale = True
        feature.needs_recount = True

    app.on_partitions_assigned.connect(assignment_changed)
    app.on_partitions_revoked.connect(assignment_changed)

    @app.page("/cases/callers/{caller_key}/")
    async def caller_view(web: Any, request: Any, caller_key: str) -> Any:
        found = feature.caller(caller_key)
        if found is None:
            return web.json({"caller_key": caller_key, "found": False}, status=404)
        return web.json({**found, "found": True})

    return feature
