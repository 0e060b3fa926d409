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
    Trail,
    TrailItem,
    connected,
    describe,
    ids_in,
    masked,
)
from fenliu.processors.phone import scrub_phone_numbers
from fenliu.processors.spans import Span
from fenliu.schemas.serde import Codec
from fenliu.settings import Settings
from fenliu.streams.kafka.config import confluent_config
from fenliu.streams.replay.read import read_spans, time_spans
from fenliu.topics import catalogue as topics

__all__ = ["CASES", "TRAIL_TOPICS", "CaseAudit", "Trail", "TrailItem"]

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
            confluent_config(
                s,
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
                        s.replay.kafka_timeout_s,
                    )
                    logical_of[s.topic(logical)] = logical
                    result.scanned[s.topic(logical)] = 0
                except LookupError:
                    result.missing_topics.append(s.topic(logical))
            index: list[frozenset[str]] = []
            refs: list[tuple[str, str, int, int]] = []
            for msgs in read_spans(consumer, spans, s.replay.batch_size):  # every topic at once
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
        for msgs in read_spans(consumer, spans, self.settings.replay.batch_size):
            for m in msgs:
                logical = wanted[(m.topic(), m.partition())].get(m.offset())
                record = None if logical is None else self._decode(m.value(), result)
                if record is None:
                    continue
                ts_type, ts = m.timestamp()
                kafka_ms = ts if ts_type and ts >= 0 else None
                at, kind, summary = describe(logical, record, kafka_ms)
                detail = masked(
                    record,
                    self.settings.intake.phone_hmac_key.get_secret_value().encode(),
                    self.settings.intake.phone_default_area_code,
                )
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
