"""属地: which town/street and grid a case's location belongs to, and the units there.

A ``Jurisdiction`` is the compiled form of ``data/jurisdictions.yaml`` (loaded by
``fenliu.refdata.routing``): town polygons in a shapely STRtree, an admin-code index
and the county's departments. Lookups are pure and deterministic; ``place_method``
records which rule decided, so an audit can tell a polygon hit from a guess.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

import shapely
from shapely import STRtree

from fenliu.processors.model import Location

EARTH_RADIUS_KM = 6371.0088
DEPARTMENT_SEPARATOR = "/"  # "lead/partner" in the taxonomy's department names


class PlaceMethod(StrEnum):
    """How the town was found, strongest first."""

    ADMIN_CODE = "ADMIN_CODE"  # a known 9-digit town code, or a longer code under one
    POLYGON = "POLYGON"  # the point lies in (or on the edge of) the town's polygon
    NEAREST_CENTROID = "NEAREST_CENTROID"  # outside every polygon, but near enough a town's centre
    DEFAULT_TOWN = "DEFAULT_TOWN"  # nothing usable: the county itself (its command centre) takes it


class UnitKind(StrEnum):
    POLICE = "police"
    MEDIATION = "mediation"
    DEPARTMENT = "department"
    COMMAND_ROOM = "command_room"


@dataclass(frozen=True, slots=True)
class Unit:
    """An organisation that can receive a case."""

    id: str
    name: str
    kind: UnitKind


@dataclass(frozen=True, slots=True)
class Grid:
    """A grid (网格) of a town, located by its centre."""

    code: str
    name: str
    lon: float
    lat: float


@dataclass(frozen=True, slots=True)
class Town:
    """A town or street (乡镇/街道), or the county itself when used as the default."""

    code: str
    name: str
    lon: float  # centre
    lat: float
    polygon: tuple[tuple[float, float], ...]  # (lon, lat) ring; empty for the county default
    command_room: Unit  # 综合信息指挥室
    police: Unit  # 派出所 (the county's 110 centre for the default)
    mediation: Unit  # 矛调中心
    grids: tuple[Grid, ...] = ()
    departments: Mapping[str, Unit] = field(default_factory=dict)  # town-level squads by department
    urban: bool = False


@dataclass(frozen=True, slots=True)
class Place:
    """Where a case is: its town, its grid when a point is known, and how that was decided."""

    town: Town
    grid: Grid | None
    method: PlaceMethod
    lon: float | None = None
    lat: float | None = None


class Jurisdiction:
    """The compiled jurisdiction index of one county; immutable after construction."""

    def __init__(
        self,
        *,
        version: str,
        county: Town,
        towns: Sequence[Town],
        departments: Mapping[str, Unit],
        police_centre: Unit,
        mediation_department: str,
        nearest_centroid_max_km: float,
    ) -> None:
        self.version = version
        self.county = county
        self.towns: tuple[Town, ...] = tuple(sorted(towns, key=lambda town: town.code))
        self.departments = dict(departments)
        self.police_centre = police_centre
        self.mediation_department = mediation_department
        self.nearest_centroid_max_km = nearest_centroid_max_km
        self._by_code = {town.code: town for town in self.towns}
        if len(self._by_code) != len(self.towns):
            raise ValueError("duplicate town code in jurisdiction")
        self._polygons = [shapely.Polygon(town.polygon) for town in self.towns]
        for town, polygon in zip(self.towns, self._polygons, strict=True):
            if not polygon.is_valid or polygon.area == 0:
                raise ValueError(f"town {town.code} has an invalid polygon")
            outside = [
                g.code for g in town.grids if not polygon.covers(shapely.Point(g.lon, g.lat))
            ]
            if not polygon.covers(shapely.Point(town.lon, town.lat)) or outside:
                raise ValueError(f"town {town.code}: centre or grids {outside} outside its polygon")
        self._tree = STRtree(self._polygons)
        self._check_no_overlap()

    def _check_no_overlap(self) -> None:
        for i, polygon in enumerate(self._polygons):
            for j in self._tree.query(polygon, predicate="intersects"):
                if j > i and polygon.intersection(self._polygons[j]).area > 1e-12:
                    raise ValueError(f"towns {self.towns[i].code} and {self.towns[j].code} overlap")

    def town(self, code: str) -> Town | None:
        """The town with this code, the county default for the county's own code, else None."""
        if code == self.county.code:
            return self.county
        return self._by_code.get(code)

    def locate(self, location: Location) -> Place:
        """The town and grid of a location: admin code, then polygon, then nearest centre, then default."""
        lon, lat = location.lon, location.lat
        by_code = self._town_by_admin_code(location.admin_code)
        if by_code is not None:
            return self._place(by_code, PlaceMethod.ADMIN_CODE, lon, lat)
        if lon is None or lat is None:
            return Place(self.county, None, PlaceMethod.DEFAULT_TOWN)
        hits = self._tree.query(shapely.Point(lon, lat), predicate="intersects")
        if len(hits):
            # Non-overlapping polygons meet only on edges; the lowest code wins there.
            return self._place(self.towns[int(min(hits))], PlaceMethod.POLYGON, lon, lat)
        nearest = self._nearest_town(lon, lat)
        if nearest is not None:
            return self._place(nearest, PlaceMethod.NEAREST_CENTROID, lon, lat)
        return Place(self.county, None, PlaceMethod.DEFAULT_TOWN, lon, lat)

    def _town_by_admin_code(self, admin_code: str | None) -> Town | None:
        if admin_code is None or len(admin_code) < 9:
            return None  # a county or city code says nothing about the town
        return self._by_code.get(admin_code[:9])

    def _nearest_town(self, lon: float, lat: float) -> Town | None:
        best: tuple[float, str] | None = None
        for town in self.towns:
            candidate = (haversine_km(lon, lat, town.lon, town.lat), town.code)
            best = candidate if best is None or candidate < best else best
        if best is None or best[0] > self.nearest_centroid_max_km:
            return None
        return self._by_code[best[1]]

    def _place(
        self, town: Town, method: PlaceMethod, lon: float | None, lat: float | None
    ) -> Place:
        grid = nearest_grid(town, lon, lat) if lon is not None and lat is not None else None
        return Place(town, grid, method, lon, lat)

    def department_unit(self, town: Town, department: str) -> Unit | None:
        """The unit handling ``department`` for ``town``: the town's own squad, else the county's.

        The taxonomy may name a lead and partners, ``人力社保局/劳动监察``: the whole name is
        tried first, then each part in order, so the lead unit gets the case.
        """
        for name in (department, *department.split(DEPARTMENT_SEPARATOR)):
            name = name.strip()
            if name == self.mediation_department:
                return town.mediation
            unit = town.departments.get(name) or self.departments.get(name)
            if unit is not None:
                return unit
        return None


def nearest_grid(town: Town, lon: float, lat: float) -> Grid | None:
    """The town's grid whose centre is closest to the point (ties: lowest code)."""
    if not town.grids:
        return None
    return min(town.grids, key=lambda grid: (haversine_km(lon, lat, grid.lon, grid.lat), grid.code))


def haversine_km(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance in km between two WGS-84 points."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlmb = phi2 - phi1, math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))
