"""Merging the SLA's and the rates' old per-order tables into one ``order-state`` entry.

Until 2026-12-02 the worker kept two Faust tables keyed by order id, ``sla-orders`` and
``rates-orders``; it now keeps one, ``order-state``, whose entry is ``{"sla": …, "rates": …}``
(``streams.worker.table_store.SharedEntries``). A deployed worker's open orders live in
the old tables' changelogs; ``fenliu sla migrate-order-state`` reads them and writes the
merged entries, so no SLA deadline and no counted step is lost across the upgrade. This
module is the pure part: what a log of old changelog records becomes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

# The old table of each part, in the order the parts are written (the order is cosmetic).
OLD_TABLES: dict[str, str] = {"sla": "sla-orders", "rates": "rates-orders"}


@dataclass(frozen=True)
class OldRecord:
    """One record of an old changelog: which part it was, where, its key and its value.

    ``value`` is the decoded JSON value, ``None`` for a tombstone (the part was deleted).
    """

    part: str
    partition: int
    key: bytes
    value: Any


def merge_parts(records: Iterable[OldRecord]) -> dict[tuple[int, bytes], dict[str, Any]]:
    """The ``order-state`` entry of every (partition, key) after replaying ``records``.

    Records of one part must come in log order (as a changelog is read); the last write of a
    part wins and a tombstone removes it, as Faust's recovery would. Keys whose every part
    was deleted have no entry. The partition is kept: a table entry lives on the partition
    of the event that wrote it, and the new changelog must put it back there.
    """
    parts: dict[tuple[int, bytes], dict[str, Any]] = {}
    for record in records:
        if record.part not in OLD_TABLES:
            raise ValueError(f"unknown part {record.part!r}; expected one of {sorted(OLD_TABLES)}")
        slot = (record.partition, record.key)
        entry = parts.setdefault(slot, {})
        if record.value is None:
            entry.pop(record.part, None)
        else:
            entry[record.part] = record.value
    return {slot: entry for slot, entry in parts.items() if entry}
