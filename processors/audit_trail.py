"""The trail of one case, as pure functions: which ids a record carries, which records
connect to a seed id, and a one-line, phone-free description of each record.

``streams/replay/audit.py`` reads the topics and feeds these; nothing here does I/O.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from fenliu.processors.phone import caller_key_for, scrub_phone_numbers
from fenliu.schemas.records import epoch_ms
from fenliu.topics import catalogue as topics

CASES = topics.CASES
DEAD_LETTER = topics.DEAD_LETTER
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


def position_id(topic: str, partition: int, offset: int) -> str:
    """The id of a record by where it is: how a dead letter names the original it kept."""
    return f"{topic}/{partition}@{offset}"


def dead_letter_ids(
    dead: Mapping[str, Any], original: Mapping[str, Any] | None, caller_key: str | None, seed: str
) -> set[str]:
    """What links a dead letter into a trail: the original's position and (if it decodes) its ids.

    The caller key of a dead-lettered call counts only as the seed itself: an auditor may ask
    for "every call of this caller that died", but a caller key must never join two cases.
    """
    found = {position_id(dead["topic"], dead["partition"], dead["offset"])}
    if original is not None:
        found |= ids_in(original)
    if caller_key is not None and caller_key == seed:
        found.add(caller_key)
    return found


def dead_letter_detail(
    dead: Mapping[str, Any],
    original: Mapping[str, Any] | None,
    hmac_key: bytes,
    area_code: str | None,
) -> dict[str, Any]:
    """A dead letter for people: why, where and the original's hash; never the raw bytes
    (they hold the caller's number), the original decoded and masked instead when it decodes."""
    detail = {
        name: _plain(dead.get(name))
        for name in (
            "stage",
            "reason",
            "service",
            "error",
            "attempts",
            "failed_at",
            "topic",
            "partition",
            "offset",
            "value_sha256",
            "value_size",
            "value_truncated",
        )
    }
    detail["error"] = scrub_phone_numbers(str(dead.get("error") or ""))
    detail["original"] = masked(original, hmac_key, area_code) if original is not None else None
    return detail


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
    via: str = "scan"  # or "index": found through the audit index (streams/replay/audit_index.py)

    def to_dict(self) -> dict[str, Any]:
        return {
            "seed": self.seed,
            "via": self.via,
            "items": [vars(i) for i in self.items],
            "scanned": self.scanned,
            "missing_topics": self.missing_topics,
            "unreadable": self.unreadable,
        }


def _ms(value: Any) -> int | None:
    try:
        return epoch_ms(value)
    except TypeError:
        return None


def _plain(value: Any) -> Any:
    """JSON-able: datetimes to epoch ms, nested records and lists kept."""
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, bytes):
        return value.hex()
    return _ms(value) if isinstance(value, datetime) else value


def masked(record: Mapping[str, Any], hmac_key: bytes, area_code: str | None) -> dict[str, Any]:
    """A record without phone numbers: the caller key instead, and digits scrubbed from text."""
    out: dict[str, Any] = {}
    for name, value in record.items():
        if name in _PHONE_FIELDS:
            out["caller_key"] = caller_key_for(value, hmac_key, area_code) if value else None
        elif isinstance(value, str) and name in _FREE_TEXT:
            out[name] = scrub_phone_numbers(value)
        elif isinstance(value, Mapping):
            out[name] = masked(value, hmac_key, area_code)
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
                (f"{r['outcome']} ({r.get('outcome_rule') or '-'}) " if r.get("outcome") else "")
                + f"{r['list']} {r['class_code']} {r['class_name']} / {r['situation_name']} "
                f"→ {rt['unit_name']} ({r['rule_id']}, {r['taxonomy_version']})"
            ),
        )
    if logical == topics.VERDICTS:
        return (
            _ms(r["at"]),
            f"call-taker {r['verdict']}",
            f"{r['decision_id']} by {r['by']}"
            + (
                " · the order goes to the unit"
                if r["verdict"] == "CONFIRMED"
                else " · the police keep the call"
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
    if logical == DEAD_LETTER:
        sha = str(r.get("value_sha256") or "")
        return (
            _ms(r.get("failed_at")) or kafka_ms,
            "dead letter",
            (
                f"{r['service']} · stage {r['stage']} · {r['reason']} · original "
                f"{position_id(r['topic'], r['partition'], r['offset'])}"
                + (f" · sha256 {sha[:16]}…" if sha else "")
            ),
        )
    return kafka_ms, logical, ""
