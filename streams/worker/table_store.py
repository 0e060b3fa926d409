"""Faust tables that expire their entries by event time, per partition.

A Faust table can only be written while an event of the partition that owns the key is
processed (the changelog record goes to that partition), and Faust's own windowed expiry
runs on the wall clock. So each entry carries its partition and the event time after
which it is no longer needed; ``processors.rates_expiry.ExpiryIndex`` (with a zero TTL:
we hand it due times) says which entries of a partition are due once that partition's
event time has passed them, and an event of the partition deletes them. The index is
memory only and is rebuilt from the table after an assignment change.
"""

from __future__ import annotations

import time
from typing import Any

from prometheus_client import Gauge

from fenliu.processors.rates_expiry import ExpiryIndex

PARTITION = "_p"
DUE = "_due"

REBUILD_SECONDS = Gauge(
    "fenliu_streams_index_rebuild_seconds",
    "Time the last rebuild of a table's expiry index took",
    ["table"],
)


class ExpiringTable:
    """A JSON-valued Faust table plus its event-time expiry index."""

    def __init__(self, table: Any, name: str) -> None:
        self.table = table
        self.name = name
        self.index = ExpiryIndex(ttl_ms=0, max_skew_ms=0)
        self.needs_rebuild = True

    def stale(self, *_args: Any, **_kwargs: Any) -> None:
        """Assignment changed: rebuild the index before the next use (signal handler)."""
        self.needs_rebuild = True

    def advance(self, partition: int, event_ms: int) -> None:
        """An event of ``partition`` at ``event_ms`` was seen: its event time moves on.

        Event times are trusted here: the router rejects events from the future."""
        self._rebuild_if_needed()
        self.index.advance(partition, event_ms, now_ms=event_ms)

    def clock(self, partition: int) -> int | None:
        return self.index.clock(partition)

    def get(self, key: Any) -> dict[str, Any] | None:
        self._rebuild_if_needed()
        return self.table.get(key)

    def put(self, partition: int, key: Any, value: dict[str, Any], due_ms: int) -> None:
        """Write ``value``; it may go once the partition's event time passes ``due_ms``."""
        self.table[key] = {**value, PARTITION: partition, DUE: due_ms}
        self.index.touch(partition, key, due_ms)

    def delete(self, partition: int, key: Any) -> None:
        if key in self.table:
            del self.table[key]
        self.index.forget(partition, key)

    def due(self, partition: int, limit: int = 100) -> list[Any]:
        """Keys of ``partition`` whose due time the partition's event time has passed."""
        self._rebuild_if_needed()
        return self.index.pop_due(partition, limit)

    def __len__(self) -> int:
        return len(self.table)

    def _rebuild_if_needed(self) -> None:
        if not self.needs_rebuild:
            return
        started = time.perf_counter()
        self.index.rebuild(
            (v[PARTITION], k, v[DUE])
            for k, v in self.table.items()
            if isinstance(v, dict) and PARTITION in v
        )
        self.needs_rebuild = False
        REBUILD_SECONDS.labels(self.name).set(time.perf_counter() - started)
