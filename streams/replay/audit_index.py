"""The audit index: which records carry which id, kept as the records arrive.

``fenliu audit case`` without an index reads every record of the trail topics for each
question. The index turns that into a few lookups: one row per (id, record position) for
every id a record carries (``case_id``, ``order_id``, ``decision_id``, source ids, the
record's own position, and for a dead letter the original's position), so following a
case's ids is a handful of indexed queries, and the records themselves are then fetched
from Kafka by offset. Rows only ever get added and are idempotent (the same record indexed
twice adds nothing), so the indexer needs no state beyond the next offset per partition,
which it keeps in the same transaction as the rows: a crash repeats at most one batch.

The store is SQLite (one file, standard library) with the tables a data centre would put in
PostgreSQL: ``refs(id, topic, partition, offset, follow)`` with a primary key on
``(id, topic, partition, offset)`` and an index on the position, and
``progress(topic, partition, next_offset)``. ``follow = 0`` marks ids that find a record
but do not lead on from it (a dead-lettered call's caller key: asking for a caller finds
their dead calls, but a caller key never joins two cases).
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import uuid
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from confluent_kafka import Consumer

from fenliu.processors.audit_trail import DEAD_LETTER, position_id
from fenliu.processors.spans import Span
from fenliu.schemas.serde import Codec
from fenliu.settings import Settings
from fenliu.streams.kafka.config import confluent_config
from fenliu.streams.kafka.position import position
from fenliu.streams.replay.audit import TRAIL_TOPICS, CaseAudit
from fenliu.streams.replay.read import event_key, read_spans, time_spans

log = logging.getLogger("fenliu.audit_index")

Position = tuple[str, int, int]
_SCHEMA = """
CREATE TABLE IF NOT EXISTS refs (
    id TEXT NOT NULL, topic TEXT NOT NULL, partition INTEGER NOT NULL, "offset" INTEGER NOT NULL,
    follow INTEGER NOT NULL DEFAULT 1,
    PRIMARY KEY (id, topic, partition, "offset")
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS refs_position ON refs (topic, partition, "offset");
CREATE TABLE IF NOT EXISTS progress (
    topic TEXT NOT NULL, partition INTEGER NOT NULL, next_offset INTEGER NOT NULL,
    PRIMARY KEY (topic, partition)
);
"""


class AuditIndex:
    """The SQLite store of the index; one writer (the indexer), any number of readers."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.executescript(_SCHEMA)

    def close(self) -> None:
        self.db.close()

    def progress(self) -> dict[tuple[str, int], int]:
        rows = self.db.execute("SELECT topic, partition, next_offset FROM progress")
        return {(t, p): o for t, p, o in rows}

    def add(
        self, rows: Iterable[tuple[str, str, int, int, int]], progress: dict[tuple[str, int], int]
    ) -> None:
        """Rows ``(id, topic, partition, offset, follow)`` and where each partition got to, at once."""
        db = self.db
        db.execute("BEGIN")
        try:
            db.executemany("INSERT OR IGNORE INTO refs VALUES (?, ?, ?, ?, ?)", rows)
            db.executemany(
                "INSERT INTO progress VALUES (?, ?, ?) ON CONFLICT (topic, partition) "
                "DO UPDATE SET next_offset = max(next_offset, excluded.next_offset)",
                [(t, p, o) for (t, p), o in progress.items()],
            )
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise

    def positions(self, record_id: str) -> list[Position]:
        rows = self.db.execute(
            'SELECT topic, partition, "offset" FROM refs WHERE id = ?', (record_id,)
        )
        return [(t, p, o) for t, p, o in rows]

    def ids_at(self, position: Position) -> set[str]:
        rows = self.db.execute(
            'SELECT id FROM refs WHERE topic = ? AND partition = ? AND "offset" = ? AND follow = 1',
            position,
        )
        return {r[0] for r in rows}

    def connected(self, seed: str) -> list[Position]:
        """Every record reachable from ``seed`` through shared ids (the scan's ``connected``)."""
        hits: set[Position] = set()
        seen, queue = {seed}, [seed]
        while queue:
            for pos in self.positions(queue.pop()):
                if pos in hits:
                    continue
                hits.add(pos)
                for other in self.ids_at(pos) - seen:
                    seen.add(other)
                    queue.append(other)
        return sorted(hits)

    def count(self) -> int:
        return int(self.db.execute("SELECT count(*) FROM refs").fetchone()[0])


class AuditIndexer:
    """Reads the trail topics from where the index stopped and adds their ids."""

    def __init__(self, settings: Settings, codec: Codec, index: AuditIndex) -> None:
        self.settings = settings
        self.codec = codec
        self.index = index
        self.audit = CaseAudit(settings, codec)

    def catch_up(self, consumer: Consumer | None = None) -> int:
        """Index everything up to the end of each partition as it is now; returns records read."""
        s = self.settings
        own = consumer is None
        consumer = consumer or Consumer(
            confluent_config(
                s,
                **{
                    "group.id": f"fenliu-audit-index-{uuid.uuid4().hex[:8]}",  # assign() only
                    "enable.auto.commit": False,
                    "auto.offset.reset": "earliest",
                    "fetch.max.bytes": 52_428_800,
                },
            )
        )
        try:
            done = self.index.progress()
            spans: list[Span] = []
            logical_of: dict[str, str] = {}
            for logical in TRAIL_TOPICS:
                topic = s.topic(logical)
                try:
                    for sp in time_spans(consumer, topic, 0, None, s.replay.kafka_timeout_s):
                        start = max(sp.start, done.get((topic, sp.partition), 0))
                        spans.append(Span(topic, sp.partition, start, max(start, sp.end)))
                except LookupError:
                    continue
                logical_of[topic] = logical
            n = 0
            for msgs in read_spans(consumer, spans, s.replay.batch_size):
                rows: list[tuple[str, str, int, int, int]] = []
                progress: dict[tuple[str, int], int] = {}
                for m in msgs:
                    t, p, o = position(m)
                    rows += [(i, t, p, o, f) for i, f in self.ids_of(logical_of[t], m.value())]
                    rows.append((position_id(t, p, o), t, p, o, 1))
                    progress[(t, p)] = o + 1
                self.index.add(rows, progress)
                n += len(msgs)
            return n
        finally:
            if own:
                consumer.close()

    def ids_of(self, logical: str, value: bytes | None) -> Iterator[tuple[str, int]]:
        """(id, follow) pairs of one record; decisions are read by their first fields only."""
        data = value or b""
        if logical == "fenliu.decisions":
            fast = _decision_ids(data)
            if fast is not None:
                yield from ((i, 1) for i in fast)
                return
        try:
            record: dict[str, Any] = self.codec.decode(data)
        except Exception:  # unreadable: found by its position only
            return
        if logical == DEAD_LETTER:
            original = self.audit.original_of(record)
            key = self.audit.caller_key(original)
            for i in self.audit.record_ids(logical, record, seed=""):
                yield i, 1
            if key:
                yield key, 0
            return
        yield from ((i, 1) for i in self.audit.record_ids(logical, record, seed=""))

    def run(self, stop: threading.Event, interval_s: float = 1.0) -> None:
        """The indexer service: catch up, wait, catch up again, until ``stop``."""
        consumer = None
        while not stop.is_set():
            try:
                n = self.catch_up(consumer)
                if n:
                    log.info("indexed %s records", n)
            except Exception:  # the broker restarting: try again
                log.exception("indexing failed; retrying")
            stop.wait(interval_s)


def _decision_ids(data: bytes) -> tuple[str, str] | None:
    """(decision id, source id) of a current-version decision without decoding it all."""
    key = event_key(data)
    if key is None:
        return None
    from fenliu.streams.replay.read import _DECISION_HEADER, _varint

    n, pos = _varint(data, len(_DECISION_HEADER))
    return data[pos : pos + n].decode("utf-8"), key[1]
