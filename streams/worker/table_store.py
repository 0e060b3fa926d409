"""Faust tables that expire their entries by event time, per partition.

A Faust table can only be written while an event of the partition that owns the key is
processed (the changelog record goes to that partition), and Faust's own windowed expiry
runs on the wall clock. So each entry carries its partition and the event time after
which it is no longer needed; ``processors.rates_expiry.ExpiryIndex`` (with a zero TTL:
we hand it due times) says which entries of a partition are due once that partition's
event time has passed them, and an event of the partition deletes them. The index is
memory only and is rebuilt from the table after an assignment change.

The worker's tables hold their values **as the JSON bytes of the changelog** (``JsonValues``),
decoded on each read. Held as dicts and lists, a worker's open cases, callers, place
counters and order states are hundreds of thousands of objects CPython's cyclic collector
walks at every full collection (about 0.3 s with 100 k open cases, all records waiting;
docs/benchmarks.md); bytes are not walked, and take less memory.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, MutableMapping
from typing import Any

import orjson
from prometheus_client import Gauge

from fenliu.processors.rates_expiry import ExpiryIndex

PARTITION = "_p"
DUE = "_due"

# The options of faust's own JSON codec (``faust.utils.json`` with orjson): the same bytes on
# the changelog as when the tables held decoded values, so a changelog either wrote reads
# back in the other.
JSON_OPTIONS = orjson.OPT_NON_STR_KEYS | orjson.OPT_UTC_Z

REBUILD_SECONDS = Gauge(
    "fenliu_streams_index_rebuild_seconds",
    "Time the last rebuild of a table's expiry index took",
    ["table"],
)


class JsonValues(MutableMapping[Any, Any]):
    """A Faust table of raw values seen as a mapping of JSON values: encoded on write (what
    faust's JSON codec would have sent to the changelog), decoded on every read, so a reader
    gets its own copy and the table holds nothing the cyclic collector walks."""

    def __init__(self, table: Any) -> None:
        self.table = table

    @staticmethod
    def encode(value: Any) -> bytes:
        """The value's JSON, copied to a bytes object of its own size: the one orjson returns
        keeps its writer's whole buffer (8 KB of memory held for a 1.2 KB case, measured)."""
        return bytes(memoryview(orjson.dumps(value, option=JSON_OPTIONS)))

    def __getitem__(self, key: Any) -> Any:
        raw = self.table.get(key)
        if raw is None:
            raise KeyError(key)
        return orjson.loads(raw)

    def get(self, key: Any, default: Any = None) -> Any:
        raw = self.table.get(key)
        return default if raw is None else orjson.loads(raw)

    def __setitem__(self, key: Any, value: Any) -> None:
        self.table[key] = self.encode(value)

    def __delitem__(self, key: Any) -> None:
        del self.table[key]

    def __contains__(self, key: object) -> bool:
        return key in self.table

    def __iter__(self) -> Iterator[Any]:
        return iter(self.table)

    def __len__(self) -> int:
        return len(self.table)

    def items(self) -> Iterator[tuple[Any, Any]]:  # type: ignore[override]
        """Every entry decoded (an index rebuild): one pass, no second look-up per key."""
        return ((k, None if v is None else orjson.loads(v)) for k, v in self.table.items())

    def on_recover(self, callback: Any) -> Any:
        return self.table.on_recover(callback)


def json_table(app: Any, name: str, partitions: int, help: str) -> JsonValues:  # noqa: A002
    """A worker table with JSON keys and values held as JSON bytes (``JsonValues``).

    Faust picks a table's serializers from its key and value types, not from its schema:
    ``value_type=bytes`` is what makes the values raw, here and at recovery."""
    import faust

    return JsonValues(
        app.Table(
            name,
            default=None,
            partitions=partitions,
            value_type=bytes,
            schema=faust.Schema(key_serializer="json", value_serializer="raw"),
            help=help,
        )
    )


class ExpiringTable:
    """A worker table (``json_table``) plus its event-time expiry index."""

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


class SharedEntries:
    """One Faust table whose entry holds the parts several features keep about one key,
    written **once per event** whatever each feature changed.

    The SLA and the rates each kept a table keyed by order id (same key, same partition), so
    every order and every lifecycle step wrote two changelog records. Here each feature sees
    its part through ``part(name)`` (a mapping, as its own table was); writes are held and
    ``flush`` (run once at the end of the event, ``streams.worker.app.flush_after_input``)
    writes each changed key once: ``{"sla": {...}, "rates": {...}}``, or a tombstone when
    no part is left. Reads see held writes.
    """

    def __init__(self, table: Any) -> None:
        self.table = table
        self._held: dict[Any, dict[str, Any] | None] = {}

    def part(self, name: str) -> PartView:
        return PartView(self, name)

    def read(self, key: Any) -> dict[str, Any] | None:
        if key in self._held:
            return self._held[key]
        return self.table.get(key)

    def set_part(self, key: Any, name: str, value: Any) -> None:
        entry = dict(self.read(key) or {})
        if value is None:
            entry.pop(name, None)
        else:
            entry[name] = value
        self._held[key] = entry or None

    def all_keys(self) -> list[Any]:
        return list(dict.fromkeys([*self.table.keys(), *self._held]))

    async def flush_handler(self, *_args: Any) -> None:
        """``flush`` as a handler of the shared input (``flush_after_orders``)."""
        self.flush()

    def flush(self) -> int:
        """Write what the event changed: one changelog record per key."""
        held, self._held = self._held, {}
        for key, entry in held.items():
            if entry is None:
                if key in self.table:
                    del self.table[key]
            else:
                self.table[key] = entry
        return len(held)


class PartView(MutableMapping[Any, Any]):
    """One feature's part of a ``SharedEntries`` table, as a mapping."""

    def __init__(self, shared: SharedEntries, name: str) -> None:
        self.shared, self.name = shared, name

    def __getitem__(self, key: Any) -> Any:
        entry = self.shared.read(key)
        if entry is None or self.name not in entry:
            raise KeyError(key)
        return entry[self.name]

    def get(self, key: Any, default: Any = None) -> Any:
        entry = self.shared.read(key)
        if entry is None:
            return default
        return entry.get(self.name, default)

    def __contains__(self, key: object) -> bool:
        entry = self.shared.read(key)
        return entry is not None and self.name in entry

    def __setitem__(self, key: Any, value: Any) -> None:
        self.shared.set_part(key, self.name, value)

    def __delitem__(self, key: Any) -> None:
        if key not in self:
            raise KeyError(key)
        self.shared.set_part(key, self.name, None)

    def __iter__(self) -> Iterator[Any]:
        return (k for k in self.shared.all_keys() if k in self)

    def __len__(self) -> int:
        return sum(1 for _ in self)


ORDER_STATES = "order-state"


def order_states(app: Any, partitions: int) -> SharedEntries:
    """The app's table of per-order state (SLA and rates parts), created by the first
    feature that asks; ``flush_after_orders`` writes it once per order or lifecycle event."""
    found = getattr(app, "_fenliu_order_states", None)
    if found is None:
        table = json_table(
            app,
            ORDER_STATES,
            partitions,
            "per-order state: the SLA's OrderSla and the rates' OrderState, one entry",
        )
        found = app._fenliu_order_states = SharedEntries(table)
    return found


def flush_after_orders(app: Any) -> None:
    """Make the per-order table's flush the **last** handler of the shared orders and
    lifecycle input, so the SLA's and the rates' changes of one event are one write, made
    while that event's partition is current. Each feature that writes the table calls it
    after subscribing (moving the flush behind itself), whichever is installed alone or
    first; ``create_app`` calls it once more after every feature."""
    from fenliu.streams.worker.inputs import ORDERS_AND_LIFECYCLE, hub

    shared: SharedEntries | None = getattr(app, "_fenliu_order_states", None)
    source = hub(app).inputs.get(ORDERS_AND_LIFECYCLE)
    if shared is None or source is None:
        return
    if shared.flush_handler in source.handlers:
        source.handlers.remove(shared.flush_handler)
    source.subscribe(shared.flush_handler)
