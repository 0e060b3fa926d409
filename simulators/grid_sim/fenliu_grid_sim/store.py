"""grid-sim's orders: in memory, optionally kept in a JSON file across restarts.

Each order is stored once under its id (the idempotency key) with the hash of its
body, so a re-send of the same order is recognised (200, replayed) and a different
body under a known id is refused (409). The lifecycle events already reported are
kept too: after a restart the player resumes where it stopped.

A 201 means the platform has the order, also after a ``kill -9``: every new order and
update is appended to a journal (``<file>.journal``, one JSON line, flushed to the OS)
before the answer is sent; ``save()`` writes the snapshot and empties the journal, and a
start reads the snapshot and then replays the journal. (Saving only every second lost the
orders of the last second and made the sink's commit-after-ack look like a loss.)
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fenliu.schemas.records import CLOSING_KINDS
from fenliu.sinks.grid.contract import OrderRequest


def body_hash(order: OrderRequest) -> str:
    """Hash of the order's canonical JSON: the same order re-sent hashes the same."""
    return hashlib.sha256(order.model_dump_json().encode()).hexdigest()


@dataclass
class StoredOrder:
    order: OrderRequest
    body_hash: str
    received_at: datetime
    events: list[dict[str, Any]] = field(default_factory=list)  # reported, webhook JSON form
    parent: str | None = None  # a round of work started by an update of order ``parent``
    updates: list[dict[str, Any]] = field(default_factory=list)  # versions 2, 3, ... in order

    @property
    def version(self) -> int:
        return 1 + len(self.updates)

    @property
    def status(self) -> str:
        """Open311 status: closed once the unit closed it or returned it to the police."""
        return "closed" if any(e["kind"] in CLOSING_KINDS for e in self.events) else "open"

    def service_request(self) -> dict[str, Any]:
        """The order as an Open311 GeoReport v2 service request (plus fenliu's extensions)."""
        o = self.order
        last = self.events[-1] if self.events else None
        expected = o.due("CLOSE") or (o.deadlines[-1].due_at if o.deadlines else None)
        return {
            "service_request_id": o.order_id,
            "status": self.status,
            "status_notes": last.get("note") if last else None,
            "service_code": o.situation_code,
            "service_name": o.situation_name,
            "agency_responsible": o.unit_name,
            "description": o.summary,
            "requested_datetime": _iso(o.created_at),
            "updated_datetime": last["at"] if last else _iso(self.received_at),
            "expected_datetime": _iso(expected) if expected else None,
            "address": o.location.text,
            "lat": o.location.lat,
            "long": o.location.lon,
            "case_id": o.case_id,
            "unit_id": o.unit_id,
            "grid_code": o.grid_code,
            "priority": o.priority,
            "notes": [
                {
                    "type": e["kind"],
                    "datetime": e["at"],
                    "summary": e.get("note"),
                    "actor": e.get("actor"),
                }
                for e in self.events
            ],
        }


class OrderStore:
    """Orders by id; ``save()`` writes the JSON file atomically when a path is set."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path
        self._orders: dict[str, StoredOrder] = {}
        self.dirty = False
        if path is not None and path.exists():
            self._load(path)
        if path is not None:
            self._replay_journal(self._journal_path(path))

    @staticmethod
    def _journal_path(path: Path) -> Path:
        return path.with_name(path.name + ".journal")

    def _journal(self, entry: dict[str, Any]) -> None:
        """Append one acknowledged change before it is answered (survives a process kill)."""
        if self.path is None:
            return
        journal = self._journal_path(self.path)
        journal.parent.mkdir(parents=True, exist_ok=True)
        with journal.open("a", encoding="utf-8") as f:
            f.write(json.dumps(entry, ensure_ascii=False) + "\n")
            f.flush()

    def _replay_journal(self, journal: Path) -> None:
        if not journal.exists():
            return
        for line in journal.read_text(encoding="utf-8").splitlines():
            try:
                entry = json.loads(line)
            except json.JSONDecodeError:
                break  # a line cut by the kill was never answered
            order = OrderRequest.model_validate(entry["order"])
            at = datetime.fromisoformat(entry["at"])
            if entry["kind"] == "order":
                if order.order_id not in self._orders:
                    self._orders[order.order_id] = StoredOrder(order, entry["body_hash"], at)
            elif order.order_id not in self._orders and entry["parent"] in self._orders:
                self._orders[entry["parent"]].updates.append(entry["update"])
                self._orders[order.order_id] = StoredOrder(
                    order, entry["update"]["body_hash"], at, parent=entry["parent"]
                )
        self.dirty = True

    def __len__(self) -> int:
        return len(self._orders)

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(list(self._orders.values()))

    def get(self, order_id: str) -> StoredOrder | None:
        return self._orders.get(order_id)

    def add(self, order: OrderRequest, digest: str, now: datetime) -> StoredOrder:
        stored = StoredOrder(order, digest, now)
        self._journal(
            {
                "kind": "order",
                "order": order.model_dump(mode="json"),
                "body_hash": digest,
                "at": _iso(now),
            }
        )
        self._orders[order.order_id] = stored
        self.dirty = True
        return stored

    def add_update(
        self, order_id: str, update: dict[str, Any], round_order: OrderRequest, now: datetime
    ) -> StoredOrder:
        """Apply the next version of ``order_id``; its round of work is stored under its own id."""
        self._journal(
            {
                "kind": "update",
                "parent": order_id,
                "update": update,
                "order": round_order.model_dump(mode="json"),
                "at": _iso(now),
            }
        )
        self._orders[order_id].updates.append(update)
        round_ = StoredOrder(round_order, update["body_hash"], now, parent=order_id)
        self._orders[round_order.order_id] = round_
        self.dirty = True
        return round_

    def rounds(self, stored: StoredOrder) -> list[StoredOrder]:
        """The rounds of work of an order: itself, then one per update, in version order."""
        out = [stored]
        for u in stored.updates:
            r = self._orders.get(u["dispatch_order_id"])
            if r is not None:
                out.append(r)
        return out

    def status(self, stored: StoredOrder) -> str:
        """An order is as open as its latest round."""
        return self.rounds(stored)[-1].status

    def service_request(self, stored: StoredOrder) -> dict[str, Any]:
        """The order with its versions: status of the latest round, every round's notes."""
        rounds = self.rounds(stored)
        out = stored.service_request()
        latest = rounds[-1]
        notes = list(out["notes"])
        for update, r in zip(stored.updates, rounds[1:]):
            notes.append(
                {
                    "type": "REOPENED",
                    "datetime": update["at"],
                    "summary": update["note"],
                    "actor": None,
                    "version": update["version"],
                }
            )
            notes += r.service_request()["notes"]
        expected = latest.order.due("CLOSE") or (
            latest.order.deadlines[-1].due_at if latest.order.deadlines else None
        )
        out.update(
            status=latest.status,
            version=stored.version,
            notes=notes,
            status_notes=notes[-1]["summary"] if notes else None,
            updated_datetime=notes[-1]["datetime"] if notes else out["updated_datetime"],
            expected_datetime=_iso(expected) if expected else None,
            priority=latest.order.priority,
            current_order_id=latest.order.order_id,
        )
        return out

    def record_event(self, order_id: str, event: dict[str, Any]) -> None:
        self._orders[order_id].events.append(event)
        self.dirty = True

    def save(self) -> None:
        """Write every order to the file (temp file + rename: never half a file)."""
        if self.path is None or not self.dirty:
            return
        data = {
            oid: {
                "order": s.order.model_dump(mode="json"),
                "body_hash": s.body_hash,
                "received_at": _iso(s.received_at),
                "events": s.events,
                "parent": s.parent,
                "updates": s.updates,
            }
            for oid, s in self._orders.items()
        }
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(self.path.suffix + ".tmp")
        tmp.write_text(
            json.dumps({"version": 1, "orders": data}, ensure_ascii=False), encoding="utf-8"
        )
        os.replace(tmp, self.path)
        self._journal_path(self.path).unlink(missing_ok=True)  # all in the snapshot now
        self.dirty = False

    def _load(self, path: Path) -> None:
        raw = json.loads(path.read_text(encoding="utf-8"))
        for oid, item in raw.get("orders", {}).items():
            self._orders[oid] = StoredOrder(
                OrderRequest.model_validate(item["order"]),
                item["body_hash"],
                datetime.fromisoformat(item["received_at"]),
                list(item.get("events", [])),
                item.get("parent"),
                list(item.get("updates", [])),
            )


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
