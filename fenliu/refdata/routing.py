"""Load ``data/jurisdictions.yaml`` and ``data/sla_policy.yaml`` into processor structures.

The YAML is validated with pydantic (unknown keys are errors: a typo must not silently
drop a limit), then compiled into the pure ``Jurisdiction`` and ``SlaPolicy``. Both
files are checked against each other: every unit the SLA policy names must exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo

import yaml
from pydantic import BaseModel, ConfigDict, Field

from fenliu.processors.jurisdiction import Grid, Jurisdiction, Town, Unit, UnitKind
from fenliu.processors.normalise import NormaliseContext
from fenliu.processors.sla_policy import (
    ClassPolicy,
    Limit,
    SlaPolicy,
    TownOverride,
    UnitStages,
    parse_limit,
)
from fenliu.settings import Settings

LonLat = Annotated[list[float], Field(min_length=2, max_length=2)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _UnitSpec(_Strict):
    id: str = Field(min_length=1)
    name: str = Field(min_length=1)


class _GridSpec(_Strict):
    code: str = Field(pattern=r"^\d{9,15}$")
    name: str
    centroid: LonLat


class _TownSpec(_Strict):
    code: str = Field(pattern=r"^\d{9}$")
    name: str
    urban: bool = False
    centroid: LonLat
    polygon: list[LonLat] = Field(min_length=3)
    command_room: _UnitSpec
    police: _UnitSpec
    mediation: _UnitSpec
    departments: dict[str, _UnitSpec] = {}
    grids: list[_GridSpec] = []


class _CountySpec(_Strict):
    code: str = Field(pattern=r"^\d{6}$")
    name: str
    centroid: LonLat
    command_room: _UnitSpec
    mediation: _UnitSpec
    police_centre: _UnitSpec


class _JurisdictionFile(_Strict):
    version: str = Field(min_length=1)
    nearest_centroid_max_km: float = Field(ge=0)
    mediation_department: str
    county: _CountySpec
    departments: dict[str, _UnitSpec]
    towns: list[_TownSpec] = Field(min_length=1)


class _ClassSpec(_Strict):
    stages: dict[str, str] = Field(min_length=1)
    priorities: dict[int, dict[str, str]] = {}


class _UnitStagesSpec(_Strict):
    stages: dict[str, str] = Field(min_length=1)
    classes: dict[str, dict[str, str]] = {}


class _TownOverrideSpec(_Strict):
    towns: list[str] = Field(min_length=1)
    classes: list[str] | None = None
    stages: dict[str, str] = Field(min_length=1)


class _SlaFile(_Strict):
    version: str = Field(min_length=1)
    default_class: str
    dispatch_stages: list[str] = []
    classes: dict[str, _ClassSpec] = Field(min_length=1)
    unit_stages: dict[str, _UnitStagesSpec] = {}
    town_overrides: list[_TownOverrideSpec] = []


def _unit(spec: _UnitSpec, kind: UnitKind) -> Unit:
    return Unit(spec.id, spec.name, kind)


def _town(spec: _TownSpec) -> Town:
    return Town(
        code=spec.code,
        name=spec.name,
        lon=spec.centroid[0],
        lat=spec.centroid[1],
        polygon=tuple((p[0], p[1]) for p in spec.polygon),
        command_room=_unit(spec.command_room, UnitKind.COMMAND_ROOM),
        police=_unit(spec.police, UnitKind.POLICE),
        mediation=_unit(spec.mediation, UnitKind.MEDIATION),
        grids=tuple(Grid(g.code, g.name, g.centroid[0], g.centroid[1]) for g in spec.grids),
        departments={d: _unit(u, UnitKind.DEPARTMENT) for d, u in spec.departments.items()},
        urban=spec.urban,
    )


def parse_jurisdiction(doc: object) -> Jurisdiction:
    """Validate and compile a parsed jurisdiction document."""
    spec = _JurisdictionFile.model_validate(doc)
    county = spec.county
    juris = Jurisdiction(
        version=spec.version,
        county=Town(
            code=county.code,
            name=county.name,
            lon=county.centroid[0],
            lat=county.centroid[1],
            polygon=(),
            command_room=_unit(county.command_room, UnitKind.COMMAND_ROOM),
            police=_unit(county.police_centre, UnitKind.POLICE),
            mediation=_unit(county.mediation, UnitKind.MEDIATION),
        ),
        towns=[_town(t) for t in spec.towns],
        departments={d: _unit(u, UnitKind.DEPARTMENT) for d, u in spec.departments.items()},
        police_centre=_unit(county.police_centre, UnitKind.POLICE),
        mediation_department=spec.mediation_department,
        nearest_centroid_max_km=spec.nearest_centroid_max_km,
    )
    _check_units_unique(juris)
    return juris


def _check_units_unique(juris: Jurisdiction) -> None:
    seen: dict[str, str] = {}
    for unit in all_units(juris):
        if seen.setdefault(unit.id, unit.name) != unit.name:
            raise ValueError(f"unit id {unit.id!r} names two units")


def all_units(juris: Jurisdiction) -> list[Unit]:
    """Every unit a route can name."""
    units = [juris.police_centre, juris.county.command_room, juris.county.mediation]
    units.extend(juris.departments.values())
    for town in juris.towns:
        units.extend([town.command_room, town.police, town.mediation, *town.departments.values()])
    return units


def _stages(raw: dict[str, str]) -> dict[str, Limit]:
    return {stage: parse_limit(text) for stage, text in raw.items()}


def parse_sla_policy(doc: object) -> SlaPolicy:
    """Validate and compile a parsed SLA policy document."""
    spec = _SlaFile.model_validate(doc)
    return SlaPolicy(
        version=spec.version,
        default_class=spec.default_class,
        dispatch_stages=frozenset(spec.dispatch_stages),
        classes={
            name: ClassPolicy(
                stages=_stages(c.stages),
                priorities={p: _stages(s) for p, s in c.priorities.items()},
            )
            for name, c in spec.classes.items()
        },
        unit_stages={
            unit: UnitStages(
                stages=_stages(u.stages),
                classes={c: _stages(s) for c, s in u.classes.items()},
            )
            for unit, u in spec.unit_stages.items()
        },
        town_overrides=tuple(
            TownOverride(
                towns=frozenset(o.towns),
                stages=_stages(o.stages),
                classes=frozenset(o.classes) if o.classes is not None else None,
            )
            for o in spec.town_overrides
        ),
    )


def _read_yaml(path: Path) -> object:
    with path.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def load_jurisdiction(path: Path) -> Jurisdiction:
    return parse_jurisdiction(_read_yaml(path))


def load_sla_policy(path: Path) -> SlaPolicy:
    return parse_sla_policy(_read_yaml(path))


@dataclass(frozen=True)
class RoutingData:
    """Both routing files, checked against each other, plus the local zone for deadlines."""

    jurisdiction: Jurisdiction
    sla_policy: SlaPolicy
    tz: ZoneInfo


def check_consistent(juris: Jurisdiction, policy: SlaPolicy) -> None:
    """Every unit and town the SLA policy names must exist in the jurisdiction."""
    unit_ids = {unit.id for unit in all_units(juris)}
    missing_units = set(policy.unit_stages) - unit_ids
    town_codes = {town.code for town in juris.towns} | {juris.county.code}
    missing_towns = {code for o in policy.town_overrides for code in o.towns} - town_codes
    if missing_units or missing_towns:
        raise ValueError(
            f"SLA policy {policy.version} names units {sorted(missing_units)} and towns "
            f"{sorted(missing_towns)} unknown to jurisdiction {juris.version}"
        )


def load_routing(settings: Settings) -> RoutingData:
    """The jurisdiction and SLA policy the settings point at."""
    juris = load_jurisdiction(settings.refdata.jurisdiction_file)
    policy = load_sla_policy(settings.refdata.sla_policy_file)
    check_consistent(juris, policy)
    return RoutingData(juris, policy, ZoneInfo(settings.refdata.local_timezone))


def normalise_context(settings: Settings, now_ms: int) -> NormaliseContext:
    """The normalisation context for one batch; ``now_ms`` is the caller's clock (or the record's, in replay)."""
    return NormaliseContext(
        hmac_key=settings.intake.phone_hmac_key.get_secret_value().encode("utf-8"),
        hmac_key_id=settings.intake.phone_hmac_key_id,
        now_ms=now_ms,
        tz_name=settings.refdata.local_timezone,
        max_future_skew_ms=settings.intake.max_future_skew_s * 1000,
        max_text_chars=settings.intake.max_text_chars,
        default_area_code=settings.intake.phone_default_area_code,
    )
