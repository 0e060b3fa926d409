"""The vocabulary of SLA alerts: levels, when each fires, which lifecycle step closes which
stage, and the alert record with its deterministic id.

Pure data and arithmetic; ``processors.sla_timer`` runs the state machine on top of it and
docs/sla.md explains the choices.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from fenliu.processors.sla_policy import STAGE_ORDER
from fenliu.schemas.records import AlertLevel, LifecycleKind, SlaAlert

#: How late a stage is; the order is the order in which they fire: WARNING when the window
#: is mostly used up (default 80 %), BREACH at the deadline (预警单), SUPERVISION well after
#: it (督办单), ESCALATION a higher level takes over watching it (提级盯办).
Level = AlertLevel
LEVELS: tuple[Level, ...] = tuple(Level)

#: Which stages a lifecycle step closes directly. The one place this mapping lives.
LIFECYCLE_CLOSES: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        LifecycleKind.SIGNED: ("SIGN",),
        LifecycleKind.ACCEPTED: ("ACCEPT",),
        LifecycleKind.DEPARTED: ("RESPOND", "DEPART"),
        LifecycleKind.PHONED: ("PHONE",),
        LifecycleKind.ARRIVED: ("ARRIVE",),
        LifecycleKind.FEEDBACK: ("FEEDBACK",),
        LifecycleKind.CLOSED: ("CLOSE",),
        LifecycleKind.FOLLOWED_UP: ("FOLLOW_UP",),
        LifecycleKind.RETURNED: (),
        LifecycleKind.COMPLAINED: (),
    }
)

#: Stages a step closes because it cannot happen without them: a team on the scene has
#: signed and left, a closed order (办结) owes nothing but the follow-up call. Without this
#: an ARRIVED that overtakes its SIGNED would raise a false sign-off breach.
LIFECYCLE_IMPLIES: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        LifecycleKind.ACCEPTED: ("SIGN",),
        LifecycleKind.DEPARTED: ("SIGN",),
        LifecycleKind.ARRIVED: ("SIGN", "RESPOND", "DEPART"),
        LifecycleKind.FEEDBACK: ("SIGN", "RESPOND", "DEPART", "ARRIVE"),
        LifecycleKind.CLOSED: tuple(s for s in STAGE_ORDER if s not in ("CLOSE", "FOLLOW_UP")),
    }
)

#: Steps that close nothing and are only recorded (and counted by the rates feature).
RECORDED_ONLY = frozenset(k for k, stages in LIFECYCLE_CLOSES.items() if not stages)

DAY_MS = 86_400_000


@dataclass(frozen=True, slots=True)
class EscalationPolicy:
    """When each level of a stage fires, as shares of the stage's window (start → due).

    A level fires at ``start + share × window``; the levels after the deadline also fire
    no later than ``due + max_late`` (30 days of mediation feedback should not wait 15
    more for a supervision notice). Fire times never decrease from level to level.
    """

    warning_share: float = 0.8
    supervision_share: float = 1.5
    escalation_share: float = 2.0
    supervision_max_late_ms: int | None = DAY_MS
    escalation_max_late_ms: int | None = 3 * DAY_MS

    def __post_init__(self) -> None:
        if not 0 < self.warning_share < 1:
            raise ValueError("warning_share must lie strictly between 0 and 1")
        if not 1 <= self.supervision_share <= self.escalation_share:
            raise ValueError("need 1 <= supervision_share <= escalation_share")
        for name in ("supervision_max_late_ms", "escalation_max_late_ms"):
            value = getattr(self, name)
            if value is not None and value < 0:
                raise ValueError(f"{name} must not be negative")

    def fire_times(self, start_ms: int, due_ms: int) -> tuple[int, int, int, int]:
        """Fire time of every level in ``LEVELS`` order."""
        window = max(0, due_ms - start_ms)
        warning = min(due_ms, start_ms + int(window * self.warning_share))
        supervision = _capped(
            start_ms + int(window * self.supervision_share), due_ms, self.supervision_max_late_ms
        )
        escalation = _capped(
            start_ms + int(window * self.escalation_share), due_ms, self.escalation_max_late_ms
        )
        supervision = max(due_ms, supervision)
        return warning, due_ms, supervision, max(supervision, escalation)

    def fire_at(self, level: Level, start_ms: int, due_ms: int) -> int:
        return self.fire_times(start_ms, due_ms)[LEVELS.index(level)]


def _capped(at: int, due_ms: int, max_late_ms: int | None) -> int:
    return at if max_late_ms is None else min(at, due_ms + max_late_ms)


def elapsed_ratio(start_ms: int, due_ms: int, at_ms: int) -> float:
    """Share of the window used up at ``at_ms`` (1.0 = at the deadline), 4 decimals."""
    window = due_ms - start_ms
    if window <= 0:
        return 1.0
    return round((at_ms - start_ms) / window, 4)


def alert_id(order_id: str, stage: str, level: Level | str, due_at_ms: int) -> str:
    """Deterministic: the same deadline at the same level always has the same id, so a
    consumer drops a re-sent alert; a reopened order with a new due time gets new ids."""
    return f"{order_id}:{stage}:{level}:{due_at_ms}"


def alert_record(alert: SlaAlert) -> dict[str, Any]:
    """The ``SlaAlert`` Avro record (field order is the schema's)."""
    return alert.to_avro()
