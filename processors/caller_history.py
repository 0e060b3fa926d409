"""Per-caller history: who keeps calling, about what, since when (重复报警).

Keyed by caller key, an HMAC of the phone number, so long-standing repeat callers are
visible (Donghu counted 824 repeat dispute calls since 2020) without any number being
stored. Built from the ``CaseUpdate`` records of calls; bounded: a few ids for
de-duplication, the ten most frequent classes, and the whole entry goes after
``retention_ms`` of silence.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

KEEP_UPDATES = 8
KEEP_CASES = 10
KEEP_CLASSES = 10


@dataclass(frozen=True, slots=True)
class CallerHistory:
    caller_key: str
    calls: int = 0
    cases: int = 0  # distinct cases called about (as far as the recent ones tell)
    repeats: int = 0
    flow_backs: int = 0
    first_seen_ms: int = 0
    last_seen_ms: int = 0
    classes: dict[str, int] = field(default_factory=dict)
    recent_cases: tuple[str, ...] = ()
    recent_updates: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "caller": self.caller_key,
            "calls": self.calls,
            "cases": self.cases,
            "repeats": self.repeats,
            "flow_backs": self.flow_backs,
            "first_seen": self.first_seen_ms,
            "last_seen": self.last_seen_ms,
            "classes": dict(self.classes),
            "recent_cases": list(self.recent_cases),
            "recent_updates": list(self.recent_updates),
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> CallerHistory:
        return cls(
            d["caller"],
            d["calls"],
            d["cases"],
            d["repeats"],
            d["flow_backs"],
            d["first_seen"],
            d["last_seen"],
            dict(d["classes"]),
            tuple(d["recent_cases"]),
            tuple(d["recent_updates"]),
        )


def observe(
    history: CallerHistory | None,
    caller_key: str,
    update_id: str,
    kind: str,
    case_id: str,
    class_code: str,
    at_ms: int,
) -> tuple[CallerHistory, bool]:
    """Count one call (a ``CaseUpdate`` of kind OPENED, REPEAT or FLOW_BACK).

    Returns the new history and whether it changed (False for a re-delivered update)."""
    h = history or CallerHistory(caller_key, first_seen_ms=at_ms, last_seen_ms=at_ms)
    if update_id in h.recent_updates:
        return h, False
    classes = dict(h.classes)
    classes[class_code] = classes.get(class_code, 0) + 1
    if len(classes) > KEEP_CLASSES:
        classes = dict(sorted(classes.items(), key=lambda kv: (-kv[1], kv[0]))[:KEEP_CLASSES])
    new_case = case_id not in h.recent_cases
    return replace(
        h,
        calls=h.calls + 1,
        cases=h.cases + (1 if new_case else 0),
        repeats=h.repeats + (1 if kind == "REPEAT" else 0),
        flow_backs=h.flow_backs + (1 if kind == "FLOW_BACK" else 0),
        first_seen_ms=min(h.first_seen_ms, at_ms),
        last_seen_ms=max(h.last_seen_ms, at_ms),
        classes=classes,
        recent_cases=(tuple(c for c in h.recent_cases if c != case_id) + (case_id,))[-KEEP_CASES:],
        recent_updates=(h.recent_updates + (update_id,))[-KEEP_UPDATES:],
    ), True


def combine(parts: list[CallerHistory]) -> CallerHistory:
    """One caller's history from its parts (one per partition that saw the caller's calls:
    calls about different towns and classes are counted where their cases live)."""
    first = parts[0]
    classes: dict[str, int] = {}
    for p in parts:
        for code, n in p.classes.items():
            classes[code] = classes.get(code, 0) + n
    classes = dict(sorted(classes.items(), key=lambda kv: (-kv[1], kv[0]))[:KEEP_CLASSES])
    ordered = sorted(parts, key=lambda p: p.last_seen_ms)
    return CallerHistory(
        first.caller_key,
        calls=sum(p.calls for p in parts),
        cases=sum(p.cases for p in parts),
        repeats=sum(p.repeats for p in parts),
        flow_backs=sum(p.flow_backs for p in parts),
        first_seen_ms=min(p.first_seen_ms for p in parts),
        last_seen_ms=max(p.last_seen_ms for p in parts),
        classes=classes,
        recent_cases=tuple(c for p in ordered for c in p.recent_cases)[-KEEP_CASES:],
        recent_updates=tuple(u for p in ordered for u in p.recent_updates)[-KEEP_UPDATES:],
    )
