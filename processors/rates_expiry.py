"""Which table entries have outlived their bound, by event time, per partition.

A Faust table can only be written (and so only be pruned) while an event of the
partition that owns the key is processed, and Faust's own windowed-table expiry runs on
the wall clock. So the rates agent keeps this index beside each table: every write says
"key k of partition p was last touched at event time t"; each partition's clock is the
highest event time it has seen (never more than ``max_skew_ms`` ahead of now, so one
record from a broken clock cannot expire everything); an entry is due once that clock is
``ttl_ms`` past its touch. The index lives in memory and is rebuilt from the table after a
restart or rebalance (``rebuild``), because the table itself is the durable part.
"""

from __future__ import annotations

import heapq
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field


@dataclass
class ExpiryIndex:
    """Due keys per partition; stale heap entries (a key touched again) are skipped lazily."""

    ttl_ms: int
    max_skew_ms: int = 300_000
    _clock: dict[int, int] = field(default_factory=dict)
    _heaps: dict[int, list[tuple[int, str]]] = field(default_factory=lambda: defaultdict(list))
    _due_at: dict[int, dict[str, int]] = field(default_factory=lambda: defaultdict(dict))

    def clock(self, partition: int) -> int | None:
        """The partition's event-time clock (None before its first event)."""
        return self._clock.get(partition)

    def advance(self, partition: int, event_ms: int, *, now_ms: int) -> None:
        """Move the partition's clock to ``event_ms``, capped at ``now_ms + max_skew_ms``."""
        capped = min(event_ms, now_ms + self.max_skew_ms)
        if capped > self._clock.get(partition, capped - 1):
            self._clock[partition] = capped

    def touch(self, partition: int, key: str, touched_ms: int) -> None:
        """Key ``key`` of ``partition`` was written; it is due ``ttl_ms`` after ``touched_ms``."""
        due = touched_ms + self.ttl_ms
        self._due_at[partition][key] = due
        heapq.heappush(self._heaps[partition], (due, key))

    def forget(self, partition: int, key: str) -> None:
        """The key was deleted by someone else: it is no longer due."""
        self._due_at[partition].pop(key, None)

    def pop_due(self, partition: int, limit: int, *, now_ms: int | None = None) -> list[str]:
        """Up to ``limit`` keys of ``partition`` whose bound has passed; they leave the index.

        ``now_ms``: the time to judge by instead of the partition's clock (a timer whose
        ticks carry their own time)."""
        now = self._clock.get(partition) if now_ms is None else now_ms
        heap, due_at = self._heaps[partition], self._due_at[partition]
        out: list[str] = []
        while heap and len(out) < limit and now is not None and heap[0][0] <= now:
            due, key = heapq.heappop(heap)
            if due_at.get(key) == due:  # else: touched again later, or forgotten
                del due_at[key]
                out.append(key)
        return out

    def size(self, partition: int | None = None) -> int:
        """Entries tracked (in one partition, or in all)."""
        if partition is not None:
            return len(self._due_at.get(partition, {}))
        return sum(len(d) for d in self._due_at.values())

    def rebuild(self, entries: Iterable[tuple[int, str, int]]) -> None:
        """Start again from the table's ``(partition, key, touched_ms)``; clocks are kept."""
        self._heaps = defaultdict(list)
        self._due_at = defaultdict(dict)
        for partition, key, touched_ms in entries:
            due = touched_ms + self.ttl_ms
            self._due_at[partition][key] = due
            self._heaps[partition].append((due, key))
        for heap in self._heaps.values():
            heapq.heapify(heap)
