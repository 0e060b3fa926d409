"""Who gets the case: 属地 (town, grid) from the location, 属事 (unit) from the class.

Pure. The nearest on-duty team comes from Redis (``fenliu.refdata.team_directory``) and is
passed in, already looked up in a batch; ``team_query`` says which events want one.

Rules, in order:

* a police matter in a 110 call stays with the town's police station;
* a police matter found in a 12345 ticket goes to the county's 110 centre (transfer);
* a non-police matter goes to the unit of its department: the town's mediation
  centre for 矛调中心, the town's own squad of a department if it has one, else the
  county department; a department with no unit goes to the town's command room and
  ``Route.department`` still names the department, so the gap is visible;
* a diverted 110 call needs someone on scene: the nearest available team of the
  town (``REDIS_NEAREST``); when Redis did not answer in time (``FALLBACK_TIMEOUT``)
  or no team is free in range (``FALLBACK_NO_TEAM``) the case goes to the town's
  command room, which dispatches by hand;
* nobody is dispatched for police matters nor for 12345 work orders (``NOT_APPLICABLE``).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from fenliu.processors.jurisdiction import Jurisdiction, Place, PlaceMethod, Unit, UnitKind
from fenliu.processors.model import CaseEvent, Classification, Route, Source


class TeamMethod(StrEnum):
    REDIS_NEAREST = "REDIS_NEAREST"
    FALLBACK_TIMEOUT = "FALLBACK_TIMEOUT"
    FALLBACK_NO_TEAM = "FALLBACK_NO_TEAM"
    NOT_APPLICABLE = "NOT_APPLICABLE"


@dataclass(frozen=True, slots=True)
class TeamPick:
    """The nearest available team found in Redis, and how far it is from the scene."""

    team_id: str
    distance_m: float


@dataclass(frozen=True, slots=True)
class TeamQuery:
    """What to ask the team directory for one event: available teams of a town near a point."""

    town_code: str
    lon: float
    lat: float


def wants_team(event: CaseEvent, cls: Classification) -> bool:
    """True for diverted 110 calls: someone has to go to the scene."""
    return event.source is Source.CALL_110 and not cls.is_police_matter


def team_query(
    event: CaseEvent, cls: Classification, juris: Jurisdiction, place: Place | None = None
) -> TeamQuery | None:
    """The Redis lookup this event needs, or None (no team wanted, no point, or no real town).

    ``place`` is ``juris.locate(event.location)`` when the caller already has it.
    """
    if not wants_team(event, cls):
        return None
    place = place or juris.locate(event.location)
    if place.lon is None or place.lat is None or place.method is PlaceMethod.DEFAULT_TOWN:
        return None
    return TeamQuery(place.town.code, place.lon, place.lat)


def route(
    event: CaseEvent,
    cls: Classification,
    juris: Jurisdiction,
    team: TeamPick | None,
    *,
    team_lookup_failed: bool,
    place: Place | None = None,
) -> Route:
    """The route of one classified event; deterministic in its arguments.

    ``place`` is ``juris.locate(event.location)`` when the caller already has it.
    """
    place = place or juris.locate(event.location)
    town = place.town
    if cls.is_police_matter:
        unit = town.police if event.source is Source.CALL_110 else juris.police_centre
        return _route(place, unit, cls.department, None, TeamMethod.NOT_APPLICABLE, juris)
    unit = juris.department_unit(town, cls.department) or town.command_room
    if not wants_team(event, cls):
        return _route(place, unit, cls.department, None, TeamMethod.NOT_APPLICABLE, juris)
    if team_lookup_failed:
        return _route(
            place, town.command_room, cls.department, None, TeamMethod.FALLBACK_TIMEOUT, juris
        )
    if team is None:
        return _route(
            place, town.command_room, cls.department, None, TeamMethod.FALLBACK_NO_TEAM, juris
        )
    return _route(place, unit, cls.department, team.team_id, TeamMethod.REDIS_NEAREST, juris)


def _route(
    place: Place,
    unit: Unit,
    department: str,
    team_id: str | None,
    team_method: TeamMethod,
    juris: Jurisdiction,
) -> Route:
    return Route(
        town_code=place.town.code,
        town_name=place.town.name,
        grid_code=place.grid.code if place.grid else None,
        unit_id=unit.id,
        unit_name=unit.name,
        unit_kind=UnitKind(unit.kind).value,
        department=department,
        place_method=place.method.value,
        team_id=team_id,
        team_method=team_method.value,
        routing_version=juris.version,
    )
