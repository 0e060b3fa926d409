"""SUGGEST orders held until the call-taker answers (issue 11; processors/suggestions.py).

The cases agent sends the order of a SUGGEST decision to the internal
``<app>-held-orders`` topic (keyed by decision id) instead of ``fenliu.orders``. The
``fenliu-suggestions`` agent reads it with ``fenliu.verdicts`` (same key, same
partitions); the SLA's ticks reach it through the one tick agent (``inputs.TickInput``,
under this feature's lock, so a tick never interleaves with an order or a verdict):
CONFIRMED sends the order on to ``fenliu.orders`` (the unit gets it, the SLA starts, 分流率 counts it); REJECTED, or no answer within
``FENLIU_CASE_SUGGEST_TIMEOUT_S`` of the call, leaves the call with the police, and the
timeout is written back to ``fenliu.verdicts`` as EXPIRED so the audit shows it.

The cases agent is keyed by case key, this one by decision id, so a kept call reaches
its case through ``<app>-case-verdicts``: a copy of the REJECTED or EXPIRED verdict that
names the case and the held order, keyed by the case key inside the case id (the same
partition as the case). The cases agent closes the case as KEPT_BY_POLICE.
A released order's windows start at the confirmation (``processors.suggestions.released_order``).

A tick looks only at what is due: the held entries' due times are kept in memory per
partition (``processors.rates_expiry.ExpiryIndex``), rebuilt from the table after every
assignment, so a tick costs what it expires, not what is held (issue 12: it decoded every
held entry on every tick of every partition, a few thousand at 600 calls/s).
"""

from __future__ import annotations

import asyncio
import base64
import json
from dataclasses import replace
from typing import Any

import faust
from prometheus_client import Counter, Gauge

from fenliu.processors import suggestions as pure
from fenliu.processors.rates import Metric
from fenliu.processors.rates_expiry import ExpiryIndex
from fenliu.processors.suggestions import Action, Held
from fenliu.streams.kafka.dead_letters import DeadLetters
from fenliu.streams.worker.clock import decode_tick
from fenliu.streams.worker.context import StreamsContext
from fenliu.streams.worker.inputs import hub
from fenliu.streams.worker.topics import input_partitions
from fenliu.topics.catalogue import ORDERS, VERDICTS

RAW: dict[str, Any] = {"key_serializer": "raw", "value_serializer": "raw"}
JSON: faust.Schema = faust.Schema(key_serializer="json", value_serializer="json")

SUGGESTIONS = Counter(
    "fenliu_suggestions_total",
    "SUGGEST orders by how they ended (released, kept, expired)",
    ["action"],
)
HELD = Gauge("fenliu_suggestions_held", "SUGGEST orders this worker holds for an answer")


def held_topic_name(ctx: StreamsContext) -> str:
    s = ctx.settings
    return f"{s.topics.prefix}{s.streams.app_id}-held-orders"


def case_verdicts_topic_name(ctx: StreamsContext) -> str:
    """The cases agent's input of kept SUGGEST calls (keyed by case key)."""
    s = ctx.settings
    return f"{s.topics.prefix}{s.streams.app_id}-case-verdicts"


def is_held(decision: dict[str, Any]) -> bool:
    """Orders of a SUGGEST decision wait for the call-taker."""
    return decision.get("outcome") == "SUGGEST"


def held_message(decision: dict[str, Any], order_id: str, order: bytes) -> bytes:
    """The internal held-orders value: the encoded order and what the timer needs."""
    return json.dumps(
        {
            "decision_id": decision["decision_id"],
            "order_id": order_id,
            "town": decision["route"]["town_code"],
            "at": _ms(decision["event"]["received_at"]),
            "order": base64.b64encode(order).decode("ascii"),
        }
    ).encode()


def _ms(value: Any) -> int:
    return value if isinstance(value, int) else int(value.timestamp() * 1000)


class SuggestionsFeature:
    def __init__(self, app: faust.App, ctx: StreamsContext) -> None:
        s = ctx.settings
        self.ctx = ctx
        self.timeout_ms = s.cases.suggest_timeout_s * 1000
        self.held_name = held_topic_name(ctx)
        self.verdicts_name = ctx.topic(VERDICTS)
        self.lock = asyncio.Lock()  # the tick agent's expiries against this agent's steps
        self.table = app.Table(
            "held-suggestions",
            default=None,
            partitions=s.topics.partitions,
            schema=JSON,
            help="SUGGEST orders waiting for an answer (Held)",
        )
        self.orders = app.topic(ctx.topic(ORDERS), **RAW)
        self.verdicts = app.topic(self.verdicts_name, **RAW)
        # Co-partitioned with fenliu.decisions: the cases agent reads it (streams.worker.cases).
        self.case_verdicts = app.topic(
            case_verdicts_topic_name(ctx),
            internal=True,
            partitions=input_partitions(s),
            **RAW,
        )
        self.due = ExpiryIndex(ttl_ms=0)  # (partition, decision id, due ms) of the table
        self.due_stale = True  # rebuilt from the table before the next tick
        self.dead = DeadLetters(app, ctx)
        from fenliu.streams.worker.rates import COUNTERS  # the 分流率 numerator lives there

        self.counts = COUNTERS

    def _get(self, key: str) -> Held | None:
        stored = self.table.get(key)
        return Held.from_dict(stored) if stored else None

    async def on_tick(self, event: Any) -> None:
        """A tick of the shared tick agent: expire what waited too long on its partition
        (a bad tick is the SLA's to count)."""
        message = event.message
        at = decode_tick(message.value)
        if at is None:
            return
        async with self.lock:
            try:
                await self._tick(message.partition, at)
            except Exception as exc:  # noqa: BLE001 - errors are data: dead letter, go on
                self.due_stale = True  # what this tick took from the index is tried again
                await self.dead.send(message, "suggestions", exc)

    async def on_message(self, message: Any) -> None:
        async with self.lock:
            await self._on_message(message)

    async def _on_message(self, message: Any) -> None:
        try:
            if message.topic == self.held_name:
                m = json.loads(message.value)
                key = m["decision_id"]
                before = self._get(key)
                after, action = pure.on_order(
                    before,
                    key,
                    message.partition,
                    m["at"],
                    self.timeout_ms,
                    m["order_id"],
                    m["order"],
                    m["town"],
                )
            else:
                v = self.ctx.codec.decode(message.value or b"", expect="CallTakerVerdict")
                key = v["decision_id"]
                before = self._get(key)
                after, action = pure.on_verdict(
                    before,
                    key,
                    message.partition,
                    v["verdict"],
                    _ms(v["at"]),
                    self.timeout_ms,
                    v["by"],
                )
            await self._act(after, action)
            if after is not None and action is not Action.IGNORE:
                self.table[key] = after.to_dict()
                self.due.touch(after.partition, key, after.due_ms)
                _count_held(before, after)
        except Exception as exc:  # noqa: BLE001 - errors are data: dead letter, go on
            await self.dead.send(message, "suggestions", exc)

    async def _act(self, held: Held | None, action: Action) -> None:
        if held is None or action in (Action.WAIT, Action.IGNORE, Action.DROP):
            return
        SUGGESTIONS.labels(action.value).inc()
        if action is Action.RELEASE and held.order_id and held.order:
            order = self.ctx.codec.decode(base64.b64decode(held.order), expect="DispatchOrder")
            released = pure.released_order(order, held.answered_ms or 0)
            await self.orders.send(
                key=held.order_id.encode(),
                value=self.ctx.codec.encode("DispatchOrder", released),
            )
            self.counts.inc(Metric.DIVERTED, ("110", held.town, "confirmed"))
        elif action in (Action.KEEP, Action.EXPIRE) and held.order and held.verdict:
            await self._keep(held, held.verdict, held.answered_ms or 0)

    async def _keep(self, held: Held, verdict: str, at_ms: int) -> None:
        """The police keep the call: tell the cases agent, on its case's partition."""
        order = self.ctx.codec.decode(base64.b64decode(held.order or ""), expect="DispatchOrder")
        record = pure.keeping_record(held, verdict, at_ms, order["case_id"], order["order_id"])
        await self.case_verdicts.send(
            key=record["case_key"].encode(),
            value=self.ctx.codec.encode("CallTakerVerdict", record),
        )

    def stale(self) -> None:
        """Assignment changed: the due index is rebuilt before the next tick."""
        self.due_stale = True

    def _index_if_stale(self) -> None:
        if not self.due_stale:
            return
        entries = [Held.from_dict(v) for _, v in list(self.table.items()) if v]
        self.due.rebuild((h.partition, h.decision_id, h.due_ms) for h in entries)
        HELD.set(sum(1 for h in entries if pure.waiting(h)))
        self.due_stale = False

    async def _tick(self, partition: int, now_ms: int) -> None:
        self._index_if_stale()
        keys = self.due.pop_due(partition, self.due.size(partition), now_ms=now_ms)
        entries = [Held.from_dict(v) for k in keys if (v := self.table.get(k))]
        for held, action in pure.on_tick(entries, partition, now_ms):
            _count_held(held, None)
            if action is Action.EXPIRE:
                await self._expire(held, now_ms)
            del self.table[held.decision_id]

    async def _expire(self, held: Held, now_ms: int) -> None:
        """The police keep it; the EXPIRED note goes on the verdicts topic for the audit
        (naming the case and the held order) and to the cases agent."""
        expired = replace(held, verdict=pure.EXPIRED, answered_ms=now_ms, by="fenliu-worker")
        await self._act(expired, Action.EXPIRE)
        order = self.ctx.codec.decode(base64.b64decode(held.order or ""), expect="DispatchOrder")
        record = pure.keeping_record(
            expired, pure.EXPIRED, now_ms, order["case_id"], order["order_id"]
        )
        await self.verdicts.send(
            key=held.decision_id.encode(), value=self.ctx.codec.encode("CallTakerVerdict", record)
        )


def _count_held(before: Held | None, after: Held | None) -> None:
    """The held gauge follows each entry's change (an answer may come before its order:
    counting by action took one off that was never added, and the gauge went below 0)."""
    change = int(pure.waiting(after)) - int(pure.waiting(before))
    if change:
        HELD.inc(change)


def install(app: faust.App, ctx: StreamsContext) -> SuggestionsFeature:
    """The table and the agent of held suggestions."""
    feature = SuggestionsFeature(app, ctx)
    source = app.topic(
        feature.held_name,
        feature.verdicts_name,
        internal=True,
        partitions=ctx.settings.topics.partitions,
        **RAW,
    )

    @app.agent(source, name="fenliu-suggestions")
    async def suggestions(stream: faust.StreamT) -> None:
        async for event in stream.events():
            await feature.on_message(event.message)

    hub(app).ticks(app, ctx).subscribe(feature.on_tick)

    async def assignment_changed(*_args: Any, **_kwargs: Any) -> None:
        feature.stale()

    app.on_partitions_assigned.connect(assignment_changed)
    app.on_partitions_revoked.connect(assignment_changed)

    return feature
