"""Continuity check: an input agent never resumes past a record it did not apply.

Each shared input agent (``streams/worker/inputs.py``) records, after its handlers ran, the
offset of the record on its partition in a table of its own, ``<agent>-applied`` (key
``"<topic>:<partition>"``, value the offset). The write goes through faust's changelog like
every feature's state: it is queued before the record is acknowledged, and a commit
flushes what was queued before it, so a committed offset ``C`` means the changelog holds a
last applied offset of at least ``C - 1``.

Before the stream partitions are handed back after a restart or a rebalance
(``streams/worker/recovery.py``, ``OrderedRecovery._hand_over_streams``, after the tables
are restored and the consumer has sought to the committed offsets), ``resume_points``
compares the group's committed offsets with those tables (``processors.continuity``). A
commit past ``last applied + 1`` would skip records (a lost window of faust's recovery, an
offset committed by someone else, a restore of a changelog older than the commit): it is
logged, counted (``fenliu_streams_continuity_gaps_total``,
``fenliu_streams_continuity_reread_total``) and the partition is sought back to the first
record not applied, so those records are read again. Re-reading is safe: every feature
recognises a record it applied before (deterministic ids, at-least-once).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import Any

import faust
from faust.types import TP
from prometheus_client import Counter

from fenliu.processors.continuity import Gap, find_gaps

log = logging.getLogger(__name__)

GAPS = Counter(
    "fenliu_streams_continuity_gaps_total",
    "Input partitions found, before processing resumed, with a committed offset past the"
    " last record the agent applied (records that would have been skipped; re-read)",
    ["agent", "topic"],
)
REREAD = Counter(
    "fenliu_streams_continuity_reread_total",
    "Records between the last applied one and the committed offset, read again because of a gap",
    ["agent", "topic"],
)
JSON: faust.Schema = faust.Schema(key_serializer="json", value_serializer="json")


def table_key(topic: str, partition: int) -> str:
    return f"{topic}:{partition}"


class AppliedOffsets:
    """The last applied offset per input partition of one agent, in its own table."""

    def __init__(self, app: faust.App, agent: str, topics: Iterable[str], partitions: int) -> None:
        self.agent = agent
        self.topics = frozenset(topics)
        self.table = app.Table(
            f"{agent}-applied",
            default=None,
            partitions=partitions,
            schema=JSON,
            help=f"last offset {agent} applied per input partition (continuity check)",
        )
        # key -> (partition, offset) applied since the last commit (``defer_writes``)
        self._held: dict[str, tuple[int, int]] = {}
        self.deferred = False
        registry(app).append(self)

    def defer_writes(self) -> None:
        """Write the changelog once per key and commit instead of once per record.

        Only the last applied offset of a partition matters, and only at a commit: a
        committed offset ``C`` needs a changelog holding at least ``C - 1``. Deferred, each
        record sets the table's memory (what ``last_applied`` reads on this worker) and
        the changelog records are written by ``write_held``, which the worker's producer
        flush calls before every commit (``streams.worker.app.tune_producer_buffer``); the
        commit then waits for their delivery like every other write. Through the broker
        this was about 1.7 changelog records a decision (one per decision, one per order)."""
        self.deferred = True

    def applied(self, message: Any) -> None:
        """``message`` was handled by every feature: remember its offset (one write).

        Called inside the agent, so faust writes the changelog record to the message's
        partition, the one the input partition's worker restores."""
        key = table_key(message.topic, message.partition)
        if self.deferred:
            self.table.data[key] = message.offset  # memory only; the changelog at commit
            self._held[key] = (message.partition, message.offset)
        else:
            self.table[key] = message.offset

    def write_held(self) -> int:
        """The changelog records of what was applied since the last call: one per key,
        each to the partition of the input partition it is about. Returns how many."""
        held, self._held = self._held, {}
        for key, (partition, offset) in held.items():
            self.table.send_changelog(partition, key, offset)
        return len(held)

    def last_applied(self, partitions: Iterable[TP]) -> dict[tuple[str, int], int]:
        """What the (restored) table holds for those of ``partitions`` this agent reads."""
        found: dict[tuple[str, int], int] = {}
        for tp in partitions:
            if tp.topic in self.topics:
                offset = self.table.get(table_key(tp.topic, tp.partition))
                if isinstance(offset, int):
                    found[(tp.topic, tp.partition)] = offset
        return found

    def gaps(self, committed: Mapping[TP, int | None]) -> list[Gap]:
        mine = {
            (tp.topic, tp.partition): c for tp, c in committed.items() if tp.topic in self.topics
        }
        return find_gaps(self.last_applied(committed), mine)


def registry(app: Any) -> list[AppliedOffsets]:
    """The app's trackers (kept on the app object, like the inputs' hub)."""
    found = getattr(app, "_fenliu_continuity", None)
    if found is None:
        found = []
        app._fenliu_continuity = found
    return found


def write_held(app: Any) -> int:
    """Every tracker's held changelog records (see ``AppliedOffsets.defer_writes``)."""
    return sum(tracker.write_held() for tracker in registry(app))


def resume_points(app: Any, committed: Mapping[TP, int | None]) -> dict[TP, int]:
    """Partitions of ``committed`` (stream partition -> committed offset, ``None`` = never)
    that must be read from earlier than their commit, and from where; logged and counted.

    A partition two agents read (none today) resumes at the earlier point."""
    seeks: dict[TP, int] = {}
    trackers = registry(app)
    for tracker in trackers:
        for gap in tracker.gaps(committed):
            GAPS.labels(tracker.agent, gap.topic).inc()
            REREAD.labels(tracker.agent, gap.topic).inc(gap.skipped)
            log.warning(
                "continuity: %s %s[%d] committed at %d but last applied %d: %d record(s)"
                " would be skipped; reading again from %d",
                tracker.agent,
                gap.topic,
                gap.partition,
                gap.committed,
                gap.last_applied,
                gap.skipped,
                gap.first_skipped,
            )
            tp = TP(gap.topic, gap.partition)
            seeks[tp] = min(seeks.get(tp, gap.first_skipped), gap.first_skipped)
    if trackers:
        log.info(
            "continuity: %d stream partition(s) checked, %d gap(s)", len(committed), len(seeks)
        )
    return seeks
