"""Processor values to and from the Avro records of ``schemas/`` (plain dicts for fastavro)."""

from __future__ import annotations

from typing import Any

from fenliu.processors.model import (
    CaseEvent,
    Classification,
    Deadline,
    Decision,
    Evidence,
    ListName,
    Location,
    Outcome,
    Route,
    Source,
)
from fenliu.schemas.records import EventSource, epoch_ms

_SOURCE_SYMBOL = {Source.CALL_110: EventSource.S110, Source.TICKET_12345: EventSource.S12345}
_SYMBOL_SOURCE = {v: k for k, v in _SOURCE_SYMBOL.items()}


def source_symbol(source: Source) -> str:
    """The Avro enum symbol of a source (Avro symbols cannot start with a digit)."""
    return _SOURCE_SYMBOL[source].value


def case_event_record(e: CaseEvent) -> dict[str, Any]:
    loc = e.location
    return {
        "source": _SOURCE_SYMBOL[e.source].value,
        "source_id": e.source_id,
        "received_at": e.received_at_ms,
        "received_local": e.received_local,
        "caller_key": e.caller_key,
        "location": {
            "text": loc.text,
            "lon": loc.lon,
            "lat": loc.lat,
            "admin_code": loc.admin_code,
        },
        "text": e.text,
        "channel": e.channel,
        "source_category": e.source_category,
    }


def case_event_from_record(r: dict[str, Any]) -> CaseEvent:
    loc = r["location"]
    return CaseEvent(
        source=_SYMBOL_SOURCE[r["source"]],
        source_id=r["source_id"],
        received_at_ms=epoch_ms(r["received_at"]),
        received_local=r["received_local"],
        caller_key=r["caller_key"],
        location=Location(loc["text"], loc["lon"], loc["lat"], loc["admin_code"]),
        text=r["text"],
        channel=r["channel"],
        source_category=r["source_category"],
    )


def classification_record(c: Classification) -> dict[str, Any]:
    """The classification's fields as the ``Decision`` record and ``fenliu classify`` name them."""
    return {
        "is_police_matter": c.is_police_matter,
        "list": c.list_name.value,
        "class_code": c.class_code,
        "class_name": c.class_name,
        "situation_code": c.situation_code,
        "situation_name": c.situation_name,
        "department": c.department,
        "priority": c.priority,
        "sla_class": c.sla_class,
        "confidence": c.confidence,
        "rule_id": c.rule_id,
        "evidence": [
            {"rule_id": e.rule_id, "term": e.term, "kind": e.kind, "start": e.start, "end": e.end}
            for e in c.evidence
        ],
        "taxonomy_version": c.taxonomy_version,
    }


def outcome_record(c: Classification) -> dict[str, Any]:
    """The outcome fields of the ``Decision`` record (issue 11); they follow the route."""
    return {
        "outcome": c.outcome.value if c.outcome is not None else None,
        "outcome_rule": c.outcome_rule,
        "rules_is_police": c.rules_is_police,
        "model_police_probability": c.model_police_probability,
        "model_version": c.model_version,
        "category_path": list(c.category_path),
        "category_id": c.category_id,
        "categories_version": c.categories_version,
        "doubts": list(c.doubts),
    }


def decision_record(d: Decision) -> dict[str, Any]:
    """The ``Decision`` Avro record; field order is the schema's, so bytes are stable."""
    rt = d.route
    return {
        "decision_id": d.decision_id,
        "case_key": d.case_key,
        "event": case_event_record(d.event),
        **classification_record(d.classification),
        "route": {
            "town_code": rt.town_code,
            "town_name": rt.town_name,
            "grid_code": rt.grid_code,
            "unit_id": rt.unit_id,
            "unit_name": rt.unit_name,
            "unit_kind": rt.unit_kind,
            "department": rt.department,
            "place_method": rt.place_method,
            "team_id": rt.team_id,
            "team_method": rt.team_method,
            "routing_version": rt.routing_version,
        },
        "deadlines": [{"stage": dl.stage, "due_at": dl.due_at_ms} for dl in d.deadlines],
        "sla_policy_version": d.sla_policy_version,
        **outcome_record(d.classification),
    }


def decision_from_record(r: dict[str, Any]) -> Decision:
    """Inverse of ``decision_record`` (audits and the Faust agents read decisions back)."""
    rt = r["route"]
    return Decision(
        decision_id=r["decision_id"],
        case_key=r["case_key"],
        event=case_event_from_record(r["event"]),
        classification=Classification(
            is_police_matter=r["is_police_matter"],
            list_name=ListName(r["list"]),
            class_code=r["class_code"],
            class_name=r["class_name"],
            situation_code=r["situation_code"],
            situation_name=r["situation_name"],
            department=r["department"],
            priority=r["priority"],
            sla_class=r["sla_class"],
            confidence=r["confidence"],
            rule_id=r["rule_id"],
            evidence=tuple(Evidence(**e) for e in r["evidence"]),
            taxonomy_version=r["taxonomy_version"],
            doubts=tuple(r.get("doubts") or ()),
            outcome=Outcome(r["outcome"]) if r.get("outcome") else None,
            outcome_rule=r.get("outcome_rule") or "",
            rules_is_police=r.get("rules_is_police"),
            model_police_probability=r.get("model_police_probability"),
            model_version=r.get("model_version"),
            category_path=tuple(r.get("category_path") or ()),
            category_id=r.get("category_id"),
            categories_version=r.get("categories_version"),
        ),
        route=Route(**rt),
        deadlines=tuple(Deadline(x["stage"], epoch_ms(x["due_at"])) for x in r["deadlines"]),
        sla_policy_version=r["sla_policy_version"],
    )
