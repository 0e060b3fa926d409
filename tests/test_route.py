"""属地 + 属事 routing against the shipped jurisdiction file, and its validation."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import shapely
import yaml
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from fenliu.processors.jurisdiction import Jurisdiction, PlaceMethod, haversine_km
from fenliu.processors.model import CaseEvent, Classification, ListName, Location, Source
from fenliu.processors.route import TeamPick, TeamQuery, route, team_query
from fenliu.refdata.routing import load_jurisdiction, parse_jurisdiction
from fenliu.settings import Settings

JURIS_FILE = Settings().refdata.jurisdiction_file
JURIS = load_jurisdiction(JURIS_FILE)
RAW = yaml.safe_load(Path(JURIS_FILE).read_text(encoding="utf-8"))
TOWN_CODES = [town.code for town in JURIS.towns]
DONGCHENG, GUSHAN = JURIS.town("331099001"), JURIS.town("331099101")


def event(
    source: Source = Source.CALL_110,
    *,
    lon: float | None = 121.056,
    lat: float | None = 28.860,
    admin_code: str | None = None,
) -> CaseEvent:
    return CaseEvent(
        source=source,
        source_id="X-1",
        received_at_ms=1_795_000_000_000,
        received_local="2026-11-19T16:26:40+08:00",
        caller_key=None,
        location=Location(text=None, lon=lon, lat=lat, admin_code=admin_code),
        text="某事",
        channel="phone",
    )


def classification(
    department: str = "人力社保局", *, police: bool = False, sla_class: str = "DEPT_WORK_ORDER"
) -> Classification:
    return Classification(
        is_police_matter=police,
        list_name=ListName.POLICE if police else ListName.NON_POLICE,
        class_code="C",
        class_name="c",
        situation_code="S",
        situation_name="s",
        department=department,
        priority=2,
        sla_class=sla_class,
        confidence=0.9,
        rule_id="r",
        evidence=(),
        taxonomy_version="t",
    )


@st.composite
def point_in_town(draw: st.DrawFn) -> tuple[str, float, float]:
    """A point strictly inside one town's polygon (barycentric in one of its triangles)."""
    town = draw(st.sampled_from(JURIS.towns))
    triangles = shapely.get_parts(
        shapely.constrained_delaunay_triangles(shapely.Polygon(town.polygon))
    )
    triangle = draw(st.sampled_from(list(triangles)))
    (x1, y1), (x2, y2), (x3, y3) = list(triangle.exterior.coords)[:3]
    a = draw(st.floats(0.02, 0.96))
    b = draw(st.floats(0.02, 0.98 - a))
    c = 1 - a - b
    return town.code, a * x1 + b * x2 + c * x3, a * y1 + b * y2 + c * y3


def test_the_demo_region_is_well_formed() -> None:
    assert JURIS.version == RAW["version"]
    assert 4 <= len(JURIS.towns) <= 6
    for town in JURIS.towns:
        assert len(town.code) == 9 and town.code.startswith(JURIS.county.code)
        assert town.grids, town.name
        place = JURIS.locate(Location(lon=town.lon, lat=town.lat))
        assert (place.town, place.method) == (town, PlaceMethod.POLYGON)
        assert {town.command_room.kind, town.police.kind, town.mediation.kind} == {
            "command_room",
            "police",
            "mediation",
        }


@given(point_in_town())
def test_a_point_inside_a_polygon_routes_to_that_town(sample: tuple[str, float, float]) -> None:
    code, lon, lat = sample
    place = JURIS.locate(Location(lon=lon, lat=lat))
    assert (place.town.code, place.method) == (code, PlaceMethod.POLYGON)
    assert place.grid is not None and place.grid in place.town.grids
    nearest = min(haversine_km(lon, lat, g.lon, g.lat) for g in place.town.grids)
    assert haversine_km(lon, lat, place.grid.lon, place.grid.lat) == nearest
    routed = route(
        event(lon=lon, lat=lat),
        classification(),
        JURIS,
        TeamPick("t", 1.0),
        team_lookup_failed=False,
    )
    assert routed.town_code == code and routed.place_method == "POLYGON"


def test_grid_centre_gives_that_grid() -> None:
    for town in JURIS.towns:
        for grid in town.grids:
            assert JURIS.locate(Location(lon=grid.lon, lat=grid.lat)).grid == grid


def test_admin_code_wins_over_the_point() -> None:
    place = JURIS.locate(Location(lon=121.056, lat=28.860, admin_code="331099101"))
    assert (place.town, place.method) == (GUSHAN, PlaceMethod.ADMIN_CODE)
    village = JURIS.locate(Location(admin_code="331099101205"))
    assert (village.town, village.method, village.grid) == (GUSHAN, PlaceMethod.ADMIN_CODE, None)


@pytest.mark.parametrize("code", ["331099", "331099999", "330784001"])
def test_county_or_unknown_codes_fall_through_to_the_point(code: str) -> None:
    place = JURIS.locate(Location(lon=121.056, lat=28.860, admin_code=code))
    assert (place.town, place.method) == (DONGCHENG, PlaceMethod.POLYGON)


def test_near_but_outside_every_polygon_goes_to_the_nearest_centre() -> None:
    lon, lat = 121.10, 28.845  # east of 东城街道, north of 大桥镇, 4.6 km from 东城's centre
    assert not any(shapely.Polygon(t.polygon).covers(shapely.Point(lon, lat)) for t in JURIS.towns)
    place = JURIS.locate(Location(lon=lon, lat=lat))
    assert place.method is PlaceMethod.NEAREST_CENTROID
    assert place.town.code == "331099001"
    assert place.grid is not None and place.grid.code.startswith("331099001")


def test_far_away_or_no_place_goes_to_the_county_command_room() -> None:
    for location in (Location(lon=121.6, lat=28.5), Location(text="不知道在哪里")):
        routed = route(
            event(lon=location.lon, lat=location.lat),
            classification("住建局"),
            JURIS,
            None,
            team_lookup_failed=False,
        )
        assert routed.place_method == "DEFAULT_TOWN"
        assert routed.town_code == JURIS.county.code
        assert routed.unit_id == JURIS.county.command_room.id
        assert routed.grid_code is None


def test_police_matter_in_a_110_call_stays_with_the_town_police_station() -> None:
    routed = route(
        event(),
        classification("公安", police=True),
        JURIS,
        TeamPick("t", 5.0),
        team_lookup_failed=False,
    )
    assert (routed.unit_id, routed.unit_kind) == (DONGCHENG.police.id, "police")
    assert (routed.team_id, routed.team_method) == (None, "NOT_APPLICABLE")


@given(st.one_of(point_in_town(), st.just(("", 121.6, 28.5))), st.booleans())
def test_police_matter_in_a_12345_ticket_goes_to_110(
    sample: tuple[str, float, float], failed: bool
) -> None:
    _, lon, lat = sample
    routed = route(
        event(Source.TICKET_12345, lon=lon, lat=lat),
        classification("公安", police=True),
        JURIS,
        None,
        team_lookup_failed=failed,
    )
    assert routed.unit_id == JURIS.police_centre.id == "110-centre"
    assert routed.unit_kind == "police"
    assert routed.team_method == "NOT_APPLICABLE"


@pytest.mark.parametrize(
    ("town_code", "department", "unit_id", "kind"),
    [
        ("331099001", "人力社保局", "dept-hrss", "department"),
        ("331099001", "矛调中心", "dc-mediation", "mediation"),
        ("331099101", "矛调中心", "gs-mediation", "mediation"),
        ("331099001", "综合行政执法局", "dc-cle", "department"),  # the street's own squad
        ("331099101", "综合行政执法局", "dept-cle", "department"),  # no squad: the county
        ("331099101", "无此部门", "gs-command", "command_room"),
    ],
)
def test_department_decides_the_unit(
    town_code: str, department: str, unit_id: str, kind: str
) -> None:
    town = JURIS.town(town_code)
    routed = route(
        event(lon=town.lon, lat=town.lat),
        classification(department),
        JURIS,
        TeamPick("team-1", 320.0),
        team_lookup_failed=False,
    )
    assert (routed.unit_id, routed.unit_kind, routed.department) == (unit_id, kind, department)
    assert (routed.team_id, routed.team_method) == ("team-1", "REDIS_NEAREST")
    assert routed.routing_version == JURIS.version


def test_redis_timeout_falls_back_to_the_town_command_room() -> None:
    routed = route(event(), classification("人力社保局"), JURIS, None, team_lookup_failed=True)
    assert (routed.unit_id, routed.unit_kind) == (DONGCHENG.command_room.id, "command_room")
    assert (routed.team_id, routed.team_method) == (None, "FALLBACK_TIMEOUT")
    assert routed.department == "人力社保局"


def test_no_team_in_range_falls_back_to_the_town_command_room() -> None:
    routed = route(event(), classification("矛调中心"), JURIS, None, team_lookup_failed=False)
    assert (routed.unit_id, routed.team_id, routed.team_method) == (
        DONGCHENG.command_room.id,
        None,
        "FALLBACK_NO_TEAM",
    )


def test_a_12345_work_order_goes_to_its_department_without_a_team() -> None:
    routed = route(
        event(Source.TICKET_12345), classification("住建局"), JURIS, None, team_lookup_failed=True
    )
    assert (routed.unit_id, routed.team_method) == ("dept-housing", "NOT_APPLICABLE")


def test_team_query_only_for_diverted_110_calls_with_a_known_town() -> None:
    assert team_query(event(), classification(), JURIS) == TeamQuery("331099001", 121.056, 28.860)
    assert team_query(event(), classification(police=True), JURIS) is None
    assert team_query(event(Source.TICKET_12345), classification(), JURIS) is None
    assert (
        team_query(event(lon=None, lat=None, admin_code="331099001"), classification(), JURIS)
        is None
    )
    assert team_query(event(lon=121.6, lat=28.5), classification(), JURIS) is None


@given(
    st.one_of(point_in_town(), st.just(("", 121.6, 28.5))),
    st.sampled_from(list(Source)),
    st.booleans(),
    st.sampled_from(["人力社保局", "矛调中心", "住建局", "无此部门"]),
    st.booleans(),
)
def test_route_is_deterministic(
    sample: tuple[str, float, float], source: Source, police: bool, department: str, failed: bool
) -> None:
    _, lon, lat = sample
    args = (
        event(source, lon=lon, lat=lat),
        classification(department, police=police),
        JURIS,
        TeamPick("t-9", 12.5),
    )
    assert route(*args, team_lookup_failed=failed) == route(*args, team_lookup_failed=failed)


# --- validation of the file ------------------------------------------------------------


def mutated(change: Any) -> dict[str, Any]:
    doc = copy.deepcopy(RAW)
    change(doc)
    return doc


def test_overlapping_towns_are_rejected() -> None:
    doc = mutated(
        lambda d: d["towns"][1].update(
            polygon=d["towns"][0]["polygon"], centroid=d["towns"][0]["centroid"], grids=[]
        )
    )
    with pytest.raises(ValueError, match="overlap"):
        parse_jurisdiction(doc)


def test_a_grid_outside_its_town_is_rejected() -> None:
    doc = mutated(lambda d: d["towns"][0]["grids"][0].update(centroid=[120.0, 28.0]))
    with pytest.raises(ValueError, match="outside its polygon"):
        parse_jurisdiction(doc)


def test_unknown_keys_are_rejected() -> None:
    with pytest.raises(ValidationError):
        parse_jurisdiction(mutated(lambda d: d["towns"][0].update(polce={"id": "x", "name": "y"})))


def test_one_unit_id_cannot_name_two_units() -> None:
    doc = mutated(lambda d: d["towns"][1]["police"].update(id=d["towns"][0]["police"]["id"]))
    with pytest.raises(ValueError, match="names two units"):
        parse_jurisdiction(doc)


def test_duplicate_town_codes_are_rejected() -> None:
    doc = mutated(lambda d: d["towns"][1].update(code=d["towns"][0]["code"]))
    with pytest.raises(ValueError):
        parse_jurisdiction(doc)


def test_jurisdiction_is_reusable_from_its_parts() -> None:
    rebuilt = Jurisdiction(
        version="v2",
        county=JURIS.county,
        towns=list(reversed(JURIS.towns)),
        departments=JURIS.departments,
        police_centre=JURIS.police_centre,
        mediation_department="矛调中心",
        nearest_centroid_max_km=0.0,
    )
    assert [t.code for t in rebuilt.towns] == sorted(TOWN_CODES)
    assert rebuilt.locate(Location(lon=121.125, lat=28.80)).method is PlaceMethod.DEFAULT_TOWN


def test_lead_department_of_a_joint_name_gets_the_case() -> None:
    assert JURIS.department_unit(DONGCHENG, "人力社保局/劳动监察").id == "dept-hrss"
    assert JURIS.department_unit(DONGCHENG, "妇联/矛调中心").id == "dept-women"
    assert JURIS.department_unit(DONGCHENG, "矛调中心/司法所") == DONGCHENG.mediation
    assert JURIS.department_unit(DONGCHENG, "无此部门/住建局").id == "dept-housing"
    assert JURIS.department_unit(DONGCHENG, "无此部门/也没有") is None


def test_every_non_police_department_of_the_shipped_taxonomy_has_a_unit() -> None:
    from fenliu.refdata.taxonomy import load_taxonomy

    taxonomy = load_taxonomy(Settings().refdata.taxonomy_file)
    departments = {s.department for s in taxonomy.situations if not s.is_police}
    assert departments
    missing = {d for d in departments if JURIS.department_unit(DONGCHENG, d) is None}
    assert not missing, f"departments without a unit in {JURIS_FILE.name}: {sorted(missing)}"
