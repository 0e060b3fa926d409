"""The state of open and recently closed cases of one case key, as plain values.

One ``CaseBucket`` per case key (``town:class``, the partition key of decisions) holds
every case of that town and class that a merge rule may still need. It is what the
Faust table stores, as a JSON dict (``to_dict``/``from_dict``), so it is small on
purpose: a case keeps its last ``max_calls`` calls, not all of them. docs/streams.md
gives the sizes.

Ids are deterministic (hashes of the decision that opened a case or made an order), so
a re-run of the same decisions writes the same case and order ids.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace
from typing import Any

from fenliu.schemas.records import CaseRule, CaseUpdateKind

CASE_ID_SEPARATOR = "@"


#: What happened to a case (the ``CaseUpdate.kind`` of ``fenliu.cases``): OPENED, REPEAT
#: (another call about an open case: no new order), FLOW_BACK (回流: the matter came back;
#: reopen or escalate), CLOSED (the unit closed the current order, 办结), RETURNED (the unit
#: returned it to the police), KEPT_BY_POLICE (a SUGGEST call's held order was never released:
#: the call-taker rejected it or did not answer in time, so the police handle the matter and
#: the case leaves the open set without being 办结). OTHER is only the Avro reader's default,
#: never written.
UpdateKind = CaseUpdateKind


#: Which rule decided (recorded on every call of a case and on every update).
Rule = CaseRule


def case_id_for(case_key: str, decision_id: str) -> str:
    """The id of the case opened by ``decision_id``; it carries its case key (see
    ``case_key_of``) so a lifecycle event can be sent to the partition that owns it."""
    digest = hashlib.sha256(f"case|{decision_id}".encode()).hexdigest()[:20]
    return f"cs_{digest}{CASE_ID_SEPARATOR}{case_key}"


def case_key_of(case_id: str) -> str | None:
    """The case key inside a case id, or None when the id is not one of ours."""
    prefix, sep, key = case_id.partition(CASE_ID_SEPARATOR)
    if not sep or not prefix.startswith("cs_") or ":" not in key:
        return None
    return key


def order_id_for(decision_id: str) -> str:
    """The id of the order made by ``decision_id`` (a new case or a reopening)."""
    return "od_" + hashlib.sha256(f"order|{decision_id}".encode()).hexdigest()[:24]


@dataclass(frozen=True, slots=True)
class Place:
    """Where a call is about: a normalised address and/or WGS-84 coordinates."""

    address_key: str | None = None
    lon: float | None = None
    lat: float | None = None

    @property
    def known(self) -> bool:
        return bool(self.address_key) or (self.lon is not None and self.lat is not None)


@dataclass(frozen=True, slots=True)
class Call:
    """One call (decision) of a case and what it did, so a re-run can repeat its effects."""

    decision_id: str
    at_ms: int
    caller_key: str | None
    place: Place
    kind: UpdateKind
    rule: Rule
    order_id: str | None = None  # the order this call made (OPENED, reopening FLOW_BACK)
    repeat_count: int = 0  # the case's counts right after this call
    flow_back_count: int = 0
    escalation_level: int = 0
    priority: int = 0  # priority of the order this call made (escalated on flow-back)


@dataclass(frozen=True, slots=True)
class Case:
    """One case: the calls merged into it, its orders and whether it is open."""

    case_id: str
    police: bool  # a police case never absorbs a diverted call and vice versa
    opened_at_ms: int
    order_ids: tuple[str, ...]  # in order; the last is the current one
    calls: tuple[Call, ...]  # the most recent calls, oldest first
    repeat_count: int = 0
    flow_back_count: int = 0
    escalation_level: int = 0
    closed_at_ms: int | None = None
    returned_count: int = 0
    events: tuple[str, ...] = ()  # ids of the last lifecycle events applied (duplicates)
    # closed because the police kept it (a SUGGEST call not confirmed): no unit ever had it,
    # so it absorbs no later call (processors.merge) and counts as no 办结 (processors.rates)
    kept: bool = False

    @property
    def current_order_id(self) -> str:
        return self.order_ids[-1]

    @property
    def last_call_ms(self) -> int:
        return max((c.at_ms for c in self.calls), default=self.opened_at_ms)

    def open_at(self, at_ms: int) -> bool:
        """Was the case open at event time ``at_ms``? (A late call before the closing
        belongs to the open case.)"""
        return self.closed_at_ms is None or at_ms < self.closed_at_ms

    def call(self, decision_id: str) -> Call | None:
        for c in self.calls:
            if c.decision_id == decision_id:
                return c
        return None


@dataclass(frozen=True, slots=True)
class CaseBucket:
    """Every case of one case key that a rule may still need, oldest first."""

    case_key: str
    cases: tuple[Case, ...] = field(default_factory=tuple)

    def find(self, case_id: str) -> Case | None:
        for c in self.cases:
            if c.case_id == case_id:
                return c
        return None

    def with_case(self, case: Case) -> CaseBucket:
        """The bucket with ``case`` replacing the case of the same id, or added."""
        kept = tuple(c for c in self.cases if c.case_id != case.case_id)
        if len(kept) == len(self.cases):
            return replace(self, cases=self.cases + (case,))
        return replace(
            self, cases=tuple(case if c.case_id == case.case_id else c for c in self.cases)
        )

    # --- JSON (the Faust table's value) ---------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        return {"key": self.case_key, "cases": [_case_dict(c) for c in self.cases]}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CaseBucket:
        return cls(data["key"], tuple(_case_from(c) for c in data["cases"]))


def _call_dict(c: Call) -> dict[str, Any]:
    return {
        "d": c.decision_id,
        "t": c.at_ms,
        "ck": c.caller_key,
        "a": c.place.address_key,
        "lon": c.place.lon,
        "lat": c.place.lat,
        "k": c.kind.value,
        "r": c.rule.value,
        "o": c.order_id,
        "rc": c.repeat_count,
        "fb": c.flow_back_count,
        "esc": c.escalation_level,
        "pr": c.priority,
    }


def _call_from(d: dict[str, Any]) -> Call:
    return Call(
        d["d"],
        d["t"],
        d["ck"],
        Place(d["a"], d["lon"], d["lat"]),
        UpdateKind(d["k"]),
        Rule(d["r"]),
        d["o"],
        d["rc"],
        d["fb"],
        d["esc"],
        d["pr"],
    )


def _case_dict(c: Case) -> dict[str, Any]:
    return {
        "id": c.case_id,
        "police": c.police,
        "opened": c.opened_at_ms,
        "orders": list(c.order_ids),
        "calls": [_call_dict(x) for x in c.calls],
        "repeats": c.repeat_count,
        "flow_backs": c.flow_back_count,
        "escalation": c.escalation_level,
        "closed": c.closed_at_ms,
        "returned": c.returned_count,
        "events": list(c.events),
        "kept": c.kept,
    }


def _case_from(d: dict[str, Any]) -> Case:
    return Case(
        d["id"],
        d["police"],
        d["opened"],
        tuple(d["orders"]),
        tuple(_call_from(x) for x in d["calls"]),
        d["repeats"],
        d["flow_backs"],
        d["escalation"],
        d["closed"],
        d["returned"],
        tuple(d["events"]),
        bool(d.get("kept", False)),  # entries written before issue 11's fix have none
    )


def case_dict(case: Case) -> dict[str, Any]:
    """One case as the JSON dict the per-case table stores (``processors.case_index``)."""
    return _case_dict(case)


def case_from(data: dict[str, Any]) -> Case:
    """A case back from ``case_dict`` (extra keys, such as the entry's own, are ignored)."""
    return _case_from(data)
