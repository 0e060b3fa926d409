"""``fenliu replay``: re-decide the raw records of a time range and compare with what was recorded.

The raw topics are the audit record. A replay seeks them by time (``offsets_for_times``),
keeps exactly the records whose Kafka timestamp lies in ``[since, until)``, and runs the
same ``Decider`` as the router on each, with the record's own timestamp as the clock and
the team recorded at the time (so live Redis never changes a replay). It writes only to
its own output (a topic named for the run, or a file) and never to a catalogue topic.

How recorded decisions are found is in ``streams/replay/read.py``; the outputs are in
``streams/replay/sinks.py``.
"""

from __future__ import annotations

import gc
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from confluent_kafka import Consumer, Message

from fenliu.processors.decide import Decider, Prepared
from fenliu.processors.model import Decision, Source
from fenliu.processors.records import decision_record
from fenliu.processors.replay_compare import Tally, compare, identical, rejected
from fenliu.schemas.serde import Codec
from fenliu.settings import Settings
from fenliu.streams.kafka.config import confluent_config
from fenliu.streams.kafka.dead_letters import Failure
from fenliu.streams.kafka.position import position
from fenliu.streams.replay.dead_letters import dead_letters_of
from fenliu.streams.replay.read import Recorded, RecordedDecisions, read_spans, team_of, time_spans
from fenliu.streams.replay.sinks import ReplaySink
from fenliu.topics import catalogue as topics

RAW = {
    Source.CALL_110: (topics.RAW_110, "Call110", "call_id"),
    Source.TICKET_12345: (topics.RAW_12345, "Ticket12345", "ticket_id"),
}

RAW_ID_FIELDS = {topic: (src.value, id_field) for src, (topic, _, id_field) in RAW.items()}


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
    dead_letters: list[dict[str, Any]] = field(default_factory=list)  # of the range's raw records


def new_run_id(now_ms: int) -> str:
    """Sortable by time, unique enough for a topic name: ``20261123T031500Z-1a2b3c``."""
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(now_ms / 1000))
    return f"{stamp}-{uuid.uuid4().hex[:6]}"


class Replay:
    """Reads, decides and compares; holds at most one chunk of raw records in memory."""

    def __init__(
        self,
        settings: Settings,
        decider: Decider,
        codec: Codec,
        sink: ReplaySink,
        progress: Progress | None = None,
    ) -> None:
        self.settings = settings
        self.decider = decider
        self.codec = codec
        self.sink = sink
        self.progress = progress or NoProgress()
        self.unreadable = 0  # recorded decisions whose bytes did not decode

    def run(
        self, request: ReplayRequest, partitions: set[tuple[str, int]] | None = None
    ) -> ReplayResult:
        """Replay ``request``; ``partitions`` limits it to some raw partitions (one worker's share
        of a replay split over processes, streams/replay/parallel.py)."""
        s = self.settings
        began = time.perf_counter()
        tally = Tally(max_rows=s.replay.report_max_rows)
        stats = {"raw_read": 0, "in_range": 0, "decided": 0}
        raw_consumer = self._consumer()
        rec_consumer = self._consumer()
        gc_was_on = gc.isenabled()
        # A chunk is hundreds of thousands of live objects without cycles; the cyclic collector
        # would walk them again and again (a quarter of the time). It runs once per chunk instead.
        gc.disable()
        try:
            skew = s.replay.timestamp_skew_ms
            raw_spans = [
                span
                for src in request.sources
                for span in time_spans(
                    raw_consumer,
                    s.topic(RAW[src][0]),
                    request.since_ms - skew,
                    request.until_ms + skew,
                    s.replay.kafka_timeout_s,
                )
                if partitions is None or (span.topic, span.partition) in partitions
            ]
            mine = (
                None if partitions is None else self._event_keys(raw_consumer, raw_spans, request)
            )
            rec_spans = time_spans(
                rec_consumer,
                s.topic(topics.DECISIONS),
                request.since_ms - skew,
                request.until_ms + s.replay.decision_lag_ms,
                s.replay.kafka_timeout_s,
            )
            self.progress.total("raw", sum(sp.size for sp in raw_spans))
            self.progress.total("recorded", sum(sp.size for sp in rec_spans))
            recorded = RecordedDecisions(
                rec_consumer,
                self.codec,
                rec_spans,
                s.replay.batch_size,
                on_read=lambda n: self.progress.advance("recorded", n),
                mine=mine,
            )
            by_topic = {s.topic(RAW[src][0]): src for src in request.sources}
            chunk: list[_Item] = []
            for msgs in read_spans(raw_consumer, raw_spans, s.replay.batch_size):
                stats["raw_read"] += len(msgs)
                for m in msgs:
                    _, ts = m.timestamp()
                    if request.since_ms <= ts < request.until_ms:
                        chunk.append(self._prepare(m, by_topic[position(m)[0]], ts))
                if len(chunk) >= s.replay.chunk_records:
                    self._finish_chunk(chunk, recorded, tally, stats)
                    chunk = []
                    gc.collect()
                self.progress.advance("raw", len(msgs))
            self._finish_chunk(chunk, recorded, tally, stats)
            self.sink.close()
            dead = dead_letters_of(raw_consumer, self.codec, s, raw_spans, request, RAW_ID_FIELDS)
            stats.update(
                recorded_duplicates=recorded.duplicates,
                recorded_differing_duplicates=recorded.differing_duplicates,
                recorded_unreadable=recorded.unreadable + self.unreadable,
            )
        finally:
            if gc_was_on:
                gc.enable()
            raw_consumer.close()
            rec_consumer.close()
        d = self.decider
        versions = {
            "taxonomy": d.taxonomy.version,
            "routing": d.jurisdiction.version,
            "sla_policy": d.sla_policy.version,
        }
        return ReplayResult(
            request.run_id,
            request,
            tally,
            stats,
            versions,
            self.sink.describe(),
            time.perf_counter() - began,
            dead,
        )

    def _event_keys(
        self, consumer: Consumer, spans: list[Any], request: ReplayRequest
    ) -> set[tuple[Source, str]]:
        """The events of this worker's partitions: only their recorded decisions are kept (the
        other workers' are dropped as read, instead of waiting in the buffer for ever)."""
        keys: set[tuple[Source, str]] = set()
        by_topic = {self.settings.topic(RAW[src][0]): src for src in request.sources}
        for msgs in read_spans(consumer, spans, self.settings.replay.batch_size):
            for m in msgs:
                source = by_topic[position(m)[0]]
                try:
                    raw = self.codec.decode(m.value() or b"", expect=RAW[source][1])
                except Exception:
                    continue
                source_id = _source_id(raw, source)
                if source_id:
                    keys.add((source, source_id))
        return keys

    def _consumer(self) -> Consumer:
        return Consumer(
            confluent_config(
                self.settings,
                **{
                    "group.id": f"fenliu-replay-{uuid.uuid4().hex[:8]}",  # assign() only: never commits
                    "enable.auto.commit": False,
                    # a start offset that retention already deleted: begin at the log start,
                    # never jump to the end (which would skip the range without a word)
                    "auto.offset.reset": "earliest",
                    "enable.partition.eof": False,
                    "fetch.max.bytes": 52_428_800,
                    "queued.max.messages.kbytes": 262_144,
                },
            )
        )

    def _prepare(self, m: Message, source: Source, ts: int) -> _Item:
        position = (m.topic() or "", m.partition() or 0, m.offset() or 0)
        try:
            raw = self.codec.decode(m.value() or b"", expect=RAW[source][1])
        except Exception as exc:
            return _Item(
                source,
                position,
                None,
                failure=Failure.from_exception("decode", exc),
                undecodable=True,
            )
        source_id = _source_id(raw, source)
        try:
            return _Item(
                source, position, source_id, prepared=self.decider.prepare(raw, source, now_ms=ts)
            )
        except Exception as exc:  # rejected now: compared with what was recorded, if anything
            return _Item(
                source,
                position,
                source_id,
                failure=Failure.from_exception("normalise+classify", exc),
            )

    def _finish_chunk(
        self, chunk: list[_Item], recorded: RecordedDecisions, tally: Tally, stats: dict[str, int]
    ) -> None:
        if not chunk:
            return
        chunk.sort(key=lambda it: it.position)
        wanted = {
            (it.source, it.prepared.event.source_id) for it in chunk if it.prepared is not None
        }
        optional = {
            (it.source, it.source_id) for it in chunk if it.prepared is None and it.source_id
        }
        found = recorded.claim(wanted, optional)
        for it in chunk:
            stats["in_range"] += 1
            rec = (
                found.get((it.source, it.source_id or ""))
                if it.prepared is None
                else found.get((it.source, it.prepared.event.source_id))
            )
            if it.prepared is None:  # a rejection is reported with what was recorded, if that reads
                rec = self._readable(rec)
            if it.prepared is not None:
                try:
                    decision = self._finish(it.prepared, rec)
                except Exception as exc:
                    it.failure = Failure.from_exception("route", exc)
                else:
                    data = self.codec.encode("Decision", decision_record(decision))
                    self.sink.write(decision, data, it.position)
                    stats["decided"] += 1
                    if (
                        rec is not None and rec.data == data
                    ):  # the common case: no need to decode it
                        tally.add(identical(decision))
                    else:
                        rec = self._readable(rec)
                        tally.add(
                            compare(
                                rec.decision if rec else None,
                                rec.data if rec else None,
                                decision,
                                data,
                            )
                        )
                    continue
            assert it.failure is not None
            tally.add(
                rejected(
                    it.source,
                    it.source_id,
                    it.failure.reason,
                    rec.decision if rec else None,
                    where="{}/{}@{}".format(*it.position),
                    undecodable=it.undecodable,
                )
            )
        self.sink.flush()

    def _readable(self, rec: Recorded | None) -> Recorded | None:
        """The recorded decision if its bytes decode; a corrupt one counts as not recorded."""
        if rec is None:
            return None
        try:
            _ = rec.decision  # decodes (and caches) or raises
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
