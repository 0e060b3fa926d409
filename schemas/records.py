"""Typed records of the Avro contracts in ``schemas/*.avsc``: one class per record, one enum per enum.

Code reads ``order.unit_id``, not ``record["unit_id"]``: a typo is an AttributeError at
the line that made it (and a mypy error), not a KeyError three stages later, and each
contract is parsed in one place. The classes mirror the ``.avsc`` files by hand; the test
``tests/test_records.py`` checks them field for field (names and order, optionality,
timestamps, nested records, enum symbols, defaults) so the two cannot drift.

``from_avro`` takes what fastavro decodes (timestamp-millis as aware datetimes) or what
code builds (epoch ms); ``to_avro`` gives the plain dict fastavro encodes. No I/O here:
processors may use these records.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Annotated, Any, ClassVar, Self

#: Avro ``timestamp-millis``: milliseconds since the epoch, UTC.
TIMESTAMP_MILLIS = "timestamp-millis"
EpochMs = Annotated[int, TIMESTAMP_MILLIS]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_ONE_MS = timedelta(milliseconds=1)


def epoch_ms(value: int | datetime) -> int:
    """Milliseconds since the epoch from fastavro's ``datetime`` (naive = UTC) or an int.

    The one conversion for every timestamp-millis read back; exact integer arithmetic,
    so a value survives decode and encode unchanged.
    """
    if isinstance(value, datetime):
        aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
        return (aware - _EPOCH) // _ONE_MS
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    raise TypeError(f"not a timestamp: {type(value).__name__}")


def to_datetime(ms: int) -> datetime:
    """The aware UTC datetime of epoch milliseconds (what fastavro decodes and JSON bodies carry)."""
    return _EPOCH + ms * _ONE_MS


# --- enums (one per Avro enum; values are the Avro symbols) ----------------------------
class EventSource(StrEnum):
    S110 = "S110"
    S12345 = "S12345"


class CallChannel(StrEnum):
    PHONE = "PHONE"
    SMS = "SMS"
    APP = "APP"
    VIDEO = "VIDEO"
    TRANSFER = "TRANSFER"
    OTHER = "OTHER"


class TicketChannel(StrEnum):
    PHONE = "PHONE"
    WEB = "WEB"
    APP = "APP"
    WECHAT = "WECHAT"
    TRANSFER = "TRANSFER"
    OTHER = "OTHER"


class TaxonomyList(StrEnum):
    POLICE = "POLICE"
    NON_POLICE = "NON_POLICE"


class DecisionOutcome(StrEnum):
    KEEP = "KEEP"
    DIVERT = "DIVERT"
    SUGGEST = "SUGGEST"
    ROUTE = "ROUTE"
    REVIEW = "REVIEW"
    TO_POLICE = "TO_POLICE"


class VerdictKind(StrEnum):
    CONFIRMED = "CONFIRMED"
    REJECTED = "REJECTED"
    EXPIRED = "EXPIRED"


class CaseUpdateKind(StrEnum):
    OPENED = "OPENED"
    REPEAT = "REPEAT"
    FLOW_BACK = "FLOW_BACK"
    CLOSED = "CLOSED"
    RETURNED = "RETURNED"
    KEPT_BY_POLICE = "KEPT_BY_POLICE"
    OTHER = "OTHER"


class CaseRule(StrEnum):
    NEW = "NEW"
    SAME_CALLER = "SAME_CALLER"
    SAME_PLACE = "SAME_PLACE"
    FLOW_BACK_SAME_CALLER = "FLOW_BACK_SAME_CALLER"
    FLOW_BACK_SAME_PLACE = "FLOW_BACK_SAME_PLACE"
    LIFECYCLE = "LIFECYCLE"
    VERDICT = "VERDICT"
    OTHER = "OTHER"


class CaseStatus(StrEnum):
    OPEN = "OPEN"
    CLOSED = "CLOSED"


class LifecycleKind(StrEnum):
    """A step the handling unit reports (see ``LifecycleEvent.avsc`` for the Chinese terms)."""

    SIGNED = "SIGNED"
    DEPARTED = "DEPARTED"
    PHONED = "PHONED"
    ARRIVED = "ARRIVED"
    FEEDBACK = "FEEDBACK"
    CLOSED = "CLOSED"
    FOLLOWED_UP = "FOLLOWED_UP"
    RETURNED = "RETURNED"
    COMPLAINED = "COMPLAINED"
    ACCEPTED = "ACCEPTED"


#: The steps that end an order: the unit closed it or returned it to the police.
CLOSING_KINDS = frozenset({LifecycleKind.CLOSED, LifecycleKind.RETURNED})


class Satisfaction(StrEnum):
    SATISFIED = "SATISFIED"
    BASICALLY_SATISFIED = "BASICALLY_SATISFIED"
    DISSATISFIED = "DISSATISFIED"
    UNREACHABLE = "UNREACHABLE"


class AlertLevel(StrEnum):
    WARNING = "WARNING"
    BREACH = "BREACH"
    SUPERVISION = "SUPERVISION"
    ESCALATION = "ESCALATION"


# --- the generic part: one way to read and write every record --------------------------
Convert = Callable[[Any], Any]


class AvroRecord:
    """Base of the typed records: ``from_avro`` / ``to_avro`` driven by the type hints."""

    AVRO_NAME: ClassVar[str]

    @classmethod
    def from_avro(cls, record: Mapping[str, Any]) -> Self:
        """From a decoded (or built) Avro record; absent optional fields take their default."""
        return cls(**{n: read(record[n]) for n, read, _, _ in _plan(cls) if n in record})

    def to_avro(self, *, datetimes: bool = False) -> dict[str, Any]:
        """The plain dict fastavro encodes (field order is the schema's, so bytes are stable).

        ``datetimes=True`` gives timestamps as aware datetimes, as JSON bodies want them.
        """
        if datetimes:
            return {n: write(getattr(self, n)) for n, _, _, write in _plan(type(self))}
        return {n: write(getattr(self, n)) for n, _, write, _ in _plan(type(self))}


#: Per class: (field, reader, writer, writer with datetimes), worked out once from the hints.
_PLANS: dict[type, tuple[tuple[str, Convert, Convert, Convert], ...]] = {}


def _plan(cls: type) -> tuple[tuple[str, Convert, Convert, Convert], ...]:
    plan = _PLANS.get(cls)
    if plan is None:
        hints = typing.get_type_hints(cls, include_extras=True)
        plan = tuple(
            (
                f.name,
                _reader(hints[f.name]),
                _writer(hints[f.name], False),
                _writer(hints[f.name], True),
            )
            for f in dataclasses.fields(cls)
        )
        _PLANS[cls] = plan
    return plan


def is_timestamp(hint: Any) -> bool:
    """Whether a type hint is ``EpochMs`` (Avro timestamp-millis)."""
    return typing.get_origin(hint) is Annotated and TIMESTAMP_MILLIS in hint.__metadata__


def optional_of(hint: Any) -> Any | None:
    """The inner type of ``X | None``, else None."""
    if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union:
        args = [a for a in typing.get_args(hint) if a is not type(None)]
        if len(args) == 1 and len(typing.get_args(hint)) == 2:
            return args[0]
    return None


def _same(value: Any) -> Any:
    return value


def _reader(hint: Any) -> Convert:
    inner = optional_of(hint)
    if inner is not None:
        read = _reader(inner)
        return lambda v: None if v is None else read(v)
    if is_timestamp(hint):
        return epoch_ms
    if isinstance(hint, type) and issubclass(hint, StrEnum):
        return hint
    if isinstance(hint, type) and issubclass(hint, AvroRecord):
        record = hint
        return lambda v: v if isinstance(v, record) else record.from_avro(v)
    if typing.get_origin(hint) is tuple:
        item = _reader(typing.get_args(hint)[0])
        return lambda v: tuple(map(item, v))
    return _same


def _writer(hint: Any, datetimes: bool) -> Convert:
    inner = optional_of(hint)
    if inner is not None:
        write = _writer(inner, datetimes)
        return lambda v: None if v is None else write(v)
    if is_timestamp(hint):
        return to_datetime if datetimes else _same
    if isinstance(hint, type) and issubclass(hint, StrEnum):
        return lambda v: v.value if isinstance(v, StrEnum) else v
    if isinstance(hint, type) and issubclass(hint, AvroRecord):
        return lambda v: v.to_avro(datetimes=datetimes)
    if typing.get_origin(hint) is tuple:
        item = _writer(typing.get_args(hint)[0], datetimes)
        return lambda v: list(map(item, v))
    if typing.get_origin(hint) is dict:
        return dict
    return _same


# --- records (field order and names as in the .avsc) ------------------------------------
@dataclass(frozen=True, kw_only=True, slots=True)
class Location(AvroRecord):
    AVRO_NAME = "Location"
    text: str | None = None
    lon: float | None = None
    lat: float | None = None
    admin_code: str | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class CaseEvent(AvroRecord):
    AVRO_NAME = "CaseEvent"
    source: EventSource
    source_id: str
    received_at: EpochMs
    received_local: str
    caller_key: str | None = None
    location: Location
    text: str
    channel: str
    source_category: str | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class Evidence(AvroRecord):
    AVRO_NAME = "Evidence"
    rule_id: str
    term: str
    kind: str
    start: int = -1
    end: int = -1


@dataclass(frozen=True, kw_only=True, slots=True)
class Route(AvroRecord):
    AVRO_NAME = "Route"
    town_code: str
    town_name: str
    grid_code: str | None = None
    unit_id: str
    unit_name: str
    unit_kind: str
    department: str
    place_method: str
    team_id: str | None = None
    team_method: str
    routing_version: str


@dataclass(frozen=True, kw_only=True, slots=True)
class Deadline(AvroRecord):
    AVRO_NAME = "Deadline"
    stage: str
    due_at: EpochMs


@dataclass(frozen=True, kw_only=True, slots=True)
class Decision(AvroRecord):
    AVRO_NAME = "Decision"
    decision_id: str
    case_key: str
    event: CaseEvent
    is_police_matter: bool
    list: TaxonomyList
    class_code: str
    class_name: str
    situation_code: str
    situation_name: str
    department: str
    priority: int
    sla_class: str
    confidence: float
    rule_id: str
    evidence: tuple[Evidence, ...]
    taxonomy_version: str
    route: Route
    deadlines: tuple[Deadline, ...]
    sla_policy_version: str
    outcome: DecisionOutcome | None = None
    outcome_rule: str = ""
    rules_is_police: bool | None = None
    model_police_probability: float | None = None
    model_version: str | None = None
    category_path: tuple[str, ...] = ()
    category_id: str | None = None
    categories_version: str | None = None
    doubts: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True, slots=True)
class CallTakerVerdict(AvroRecord):
    AVRO_NAME = "CallTakerVerdict"
    verdict_id: str
    decision_id: str
    case_key: str
    source: EventSource
    source_id: str
    verdict: VerdictKind
    by: str
    at: EpochMs
    text: str | None = None
    case_id: str | None = None
    order_id: str | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class DispatchOrder(AvroRecord):
    AVRO_NAME = "DispatchOrder"
    order_id: str
    case_id: str
    decision_id: str
    created_at: EpochMs
    source: EventSource
    is_police_matter: bool
    class_code: str
    situation_code: str
    situation_name: str
    priority: int
    unit_id: str
    unit_name: str
    unit_kind: str
    town_code: str
    grid_code: str | None = None
    team_id: str | None = None
    location: Location
    summary: str
    caller_key: str | None = None
    deadlines: tuple[Deadline, ...]
    repeat_count: int = 0
    flow_back: bool = False
    taxonomy_version: str
    routing_version: str
    reopens_order_id: str | None = None
    version: int = 1

    def due(self, stage: str) -> int | None:
        """Due time (epoch ms) of one stage, if the order has it."""
        return next((d.due_at for d in self.deadlines if d.stage == stage), None)


@dataclass(frozen=True, kw_only=True, slots=True)
class CaseUpdate(AvroRecord):
    AVRO_NAME = "CaseUpdate"
    update_id: str
    case_id: str
    case_key: str
    kind: CaseUpdateKind
    rule: CaseRule
    at: EpochMs
    decision_id: str | None = None
    lifecycle_event_id: str | None = None
    order_id: str | None = None
    current_order_id: str
    source: EventSource | None = None
    caller_key: str | None = None
    is_police_matter: bool
    town_code: str
    class_code: str
    situation_code: str | None = None
    unit_id: str | None = None
    place_key: str | None = None
    opened_at: EpochMs
    status: CaseStatus
    repeat_count: int
    flow_back_count: int
    escalation_level: int
    priority: int | None = None
    related_case_id: str | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class LifecycleEvent(AvroRecord):
    AVRO_NAME = "LifecycleEvent"
    event_id: str
    order_id: str
    case_id: str
    kind: LifecycleKind
    at: EpochMs
    unit_id: str
    actor: str | None = None
    note: str | None = None
    satisfaction: Satisfaction | None = None
    resolved_on_site: bool | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class SlaAlert(AvroRecord):
    AVRO_NAME = "SlaAlert"
    alert_id: str
    order_id: str
    case_id: str
    unit_id: str
    town_code: str
    class_code: str
    stage: str
    level: AlertLevel
    due_at: EpochMs
    fired_at: EpochMs
    elapsed_ratio: float


@dataclass(frozen=True, kw_only=True, slots=True)
class HotspotWarning(AvroRecord):
    AVRO_NAME = "HotspotWarning"
    warning_id: str
    class_code: str
    situation_code: str | None = None
    place_key: str
    town_code: str
    window_start: EpochMs
    window_end: EpochMs
    count: int
    threshold: int
    case_ids: tuple[str, ...]


@dataclass(frozen=True, kw_only=True, slots=True)
class DeadLetter(AvroRecord):
    AVRO_NAME = "DeadLetter"
    topic: str
    partition: int
    offset: int
    record_timestamp: EpochMs | None = None
    key: bytes | None = None
    value: bytes | None = None
    value_size: int = -1
    value_sha256: str | None = None
    value_truncated: bool = False
    value_in_source: bool = False
    headers: dict[str, bytes] = dataclasses.field(default_factory=dict)
    stage: str
    reason: str
    error: str
    service: str
    attempts: tuple[str, ...] = ()
    failed_at: EpochMs


@dataclass(frozen=True, kw_only=True, slots=True)
class Call110(AvroRecord):
    AVRO_NAME = "Call110"
    call_id: str
    centre_code: str
    received_at: EpochMs
    caller_phone: str | None = None
    content: str | None = None
    address: str | None = None
    longitude: float | None = None
    latitude: float | None = None
    admin_code: str | None = None
    alarm_type: str | None = None
    channel: CallChannel = CallChannel.PHONE
    major: bool = False


@dataclass(frozen=True, kw_only=True, slots=True)
class Ticket12345(AvroRecord):
    AVRO_NAME = "Ticket12345"
    ticket_id: str
    created_at: EpochMs
    caller_phone: str | None = None
    title: str | None = None
    content: str | None = None
    address: str | None = None
    longitude: float | None = None
    latitude: float | None = None
    admin_code: str | None = None
    category: str | None = None
    channel: TicketChannel = TicketChannel.PHONE


#: Every typed record, by Avro name (the test walks this against the .avsc files).
RECORDS: dict[str, type[AvroRecord]] = {
    cls.AVRO_NAME: cls
    for cls in (
        Location,
        CaseEvent,
        Evidence,
        Route,
        Deadline,
        Decision,
        CallTakerVerdict,
        DispatchOrder,
        CaseUpdate,
        LifecycleEvent,
        SlaAlert,
        HotspotWarning,
        DeadLetter,
        Call110,
        Ticket12345,
    )
}
#: Every enum, by Avro name.
ENUMS: dict[str, type[StrEnum]] = {
    "EventSource": EventSource,
    "CallChannel": CallChannel,
    "TicketChannel": TicketChannel,
    "TaxonomyList": TaxonomyList,
    "DecisionOutcome": DecisionOutcome,
    "VerdictKind": VerdictKind,
    "CaseUpdateKind": CaseUpdateKind,
    "CaseRule": CaseRule,
    "CaseStatus": CaseStatus,
    "LifecycleKind": LifecycleKind,
    "Satisfaction": Satisfaction,
    "AlertLevel": AlertLevel,
}
