"""``fenliu replay``: re-decide the raw records of a time range and compare with what was recorded.

The raw topics are the audit record. A replay seeks them by time (``offsets_for_times``),
keeps exactly the records whose Kafka timestamp lies in ``[since, until)``, and runs the
same ``Decider`` as the router on each, with the record's own timestamp as the clock and
the team recorded at the time (so live Redis never changes a replay). It writes only to
its own output (a topic named for the run, or a file) and never to a catalogue topic.

Recorded decisions are found by the event (source and source id), not by decision id,
because the id depends on the data versions a replay may change. They are read with one
forward cursor over ``fenliu.decisions`` from ``since``: the router writes a decision after
its raw record, so everything it recorded for the range lies after that offset, and
decisions read ahead of need wait in a buffer for a later chunk.
"""

from __future__ import annotations

import gc
import hashlib
import io
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator, Mapping, Protocol

import fastavro
from confluent_kafka import Consumer, KafkaError, KafkaException, Message, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

from fenliu.processors.decide import Decider, Prepared
from fenliu.processors.model import Decision, Source
from fenliu.processors.records import decision_from_record, decision_record
from fenliu.processors.replay_compare import Tally, compare, identical, rejected
from fenliu.processors.route import TeamMethod, TeamPick
from fenliu.schemas.catalog import default_catalog
from fenliu.schemas.serde import SINGLE_OBJECT_MAGIC, Codec
from fenliu.settings import Settings
from fenliu.streams.deadletter import Failure
from fenliu.streams.router import Output, produce_all
from fenliu.topics import catalogue as topics

RAW = {Source.CALL_110: (topics.RAW_110, "Call110", "call_id"),
       Source.TICKET_12345: (topics.RAW_12345, "Ticket12345", "ticket_id")}
Key = tuple[Source, str]


# --- offsets ------------------------------------------------------------------------
# Answers of a partition whose leader is still being elected (a topic created a moment ago).
_SETTLING = {KafkaError.NOT_LEADER_FOR_PARTITION, KafkaError.LEADER_NOT_AVAILABLE, KafkaError.UNKNOWN_TOPIC_OR_PART}


@dataclass(frozen=True)
class Span:
    """The offsets ``[start, end)`` of one partition that a time range may occupy."""

    topic: str
    partition: int
    start: int
    end: int

    @property
    def size(self) -> int:
        return max(self.end - self.start, 0)


def time_spans(consumer: Consumer, topic: str, start_ms: int, end_ms: int | None, timeout_s: float) -> list[Span]:
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

    highs = {p: ask(lambda p=p: consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=timeout_s))[1]
             for p in parts}

    def seek(ts: int) -> dict[int, int]:
        found = ask(lambda: consumer.offsets_for_times([TopicPartition(topic, p, max(ts, 0)) for p in parts],
                                                       timeout=timeout_s))
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
            key = (m.topic(), m.partition())
            end = live.get(key)
            if end is None:
                continue
            if m.offset() < end:
                out.append(m)
            if m.offset() >= end - 1:
                del live[key]
                consumer.incremental_unassign([TopicPartition(*key)])
        if out:
            yield out


# --- recorded decisions -------------------------------------------------------------
_DECISION_HEADER = SINGLE_OBJECT_MAGIC + default_catalog()["Decision"].fingerprint
_DECISION_WRITER = default_catalog()["Decision"].parsed
# Avro schema resolution skips every field a reader schema leaves out: the recorded team, cheaply.
_TEAM_READER = fastavro.parse_schema({"type": "record", "name": "cn.fenliu.Decision", "fields": [
    {"name": "route", "type": {"type": "record", "name": "cn.fenliu.Route", "fields": [
        {"name": "team_id", "type": ["null", "string"], "default": None},
        {"name": "team_method", "type": "string"}]}}]}, named_schemas={})
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
        return _SOURCES[symbol], data[pos:pos + n].decode("utf-8")
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
            route = fastavro.schemaless_reader(io.BytesIO(self.data[len(_DECISION_HEADER):]), _DECISION_WRITER,
                                               _TEAM_READER)["route"]
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
        if first is not None and first.data != again.data and \
                first.decision.decision_id != again.decision.decision_id:
            self.differing_duplicates += 1


# --- outputs ------------------------------------------------------------------------
class ReplaySink(Protocol):
    """Where a replay writes its decisions: never a live topic."""

    def write(self, decision: Decision, data: bytes) -> None: ...
    def flush(self) -> None: ...
    def close(self) -> None: ...
    def describe(self) -> dict[str, str]: ...


def replay_topic_name(settings: Settings, run_id: str) -> str:
    return settings.topic(f"fenliu.replay.{run_id}.decisions")


def live_topic_names(settings: Settings) -> set[str]:
    return {settings.topic(spec.name) for spec in topics.default_catalogue().topics}


class TopicSink:
    """The run's own topic ``fenliu.replay.<run-id>.decisions``, keyed like the live one."""

    def __init__(self, settings: Settings, run_id: str) -> None:
        self.topic = replay_topic_name(settings, run_id)
        if self.topic in live_topic_names(settings):  # a run id cannot make it live, but say so
            raise ValueError(f"refusing to write a replay to live topic {self.topic}")
        admin = AdminClient(settings.confluent_config())
        spec = NewTopic(self.topic, settings.topic_partitions, settings.topic_replication,
                        config={"retention.ms": str(settings.replay_retention_ms)})
        admin.create_topics([spec])[self.topic].result(settings.replay_kafka_timeout_s)
        self.producer = Producer(settings.confluent_config(
            **{"enable.idempotence": True, "acks": "all", "linger.ms": 20, "compression.type": "lz4"}))
        self.pending: list[Output] = []

    def write(self, decision: Decision, data: bytes) -> None:
        self.pending.append(Output(self.topic, decision.case_key.encode(), data,
                                   [("decision_id", decision.decision_id.encode())]))

    def flush(self) -> None:
        produce_all(self.producer, self.pending)
        self.pending = []

    def close(self) -> None:
        self.flush()

    def describe(self) -> dict[str, str]:
        return {"kind": "topic", "topic": self.topic}


class FileSink:
    """An Avro object container file any Avro tool reads; same input, same bytes."""

    SYNC_MARKER = hashlib.sha256(b"fenliu replay decisions").digest()[:16]

    def __init__(self, path: Path, schema: Any) -> None:
        import fastavro.write

        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._file = path.open("wb")
        self._writer = fastavro.write.Writer(self._file, schema, sync_marker=self.SYNC_MARKER)

    def write(self, decision: Decision, data: bytes) -> None:
        self._writer.write(decision_record(decision))

    def flush(self) -> None:
        self._writer.flush()

    def close(self) -> None:
        self._writer.flush()
        self._file.close()

    def describe(self) -> dict[str, str]:
        return {"kind": "file", "path": str(self.path)}


class NullSink:
    """Compare only (benchmarks, quick checks)."""

    def write(self, decision: Decision, data: bytes) -> None: ...
    def flush(self) -> None: ...
    def close(self) -> None: ...
    def describe(self) -> dict[str, str]:
        return {"kind": "none"}


# --- the replay -----------------------------------------------------------------------
class Progress(Protocol):
    def total(self, task: str, n: int) -> None: ...
    def advance(self, task: str, n: int) -> None: ...


class NoProgress:
    def total(self, task: str, n: int) -> None: ...
    def advance(self, task: str, n: int) -> None: ...


@dataclass(frozen=True)
class ReplayRequest:
    since_ms: int
    until_ms: int
    sources: tuple[Source, ...] = (Source.CALL_110, Source.TICKET_12345)
    run_id: str = ""


@dataclass(slots=True)
class _Item:
    """One raw record of the range, decided up to its team (or failed)."""

    source: Source
    position: tuple[str, int, int]
    source_id: str | None
    prepared: Prepared | None = None
    failure: Failure | None = None
    undecodable: bool = False


@dataclass
class ReplayResult:
    run_id: str
    request: ReplayRequest
    tally: Tally
    stats: dict[str, int]
    versions: dict[str, str]
    output: dict[str, str]
    seconds: float


def new_run_id(now_ms: int) -> str:
    """Sortable by time, unique enough for a topic name: ``20261123T031500Z-1a2b3c``."""
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(now_ms / 1000))
    return f"{stamp}-{uuid.uuid4().hex[:6]}"


class Replay:
    """Reads, decides and compares; holds at most one chunk of raw records in memory."""

    def __init__(self, settings: Settings, decider: Decider, codec: Codec, sink: ReplaySink,
                 progress: Progress | None = None) -> None:
        self.settings = settings
        self.decider = decider
        self.codec = codec
        self.sink = sink
        self.progress = progress or NoProgress()
        self.unreadable = 0  # recorded decisions whose bytes did not decode

    def run(self, request: ReplayRequest) -> ReplayResult:
        s = self.settings
        began = time.perf_counter()
        tally = Tally(max_rows=s.replay_report_max_rows)
        stats = {"raw_read": 0, "in_range": 0, "decided": 0}
        raw_consumer = self._consumer()
        rec_consumer = self._consumer()
        gc_was_on = gc.isenabled()
        # A chunk is hundreds of thousands of live objects without cycles; the cyclic collector
        # would walk them again and again (a quarter of the time). It runs once per chunk instead.
        gc.disable()
        try:
            skew = s.replay_timestamp_skew_ms
            raw_spans = [span for src in request.sources for span in time_spans(
                raw_consumer, s.topic(RAW[src][0]), request.since_ms - skew, request.until_ms + skew,
                s.replay_kafka_timeout_s)]
            rec_spans = time_spans(rec_consumer, s.topic(topics.DECISIONS), request.since_ms - skew,
                                   request.until_ms + s.replay_decision_lag_ms, s.replay_kafka_timeout_s)
            self.progress.total("raw", sum(sp.size for sp in raw_spans))
            self.progress.total("recorded", sum(sp.size for sp in rec_spans))
            recorded = RecordedDecisions(rec_consumer, self.codec, rec_spans, s.replay_batch_size,
                                         on_read=lambda n: self.progress.advance("recorded", n))
            by_topic = {s.topic(RAW[src][0]): src for src in request.sources}
            chunk: list[_Item] = []
            for msgs in read_spans(raw_consumer, raw_spans, s.replay_batch_size):
                stats["raw_read"] += len(msgs)
                for m in msgs:
                    _, ts = m.timestamp()
                    if request.since_ms <= ts < request.until_ms:
                        chunk.append(self._prepare(m, by_topic[m.topic()], ts))
                if len(chunk) >= s.replay_chunk_records:
                    self._finish_chunk(chunk, recorded, tally, stats)
                    chunk = []
                    gc.collect()
                self.progress.advance("raw", len(msgs))
            self._finish_chunk(chunk, recorded, tally, stats)
            self.sink.close()
            stats.update(recorded_duplicates=recorded.duplicates,
                         recorded_differing_duplicates=recorded.differing_duplicates,
                         recorded_unreadable=recorded.unreadable + self.unreadable)
        finally:
            if gc_was_on:
                gc.enable()
            raw_consumer.close()
            rec_consumer.close()
        d = self.decider
        versions = {"taxonomy": d.taxonomy.version, "routing": d.jurisdiction.version,
                    "sla_policy": d.sla_policy.version}
        return ReplayResult(request.run_id, request, tally, stats, versions, self.sink.describe(),
                            time.perf_counter() - began)

    def _consumer(self) -> Consumer:
        return Consumer(self.settings.confluent_config(**{
            "group.id": f"fenliu-replay-{uuid.uuid4().hex[:8]}",  # assign() only: never commits
            "enable.auto.commit": False, "enable.partition.eof": False,
            "fetch.max.bytes": 52_428_800, "queued.max.messages.kbytes": 262_144}))

    def _prepare(self, m: Message, source: Source, ts: int) -> _Item:
        position = (m.topic() or "", m.partition() or 0, m.offset() or 0)
        try:
            raw = self.codec.decode(m.value() or b"", expect=RAW[source][1])
        except Exception as exc:
            return _Item(source, position, None, failure=Failure.from_exception("decode", exc), undecodable=True)
        source_id = _source_id(raw, source)
        try:
            return _Item(source, position, source_id, prepared=self.decider.prepare(raw, source, now_ms=ts))
        except Exception as exc:  # rejected now: compared with what was recorded, if anything
            return _Item(source, position, source_id, failure=Failure.from_exception("normalise+classify", exc))

    def _finish_chunk(self, chunk: list[_Item], recorded: RecordedDecisions, tally: Tally,
                      stats: dict[str, int]) -> None:
        if not chunk:
            return
        chunk.sort(key=lambda it: it.position)
        wanted = {(it.source, it.prepared.event.source_id) for it in chunk if it.prepared is not None}
        optional = {(it.source, it.source_id) for it in chunk if it.prepared is None and it.source_id}
        found = recorded.claim(wanted, optional)
        for it in chunk:
            stats["in_range"] += 1
            rec = found.get((it.source, it.source_id or "")) if it.prepared is None else \
                found.get((it.source, it.prepared.event.source_id))
            if it.prepared is None:  # a rejection is reported with what was recorded, if that reads
                rec = self._readable(rec)
            if it.prepared is not None:
                try:
                    decision = self._finish(it.prepared, rec)
                except Exception as exc:
                    it.failure = Failure.from_exception("route", exc)
                else:
                    data = self.codec.encode("Decision", decision_record(decision))
                    self.sink.write(decision, data)
                    stats["decided"] += 1
                    if rec is not None and rec.data == data:  # the common case: no need to decode it
                        tally.add(identical(decision))
                    else:
                        rec = self._readable(rec)
                        tally.add(compare(rec.decision if rec else None, rec.data if rec else None, decision, data))
                    continue
            assert it.failure is not None
            tally.add(rejected(it.source, it.source_id, it.failure.reason, rec.decision if rec else None,
                               where="{}/{}@{}".format(*it.position), undecodable=it.undecodable))
        self.sink.flush()

    def _readable(self, rec: Recorded | None) -> Recorded | None:
        """The recorded decision if its bytes decode; a corrupt one counts as not recorded."""
        if rec is None:
            return None
        try:
            rec.decision
        except Exception:
            self.unreadable += 1
            return None
        return rec

    def _finish(self, prepared: Prepared, rec: Recorded | None) -> Decision:
        if not prepared.needs_team:
            return self.decider.finish(prepared, None, team_lookup_failed=False)
        try:
            team, failed = team_of(rec)
        except Exception:  # corrupt recorded bytes: decide as if nothing was recorded
            self.unreadable += 1
            team, failed = None, False
        return self.decider.finish(prepared, team, team_lookup_failed=failed)


def _source_id(raw: Mapping[str, Any], source: Source) -> str | None:
    value = raw.get(RAW[source][2])
    return value if isinstance(value, str) and value else None

