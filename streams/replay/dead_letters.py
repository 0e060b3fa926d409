"""The dead letters of a replay's range: raw records that ended in ``fenliu.deadletter``.

A call that was dead-lettered has no recorded decision; an auditor reading the replay
report must still see it, with why (stage, reason, service) and the hash of the original
bytes to check against the raw topic. A dead letter names its original by topic,
partition and offset, so the ones that belong to the replayed raw offsets are exactly
those whose original position lies inside the replay's spans and whose original
timestamp lies inside ``[since, until)``. They are written after the raw record, so the
dead-letter topic is read from ``since - skew`` to ``until + replay_decision_lag_ms``.
"""

from __future__ import annotations

from typing import Any

from confluent_kafka import Consumer

from fenliu.processors.phone import scrub_phone_numbers
from fenliu.processors.spans import Span
from fenliu.schemas.serde import Codec
from fenliu.settings import Settings
from fenliu.streams.replay.read import read_spans, time_spans
from fenliu.topics import catalogue as topics


def dead_letters_of(
    consumer: Consumer,
    codec: Codec,
    settings: Settings,
    raw_spans: list[Span],
    request: Any,
    id_fields: dict[str, tuple[str, str]],
) -> list[dict[str, Any]]:
    """Rows (sorted by original position) for the dead letters of the raw records in ``raw_spans``."""
    s = settings
    inside = {(sp.topic, sp.partition): sp for sp in raw_spans}
    try:
        spans = time_spans(
            consumer,
            s.topic(topics.DEAD_LETTER),
            request.since_ms - s.replay.timestamp_skew_ms,
            request.until_ms + s.replay.decision_lag_ms,
            s.replay.kafka_timeout_s,
        )
    except LookupError:
        return []
    logical = {s.topic(name): name for name in id_fields}
    rows: dict[tuple[str, int, int, str, str], dict[str, Any]] = {}
    for msgs in read_spans(consumer, spans, s.replay.batch_size):
        for m in msgs:
            try:
                d = codec.decode(m.value() or b"", expect="DeadLetter")
            except Exception:
                continue
            span = inside.get((d["topic"], d["partition"]))
            ts = _ms(d.get("record_timestamp"))
            if span is None or not span.start <= d["offset"] < span.end:
                continue
            if ts is not None and not request.since_ms <= ts < request.until_ms:
                continue
            source, id_field = id_fields[logical[d["topic"]]]
            row = {
                "where": f"{d['topic']}/{d['partition']}@{d['offset']}",
                "source": source,
                "source_id": _source_id(codec, settings, d, id_field),
                "stage": d["stage"],
                "reason": d["reason"],
                "service": d["service"],
                "error": scrub_phone_numbers(str(d.get("error") or ""))[:300],
                "value_sha256": d.get("value_sha256"),
                "failed_at_ms": _ms(d.get("failed_at")),
                "dead_letter": f"{m.topic()}/{m.partition()}@{m.offset()}",
            }
            # the same failure written twice (a re-run) is one row
            rows.setdefault((d["topic"], d["partition"], d["offset"], d["stage"], d["reason"]), row)
    return [rows[k] for k in sorted(rows)]


def _source_id(codec: Codec, settings: Settings, dead: dict[str, Any], id_field: str) -> str | None:
    """The call/ticket id of the original: from the kept copy, or read where a raw topic's dead
    letter points (it keeps no copy: phone numbers)."""
    data = dead.get("value")
    if dead.get("value_in_source") or dead.get("value_truncated"):
        from fenliu.streams.kafka.dead_letters import read_original

        data = read_original(settings, dead).value
    if not data:
        return None
    try:
        value = codec.decode(data).get(id_field)
    except Exception:
        return None
    return value if isinstance(value, str) else None


def _ms(value: Any) -> int | None:
    if value is None:
        return None
    if hasattr(value, "timestamp"):
        return int(value.timestamp() * 1000)
    return int(value)
