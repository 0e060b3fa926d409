"""Which record increments which counter behind the six rates (docs/rates.md).

Pure: the Faust agent in ``streams/worker/rates.py`` decodes records, keeps one ``OrderState`` per
order in a table, and applies the ``Count``/``Observe`` effects returned here to
prometheus-client metrics. Every step of an order counts at most once, so the effects of
any replay, duplicate or reordering of the same records add up to the same totals.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

from fenliu.schemas.records import (
    CaseUpdateKind,
    DispatchOrder,
    EventSource,
    LifecycleEvent,
    LifecycleKind,
    Satisfaction,
    epoch_ms,
)

UNKNOWN = "unknown"
SOURCE_LABEL: dict[str, str] = {EventSource.S110: "110", EventSource.S12345: "12345"}
ANSWERED = (Satisfaction.SATISFIED, Satisfaction.BASICALLY_SATISFIED, Satisfaction.DISSATISFIED)
UNREACHABLE = Satisfaction.UNREACHABLE.value


class Metric(StrEnum):
    """Counter names; the Prometheus name is ``fenliu_rates_<value>_total``."""

    CALLS = "calls"
    DIVERTED = "diverted"  # 110 calls sent on: DIVERT at once, or SUGGEST confirmed
    ORDERS = "orders"
    SIGNED = "signed"
    ARRIVED = "arrived"
    ARRIVED_WITHIN_TARGET = "arrived_within_target"
    FEEDBACK = "feedback"
    CLOSED = "closed"
    CLOSED_ON_SITE = "closed_on_site"
    FLOW_BACKS = "flow_backs"
    COMPLAINED = "complained"
    FOLLOWUPS = "followups"
    CASE_CALLS = "case_calls"
    DUPLICATES = "duplicates"
    UNKNOWN_ORDERS = "unknown_orders"

    @property
    def prometheus_name(self) -> str:
        return f"fenliu_rates_{self.value}_total"


ORDER_LABELS = ("unit", "class", "source")
#: Label names of every counter, in order.
LABELS: dict[Metric, tuple[str, ...]] = {
    Metric.CALLS: ("source", "town", "list"),
    Metric.DIVERTED: ("source", "town", "how"),
    **dict.fromkeys(
        (
            Metric.ORDERS,
            Metric.SIGNED,
            Metric.ARRIVED,
            Metric.ARRIVED_WITHIN_TARGET,
            Metric.FEEDBACK,
            Metric.CLOSED,
            Metric.CLOSED_ON_SITE,
            Metric.COMPLAINED,
        ),
        ORDER_LABELS,
    ),
    Metric.FLOW_BACKS: (*ORDER_LABELS, "via"),
    Metric.CASE_CALLS: (*ORDER_LABELS, "kind"),
    Metric.FOLLOWUPS: (*ORDER_LABELS, "satisfaction"),
    Metric.DUPLICATES: ("topic", "reason"),
    Metric.UNKNOWN_ORDERS: ("unit",),
}
#: Every (topic, reason) of ``fenliu_rates_duplicates_total``, created at 0 when the agent starts.
DUPLICATE_REASONS = (
    ("decisions", "decision_id"),
    ("cases", "update_id"),
    ("orders", "order_repeated"),
    ("lifecycle", "event_id"),
    ("lifecycle", "step_repeated"),
)
#: Stages of the latency histogram ``fenliu_rates_stage_seconds{stage,unit}``.
STAGE_OF_KIND: dict[str, str] = {
    LifecycleKind.SIGNED: "sign",
    LifecycleKind.ARRIVED: "arrive",
    LifecycleKind.FEEDBACK: "feedback",
    LifecycleKind.CLOSED: "close",
}
#: The step an order counts once, per lifecycle kind.
_STEP_OF_KIND: dict[str, str] = {
    LifecycleKind.SIGNED: "signed",
    LifecycleKind.ARRIVED: "arrived",
    LifecycleKind.FEEDBACK: "feedback",
    LifecycleKind.CLOSED: "closed",
    LifecycleKind.RETURNED: "flow_back",
    LifecycleKind.COMPLAINED: "complained",
}
_METRIC_OF_STEP = {
    "signed": Metric.SIGNED,
    "arrived": Metric.ARRIVED,
    "feedback": Metric.FEEDBACK,
    "closed": Metric.CLOSED,
    "complained": Metric.COMPLAINED,
}
#: CaseUpdate kinds that are calls (the cases agent writes one per decision it merged).
CALL_KINDS = (CaseUpdateKind.OPENED, CaseUpdateKind.REPEAT, CaseUpdateKind.FLOW_BACK)


@dataclass(frozen=True, slots=True)
class Count:
    """Add ``amount`` (0 = only create the series) to one labelled counter."""

    metric: Metric
    labels: tuple[str, ...]  # values, in the order of LABELS[metric]
    amount: int = 1


@dataclass(frozen=True, slots=True)
class Observe:
    """One latency, from the order's creation to a step, in event time."""

    stage: str
    unit: str
    seconds: float


Effect = Count | Observe


# --- records in ------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class DecisionFacts:
    decision_id: str
    source: str
    town: str
    list_name: str
    received_at_ms: int
    outcome: str | None = None  # None: written before outcomes existed

    @classmethod
    def from_record(cls, r: Mapping[str, Any]) -> DecisionFacts:
        event = r["event"]
        return cls(
            r["decision_id"],
            SOURCE_LABEL.get(event["source"], UNKNOWN),
            r["route"]["town_code"],
            r["list"],
            epoch_ms(event["received_at"]),
            r.get("outcome"),
        )


@dataclass(frozen=True, slots=True)
class OrderFacts:
    order_id: str
    unit: str
    class_code: str
    source: str
    created_at_ms: int

    @classmethod
    def from_record(cls, r: Mapping[str, Any]) -> OrderFacts:
        return cls.from_order(DispatchOrder.from_avro(r))

    @classmethod
    def from_order(cls, order: DispatchOrder) -> OrderFacts:
        return cls(
            order.order_id,
            order.unit_id,
            order.class_code,
            SOURCE_LABEL[order.source],
            order.created_at,
        )


@dataclass(frozen=True, slots=True)
class CaseCallFacts:
    """A call as the cases agent saw it: it opened a case, repeated one, or came back."""

    update_id: str
    kind: str  # OPENED, REPEAT, FLOW_BACK
    unit: str
    class_code: str
    source: str
    at_ms: int

    @classmethod
    def from_record(cls, r: Mapping[str, Any]) -> CaseCallFacts | None:
        """None for updates that are not calls (CLOSED, RETURNED: the unit's steps)."""
        if r["kind"] not in CALL_KINDS:
            return None
        return cls(
            r["update_id"],
            r["kind"],
            r.get("unit_id") or UNKNOWN,
            r["class_code"],
            SOURCE_LABEL.get(r.get("source") or "", UNKNOWN),
            epoch_ms(r["at"]),
        )


@dataclass(frozen=True, slots=True)
class LifecycleFacts:
    event_id: str
    order_id: str
    kind: str
    at_ms: int
    unit: str
    satisfaction: str | None = None
    resolved_on_site: bool | None = None

    @classmethod
    def from_record(cls, r: Mapping[str, Any]) -> LifecycleFacts:
        e = LifecycleEvent.from_avro(r)
        return cls(
            e.event_id, e.order_id, e.kind, e.at, e.unit_id, e.satisfaction, e.resolved_on_site
        )


# --- per-order state --------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class OrderState:
    """What has been counted for one order; the value of the ``rates-orders`` table."""

    labels: tuple[str, str, str] | None = None  # unit, class, source once the order is known
    created_at_ms: int | None = None
    counted: frozenset[str] = field(default_factory=frozenset)
    event_ids: tuple[str, ...] = ()
    touched_ms: int = 0  # latest event time of the order: its expiry is measured from here
    pending: tuple[LifecycleFacts, ...] = ()  # steps read before their order, not counted yet

    def to_json(self) -> dict[str, Any]:
        return {
            "l": list(self.labels) if self.labels else None,
            "c": self.created_at_ms,
            "k": sorted(self.counted),
            "e": list(self.event_ids),
            "t": self.touched_ms,
            "w": [list(_astuple(e)) for e in self.pending],
        }

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> OrderState:
        labels = d.get("l")
        pending = tuple(LifecycleFacts(*e) for e in d.get("w") or ())
        return cls(
            tuple(labels) if labels else None,
            d.get("c"),
            frozenset(d.get("k") or ()),
            tuple(d.get("e") or ()),
            int(d.get("t") or 0),
            pending,
        )


def _astuple(e: LifecycleFacts) -> tuple[Any, ...]:
    return (e.event_id, e.order_id, e.kind, e.at_ms, e.unit, e.satisfaction, e.resolved_on_site)


@dataclass(frozen=True, slots=True)
class Step:
    state: OrderState
    effects: tuple[Effect, ...]


def order_series(labels: tuple[str, str, str]) -> list[Count]:
    """Every per-order counter of one ``{unit,class,source}`` at 0, so rates show 0, not nothing."""
    zero = [Count(m, labels, 0) for m, names in LABELS.items() if names == ORDER_LABELS]
    zero += [Count(Metric.FLOW_BACKS, (*labels, via), 0) for via in ("returned", "recalled")]
    zero += [Count(Metric.CASE_CALLS, (*labels, kind), 0) for kind in CALL_KINDS]
    zero += [Count(Metric.FOLLOWUPS, (*labels, s), 0) for s in (*ANSWERED, UNREACHABLE)]
    return zero


def on_decision(d: DecisionFacts, *, seen_before: bool) -> list[Count]:
    """A call: counted once per decision id (both lists' series created for its town)."""
    if seen_before:
        return [Count(Metric.DUPLICATES, ("decisions", "decision_id"))]
    other = "POLICE" if d.list_name == "NON_POLICE" else "NON_POLICE"
    # 分流率 counts a diversion when it happens: DIVERT here, a confirmed SUGGEST when the
    # call-taker confirms (streams/worker/suggestions.py); a decision from before
    # outcomes existed counts as before, by its list.
    diverted = d.outcome == "DIVERT" or (d.outcome is None and d.list_name == "NON_POLICE")
    return [
        Count(Metric.CALLS, (d.source, d.town, other), 0),
        Count(Metric.CALLS, (d.source, d.town, d.list_name)),
        Count(Metric.DIVERTED, (d.source, d.town, "confirmed"), 0),
        Count(Metric.DIVERTED, (d.source, d.town, "divert"), int(diverted)),
    ]


def on_order(state: OrderState | None, order: OrderFacts, *, arrival_target_ms: int) -> Step:
    """An order record: dispatched the first time it is seen, then its waiting steps count."""
    s = state or OrderState()
    touched = max(s.touched_ms, order.created_at_ms)
    if s.labels is not None:
        dup = Count(Metric.DUPLICATES, ("orders", "order_repeated"))
        return Step(replace(s, touched_ms=touched), (dup,))
    labels, created, counted = (
        (order.unit, order.class_code, order.source),
        order.created_at_ms,
        s.counted,
    )
    effects: list[Effect] = [*order_series(labels), Count(Metric.ORDERS, labels)]
    for event in sorted(s.pending, key=lambda e: (e.at_ms, e.event_id)):
        counted, more = _count_step(counted, created, event, labels, arrival_target_ms)
        effects += more
    new = replace(
        s, labels=labels, created_at_ms=created, counted=counted, pending=(), touched_ms=touched
    )
    return Step(new, tuple(effects))


def on_case_call(call: CaseCallFacts, *, seen_before: bool) -> list[Count]:
    """A call the cases agent merged: opened a case, repeated one or flowed back; once per id."""
    if seen_before:
        return [Count(Metric.DUPLICATES, ("cases", "update_id"))]
    labels = (call.unit, call.class_code, call.source)
    out = [Count(Metric.CASE_CALLS, (*labels, kind), int(kind == call.kind)) for kind in CALL_KINDS]
    recalled = int(call.kind == CaseUpdateKind.FLOW_BACK)
    return out + [Count(Metric.FLOW_BACKS, (*labels, "recalled"), recalled)]


def on_lifecycle(
    state: OrderState | None, event: LifecycleFacts, *, arrival_target_ms: int, ids_kept: int
) -> Step:
    """A step of an order's life: counted at most once per order (see docs/rates.md).

    Before its order is known a step waits in the state (up to ``ids_kept`` of them) and
    counts when the order arrives; past that bound it counts at once, as of an unknown order.
    """
    s = state or OrderState()
    touched = max(s.touched_ms, event.at_ms)
    if event.event_id in s.event_ids or any(p.event_id == event.event_id for p in s.pending):
        dup = Count(Metric.DUPLICATES, ("lifecycle", "event_id"))
        return Step(replace(s, touched_ms=touched), (dup,))
    ids = (*s.event_ids, event.event_id)[-ids_kept:] if ids_kept > 0 else ()
    if s.labels is None and len(s.pending) < ids_kept:
        return Step(replace(s, event_ids=ids, touched_ms=touched, pending=(*s.pending, event)), ())
    effects: list[Effect] = []
    labels = s.labels
    if labels is None:
        labels = _unknown(event.unit)
        effects += _unknown_effects(event)
    counted, more = _count_step(s.counted, s.created_at_ms, event, labels, arrival_target_ms)
    effects += more
    return Step(replace(s, counted=counted, event_ids=ids, touched_ms=touched), tuple(effects))


def on_expire(state: OrderState, *, arrival_target_ms: int) -> list[Effect]:
    """An entry leaves the table: steps still waiting for an order that never came count now."""
    if state.labels is not None or not state.pending:
        return []
    counted: frozenset[str] = state.counted
    effects: list[Effect] = []
    for event in sorted(state.pending, key=lambda e: (e.at_ms, e.event_id)):
        effects += _unknown_effects(event)
        counted, more = _count_step(counted, None, event, _unknown(event.unit), arrival_target_ms)
        effects += more
    return effects


def _unknown(unit: str) -> tuple[str, str, str]:
    return (unit, UNKNOWN, UNKNOWN)


def _unknown_effects(event: LifecycleFacts) -> list[Effect]:
    """A step counted without its order: say so, and have its unknown-class series exist."""
    return [Count(Metric.UNKNOWN_ORDERS, (event.unit,)), *order_series(_unknown(event.unit))]


def _count_step(
    counted: frozenset[str],
    created_at_ms: int | None,
    event: LifecycleFacts,
    labels: tuple[str, str, str],
    arrival_target_ms: int,
) -> tuple[frozenset[str], list[Effect]]:
    """The counts of one step, unless the order already counted it."""
    step, counts = _step_counts(created_at_ms, event, labels, arrival_target_ms)
    if step is None:
        return counted, counts
    if step in counted:
        return counted, [Count(Metric.DUPLICATES, ("lifecycle", "step_repeated"))]
    return counted | {step}, counts


def _step_counts(
    created_at_ms: int | None,
    event: LifecycleFacts,
    labels: tuple[str, str, str],
    arrival_target_ms: int,
) -> tuple[str | None, list[Effect]]:
    """The step an event completes (None: it completes none) and what that step counts."""
    kind = event.kind
    if kind == LifecycleKind.FOLLOWED_UP:
        if event.satisfaction in ANSWERED:
            return "followup_answered", [Count(Metric.FOLLOWUPS, (*labels, event.satisfaction))]
        if event.satisfaction == UNREACHABLE:
            return "followup_unreachable", [Count(Metric.FOLLOWUPS, (*labels, UNREACHABLE))]
        return None, []
    step = _STEP_OF_KIND.get(kind)
    if step is None:
        return None, []
    if step == "flow_back":
        return step, [Count(Metric.FLOW_BACKS, (*labels, "returned"))]
    known = created_at_ms is not None
    elapsed_ms = max(0, event.at_ms - created_at_ms) if created_at_ms is not None else 0
    counts: list[Effect] = []
    if step != "arrived" or known:  # an arrival of an unknown order cannot be timed
        counts.append(Count(_METRIC_OF_STEP[step], labels))
    if step == "arrived" and known and elapsed_ms <= arrival_target_ms:
        counts.append(Count(Metric.ARRIVED_WITHIN_TARGET, labels))
    if step == "closed" and event.resolved_on_site:
        counts.append(Count(Metric.CLOSED_ON_SITE, labels))
    if known and kind in STAGE_OF_KIND:
        counts.append(Observe(STAGE_OF_KIND[kind], labels[0], elapsed_ms / 1000))
    return step, counts
