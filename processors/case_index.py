"""Cases one entry each, and the small index that finds the ones a call may belong to.

The worker used to keep one ``CaseBucket`` per case key (``town:class``): every call read,
changed and re-wrote all open cases of its town and class (up to 500), so the cost of a
call grew with what was open. ``CaseBook`` keeps **one entry per case** (``case_id`` ->
the case as a dict) and, in memory, the look-ups the merge rules need within a case key:

* by caller (``SAME_CALLER``, ``FLOW_BACK_SAME_CALLER``),
* by normalised address and by geo cell of at least ``same_place_m`` (``SAME_PLACE``,
  ``FLOW_BACK_SAME_PLACE``: a point within the radius is in the same or a neighbouring
  cell),
* by decision id (a re-delivered decision),
* per case key, each case's position, closing and drop time (the cap of
  ``max_cases_per_key``, dropping closed cases first, as ``merge._capped`` does).

A call reads only the cases that share its caller, address or cell neighbourhood and
writes one entry: the case it opened or changed. ``merge.match_among`` decides over those
cases exactly as ``merge.match_call`` over the whole bucket, because a case sharing
neither caller nor place with a call cannot match it (``tests/test_case_index.py``
compares both on random sequences). The index is derived state: rebuilt from the entries
after a restart or a rebalance, never written anywhere.

Pure: the book reads entries through ``read`` and returns the writes; the caller stores
them (a Faust table in ``streams.worker.cases``, a dict in tests and benchmarks).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, NamedTuple

from fenliu.processors.case_state import Call, Case, UpdateKind, case_dict, case_from
from fenliu.processors.merge import (
    EARTH_RADIUS_M,
    IncomingCall,
    MergeRules,
    Step,
    StepOutcome,
    drop_at,
    match_among,
    resolve,
    step_case,
)

Token = tuple[Any, ...]


@dataclass(frozen=True, slots=True)
class Write:
    """One table write: the case's entry, or None to delete it; ``due_ms``: its drop time."""

    case_id: str
    entry: dict[str, Any] | None
    due_ms: int = 0


@dataclass(frozen=True, slots=True)
class CallResult:
    """A call applied: the case as it is now, the call as recorded, and the writes."""

    case: Case
    call: Call
    related_case_id: str | None = None
    duplicate: bool = False
    writes: tuple[Write, ...] = ()
    dropped: int = 0  # cases dropped to make room (cap) or because they had expired


class Meta(NamedTuple):
    """A case as the index knows it. Held in the book as a **plain tuple** (``_meta``):
    CPython's collector stops tracking a tuple of strings, numbers and such tuples, while
    it walks every class instance (and NamedTuple) at each full collection, 100 k of them
    with 100 k open cases (docs/benchmarks.md)."""

    key: str
    seq: int
    closed: bool
    drop_at_ms: int
    tokens: tuple[Token, ...]
    decisions: tuple[str, ...]


_SEQ, _CLOSED, _DROP_AT = (Meta._fields.index(f) for f in ("seq", "closed", "drop_at_ms"))


class Cells:
    """Geo cells at least ``radius_m`` wide, so a point within the radius of another lies
    in its cell or a neighbouring one (rows by latitude; a row's columns are widened for the
    pole-ward edge of the row beyond, and by π/2 for the haversine's curvature)."""

    def __init__(self, radius_m: float) -> None:
        self.lat_deg = max(math.degrees(max(radius_m, 1e-3) / EARTH_RADIUS_M), 1e-9)

    def _width(self, row: int) -> float:
        edge = min(89.0, (abs(row) + 2) * self.lat_deg)
        return self.lat_deg * (math.pi / 2) / math.cos(math.radians(edge))

    def of(self, lon: float, lat: float) -> tuple[int, int]:
        row = math.floor(lat / self.lat_deg)
        return row, math.floor(lon / self._width(row))

    def around(self, lon: float, lat: float) -> Iterator[tuple[int, int]]:
        row = math.floor(lat / self.lat_deg)
        for r in (row - 1, row, row + 1):
            col = math.floor(lon / self._width(r))
            for c in (col - 1, col, col + 1):
                yield r, c


def entry_of(key: str, seq: int, case: Case) -> dict[str, Any]:
    """The table value of one case: the case, its case key and its position in the key."""
    return {"key": key, "seq": seq, **case_dict(case)}


class CaseBook:
    """The cases of the partitions a worker owns, one entry per case, and their index."""

    def __init__(self, rules: MergeRules, read: Callable[[str], dict[str, Any] | None]) -> None:
        self.rules = rules
        self.read = read
        self.cells = Cells(rules.same_place_m)
        # plain tuples, not objects, for the same reason as Meta's: a posting is the ids of
        # the cases with the token, most often one, replaced whole on a change
        self._meta: dict[str, tuple[Any, ...]] = {}
        self.postings: dict[Token, tuple[str, ...]] = {}
        self.per_key: dict[str, set[str]] = defaultdict(set)
        self.by_decision: dict[str, str] = {}
        self.next_seq = 0

    def __len__(self) -> int:
        return len(self._meta)

    def meta(self, case_id: str) -> Meta | None:
        """What the index holds about a case (None: not in the book)."""
        held = self._meta.get(case_id)
        return None if held is None else Meta(*held)

    # --- the index ------------------------------------------------------------------------
    def rebuild(self, entries: Iterable[tuple[str, dict[str, Any]]]) -> None:
        """Forget the index and build it again from the stored entries."""
        self._meta.clear()
        self.postings.clear()
        self.per_key.clear()
        self.by_decision.clear()
        self.next_seq = 0
        for _case_id, entry in entries:
            if entry and "seq" in entry:
                self._index(entry["key"], entry["seq"], case_from(entry))
                self.next_seq = max(self.next_seq, entry["seq"] + 1)

    def _tokens(self, key: str, case: Case) -> tuple[Token, ...]:
        out: set[Token] = set()
        for c in case.calls:
            if c.caller_key:
                out.add(("c", key, c.caller_key))
            if c.place.address_key:
                out.add(("a", key, c.place.address_key))
            if c.place.lon is not None and c.place.lat is not None:
                out.add(("g", key, *self.cells.of(c.place.lon, c.place.lat)))
        return tuple(out)

    def _index(self, key: str, seq: int, case: Case) -> None:
        self._unindex(case.case_id)
        tokens = self._tokens(key, case)
        for t in tokens:
            self.postings[t] = (*self.postings.get(t, ()), case.case_id)
        decisions = tuple(c.decision_id for c in case.calls)
        for d in decisions:
            self.by_decision[d] = case.case_id
        self.per_key[key].add(case.case_id)
        self._meta[case.case_id] = (
            key,
            seq,
            case.closed_at_ms is not None,
            drop_at(case, self.rules),
            tokens,
            decisions,
        )

    def _unindex(self, case_id: str) -> None:
        held = self._meta.pop(case_id, None)
        if held is None:
            return
        meta = Meta(*held)
        for t in meta.tokens:
            left = tuple(i for i in self.postings.get(t, ()) if i != case_id)
            if left:
                self.postings[t] = left
            else:
                self.postings.pop(t, None)
        for d in meta.decisions:
            if self.by_decision.get(d) == case_id:
                del self.by_decision[d]
        ids = self.per_key.get(meta.key)
        if ids is not None:
            ids.discard(case_id)
            if not ids:
                del self.per_key[meta.key]

    def candidates(self, call: IncomingCall) -> list[str]:
        """Ids of the cases of the call's key sharing its caller, address or cell
        neighbourhood, in the order they were opened (the bucket's order)."""
        key = call.case_key
        found: set[str] = set()
        if call.caller_key:
            found.update(self.postings.get(("c", key, call.caller_key), ()))
        place = call.place
        if place.address_key:
            found.update(self.postings.get(("a", key, place.address_key), ()))
        if place.lon is not None and place.lat is not None:
            for cell in self.cells.around(place.lon, place.lat):
                found.update(self.postings.get(("g", key, *cell), ()))
        return sorted(found, key=lambda i: self._meta[i][_SEQ])

    # --- reading and writing ----------------------------------------------------------------
    def case(self, case_id: str) -> Case | None:
        entry = self.read(case_id)
        return case_from(entry) if entry else None

    def _put(self, key: str, case: Case, seq: int | None = None) -> Write:
        if seq is None:
            known = self.meta(case.case_id)
            seq = known.seq if known is not None else self.next_seq
        self.next_seq = max(self.next_seq, seq + 1)
        self._index(key, seq, case)
        return Write(case.case_id, entry_of(key, seq, case), drop_at(case, self.rules))

    def drop(self, case_id: str) -> Write:
        """Forget a case (expired): its entry is to be deleted."""
        self._unindex(case_id)
        return Write(case_id, None)

    def apply_call(self, call: IncomingCall) -> CallResult:
        """``merge.apply_call`` on the cases the index finds; one write per call (plus a
        delete per case the cap or an expiry drops)."""
        seen_in = self.by_decision.get(call.decision_id)
        if seen_in is not None:
            case = self.case(seen_in)
            seen = case.call(call.decision_id) if case is not None else None
            if case is not None and seen is not None:
                return CallResult(case, seen, duplicate=True)
        writes: list[Write] = []
        alive: list[Case] = []
        for case_id in self.candidates(call):
            if self.drop_at_ms(case_id) < call.at_ms:  # merge.prune: no rule can need it any more
                writes.append(self.drop(case_id))
                continue
            case = self.case(case_id)
            if case is not None:
                alive.append(case)
        match = match_among(alive, call, self.rules)
        matched = next((c for c in alive if c.case_id == match.case_id), None)
        case, recorded = resolve(match, matched, call, self.rules)
        writes.append(self._put(call.case_key, case))
        if match.kind is UpdateKind.OPENED:
            writes += self._cap(call.case_key, call.at_ms)
        dropped = sum(1 for w in writes if w.entry is None)
        return CallResult(
            case,
            recorded,
            match.related_case_id if match.kind is UpdateKind.OPENED else None,
            False,
            tuple(writes),
            dropped,
        )

    def _cap(self, key: str, now_ms: int) -> list[Write]:
        """``merge._capped`` after ``merge.prune``: expired cases first, then closed ones
        with the earliest drop time, then open ones (ties: the older first)."""
        ids = self.per_key.get(key, set())
        excess = len(ids) - self.rules.max_cases_per_key
        if excess <= 0:
            return []
        writes = [self.drop(i) for i in list(ids) if self.drop_at_ms(i) < now_ms]
        excess -= len(writes)
        if excess > 0:

            def drop_order(case_id: str) -> tuple[bool, int, int]:
                m = Meta(*self._meta[case_id])
                return (not m.closed, m.drop_at_ms, m.seq)

            order = sorted(self.per_key[key], key=drop_order)
            writes += [self.drop(i) for i in order[:excess]]
        return writes

    def apply_step(
        self, step: Step, keep_events: int = 10
    ) -> tuple[Case | None, StepOutcome, tuple[Write, ...]]:
        """``merge.apply_step`` on the one case the step names."""
        meta = self.meta(step.case_id)
        case = self.case(step.case_id) if meta is not None else None
        after, outcome = step_case(case, step, keep_events)
        if outcome not in (StepOutcome.APPLIED, StepOutcome.APPLIED_LATE) or after is None:
            return after, outcome, ()
        assert meta is not None
        return after, outcome, (self._put(meta.key, after, meta.seq),)

    def due(self, case_id: str, now_ms: int) -> bool:
        """Whether no rule can need the case at event time ``now_ms``."""
        return case_id not in self._meta or self.drop_at_ms(case_id) < now_ms

    def drop_at_ms(self, case_id: str) -> int:
        """The event time after which no rule can need the case (KeyError: not in the book)."""
        drop: int = self._meta[case_id][_DROP_AT]
        return drop

    def open_cases(self) -> int:
        return sum(1 for m in self._meta.values() if not m[_CLOSED])
