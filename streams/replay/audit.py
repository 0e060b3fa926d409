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
from collections.abc import Iterable
from typing import Any

from confluent_kafka import Consumer

from fenliu.processors.audit_trail import (
    CASES,
    DEAD_LETTER,
    Trail,
    TrailItem,
    connected,
    dead_letter_detail,
    dead_letter_ids,
    describe,
    ids_in,
    masked,
    position_id,
)
from fenliu.processors.phone import caller_key_for, scrub_phone_numbers
from fenliu.processors.spans import Span
from fenliu.schemas.serde import Codec
from fenliu.settings import Settings
from fenliu.streams.kafka.config import confluent_config
from fenliu.streams.kafka.position import position
from fenliu.streams.replay.read import read_spans, time_spans
from fenliu.topics import catalogue as topics

__all__ = ["CASES", "TRAIL_TOPICS", "CaseAudit", "Trail", "TrailItem"]

# The topics of a trail in pipeline order; the rank breaks ties between equal times.
TRAIL_TOPICS: tuple[str, ...] = (
    topics.RAW_110,
    topics.RAW_12345,
    topics.DECISIONS,
    CASES,
    topics.VERDICTS,  # a SUGGEST's answer comes before its released order
    topics.ORDERS,
    topics.LIFECYCLE,
    topics.SLA_ALERTS,
    DEAD_LETTER,
)


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
        index: Any = None,
    ) -> Trail:
        """The trail of ``seed``: from ``index`` (an ``AuditIndex``) if given, else by a scan."""
        s = self.settings
        result = Trail(seed)
        if index is not None:
            return self._from_index(seed, index, topic_names, result)
        consumer = Consumer(
            confluent_config(
                s,
                **{
                    "group.id": f"fenliu-audit-{uuid.uuid4().hex[:8]}",
                    "enable.auto.commit": False,
                    "auto.offset.reset": "earliest",  # offsets retention deleted: the log start
                },
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
                        s.replay.kafka_timeout_s,
                    )
                    logical_of[s.topic(logical)] = logical
                    result.scanned[s.topic(logical)] = 0
                except LookupError:
                    result.missing_topics.append(s.topic(logical))
            id_sets: list[frozenset[str]] = []
            refs: list[tuple[str, str, int, int]] = []
            for msgs in read_spans(consumer, spans, s.replay.batch_size):  # every topic at once
                for m in msgs:
                    topic, partition, offset = position(m)
                    result.scanned[topic] += 1
                    record = self._decode(m.value(), result)
                    if record is not None:
                        logical = logical_of[topic]
                        ids = self.record_ids(logical, record, seed)
                        ids.add(position_id(topic, partition, offset))
                        id_sets.append(frozenset(ids))
                        refs.append((logical, topic, partition, offset))
            hits = [refs[i] for i in connected(seed, id_sets)]
            result.items = sorted(
                self._fetch(consumer, hits, result),
                key=lambda i: (i.at_ms, i.rank, i.topic, i.partition, i.offset),
            )
        finally:
            consumer.close()
        return result

    def _from_index(
        self, seed: str, index: Any, topic_names: Iterable[str], result: Trail
    ) -> Trail:
        """Look the case's records up in the index, then read just those by offset."""
        result.via = "index"
        logical_of = {self.settings.topic(t): t for t in topic_names}
        hits = [(logical_of[t], t, p, o) for t, p, o in index.connected(seed) if t in logical_of]
        consumer = Consumer(
            confluent_config(
                self.settings,
                **{
                    "group.id": f"fenliu-audit-{uuid.uuid4().hex[:8]}",
                    "enable.auto.commit": False,
                    "auto.offset.reset": "earliest",
                },
            )
        )
        try:
            result.items = sorted(
                self._fetch(consumer, hits, result),
                key=lambda i: (i.at_ms, i.rank, i.topic, i.partition, i.offset),
            )
        finally:
            consumer.close()
        return result

    def record_ids(self, logical: str, record: dict[str, Any], seed: str) -> set[str]:
        """The ids linking ``record`` into trails; a dead letter links through its original."""
        if logical != DEAD_LETTER:
            return ids_in(record)
        original = self.original_of(record)
        return dead_letter_ids(record, original, self.caller_key(original), seed)

    def original_of(self, dead: dict[str, Any]) -> dict[str, Any] | None:
        """The record a dead letter stands for, decoded; None when it does not decode or cannot
        be read. A dead letter of a raw topic keeps only a pointer (``value_in_source``): the
        original is then read from its topic (dead letters are few; the principal must be
        allowed to read the raw topics, as replay and audit are)."""
        value = dead.get("value")
        if dead.get("value_in_source") or dead.get("value_truncated") or not value:
            if not dead.get("value_in_source") and not dead.get("value_truncated"):
                return None
            from fenliu.streams.kafka.dead_letters import read_original

            value = read_original(self.settings, dead).value
            if not value:
                return None
        try:
            return self.codec.decode(value)
        except Exception:  # the very reason it died, often
            return None

    def caller_key(self, original: dict[str, Any] | None) -> str | None:
        if original is None:
            return None
        if original.get("caller_key"):
            return str(original["caller_key"])
        s = self.settings
        phone = original.get("caller_phone")
        return (
            caller_key_for(
                phone,
                s.intake.phone_hmac_key.get_secret_value().encode(),
                s.intake.phone_default_area_code,
            )
            if phone
            else None
        )

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
        runs = {tp: _runs(sorted(offs)) for tp, offs in wanted.items()}
        rounds = [  # one span per partition at a time: read_spans reads a partition once
            [Span(t, p, *r[k]) for (t, p), r in runs.items() if k < len(r)]
            for k in range(max((len(r) for r in runs.values()), default=0))
        ]
        ranks = {name: rank for rank, name in enumerate(TRAIL_TOPICS)}
        items: list[TrailItem] = []
        batches = (b for spans in rounds for b in read_spans(consumer, spans, 500))
        for msgs in batches:
            for m in msgs:
                topic, partition, offset = position(m)
                found = wanted[(topic, partition)].get(offset)
                record = None if found is None else self._decode(m.value(), result)
                if found is None or record is None:
                    continue
                logical = found
                ts_type, ts = m.timestamp()
                kafka_ms = ts if ts_type and ts >= 0 else None
                at, kind, summary = describe(logical, record, kafka_ms)
                hmac_key = self.settings.intake.phone_hmac_key.get_secret_value().encode()
                area = self.settings.intake.phone_default_area_code
                if logical == DEAD_LETTER:
                    detail = dead_letter_detail(record, self.original_of(record), hmac_key, area)
                else:
                    detail = masked(record, hmac_key, area)
                items.append(
                    TrailItem(
                        at if at is not None else (kafka_ms or 0),
                        kafka_ms,
                        ranks.get(logical, len(ranks)),
                        topic,
                        partition,
                        offset,
                        kind,
                        scrub_phone_numbers(summary),
                        detail,
                    )
                )
        return items


def _runs(offsets: list[int], gap: int = 256) -> list[tuple[int, int]]:
    """Sorted offsets as ``[start, end)`` ranges, split where more than ``gap`` records lie
    between: reading a case's two records a month apart must not read the month between."""
    runs: list[tuple[int, int]] = []
    for o in offsets:
        if runs and o - runs[-1][1] < gap:
            runs[-1] = (runs[-1][0], o + 1)
        else:
            runs.append((o, o + 1))
    return runs
