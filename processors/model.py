"""The value types the pure processors pass between them.

Frozen, slotted dataclasses: cheap to build on the hot path, safe to share, and
convertible to the Avro records of ``schemas/`` by ``processors.records``.
Times are integers of milliseconds since the Unix epoch, UTC, so that a decision
never depends on the clock or time zone of the machine that made it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from fenliu.schemas.records import TaxonomyList


class Source(StrEnum):
    """Where an event entered: the police 110 CAD or the 12345 government hotline."""

    CALL_110 = "110"
    TICKET_12345 = "12345"


#: The two lists of the taxonomy (Taizhou's 8 police classes and 15 diverted classes).
ListName = TaxonomyList


class Outcome(StrEnum):
    """How a decision ends (issue 11): three outcomes per line.

    110: KEEP (police), DIVERT (sent on at once: rules and model agree, nothing left
    unexplained) or SUGGEST (the call-taker confirms; the police hold it meanwhile).
    12345: ROUTE (category and unit), REVIEW (12345's own dispatchers) or TO_POLICE
    (a present danger or a crime).
    """

    KEEP = "KEEP"
    DIVERT = "DIVERT"
    SUGGEST = "SUGGEST"
    ROUTE = "ROUTE"
    REVIEW = "REVIEW"
    TO_POLICE = "TO_POLICE"


class RejectReason(StrEnum):
    """Named reasons an input cannot be a call; each is a dead-letter reason too."""

    UNDECODABLE = "UNDECODABLE"  # bytes that are not our wire format / Avro
    UNKNOWN_SCHEMA = "UNKNOWN_SCHEMA"  # framed, but the schema fingerprint or id is unknown
    WRONG_SCHEMA = "WRONG_SCHEMA"  # a known schema, but not the one this topic carries
    MISSING_FIELD = "MISSING_FIELD"
    EMPTY_CALL = "EMPTY_CALL"  # neither text nor location
    FUTURE_TIME = "FUTURE_TIME"
    ANCIENT_TIME = "ANCIENT_TIME"
    COORDINATES_OUTSIDE_CHINA = "COORDINATES_OUTSIDE_CHINA"
    TEXT_TOO_LONG = "TEXT_TOO_LONG"
    BAD_PHONE = "BAD_PHONE"
    PROCESSING_ERROR = "PROCESSING_ERROR"  # a bug; the record is kept for replay after a fix


class InvalidEvent(ValueError):
    """An input that cannot be a call. Carries a named reason for the dead-letter record."""

    def __init__(self, reason: RejectReason, detail: str) -> None:
        super().__init__(f"{reason.value}: {detail}")
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True, slots=True)
class Location:
    """Where the matter is: free text as the caller said it, and what is known more exactly."""

    text: str | None = None
    lon: float | None = None  # WGS-84
    lat: float | None = None
    admin_code: str | None = None  # GB/T 2260 style code; 9 digits = town/street level


@dataclass(frozen=True, slots=True)
class CaseEvent:
    """One 110 call or 12345 ticket in the shape every later stage reads."""

    source: Source
    source_id: str
    received_at_ms: int
    received_local: str  # ISO-8601 with the local offset, e.g. 2026-11-23T11:12:00+08:00
    caller_key: str | None  # keyed HMAC of the normalised phone number; never the number
    location: Location
    text: str
    channel: str  # phone, sms, app, web, video, transfer
    source_category: str | None = None  # the CAD alarm type or hotline category, as given


@dataclass(frozen=True, slots=True)
class Evidence:
    """One reason behind a classification: the rule that fired on which words."""

    rule_id: str
    term: str
    kind: str  # "safety", "situation", "negated", "modal", "source_category", "default"
    start: int = -1  # character offsets in CaseEvent.text, -1 when not from the text
    end: int = -1


@dataclass(frozen=True, slots=True)
class Classification:
    """Is it police work, and if not, which class and situation of the taxonomy."""

    is_police_matter: bool
    list_name: ListName
    class_code: str
    class_name: str
    situation_code: str
    situation_name: str
    department: str
    priority: int  # 1 = most urgent
    sla_class: str
    confidence: float  # 0..1
    rule_id: str  # the rule that decided
    evidence: tuple[Evidence, ...]
    taxonomy_version: str
    # Why a NON_POLICE verdict is not clean, by name ("danger_modal:hypothetical:火灾",
    # "danger_negated:打人", "low_margin", "police_term_outside_class", "no_evidence"):
    # a verdict with doubts is suggested to a call-taker, never diverted outright.
    doubts: tuple[str, ...] = ()
    # Filled by processors.outcome.decide_outcome; None/empty when only the rules ran.
    outcome: Outcome | None = None
    outcome_rule: str = ""  # why this outcome
    rules_is_police: bool | None = None  # the rules' own verdict, before the learned opinion
    model_police_probability: float | None = None
    model_version: str | None = None
    category_path: tuple[str, ...] = ()  # 12345: level-1, level-2, level-3 names
    category_id: str | None = None
    # 12345: version of the category file that placed the ticket (with the taxonomy and
    # model versions, what an audit needs to reproduce the decision).
    categories_version: str | None = None


@dataclass(frozen=True, slots=True)
class Route:
    """Who gets the case: 属地 (town/street, grid) and 属事 (department, unit, team)."""

    town_code: str
    town_name: str
    grid_code: str | None
    unit_id: str
    unit_name: str
    unit_kind: str  # "police", "mediation", "department", "command_room"
    department: str
    place_method: str  # "ADMIN_CODE", "POLYGON", "NEAREST_CENTROID", "DEFAULT_TOWN"
    team_id: str | None
    team_method: str  # "REDIS_NEAREST", "FALLBACK_TIMEOUT", "FALLBACK_NO_TEAM", "NOT_APPLICABLE"
    routing_version: str


@dataclass(frozen=True, slots=True)
class Deadline:
    """The absolute time by which one stage of the closed loop must be done."""

    stage: str  # "SIGN", "RESPOND", "DEPART", "PHONE", "ARRIVE", "CLOSE", "FEEDBACK", ...
    due_at_ms: int


@dataclass(frozen=True, slots=True)
class Decision:
    """Everything the router decided about one event, reproducible from the event and data."""

    decision_id: str  # deterministic: same event + same data versions = same id
    case_key: str  # the partition key; see docs/partitioning.md
    event: CaseEvent
    classification: Classification
    route: Route
    deadlines: tuple[Deadline, ...] = field(default_factory=tuple)
    sla_policy_version: str = ""
