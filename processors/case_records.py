"""Avro records the cases agent writes (``DispatchOrder``, ``CaseUpdate``) and the steps it reads.

Built from the decoded ``Decision`` record and the call as the merge rules recorded it,
so a re-delivered decision rebuilds byte-identical records with the same ids.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

from fenliu.processors.case_state import Call, Case, Rule, UpdateKind
from fenliu.processors.merge import IncomingCall, Step, place_from
from fenliu.schemas.records import (
    CallTakerVerdict,
    CaseStatus,
    LifecycleEvent,
    LifecycleKind,
    VerdictKind,
    epoch_ms,
)


def incoming_call(decision: Mapping[str, Any]) -> IncomingCall:
    """What the merge rules need of a decoded ``Decision`` record."""
    event, loc = decision["event"], decision["event"]["location"]
    return IncomingCall(
        decision_id=decision["decision_id"],
        case_key=decision["case_key"],
        at_ms=epoch_ms(event["received_at"]),
        caller_key=event["caller_key"],
        place=place_from(loc["text"], loc["lon"], loc["lat"]),
        police=bool(decision["is_police_matter"]),
        priority=int(decision["priority"]),
    )


def update_id(case_id: str, kind: UpdateKind, cause: str) -> str:
    """One id per (case, kind, decision or lifecycle event): re-runs send the same id."""
    return "cu_" + hashlib.sha256(f"{case_id}|{kind.value}|{cause}".encode()).hexdigest()[:24]


def order_record(decision: Mapping[str, Any], case: Case, call: Call) -> dict[str, Any]:
    """The ``DispatchOrder`` a new case or a reopening flow-back makes."""
    assert call.order_id is not None
    event, route = decision["event"], decision["route"]
    return {
        "order_id": call.order_id,
        "case_id": case.case_id,
        "decision_id": call.decision_id,
        "created_at": epoch_ms(event["received_at"]),
        "source": event["source"],
        "is_police_matter": decision["is_police_matter"],
        "class_code": decision["class_code"],
        "situation_code": decision["situation_code"],
        "situation_name": decision["situation_name"],
        "priority": call.priority,
        "unit_id": route["unit_id"],
        "unit_name": route["unit_name"],
        "unit_kind": route["unit_kind"],
        "town_code": route["town_code"],
        "grid_code": route["grid_code"],
        "team_id": route["team_id"],
        "location": dict(event["location"]),
        "summary": event["text"],
        "caller_key": event["caller_key"],
        "deadlines": [
            {"stage": d["stage"], "due_at": epoch_ms(d["due_at"])} for d in decision["deadlines"]
        ],
        "repeat_count": call.repeat_count,
        "flow_back": call.kind is UpdateKind.FLOW_BACK,
        "taxonomy_version": decision["taxonomy_version"],
        "routing_version": route["routing_version"],
        **_platform_version(case, call.order_id),
    }


def _platform_version(case: Case, order_id: str) -> dict[str, Any]:
    """A reopening is version n of the case's first order at the grid platform (an update),
    not a second order there; its own id names the new round of work in lifecycle events."""
    orders = case.order_ids
    if not orders or order_id == orders[0] or order_id not in orders:
        return {"reopens_order_id": None, "version": 1}
    return {"reopens_order_id": orders[0], "version": orders.index(order_id) + 1}


def _town_class(case_key: str) -> tuple[str, str]:
    town, _, klass = case_key.partition(":")
    return town, klass


def call_update_record(
    decision: Mapping[str, Any],
    case: Case,
    call: Call,
    place_key: str | None,
    related_case_id: str | None,
) -> dict[str, Any]:
    """The ``CaseUpdate`` of a call: OPENED, REPEAT or FLOW_BACK."""
    event, route = decision["event"], decision["route"]
    town, klass = _town_class(decision["case_key"])
    return {
        "update_id": update_id(case.case_id, call.kind, call.decision_id),
        "case_id": case.case_id,
        "case_key": decision["case_key"],
        "kind": call.kind.value,
        "rule": call.rule.value,
        "at": call.at_ms,
        "decision_id": call.decision_id,
        "lifecycle_event_id": None,
        "order_id": call.order_id,
        "current_order_id": _order_after(case, call),
        "source": event["source"],
        "caller_key": call.caller_key,
        "is_police_matter": case.police,
        "town_code": town,
        "class_code": klass,
        "situation_code": decision["situation_code"],
        "unit_id": route["unit_id"],
        "place_key": place_key,
        "opened_at": case.opened_at_ms,
        "status": (CaseStatus.CLOSED if case.closed_at_ms is not None else CaseStatus.OPEN).value,
        "repeat_count": call.repeat_count,
        "flow_back_count": call.flow_back_count,
        "escalation_level": call.escalation_level,
        "priority": call.priority or None,
        "related_case_id": related_case_id,
    }


def _order_after(case: Case, call: Call) -> str:
    """The case's current order right after ``call`` (its own, or the one before it)."""
    if call.order_id is not None:
        return call.order_id
    made = [c.order_id for c in case.calls if c.order_id is not None and c.at_ms <= call.at_ms]
    return made[-1] if made else case.current_order_id


def step_update_record(case_key: str, case: Case, step: Step) -> dict[str, Any]:
    """The ``CaseUpdate`` of a step: CLOSED or RETURNED (lifecycle), KEPT_BY_POLICE (verdict)."""
    town, klass = _town_class(case_key)
    kept = step.kind is UpdateKind.KEPT_BY_POLICE
    return {
        "update_id": update_id(case.case_id, step.kind, step.event_id),
        "case_id": case.case_id,
        "case_key": case_key,
        "kind": step.kind.value,
        "rule": (Rule.VERDICT if kept else Rule.LIFECYCLE).value,
        "at": step.at_ms,
        "decision_id": step.decision_id,
        "lifecycle_event_id": None if kept else step.event_id,
        "order_id": step.order_id,
        "current_order_id": case.current_order_id,
        "source": None,
        "caller_key": None,
        "is_police_matter": case.police,
        "town_code": town,
        "class_code": klass,
        "situation_code": None,
        "unit_id": None,
        "place_key": None,
        "opened_at": case.opened_at_ms,
        "status": (CaseStatus.CLOSED if case.closed_at_ms is not None else CaseStatus.OPEN).value,
        "repeat_count": case.repeat_count,
        "flow_back_count": case.flow_back_count,
        "escalation_level": case.escalation_level,
        "priority": None,
        "related_case_id": None,
    }


def step_from_lifecycle(record: Mapping[str, Any]) -> Step | None:
    """A ``LifecycleEvent`` as a case step, or None for kinds the cases do not follow."""
    event = LifecycleEvent.from_avro(record)
    kind = {
        LifecycleKind.CLOSED: UpdateKind.CLOSED,
        LifecycleKind.RETURNED: UpdateKind.RETURNED,
    }.get(event.kind)
    if kind is None:
        return None
    return Step(event.event_id, event.case_id, event.order_id, kind, event.at)


#: The answers with which the police keep a SUGGEST call (its held order is never released).
KEEPING_VERDICTS = frozenset({VerdictKind.REJECTED, VerdictKind.EXPIRED})


def step_from_verdict(record: Mapping[str, Any]) -> Step | None:
    """A ``CallTakerVerdict`` that keeps a SUGGEST call as a KEPT_BY_POLICE step of its case,
    or None (a confirmation, or an answer that does not name its case and held order: only
    the suggestions agent's forwarded copies do)."""
    v = CallTakerVerdict.from_avro(record)
    if v.verdict not in KEEPING_VERDICTS or not v.case_id or not v.order_id:
        return None
    return Step(v.verdict_id, v.case_id, v.order_id, UpdateKind.KEPT_BY_POLICE, v.at, v.decision_id)
