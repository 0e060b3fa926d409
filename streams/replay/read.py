"""Reading for replay and audit: raw offsets by time, and the decisions recorded at the time.

Recorded decisions are found by the event (source and source id), not by decision id,
because the id depends on the data versions a replay may change. They are read with one
forward cursor over ``fenliu.decisions`` from ``since``: the router writes a decision after
its raw record, so everything it recorded for the range lies after that offset, and
decisions read ahead of need wait in a buffer for a later chunk.
"""

from __future__ import annotations

import io
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import fastavro
from confluent_kafka import Consumer, KafkaError, KafkaException, Message, TopicPartition

from fenliu.processors.model import Decision, Source
from fenliu.processors.records import decision_from_record
from fenliu.processors.route import TeamMethod, TeamPick
from fenliu.processors.spans import Span
from fenliu.schemas.catalog import default_catalog
from fenliu.schemas.serde import SINGLE_OBJECT_MAGIC, Codec
from fenliu.streams.kafka.position import position

Key = tuple[Source, str]


# --- offsets ------------------------------------------------------------------------
# Answers of a partition whose leader is still being elected (a topic created a moment ago).
_SETTLING = {
    KafkaError.NOT_LEADER_FOR_PARTITION,
    KafkaError.LEADER_NOT_AVAILABLE,
    KafkaError.UNKNOWN_TOPIC_OR_PART,
}


def time_spans(
    consumer: Consumer, topic: str, start_ms: int, end_ms: int | None, timeout_s: float
) -> list[Span]:
    """Per partition, the first offset at or after ``start_ms`` and the first at or after ``end_ms``.

    ``end_ms`` None means the end of the partition as it is now. A timestamp past the last
    record gives the high watermark, so a range in the future is empty, not open-ended.
    """
    meta = consumer.list_topics(topic, timeout=timeout_s).topics.get(topic)
    if meta is None or meta.error is not None:
        raise LookupError(f"topic {topic} does not exist on the broker")
    parts = sorted(meta.partitions)
    deadline = time.monotonic() + timeout_s

    def ask(fn: Any) -> Any:
        """A fresh topic's partitions may not have a leader yet: retry what the broker calls retriable."""
        while True:
            try:
                return fn()
            except KafkaException as exc:
                err = exc.args[0]
                if not (err.retriable() or err.code() in _SETTLING) or time.monotonic() > deadline:
                    raise
                time.sleep(0.2)

    highs = {
        p: ask(
            lambda p=p: consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=timeout_s)
        )[1]
        for p in parts
    }

    def seek(ts: int) -> dict[int, int]:
        found = ask(
            lambda: consumer.offsets_for_times(
                [TopicPartition(topic, p, max(ts, 0)) for p in parts], timeout=timeout_s
            )
        )
        return {tp.partition: tp.offset if tp.offset >= 0 else highs[tp.partition] for tp in found}

    starts = seek(start_ms)
    ends = seek(end_ms) if end_ms is not None else highs
    return [Span(topic, p, starts[p], ends[p]) for p in parts]


def read_spans(consumer: Consumer, spans: list[Span], batch: int) -> Iterator[list[Message]]:
    """Batches of the records of ``spans``, stopping each partition at its end offset."""
    live = {(s.topic, s.partition): s.end for s in spans if s.size > 0}
    if not live:
        return
    consumer.assign([TopicPartition(s.topic, s.partition, s.start) for s in spans if s.size > 0])
    while live:
        out: list[Message] = []
        msgs = consumer.consume(batch, timeout=1.0)
        if not msgs:  # offsets can have gaps (transaction markers): ask where each partition is
            for tp in consumer.position([TopicPartition(t, p) for t, p in live]):
                if tp.offset >= live[(tp.topic, tp.partition)]:
                    del live[(tp.topic, tp.partition)]
                    consumer.incremental_unassign([TopicPartition(tp.topic, tp.partition)])
        for m in msgs:
            if m.error() is not None:
                continue
            topic, partition, offset = position(m)
            key = (topic, partition)
            end = live.get(key)
            if end is None:
                continue
            if offset < end:
                out.append(m)
            if offset >= end - 1:
                del live[key]
                consumer.incremental_unassign([TopicPartition(*key)])
        if out:
            yield out


# --- recorded decisions -------------------------------------------------------------
_DECISION_HEADER = SINGLE_OBJECT_MAGIC + default_catalog()["Decision"].fingerprint
_DECISION_WRITER = default_catalog()["Decision"].parsed
# Avro schema resolution skips every field a reader schema leaves out: the recorded team, cheaply.
_TEAM_READER = fastavro.parse_schema(
    {
        "type": "record",
        "name": "cn.fenliu.Decision",
        "fields": [
            {
                "name": "route",
                "type": {
                    "type": "record",
                    "name": "cn.fenliu.Route",
                    "fields": [
                        {"name": "team_id", "type": ["null", "string"], "default": None},
                        {"name": "team_method", "type": "string"},
                    ],
                },
            }
        ],
    },
    named_schemas={},
)
_SOURCES = (Source.CALL_110, Source.TICKET_12345)  # the EventSource symbols S110, S12345, in order


def _varint(buf: bytes, pos: int) -> tuple[int, int]:
    """An Avro zig-zag varint at ``pos``: (value, position after it)."""
    shift = result = 0
    while True:
        byte = buf[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return (result >> 1) ^ -(result & 1), pos
        shift += 7


def event_key(data: bytes) -> Key | None:
    """(source, source id) of a current-version single-object ``Decision`` without decoding it all.

    The schema begins ``decision_id, case_key, event{source, source_id, ...}``; reading four
    fields instead of forty is what lets replay match recorded decisions at the router's
    pace. Anything else (older versions, registry framing) returns None: decode it fully.
    """
    if not data.startswith(_DECISION_HEADER):
        return None
    try:
        pos = len(_DECISION_HEADER)
        for _ in range(2):  # decision_id, case_key
            n, pos = _varint(data, pos)
            pos += n
        symbol, pos = _varint(data, pos)
        n, pos = _varint(data, pos)
        if not 0 <= symbol < len(_SOURCES) or pos + n > len(data):
            return None
        return _SOURCES[symbol], data[pos : pos + n].decode("utf-8")
    except (IndexError, UnicodeDecodeError):
        return None


@dataclass(slots=True)
class Recorded:
    """A decision as the router recorded it: its exact bytes, decoded only when needed."""

    data: bytes
    codec: Codec
    _decision: Decision | None = None

    @property
    def decision(self) -> Decision:
        if self._decision is None:
            self._decision = decision_from_record(self.codec.decode(self.data, expect="Decision"))
        return self._decision

    def team(self) -> tuple[str | None, str]:
        """(team id, team method) of the recorded route; reads only those two fields when it can."""
        if self._decision is None and self.data.startswith(_DECISION_HEADER):
            decoded = fastavro.schemaless_reader(
                io.BytesIO(self.data[len(_DECISION_HEADER) :]), _DECISION_WRITER, _TEAM_READER
            )
            if not isinstance(decoded, dict):  # the reader schema is a record
                raise ValueError("a Decision that does not decode to a record")
            route = decoded["route"]
            return route["team_id"], route["team_method"]
        r = self.decision.route
        return r.team_id, r.team_method

    def key(self) -> Key:
        fast = event_key(self.data)
        return fast if fast is not None else key_of(self.decision)


def key_of(d: Decision) -> Key:
    return (d.event.source, d.event.source_id)


def team_of(recorded: Recorded | None) -> tuple[TeamPick | None, bool]:
    """The team choice recorded at the time, as ``finish`` takes it (team, lookup failed)."""
    if recorded is None:
        return None, False
    team_id, method = recorded.team()
    if team_id is not None:
        return TeamPick(team_id, 0.0), False
    return None, method == TeamMethod.FALLBACK_TIMEOUT.value


@dataclass
class RecordedDecisions:
    """A forward cursor over the decisions topic; each chunk claims the decisions of its events."""

    consumer: Consumer
    codec: Codec
    spans: list[Span]
    batch: int
    on_read: Any = None  # callable(n) for the progress bar
    buffer: dict[Key, Recorded] = field(default_factory=dict)
    claimed: set[Key] = field(default_factory=set)
    duplicates: int = 0  # the same event recorded again (at-least-once, or a re-run)
    differing_duplicates: int = 0  # ... with another decision id (different data versions)
    unreadable: int = 0
    mine: set[Key] | None = None  # a worker's events: other decisions are dropped, not buffered
    _reader: Iterator[list[Message]] | None = None

    def claim(self, wanted: set[Key], optional: set[Key]) -> dict[Key, Recorded]:
        """The recorded decision of each wanted event; reads on until all are found or the range ends.

        ``optional`` events (those the replay rejects) are taken when met, but not waited for.
        """
        found = {k: self.buffer.pop(k) for k in wanted | optional if k in self.buffer}
        missing = wanted - found.keys()
        if self._reader is None:
            self._reader = read_spans(self.consumer, self.spans, self.batch)
        while missing:
            msgs = next(self._reader, None)
            if msgs is None:
                break
            for m in msgs:
                rec = Recorded(m.value() or b"", self.codec)
                try:
                    k = rec.key()
                except Exception:  # a decisions topic should only hold decisions; count what is not
                    self.unreadable += 1
                    continue
                if self.mine is not None and k not in self.mine:
                    continue  # another worker's event
                first = found.get(k) or self.buffer.get(k)
                if first is not None or k in self.claimed:
                    self._duplicate(first, rec)
                elif k in wanted or k in optional:
                    found[k] = rec
                    missing.discard(k)
                else:
                    self.buffer[k] = rec
            if self.on_read:
                self.on_read(len(msgs))
        self.claimed.update(found)
        return found

    def _duplicate(self, first: Recorded | None, again: Recorded) -> None:
        self.duplicates += 1
        if (
            first is not None
            and first.data != again.data
            and first.decision.decision_id != again.decision.decision_id
        ):
            self.differing_duplicates += 1
