"""SLA deadlines of open orders: a time-bucketed index and the escalation state machine.

Pure: time comes in as arguments (``tick(now_ms)``), state lives in a mapping the caller
provides (a dict in tests and benchmarks, the changelogged Faust table in the worker).
The index is derived from that state only, so after a restart or a rebalance
``SlaBook.rebuild`` makes it again and nothing fires twice: what fired is in the state.

A tick costs what is due, not what is open: each order sits in the index once, under the
time its next alert (or its expiry) is due, and a tick pops the buckets up to now.
"""

from __future__ import annotations

import heapq
from collections import Counter
from collections.abc import Hashable, Iterable, Iterator, MutableMapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Generic, TypeVar

from fenliu.processors.sla_alerts import (
    LEVELS,
    LIFECYCLE_CLOSES,
    LIFECYCLE_IMPLIES,
    RECORDED_ONLY,
    EscalationPolicy,
    alert_id,
    elapsed_ratio,
)
from fenliu.processors.sla_policy import STAGE_ORDER
from fenliu.schemas.records import LifecycleKind, SlaAlert

K = TypeVar("K", bound=Hashable)


class DeadlineIndex(Generic[K]):
    """Keys by the time they are due: buckets of ``bucket_ms`` and a min-heap of bucket numbers.

    Each key is in the index at most once (``schedule`` moves it). ``pop_due(now)`` takes
    every key due at or before ``now``: whole past buckets plus the due part of the
    current one, so its cost is the due keys and at most one bucket more. A bucket exists
    exactly while its number is in the heap; ``cancel`` may leave it empty, and the
    heap drops it when it comes round.
    """

    def __init__(self, bucket_ms: int = 1000) -> None:
        if bucket_ms <= 0:
            raise ValueError("bucket_ms must be positive")
        self.bucket_ms = bucket_ms
        self._buckets: dict[int, dict[K, int]] = {}
        self._heap: list[int] = []
        self._due: dict[K, int] = {}

    def __len__(self) -> int:
        return len(self._due)

    def __contains__(self, key: object) -> bool:
        return key in self._due

    def due_at(self, key: K) -> int | None:
        return self._due.get(key)

    def schedule(self, key: K, at_ms: int) -> None:
        """Put ``key`` under ``at_ms``, replacing where it was."""
        if self._due.get(key) == at_ms:
            return
        self.cancel(key)
        number = at_ms // self.bucket_ms
        bucket = self._buckets.get(number)
        if bucket is None:
            bucket = self._buckets[number] = {}
            heapq.heappush(self._heap, number)
        bucket[key] = at_ms
        self._due[key] = at_ms

    def cancel(self, key: K) -> None:
        at = self._due.pop(key, None)
        if at is not None:
            del self._buckets[at // self.bucket_ms][key]

    def next_due(self) -> int | None:
        """The earliest due time in the index (for a sleep until then), or None."""
        while self._heap:
            bucket = self._buckets[self._heap[0]]
            if bucket:
                return min(bucket.values())
            del self._buckets[heapq.heappop(self._heap)]
        return None

    def pop_due(self, now_ms: int) -> list[K]:
        """Remove and return every key due at or before ``now_ms``, earliest first."""
        due: list[tuple[int, K]] = []
        while self._heap and self._heap[0] * self.bucket_ms <= now_ms:
            number = self._heap[0]
            bucket = self._buckets[number]
            if (number + 1) * self.bucket_ms - 1 <= now_ms:  # the whole bucket is due
                heapq.heappop(self._heap)
                del self._buckets[number]
                due.extend((at, key) for key, at in bucket.items())
            else:  # the current bucket: only its due part
                ripe = [(at, key) for key, at in bucket.items() if at <= now_ms]
                for _, key in ripe:
                    del bucket[key]
                due.extend(ripe)
                break
        for _, key in due:
            del self._due[key]
        due.sort(key=lambda pair: pair[0])
        return [key for _, key in due]


@dataclass(frozen=True, slots=True)
class OrderInfo:
    """What an alert says about its order (from the ``DispatchOrder``)."""

    case_id: str
    unit_id: str
    town_code: str
    class_code: str
    created_at_ms: int  # start of every stage's window


@dataclass(slots=True)
class StageState:
    """One stage of one order: its deadline, how many levels fired, whether it is done."""

    due_at_ms: int
    fired: int = 0  # LEVELS[:fired] have fired
    closed_at_ms: int | None = None
    closed_by: str | None = None  # the lifecycle kind that closed it

    @property
    def open(self) -> bool:
        return self.closed_at_ms is None

    @property
    def pending(self) -> bool:
        """Open with a level still to fire."""
        return self.closed_at_ms is None and self.fired < len(LEVELS)


@dataclass(slots=True)
class OrderSla:
    """Everything the SLA feature keeps about one order (a Faust table value as a dict).

    ``info`` is None while only lifecycle events have arrived (they wait in ``early``
    for the order). ``expire_at_ms`` is set when nothing is pending any more: the state
    is kept until then so late lifecycle events still find their order.
    """

    order_id: str
    partition: int = 0  # the input partition that owns the order: which index holds it
    info: OrderInfo | None = None
    stages: dict[str, StageState] = field(default_factory=dict)
    early: list[tuple[str, int, str]] = field(default_factory=list)  # (kind, at, event id)
    seen_events: list[str] = field(default_factory=list)  # the last few, for duplicates
    returned: int = 0
    complained: int = 0
    expire_at_ms: int | None = None

    def open_stages(self) -> Iterator[str]:
        return (name for name, st in self.stages.items() if st.open)

    def next_alert_at(self, policy: EscalationPolicy) -> int | None:
        if self.info is None:
            return None
        start = self.info.created_at_ms
        times = [
            policy.fire_times(start, st.due_at_ms)[st.fired]
            for st in self.stages.values()
            if st.pending
        ]
        return min(times, default=None)

    def wake_at(self, policy: EscalationPolicy) -> int | None:
        """When the index must look at this order again: its next alert, else its expiry."""
        at = self.next_alert_at(policy)
        return at if at is not None else self.expire_at_ms

    def to_dict(self) -> dict[str, Any]:
        info = self.info
        return {
            "order_id": self.order_id,
            "partition": self.partition,
            "info": None
            if info is None
            else {
                "case_id": info.case_id,
                "unit_id": info.unit_id,
                "town_code": info.town_code,
                "class_code": info.class_code,
                "created_at_ms": info.created_at_ms,
            },
            "stages": {
                name: [st.due_at_ms, st.fired, st.closed_at_ms, st.closed_by]
                for name, st in self.stages.items()
            },
            "early": [list(e) for e in self.early],
            "seen_events": list(self.seen_events),
            "returned": self.returned,
            "complained": self.complained,
            "expire_at_ms": self.expire_at_ms,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> OrderSla:
        info = d.get("info")
        return cls(
            order_id=d["order_id"],
            partition=d.get("partition", 0),
            info=None if info is None else OrderInfo(**info),
            stages={name: StageState(*values) for name, values in d.get("stages", {}).items()},
            early=[(k, at, ev) for k, at, ev in d.get("early", [])],
            seen_events=list(d.get("seen_events", [])),
            returned=d.get("returned", 0),
            complained=d.get("complained", 0),
            expire_at_ms=d.get("expire_at_ms"),
        )


class OrderOutcome(StrEnum):
    NEW = "new"
    DUPLICATE = "duplicate"  # the same deadlines again (a re-sent order)
    UPDATED = "updated"  # new or moved deadlines: those stages start over


class LifecycleOutcome(StrEnum):
    CLOSED = "closed"  # closed at least one open stage
    DUPLICATE = "duplicate"  # an event id seen before, or its stages were closed by this kind
    OUT_OF_ORDER = "out_of_order"  # its stages were already closed by a later step
    NO_SUCH_STAGE = "no_such_stage"  # the order has none of its stages (PHONED on a 12345 order)
    RECORDED = "recorded"  # RETURNED, COMPLAINED: counted, closes nothing
    EARLY = "early"  # the order is not known (yet): kept for it until the orphan TTL
    UNKNOWN_KIND = "unknown_kind"


@dataclass(frozen=True, slots=True)
class BookConfig:
    policy: EscalationPolicy = field(default_factory=EscalationPolicy)
    bucket_ms: int = 1000
    orphan_ttl_ms: int = 3_600_000  # lifecycle events wait this long for their order
    done_retention_ms: int = 86_400_000  # a finished order is kept this long for late events
    seen_events: int = 16  # event ids remembered per order


@dataclass(slots=True)
class TickResult:
    alerts: list[SlaAlert]
    expired_orphans: int = 0  # lifecycle events whose order never came
    expired_done: int = 0  # finished orders dropped after their retention


class SlaBook:
    """Open orders of one partition: their stages, the index, and the firing.

    ``store`` holds the state by order id and is the truth; the index only says when to
    look. Call ``tick(now)`` after ``open``/``lifecycle`` to fire what is already due.
    """

    def __init__(
        self,
        config: BookConfig,
        store: MutableMapping[str, OrderSla] | None = None,
        partition: int = 0,
    ) -> None:
        self.config = config
        self.store: MutableMapping[str, OrderSla] = {} if store is None else store
        self.partition = partition
        self.index: DeadlineIndex[str] = DeadlineIndex(config.bucket_ms)
        self.now_ms = 0  # the latest tick: the clock never goes back
        self.open_stages: Counter[str] = Counter()  # stages not closed yet, by name (a gauge)
        self.open_orders = 0  # orders with at least one open stage

    # --- input -----------------------------------------------------------------
    def open(
        self, order_id: str, info: OrderInfo, deadlines: Iterable[tuple[str, int]]
    ) -> OrderOutcome:
        """A dispatch order: start watching its deadlines (a re-sent one changes nothing)."""
        state = self.store.get(order_id)
        if state is None:
            state = OrderSla(order_id, self.partition)
        self._count(state, -1)
        outcome = _merge_order(state, info, dict(deadlines))
        for kind, at, event_id in state.early:  # steps reported before the order came
            _apply_step(state, kind, at, event_id, self.config.seen_events)
        state.early.clear()
        state.expire_at_ms = None
        self._settle(state, self.now_ms)
        return outcome

    def lifecycle(self, order_id: str, kind: str, at_ms: int, event_id: str) -> LifecycleOutcome:
        state = self.store.get(order_id)
        if state is None or state.info is None:
            return self._park(state, order_id, kind, at_ms, event_id)
        self._count(state, -1)
        outcome = _apply_step(state, kind, at_ms, event_id, self.config.seen_events)
        self._settle(state, max(self.now_ms, at_ms))
        return outcome

    def tick(self, now_ms: int) -> TickResult:
        """Fire every alert due by ``now_ms`` (each once) and drop expired states."""
        now = self.now_ms = max(self.now_ms, now_ms)
        result = TickResult([])
        for order_id in self.index.pop_due(now):
            state = self.store.get(order_id)
            if state is None:
                continue
            self._count(state, -1)
            if state.info is not None:
                result.alerts.extend(_fire_due(state, now, self.config.policy))
            expire = state.expire_at_ms
            if (
                state.next_alert_at(self.config.policy) is None
                and expire is not None
                and expire <= now
            ):
                if state.info is None:
                    result.expired_orphans += 1
                else:
                    result.expired_done += 1
                del self.store[order_id]
                continue
            self._settle(state, now)
        return result

    def rebuild(self, states: Iterable[OrderSla] | None = None) -> int:
        """Index the given states (default: the whole store) after a restart or rebalance."""
        self.index = DeadlineIndex(self.config.bucket_ms)
        self.open_stages.clear()
        self.open_orders = 0
        count = 0
        for state in self.store.values() if states is None else states:
            wake = state.wake_at(self.config.policy)
            if wake is not None:
                self.index.schedule(state.order_id, wake)
            self._count(state, +1)
            count += 1
        return count

    # --- internals -------------------------------------------------------------
    def _park(
        self, state: OrderSla | None, order_id: str, kind: str, at_ms: int, event_id: str
    ) -> LifecycleOutcome:
        if state is None:
            state = OrderSla(order_id, self.partition)
        if any(ev == event_id for _, _, ev in state.early):
            return LifecycleOutcome.DUPLICATE
        state.early.append((kind, at_ms, event_id))
        state.expire_at_ms = max(self.now_ms, at_ms) + self.config.orphan_ttl_ms
        self.store[order_id] = state
        self.index.schedule(order_id, state.expire_at_ms)
        return LifecycleOutcome.EARLY

    def _settle(self, state: OrderSla, now_ms: int) -> None:
        """Store ``state`` and put it back in the index; a finished order starts expiring."""
        policy = self.config.policy
        if state.info is not None:
            if state.next_alert_at(policy) is None:
                if state.expire_at_ms is None:
                    state.expire_at_ms = now_ms + self.config.done_retention_ms
            else:
                state.expire_at_ms = None
        self.store[state.order_id] = state
        self._count(state, +1)
        wake = state.wake_at(policy)
        if wake is None:
            self.index.cancel(state.order_id)
        else:
            self.index.schedule(state.order_id, wake)

    def _count(self, state: OrderSla, sign: int) -> None:
        names = list(state.open_stages())
        for name in names:
            self.open_stages[name] += sign
        if names:
            self.open_orders += sign


def _merge_order(state: OrderSla, info: OrderInfo, deadlines: dict[str, int]) -> OrderOutcome:
    """Take the order's deadlines; a stage whose due time moved starts over."""
    if state.info is None:
        state.info = info
        state.stages = {s: StageState(due) for s, due in deadlines.items()}
        return OrderOutcome.NEW
    changed = False
    for stage, due in deadlines.items():
        current = state.stages.get(stage)
        if current is None or current.due_at_ms != due:
            state.stages[stage] = StageState(due)
            changed = True
    if info != state.info:
        state.info = info
        changed = True
    return OrderOutcome.UPDATED if changed else OrderOutcome.DUPLICATE


def _apply_step(
    state: OrderSla, kind: str, at_ms: int, event_id: str, remember: int
) -> LifecycleOutcome:
    """Close the stages a lifecycle step closes; say what the step was."""
    if event_id in state.seen_events:
        return LifecycleOutcome.DUPLICATE
    state.seen_events.append(event_id)
    del state.seen_events[:-remember]
    if kind not in LIFECYCLE_CLOSES:
        return LifecycleOutcome.UNKNOWN_KIND
    if kind in RECORDED_ONLY:
        if kind == LifecycleKind.RETURNED:
            state.returned += 1
        else:
            state.complained += 1
        return LifecycleOutcome.RECORDED
    own = [state.stages[s] for s in LIFECYCLE_CLOSES[kind] if s in state.stages]
    closed_own = _close(own, kind, at_ms)
    _close(
        [state.stages[s] for s in LIFECYCLE_IMPLIES.get(kind, ()) if s in state.stages], kind, at_ms
    )
    if not own:
        return LifecycleOutcome.NO_SUCH_STAGE
    if closed_own:
        return LifecycleOutcome.CLOSED
    if all(st.closed_by == kind for st in own):
        return LifecycleOutcome.DUPLICATE
    return LifecycleOutcome.OUT_OF_ORDER


def _close(stages: list[StageState], kind: str, at_ms: int) -> bool:
    closed = False
    for st in stages:
        if st.closed_at_ms is None:
            st.closed_at_ms, st.closed_by = at_ms, kind
            closed = True
    return closed


def _fire_due(state: OrderSla, now_ms: int, policy: EscalationPolicy) -> list[SlaAlert]:
    """Every level of every open stage due by ``now_ms`` that has not fired, in time order."""
    info = state.info
    assert info is not None
    due: list[tuple[int, int, int, str]] = []
    for stage, st in state.stages.items():
        if st.closed_at_ms is not None:
            continue
        times = policy.fire_times(info.created_at_ms, st.due_at_ms)
        while st.fired < len(LEVELS) and times[st.fired] <= now_ms:
            due.append((times[st.fired], _stage_rank(stage), st.fired, stage))
            st.fired += 1
    due.sort()
    return [
        SlaAlert(
            alert_id=alert_id(state.order_id, stage, LEVELS[n], state.stages[stage].due_at_ms),
            order_id=state.order_id,
            case_id=info.case_id,
            unit_id=info.unit_id,
            town_code=info.town_code,
            class_code=info.class_code,
            stage=stage,
            level=LEVELS[n],
            due_at=state.stages[stage].due_at_ms,
            fired_at=now_ms,
            elapsed_ratio=elapsed_ratio(info.created_at_ms, state.stages[stage].due_at_ms, now_ms),
        )
        for _, _, n, stage in due
    ]


def _stage_rank(stage: str) -> int:
    return STAGE_ORDER.index(stage) if stage in STAGE_ORDER else len(STAGE_ORDER)
