"""Merge rules: is a call a new case, a repeat of an open case, or a flow-back (回流)?

All rules compare calls of one case key (one town, one class), in event time:

* **same caller** — the caller of an open case calls again within
  ``same_caller_window_ms`` (default 24 h) of their last call on it → REPEAT;
* **same place** — anyone calls about a place within ``same_place_m`` metres (or the
  same normalised address) of a call of an open case within ``same_place_window_ms``
  (default 1 h) of it → REPEAT (neighbours about one stall are one case);
* **flow-back** — the caller or the place of a *diverted* case comes back later, while
  the case is open, or within ``flow_back_window_ms`` (default 7 days) after it was
  closed → FLOW_BACK: a closed case reopens with a new, escalated order; an open one is
  escalated.

Safety first: a police call never merges into a diverted case (it gets its own police
case, linked by ``related_case_id``), and a diverted call never disappears into a police
case. A case the police kept (a SUGGEST call the call-taker did not confirm,
``KEPT_BY_POLICE``) absorbs no later call: nobody outside the police handles it, so a
repeat would re-notify nobody and a flow-back would reopen an order no unit ever had. The
later call opens its own case (its own order, held again if it is SUGGEST again), linked
to the kept one by ``related_case_id`` while the kept case is within ``flow_back_window_ms``. When several cases match, the strongest rule wins (same caller, then same place,
then flow-back), then the case with the latest call, then the smaller id.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, replace
from enum import StrEnum

from fenliu.processors.case_state import (
    Call,
    Case,
    CaseBucket,
    Place,
    Rule,
    UpdateKind,
    case_id_for,
    order_id_for,
)
from fenliu.processors.textnorm import normalise_term

EARTH_RADIUS_M = 6_371_008.8
DAY_MS = 86_400_000


@dataclass(frozen=True, slots=True)
class MergeRules:
    """The configurable windows of the merge rules (from ``Settings``, see streams.cases)."""

    same_caller_window_ms: int = DAY_MS
    same_place_window_ms: int = 3_600_000
    flow_back_window_ms: int = 7 * DAY_MS
    same_place_m: float = 100.0
    open_max_ms: int = 90 * DAY_MS  # an open case silent this long is dropped (a lost close)
    max_calls_per_case: int = 20
    max_cases_per_key: int = 500


@dataclass(frozen=True, slots=True)
class IncomingCall:
    """What the rules need of one decision."""

    decision_id: str
    case_key: str
    at_ms: int
    caller_key: str | None
    place: Place
    police: bool
    priority: int


@dataclass(frozen=True, slots=True)
class Match:
    """The rules' verdict on one call."""

    kind: UpdateKind  # OPENED, REPEAT or FLOW_BACK
    rule: Rule
    case_id: str | None = None  # the existing case (None when a new one opens)
    reopen: bool = False  # FLOW_BACK on a closed case: new order
    related_case_id: str | None = None  # a police call about a diverted case, or any call
    # about a case the police kept


@dataclass(frozen=True, slots=True)
class Outcome:
    """A call applied to a bucket: the new bucket, the case and the call as recorded."""

    bucket: CaseBucket
    case: Case
    call: Call
    related_case_id: str | None = None
    duplicate: bool = False  # the decision was applied before (a re-delivery)


def place_from(address: str | None, lon: float | None, lat: float | None) -> Place:
    """A call's place: the address normalised for comparison, and its coordinates."""
    key = normalise_term(address) if address else ""
    return Place(key or None, lon, lat)


def distance_m(a: Place, b: Place) -> float | None:
    """Great-circle distance in metres, or None when either side has no coordinates."""
    if a.lon is None or a.lat is None or b.lon is None or b.lat is None:
        return None
    p1, p2 = math.radians(a.lat), math.radians(b.lat)
    dp, dl = p2 - p1, math.radians(b.lon - a.lon)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def same_place(a: Place, b: Place, radius_m: float) -> bool:
    """Within ``radius_m`` of each other, or (lacking coordinates) the same address."""
    d = distance_m(a, b)
    if d is not None:
        return d <= radius_m
    return a.address_key is not None and a.address_key == b.address_key


def _caller_gap(case: Case, call: IncomingCall) -> int | None:
    """Time between ``call`` and the nearest call of the same caller on ``case``."""
    if call.caller_key is None:
        return None
    gaps = [abs(call.at_ms - c.at_ms) for c in case.calls if c.caller_key == call.caller_key]
    return min(gaps) if gaps else None


def _place_gap(case: Case, call: IncomingCall, radius_m: float) -> int | None:
    """Time between ``call`` and the nearest call at the same place on ``case``."""
    if not call.place.known:
        return None
    gaps = [
        abs(call.at_ms - c.at_ms) for c in case.calls if same_place(c.place, call.place, radius_m)
    ]
    return min(gaps) if gaps else None


def _verdict(case: Case, call: IncomingCall, rules: MergeRules) -> tuple[int, Match] | None:
    """How strongly ``call`` matches ``case`` (lower rank = stronger), or None."""
    caller_gap = _caller_gap(case, call)
    place_gap = _place_gap(case, call, rules.same_place_m)
    if caller_gap is None and place_gap is None:
        return None
    if case.open_at(call.at_ms):
        if caller_gap is not None and caller_gap <= rules.same_caller_window_ms:
            return 0, Match(UpdateKind.REPEAT, Rule.SAME_CALLER, case.case_id)
        if place_gap is not None and place_gap <= rules.same_place_window_ms:
            return 1, Match(UpdateKind.REPEAT, Rule.SAME_PLACE, case.case_id)
    if case.police:
        return None  # police cases are not diverted, so nothing flows back to them
    closed = case.closed_at_ms
    if (
        closed is not None
        and not case.open_at(call.at_ms)
        and call.at_ms - closed > rules.flow_back_window_ms
    ):
        return None
    rule = Rule.FLOW_BACK_SAME_CALLER if caller_gap is not None else Rule.FLOW_BACK_SAME_PLACE
    return (2 if caller_gap is not None else 3), Match(
        UpdateKind.FLOW_BACK, rule, case.case_id, reopen=not case.open_at(call.at_ms)
    )


def _about_kept(case: Case, call: IncomingCall, rules: MergeRules) -> bool:
    """Is ``call`` about ``case``, kept by the police (same caller or place, and within the
    flow-back window of its keeping)? Then the case the call opens links to it."""
    closed = case.closed_at_ms
    if closed is None or call.at_ms - closed > rules.flow_back_window_ms:
        return False
    return (
        _caller_gap(case, call) is not None
        or _place_gap(case, call, rules.same_place_m) is not None
    )


def match_call(bucket: CaseBucket, call: IncomingCall, rules: MergeRules) -> Match:
    """Which case ``call`` belongs to, by which rule (pure; the bucket is not changed)."""
    return match_among(bucket.cases, call, rules)


def match_among(cases: Iterable[Case], call: IncomingCall, rules: MergeRules) -> Match:
    """``match_call`` over any cases of the call's case key, oldest first.

    Cases that share neither caller nor place with the call never match, so an index may
    hand over only the cases that do (``processors.case_index``) and get the same verdict."""
    best: tuple[int, int, str, Match] | None = None
    related: tuple[int, str] | None = None
    for case in cases:
        if case.kept and not case.open_at(call.at_ms):
            # Kept by the police: never merged into; remember it as what the call is about.
            if _about_kept(case, call, rules) and (
                related is None or case.last_call_ms > related[0]
            ):
                related = (case.last_call_ms, case.case_id)
            continue
        verdict = _verdict(case, call, rules)
        if verdict is None:
            continue
        rank, match = verdict
        if case.police != call.police:
            # Never merge across the two lists; remember the diverted case a police call is about.
            if call.police and (related is None or case.last_call_ms > related[0]):
                related = (case.last_call_ms, case.case_id)
            continue
        candidate = (rank, -case.last_call_ms, case.case_id, match)
        if best is None or candidate[:3] < best[:3]:
            best = candidate
    if best is not None:
        return best[3]
    return Match(UpdateKind.OPENED, Rule.NEW, related_case_id=related[1] if related else None)


def _bounded(calls: tuple[Call, ...], call: Call, limit: int) -> tuple[Call, ...]:
    return (calls + (call,))[-limit:]


def apply_call(bucket: CaseBucket, call: IncomingCall, rules: MergeRules) -> Outcome:
    """Apply one decision to its bucket; a decision seen before changes nothing."""
    for case in bucket.cases:
        seen = case.call(call.decision_id)
        if seen is not None:
            return Outcome(bucket, case, seen, duplicate=True)
    bucket = prune(bucket, call.at_ms, rules)
    match = match_call(bucket, call, rules)
    case, recorded = resolve(match, bucket.find(match.case_id or ""), call, rules)
    if match.kind is UpdateKind.OPENED:
        return Outcome(
            _capped(bucket.with_case(case), rules),
            case,
            recorded,
            related_case_id=match.related_case_id,
        )
    return Outcome(bucket.with_case(case), case, recorded)


def resolve(
    match: Match, matched: Case | None, call: IncomingCall, rules: MergeRules
) -> tuple[Case, Call]:
    """The case after ``call`` (a new one, or ``matched`` changed) and the call as recorded."""
    if match.kind is UpdateKind.OPENED:
        new_order = order_id_for(call.decision_id)
        recorded = Call(
            call.decision_id,
            call.at_ms,
            call.caller_key,
            call.place,
            UpdateKind.OPENED,
            Rule.NEW,
            new_order,
            priority=call.priority,
        )
        return Case(
            case_id_for(call.case_key, call.decision_id),
            call.police,
            call.at_ms,
            (new_order,),
            (recorded,),
        ), recorded
    case = matched
    assert case is not None
    if match.kind is UpdateKind.REPEAT:
        case = replace(case, repeat_count=case.repeat_count + 1)
        recorded = _record(call, match, case, None, 0)
    else:
        case = replace(
            case,
            flow_back_count=case.flow_back_count + 1,
            escalation_level=case.escalation_level + 1,
        )
        order_id = order_id_for(call.decision_id) if match.reopen else None
        priority = max(1, call.priority - case.escalation_level) if match.reopen else 0
        if order_id is not None:
            case = replace(case, order_ids=case.order_ids + (order_id,), closed_at_ms=None)
        recorded = _record(call, match, case, order_id, priority)
    return replace(case, calls=_bounded(case.calls, recorded, rules.max_calls_per_case)), recorded


def _record(
    call: IncomingCall, match: Match, case: Case, order_id: str | None, priority: int
) -> Call:
    return Call(
        call.decision_id,
        call.at_ms,
        call.caller_key,
        call.place,
        match.kind,
        match.rule,
        order_id,
        case.repeat_count,
        case.flow_back_count,
        case.escalation_level,
        priority,
    )


class StepOutcome(StrEnum):
    """What a step (CLOSED, RETURNED; KEPT_BY_POLICE from a call-taker's verdict) did to the cases; all but APPLIED are
    counted and otherwise ignored."""

    APPLIED = "APPLIED"
    APPLIED_LATE = "APPLIED_LATE"  # applied, but its time is before the case's last call
    UNKNOWN_CASE = "UNKNOWN_CASE"  # no such case (never seen, or expired)
    UNKNOWN_ORDER = "UNKNOWN_ORDER"  # the case has no such order
    STALE_ORDER = "STALE_ORDER"  # an order the case has moved past (it was reopened)
    DUPLICATE = "DUPLICATE"  # the same step again


@dataclass(frozen=True, slots=True)
class Step:
    """A lifecycle event (or a call-taker's verdict keeping a SUGGEST call) as the cases need it."""

    event_id: str  # the lifecycle event id, or the verdict id for KEPT_BY_POLICE
    case_id: str
    order_id: str
    kind: UpdateKind  # CLOSED, RETURNED or KEPT_BY_POLICE
    at_ms: int
    decision_id: str | None = None  # KEPT_BY_POLICE: the SUGGEST decision answered


def apply_step(
    bucket: CaseBucket, step: Step, keep_events: int = 10
) -> tuple[CaseBucket, Case | None, StepOutcome]:
    """Close a case (its current order was closed, or the police kept its held order) or
    count a return by the unit."""
    case, outcome = step_case(bucket.find(step.case_id), step, keep_events)
    if outcome in (StepOutcome.APPLIED, StepOutcome.APPLIED_LATE):
        assert case is not None
        return bucket.with_case(case), case, outcome
    return bucket, case, outcome


def step_case(
    case: Case | None, step: Step, keep_events: int = 10
) -> tuple[Case | None, StepOutcome]:
    """``apply_step`` on the one case the step names (None: not held)."""
    if case is None:
        return None, StepOutcome.UNKNOWN_CASE
    if step.order_id not in case.order_ids:
        return case, StepOutcome.UNKNOWN_ORDER
    if step.event_id in case.events:
        return case, StepOutcome.DUPLICATE
    if step.order_id != case.current_order_id:
        return case, StepOutcome.STALE_ORDER
    if step.kind is UpdateKind.CLOSED:
        if case.closed_at_ms is not None:
            return case, StepOutcome.DUPLICATE
        case = replace(case, closed_at_ms=step.at_ms)
    elif step.kind is UpdateKind.RETURNED:
        case = replace(
            case,
            returned_count=case.returned_count + 1,
            flow_back_count=case.flow_back_count + 1,
            escalation_level=case.escalation_level + 1,
        )
    elif step.kind is UpdateKind.KEPT_BY_POLICE:
        if case.closed_at_ms is not None:
            return case, StepOutcome.DUPLICATE
        case = replace(case, closed_at_ms=step.at_ms, kept=True)
    else:
        raise ValueError(f"not a case step: {step.kind}")
    late = step.at_ms < case.last_call_ms
    case = replace(case, events=(case.events + (step.event_id,))[-keep_events:])
    return case, StepOutcome.APPLIED_LATE if late else StepOutcome.APPLIED


def drop_at(case: Case, rules: MergeRules) -> int:
    """Event time after which no rule can need ``case`` any more."""
    if case.closed_at_ms is not None:
        return case.closed_at_ms + rules.flow_back_window_ms
    return case.last_call_ms + rules.open_max_ms


def prune(bucket: CaseBucket, now_ms: int, rules: MergeRules) -> CaseBucket:
    """Drop the cases no rule can need at event time ``now_ms``."""
    kept = tuple(c for c in bucket.cases if drop_at(c, rules) >= now_ms)
    return bucket if len(kept) == len(bucket.cases) else replace(bucket, cases=kept)


def _capped(bucket: CaseBucket, rules: MergeRules) -> CaseBucket:
    """At most ``max_cases_per_key`` cases: the ones that would be dropped first go first."""
    if len(bucket.cases) <= rules.max_cases_per_key:
        return bucket
    order = sorted(bucket.cases, key=lambda c: (c.closed_at_ms is None, drop_at(c, rules)))
    gone = {c.case_id for c in order[: len(bucket.cases) - rules.max_cases_per_key]}
    return replace(bucket, cases=tuple(c for c in bucket.cases if c.case_id not in gone))


def expires_at(bucket: CaseBucket, rules: MergeRules) -> int | None:
    """When the whole bucket can go (None when it is empty already)."""
    return max((drop_at(c, rules) for c in bucket.cases), default=None)
