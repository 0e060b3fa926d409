"""``fenliu audit case ID``: the whole trail of one case across the topics, in time order.

Given any id of the case (a case id, order id, decision id, or the call/ticket id of one of
its calls), one scan of the topics builds a small index of which ids each record carries;
following shared ids from the seed (call → decision → case → order → lifecycle and SLA
alerts, and back) gives every record of the case, which are then read again by offset.
A scan suits a dev-size stack; docs/replay.md says what a data centre indexes instead.

Raw calls are shown with the caller key only: the number is never printed.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from confluent_kafka import Consumer

from fenliu.processors.phone import caller_key_for, scrub_phone_numbers
from fenliu.schemas.serde import Codec
from fenliu.settings import Settings
from fenliu.streams.replay_read import Span, read_spans, time_spans
from fenliu.topics import catalogue as topics

CASES = getattr(topics, "CASES", "fenliu.cases")  # the case updates: absent on older stacks
# The topics of a trail in pipeline order; the rank breaks ties between equal times.
TRAIL_TOPICS: tuple[str, ...] = (
    topics.RAW_110,
    topics.RAW_12345,
    topics.DECISIONS,
    CASES,
    topics.ORDERS,
    topics.LIFECYCLE,
    topics.SLA_ALERTS,
)
# Fields that name the case or one of its parts; ``*_ids`` lists count too. A related case
# (``related_case_id``: a police case opened about a diverted one) is shown, not followed.
_ID_SUFFIXES = ("case_id", "order_id", "decision_id", "source_id", "call_id", "ticket_id")
_NOT_FOLLOWED = ("related_",)
_PHONE_FIELDS = ("caller_phone", "phone")
_FREE_TEXT = frozenset(
    {"content", "title", "note", "summary", "text", "address"}
)  # where people write numbers


def ids_in(record: Mapping[str, Any]) -> set[str]:
    """Every id of a case part that a record carries, at any depth."""
    found: set[str] = set()
    for name, value in record.items():
        if isinstance(value, Mapping):
            found |= ids_in(value)
        elif isinstance(value, list):
            for item in value:
                if isinstance(item, Mapping):
                    found |= ids_in(item)
        if name.startswith(_NOT_FOLLOWED):
            continue
        base = name[:-1] if name.endswith("_ids") else name
        if base.endswith(_ID_SUFFIXES):
            if isinstance(value, str) and value:
                found.add(value)
            elif isinstance(value, list):
                found.update(v for v in value if isinstance(v, str) and v)
    return found


def connected(seed: str, index: Sequence[frozenset[str]]) -> list[int]:
    """Positions in ``index`` reachable from ``seed`` through shared ids (breadth first)."""
    by_id: dict[str, list[int]] = defaultdict(list)
    for pos, ids in enumerate(index):
        for i in ids:
            by_id[i].append(pos)
    seen_ids, hits, queue = {seed}, set(), [seed]
    while queue:
        for pos in by_id.get(queue.pop(), ()):
            if pos in hits:
                continue
            hits.add(pos)
            for other in index[pos] - seen_ids:
                seen_ids.add(other)
                queue.append(other)
    return sorted(hits)


@dataclass(frozen=True)
class TrailItem:
    """One record of the trail: when it happened, what it was, and its details (masked)."""

    at_ms: int
    recorded_ms: int | None  # Kafka timestamp: when the record was written
    rank: int
    topic: str
    partition: int
    offset: int
    kind: str
    summary: str
    detail: dict[str, Any]


@dataclass
class Trail:
    seed: str
    items: list[TrailItem] = field(default_factory=list)
    scanned: dict[str, int] = field(default_factory=dict)  # records read per topic
    missing_topics: list[str] = field(default_factory=list)
    unreadable: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "seed": self.seed,
            "items": [vars(i) for i in self.items],
            "scanned": self.scanned,
            "missing_topics": self.missing_topics,
            "unreadable": self.unreadable,
        }


def _ms(value: Any) -> int | None:
    if isinstance(value, datetime):
        return int(value.timestamp() * 1000)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _plain(value: Any) -> Any:
    """JSON-able: datetimes to epoch ms, nested records and lists kept."""
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, bytes):
        return value.hex()
    return _ms(value) if isinstance(value, datetime) else value


def _masked(record: Mapping[str, Any], settings: Settings) -> dict[str, Any]:
    """A record without phone numbers: the caller key instead, and digits scrubbed from text."""
    out: dict[str, Any] = {}
    for name, value in record.items():
        if name in _PHONE_FIELDS:
            out["caller_key"] = (
                caller_key_for(
                    value,
                    settings.phone_hmac_key.get_secret_value().encode(),
                    settings.phone_default_area_code,
                )
                if value
                else None
            )
        elif isinstance(value, str) and name in _FREE_TEXT:
            out[name] = scrub_phone_numbers(value)
        elif isinstance(value, Mapping):
            out[name] = _masked(value, settings)
        else:
            out[name] = _plain(value)
    return out


def describe(
    logical: str, record: Mapping[str, Any], kafka_ms: int | None
) -> tuple[int | None, str, str]:
    """(time it happened, kind, one-line summary) of a record of ``logical`` topic.

    Steps reported from outside carry their own time (the call, the lifecycle step, the
    alert); records the pipeline makes (decision, case update, order) are dated by when
    it wrote them, which keeps cause before effect.
    """
    r = record
    if logical == topics.RAW_110:
        return _ms(r["received_at"]), "110 call", f"{r['call_id']} · {r.get('content') or ''}"
    if logical == topics.RAW_12345:
        return (
            _ms(r["created_at"]),
            "12345 ticket",
            f"{r['ticket_id']} · {r.get('title') or r.get('content') or ''}",
        )
    if logical == topics.DECISIONS:
        rt = r["route"]
        return (
            kafka_ms,
            "decision",
            (
                f"{r['list']} {r['class_code']} {r['class_name']} / {r['situation_name']} "
                f"→ {rt['unit_name']} ({r['rule_id']}, {r['taxonomy_version']})"
            ),
        )
    if logical == CASES:
        rule = r.get("rule")
        return (
            kafka_ms or _ms(r.get("at")),
            f"case {str(r.get('kind', 'update')).lower()}",
            (
                f"{r.get('case_id')} · rule {rule} · repeats {r.get('repeat_count')} · {r.get('status')}"
            ),
        )
    if logical == topics.ORDERS:
        return (
            kafka_ms or _ms(r["created_at"]),
            "dispatch order",
            (
                f"{r['order_id']} → {r['unit_name']} · priority {r['priority']} · repeats {r['repeat_count']}"
                + (" · flow-back" if r.get("flow_back") else "")
            ),
        )
    if logical == topics.LIFECYCLE:
        return (
            _ms(r["at"]),
            f"lifecycle {r['kind']}",
            (
                f"{r['unit_id']}"
                + (f" · {r['note']}" if r.get("note") else "")
                + (f" · {r['satisfaction']}" if r.get("satisfaction") else "")
            ),
        )
    if logical == topics.SLA_ALERTS:
        return (
            _ms(r["fired_at"]),
            f"SLA {r['level']}",
            (
                f"{r['stage']} due {_ms(r['due_at'])} · {r['unit_id']} · {r['elapsed_ratio']:.0%} of the window"
            ),
        )
    return kafka_ms, logical, ""


class CaseAudit:
    """Scans the trail topics once and answers for one seed id."""

    def __init__(self, settings: Settings, codec: Codec) -> None:
        self.settings = settings
        self.codec = codec

    def trail(
        self,
        seed: str,
        *,
        topic_names: Iterable[str] = TRAIL_TOPICS,
        since_ms: int | None = None,
        until_ms: int | None = None,
    ) -> Trail:
        s = self.settings
        result = Trail(seed)
        consumer = Consumer(
            s.confluent_config(
                **{
                    "group.id": f"fenliu-audit-{uuid.uuid4().hex[:8]}",
                    "enable.auto.commit": False,
                    "auto.offset.reset": "earliest",  # offsets retention deleted: the log start
                }
            )
        )
        try:
            spans: list[Span] = []
            logical_of: dict[str, str] = {}
            for logical in topic_names:
                try:
                    spans += time_spans(
                        consumer,
                        s.topic(logical),
                        since_ms or 0,
                        until_ms,
                        s.replay_kafka_timeout_s,
                    )
                    logical_of[s.topic(logical)] = logical
                    result.scanned[s.topic(logical)] = 0
                except LookupError:
                    result.missing_topics.append(s.topic(logical))
            index: list[frozenset[str]] = []
            refs: list[tuple[str, str, int, int]] = []
            for msgs in read_spans(consumer, spans, s.replay_batch_size):  # every topic at once
                for m in msgs:
                    result.scanned[m.topic()] += 1
                    record = self._decode(m.value(), result)
                    if record is not None:
                        index.append(frozenset(ids_in(record)))
                        refs.append((logical_of[m.topic()], m.topic(), m.partition(), m.offset()))
            hits = [refs[i] for i in connected(seed, index)]
            result.items = sorted(
                self._fetch(consumer, hits, result),
                key=lambda i: (i.at_ms, i.rank, i.topic, i.partition, i.offset),
            )
        finally:
            consumer.close()
        return result

    def _decode(self, value: bytes | None, result: Trail) -> dict[str, Any] | None:
        try:
            return self.codec.decode(value or b"")
        except Exception:  # a schema this build does not know, or bytes that are not ours
            result.unreadable += 1
            return None

    def _fetch(
        self, consumer: Consumer, hits: list[tuple[str, str, int, int]], result: Trail
    ) -> list[TrailItem]:
        """Read the records of the trail again, by offset, and describe them."""
        wanted: dict[tuple[str, int], dict[int, str]] = defaultdict(dict)
        for logical, topic, partition, offset in hits:
            wanted[(topic, partition)][offset] = logical
        spans = [Span(t, p, min(offs), max(offs) + 1) for (t, p), offs in wanted.items()]
        ranks = {name: rank for rank, name in enumerate(TRAIL_TOPICS)}
        items: list[TrailItem] = []
        for msgs in read_spans(consumer, spans, self.settings.replay_batch_size):
            for m in msgs:
                logical = wanted[(m.topic(), m.partition())].get(m.offset())
                record = None if logical is None else self._decode(m.value(), result)
                if record is None:
                    continue
                ts_type, ts = m.timestamp()
                kafka_ms = ts if ts_type and ts >= 0 else None
                at, kind, summary = describe(logical, record, kafka_ms)
                detail = _masked(record, self.settings)
                items.append(
                    TrailItem(
                        at if at is not None else (kafka_ms or 0),
                        kafka_ms,
                        ranks.get(logical, len(ranks)),
                        m.topic(),
                        m.partition(),
                        m.offset(),
                        kind,
                        scrub_phone_numbers(summary),
                        detail,
                    )
                )
        return items
