"""Absolute SLA deadlines of a routed case, from the versioned policy in ``data/sla_policy.yaml``.

Pure and deterministic: the same class, route, receive time and policy always give
the same deadlines, sorted by due time (ties in the closed loop's stage order).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo

from fenliu.processors.model import Classification, Deadline, Route

#: The closed loop's order; breaks ties between stages due at the same instant.
STAGE_ORDER = (
    "SIGN",
    "RESPOND",
    "DEPART",
    "PHONE",
    "ARRIVE",
    "CLOSE",
    "ACCEPT",
    "FEEDBACK",
    "FOLLOW_UP",
)
NEXT_DAY_END = "next_day_end"
_DURATION = re.compile(r"^\s*(\d+)\s*(s|m|h|d)\s*$")
_UNIT_MS = {"s": 1000, "m": 60_000, "h": 3_600_000, "d": 86_400_000}
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class Limit:
    """A stage's limit: a fixed duration, or the end of the next local calendar day."""

    ms: int = 0
    next_day_end: bool = False

    def due(self, received_at_ms: int, tz: tzinfo) -> int:
        if not self.next_day_end:
            return received_at_ms + self.ms
        local = (_EPOCH + timedelta(milliseconds=received_at_ms)).astimezone(tz)
        # "The end of the next day" is midnight at the start of the day after it.
        end = datetime.combine(local.date() + timedelta(days=2), time(0), tzinfo=tz)
        return (end - _EPOCH) // timedelta(milliseconds=1)


def parse_limit(text: str) -> Limit:
    """``90s``, ``1m``, ``24h``, ``7d`` or ``next_day_end``; anything else is an error."""
    if text.strip() == NEXT_DAY_END:
        return Limit(next_day_end=True)
    match = _DURATION.match(text)
    if not match or int(match.group(1)) <= 0:
        raise ValueError(f"bad SLA limit {text!r}: use e.g. 90s, 1m, 24h, 7d or {NEXT_DAY_END}")
    return Limit(ms=int(match.group(1)) * _UNIT_MS[match.group(2)])


Stages = Mapping[str, Limit]


@dataclass(frozen=True, slots=True)
class ClassPolicy:
    """The stages of one SLA class, and per-priority changes to them."""

    stages: Stages
    priorities: Mapping[int, Stages] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class TownOverride:
    """Different limits in some towns (Dongcheng leaves in 5 min where Donghu leaves in 2)."""

    towns: frozenset[str]
    stages: Stages
    classes: frozenset[str] | None = None  # None = every class


@dataclass(frozen=True, slots=True)
class UnitStages:
    """Stages that replace a class's for every route to one unit (a 12345 -> 110 transfer)."""

    stages: Stages
    classes: Mapping[str, Stages] = field(default_factory=dict)  # per sla_class, instead


@dataclass(frozen=True, slots=True)
class SlaPolicy:
    """The compiled ``data/sla_policy.yaml``."""

    version: str
    classes: Mapping[str, ClassPolicy]
    default_class: str  # used for an sla_class the policy does not know
    town_overrides: tuple[TownOverride, ...] = ()
    unit_stages: Mapping[str, UnitStages] = field(default_factory=dict)  # by unit id
    dispatch_stages: frozenset[str] = frozenset()  # dropped when nobody is dispatched

    def __post_init__(self) -> None:
        if self.default_class not in self.classes:
            raise ValueError(f"default_class {self.default_class!r} is not a class of the policy")
        for name, stages in self._all_stage_maps():
            unknown = set(stages) - set(STAGE_ORDER)
            if unknown:
                raise ValueError(f"{name}: unknown stages {sorted(unknown)}")

    def _all_stage_maps(self) -> list[tuple[str, Stages]]:
        maps: list[tuple[str, Stages]] = []
        for name, cp in self.classes.items():
            maps.append((name, cp.stages))
            maps.extend((f"{name} priority {p}", s) for p, s in cp.priorities.items())
        maps.extend((f"towns {sorted(o.towns)}", o.stages) for o in self.town_overrides)
        for unit, us in self.unit_stages.items():
            maps.append((f"unit {unit}", us.stages))
            maps.extend((f"unit {unit} class {c}", s) for c, s in us.classes.items())
        return maps


def stages_for(cls: Classification, route: Route, policy: SlaPolicy) -> dict[str, Limit]:
    """Which stages apply and their limits, before they are turned into times."""
    unit = policy.unit_stages.get(route.unit_id)
    if unit is not None:
        return dict(unit.classes.get(cls.sla_class, unit.stages))
    sla_class = cls.sla_class if cls.sla_class in policy.classes else policy.default_class
    class_policy = policy.classes[sla_class]
    stages = dict(class_policy.stages)
    stages.update(class_policy.priorities.get(cls.priority, {}))
    for override in policy.town_overrides:
        if route.town_code in override.towns and (
            override.classes is None or sla_class in override.classes
        ):
            stages.update({k: v for k, v in override.stages.items() if k in stages})
    if route.team_method == "NOT_APPLICABLE" and route.unit_kind != "police":
        stages = {k: v for k, v in stages.items() if k not in policy.dispatch_stages}
    return stages


def deadlines_for(
    cls: Classification, route: Route, received_at_ms: int, policy: SlaPolicy, tz: tzinfo | str
) -> tuple[Deadline, ...]:
    """Absolute deadlines (UTC ms) of every stage, sorted by due time then stage order."""
    zone = ZoneInfo(tz) if isinstance(tz, str) else tz
    deadlines = [
        Deadline(stage, limit.due(received_at_ms, zone))
        for stage, limit in stages_for(cls, route, policy).items()
    ]
    return tuple(sorted(deadlines, key=lambda d: (d.due_at_ms, STAGE_ORDER.index(d.stage))))
