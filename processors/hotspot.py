"""一类事预警: many cases of one class at one place in a sliding window become one warning.

A place is the grid of the grid platform when the router placed the case in one, else a
geo cell of about ``cell_m`` metres around its coordinates, else its normalised address.
Windows are event time: the window of a case that opened at ``t`` is ``(t - window, t]``.
When it holds ``threshold`` cases a warning fires, and the place stays quiet until that
window has passed, so each warning stands for cases no earlier warning named (one per
window). Everything is deterministic, so a re-run sends the same ``warning_id``s.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, field, replace
from typing import Any

METRES_PER_DEGREE_LAT = 111_320.0


@dataclass(frozen=True, slots=True)
class HotspotRules:
    window_ms: int
    threshold: int
    cell_m: float = 100.0
    max_cases: int = 1000  # per place; the oldest go first


def geo_cell(lon: float, lat: float, cell_m: float) -> str:
    """A cell of about ``cell_m`` x ``cell_m``: rows by latitude, columns scaled by the
    row's own latitude so cells keep their size from Hainan to Heilongjiang."""
    dlat = cell_m / METRES_PER_DEGREE_LAT
    row = math.floor(lat / dlat)
    centre = math.radians((row + 0.5) * dlat)
    dlon = cell_m / (METRES_PER_DEGREE_LAT * max(math.cos(centre), 1e-6))
    return f"{row}:{math.floor(lon / dlon)}"


def place_key(
    grid_code: str | None,
    lon: float | None,
    lat: float | None,
    address_key: str | None,
    cell_m: float,
) -> str | None:
    """The place a case counts at, or None when nothing places it."""
    if grid_code:
        return f"grid:{grid_code}"
    if lon is not None and lat is not None:
        return f"cell{int(cell_m)}:{geo_cell(lon, lat, cell_m)}"
    if address_key:
        return f"addr:{address_key}"
    return None


@dataclass(frozen=True, slots=True)
class Seen:
    case_id: str
    at_ms: int
    situation_code: str | None


@dataclass(frozen=True, slots=True)
class Warning:
    """A ``HotspotWarning`` as values."""

    warning_id: str
    class_code: str
    situation_code: str | None
    place_key: str
    town_code: str
    window_start_ms: int
    window_end_ms: int
    count: int
    threshold: int
    case_ids: tuple[str, ...]
    trigger_case_id: str

    def record(self) -> dict[str, Any]:
        """The Avro ``HotspotWarning`` record."""
        return {
            "warning_id": self.warning_id,
            "class_code": self.class_code,
            "situation_code": self.situation_code,
            "place_key": self.place_key,
            "town_code": self.town_code,
            "window_start": self.window_start_ms,
            "window_end": self.window_end_ms,
            "count": self.count,
            "threshold": self.threshold,
            "case_ids": list(self.case_ids),
        }


@dataclass(frozen=True, slots=True)
class PlaceCounter:
    """Cases of one class at one place, recent enough to count, and the last warning."""

    town_code: str
    class_code: str
    place_key: str
    seen: tuple[Seen, ...] = field(default_factory=tuple)  # by time
    quiet_until_ms: int = -1  # no warning for cases before this
    last_warning: Warning | None = None

    def to_dict(self) -> dict[str, Any]:
        w = self.last_warning
        return {
            "town": self.town_code,
            "class": self.class_code,
            "place": self.place_key,
            "seen": [[s.case_id, s.at_ms, s.situation_code] for s in self.seen],
            "quiet_until": self.quiet_until_ms,
            "last": None if w is None else {**w.record(), "trigger": w.trigger_case_id},
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> PlaceCounter:
        last = d["last"]
        warning = (
            None
            if last is None
            else Warning(
                last["warning_id"],
                last["class_code"],
                last["situation_code"],
                last["place_key"],
                last["town_code"],
                last["window_start"],
                last["window_end"],
                last["count"],
                last["threshold"],
                tuple(last["case_ids"]),
                last["trigger"],
            )
        )
        return cls(
            d["town"],
            d["class"],
            d["place"],
            tuple(Seen(c, t, s) for c, t, s in d["seen"]),
            d["quiet_until"],
            warning,
        )


def warning_id(class_code: str, place: str, window_start_ms: int) -> str:
    basis = f"{class_code}|{place}|{window_start_ms}"
    return "hs_" + hashlib.sha256(basis.encode()).hexdigest()[:24]


def observe(
    counter: PlaceCounter, case_id: str, at_ms: int, situation_code: str | None, rules: HotspotRules
) -> tuple[PlaceCounter, Warning | None]:
    """Count one newly opened case; returns the warning it triggers, if any.

    A case seen before changes nothing, except that the case that triggered the last
    warning gives that warning again (a re-delivery after a crash must not lose it)."""
    if any(s.case_id == case_id for s in counter.seen):
        last = counter.last_warning
        return counter, last if last is not None and last.trigger_case_id == case_id else None
    start = at_ms - rules.window_ms
    seen = tuple(
        sorted(
            counter.seen + (Seen(case_id, at_ms, situation_code),),
            key=lambda s: (s.at_ms, s.case_id),
        )
    )
    # Keep what a window ending at the newest case (or a late one before it) can count.
    horizon = max(seen[-1].at_ms, at_ms) - rules.window_ms
    seen = tuple(s for s in seen if s.at_ms > horizon)[-rules.max_cases :]
    counter = replace(counter, seen=seen)
    window = [s for s in seen if start < s.at_ms <= at_ms]
    if len(window) < rules.threshold or at_ms < counter.quiet_until_ms:
        return counter, None
    situations = {s.situation_code for s in window}
    warning = Warning(
        warning_id(counter.class_code, counter.place_key, start),
        counter.class_code,
        situations.pop() if len(situations) == 1 else None,
        counter.place_key,
        counter.town_code,
        start,
        at_ms,
        len(window),
        rules.threshold,
        tuple(s.case_id for s in window),
        case_id,
    )
    return replace(counter, quiet_until_ms=at_ms + rules.window_ms, last_warning=warning), warning


def expires_at(counter: PlaceCounter, rules: HotspotRules) -> int:
    """Event time after which the counter holds nothing a window could count."""
    newest = max((s.at_ms for s in counter.seen), default=0)
    return max(newest + rules.window_ms, counter.quiet_until_ms)
