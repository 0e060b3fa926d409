"""The team directory against the real Redis of the local stack (settings' redis_url, db 15)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import redis
import shapely

from fenliu.processors.route import TeamPick, TeamQuery
from fenliu.refdata.routing import load_jurisdiction
from fenliu.refdata.team_directory import (
    TeamDirectory,
    TeamLookupTimeout,
    TeamState,
    UnknownTeam,
    seed_demo_teams,
)
from fenliu.settings import Settings
from tests.ports import unused_port

pytestmark = [pytest.mark.redis, pytest.mark.stack_parallel]

TOWN, OTHER_TOWN = "331099001", "331099002"
SCENE = (121.050, 28.860)
LOOKUP_TIMEOUT_S = 0.05


@pytest.fixture()
def directory(redis_client: redis.Redis, redis_prefix: str) -> Iterator[TeamDirectory]:
    teams = TeamDirectory(redis_client, LOOKUP_TIMEOUT_S, key_prefix=f"{redis_prefix}teams")
    yield teams
    teams.close()


def place(directory: TeamDirectory, team_id: str, lon: float, lat: float, town: str = TOWN) -> None:
    directory.set_team(team_id, name=f"队{team_id}", town_code=town, lon=lon, lat=lat)


def test_nearest_available_team_is_chosen(directory: TeamDirectory) -> None:
    place(directory, "far", 121.070, 28.870)
    place(directory, "near", 121.051, 28.861)
    place(directory, "middle", 121.060, 28.860)
    pick = directory.nearest(TOWN, *SCENE, radius_km=5)
    assert pick is not None and pick.team_id == "near"
    assert 100 < pick.distance_m < 200  # 0.001° lon and lat at 28.9° N is ~145 m


def test_a_busy_team_is_skipped_and_comes_back_when_available(directory: TeamDirectory) -> None:
    place(directory, "near", 121.051, 28.861)
    place(directory, "far", 121.070, 28.870)
    directory.set_state("near", TeamState.DISPATCHED)
    assert directory.nearest(TOWN, *SCENE, radius_km=5).team_id == "far"
    assert directory.team("near")["state"] == "DISPATCHED"
    directory.set_state("far", TeamState.OFF_DUTY)
    assert directory.nearest(TOWN, *SCENE, radius_km=5) is None
    directory.set_state("near", TeamState.AVAILABLE, lon=121.052, lat=28.861)
    assert directory.nearest(TOWN, *SCENE, radius_km=5).team_id == "near"
    assert float(directory.team("near")["lon"]) == 121.052


def test_no_team_gives_none(directory: TeamDirectory) -> None:
    assert directory.nearest(TOWN, *SCENE, radius_km=5) is None
    place(directory, "elsewhere", 121.051, 28.861, town=OTHER_TOWN)
    assert directory.nearest(TOWN, *SCENE, radius_km=5) is None, "another town's team"
    place(directory, "out-of-range", 121.110, 28.860)
    assert directory.nearest(TOWN, *SCENE, radius_km=1) is None
    assert directory.nearest(TOWN, *SCENE, radius_km=10).team_id == "out-of-range"


def test_moving_a_team_to_another_town_removes_it_from_the_first(directory: TeamDirectory) -> None:
    place(directory, "mover", 121.051, 28.861)
    place(directory, "mover", 121.005, 28.862, town=OTHER_TOWN)
    assert directory.nearest(TOWN, *SCENE, radius_km=5) is None
    assert directory.nearest(OTHER_TOWN, 121.005, 28.862, radius_km=5).team_id == "mover"


def test_a_state_change_for_an_unknown_team_is_an_error(directory: TeamDirectory) -> None:
    with pytest.raises(UnknownTeam):
        directory.set_state("ghost", TeamState.AVAILABLE)


def test_batch_keeps_the_order_of_the_queries(directory: TeamDirectory) -> None:
    place(directory, "a", 121.051, 28.861)
    place(directory, "b", 121.005, 28.862, town=OTHER_TOWN)
    queries = [
        TeamQuery(TOWN, *SCENE),
        TeamQuery("331099101", 120.93, 28.81),
        TeamQuery(OTHER_TOWN, 121.0, 28.86),
        TeamQuery(TOWN, 121.07, 28.87),
    ]
    picks = directory.nearest_many(queries, radius_km=5)
    assert [p.team_id if p else None for p in picks] == ["a", None, "b", "a"]
    assert all(isinstance(p, TeamPick) for p in picks if p)
    assert directory.nearest_many([], radius_km=5) == []


def test_seeded_demo_teams_sit_in_their_towns(directory: TeamDirectory) -> None:
    juris = load_jurisdiction(Settings().refdata.jurisdiction_file)
    ids = seed_demo_teams(directory, juris)
    assert len(ids) == sum(len(town.grids) for town in juris.towns)
    for town in juris.towns:
        polygon = shapely.Polygon(town.polygon)
        for grid in town.grids:
            pick = directory.nearest(town.code, grid.lon, grid.lat, radius_km=5)
            assert pick is not None and pick.team_id == f"team-{grid.code}-1"
            stored = directory.team(pick.team_id)
            assert stored["town_code"] == town.code
            assert polygon.covers(shapely.Point(float(stored["lon"]), float(stored["lat"])))


def test_redis_that_does_not_answer_in_time_raises_team_lookup_timeout(
    directory: TeamDirectory, settings: Settings
) -> None:
    place(directory, "near", 121.051, 28.861)
    assert directory.nearest(TOWN, *SCENE, radius_km=5).team_id == "near"
    admin = redis.Redis.from_url(settings.teams.redis_url, socket_timeout=5.0)
    admin.execute_command("CLIENT", "PAUSE", 2000, "ALL")
    try:
        with pytest.raises(TeamLookupTimeout):
            directory.nearest(TOWN, *SCENE, radius_km=5)
    finally:
        admin.execute_command("CLIENT", "UNPAUSE")
        admin.close()
    # The late reply was dropped with its connection: the next lookup gets its own answer.
    place(directory, "nearer", 121.0505, 28.8605)
    assert directory.nearest(TOWN, *SCENE, radius_km=5).team_id == "nearer"


def test_unreachable_redis_raises_team_lookup_timeout() -> None:
    port = unused_port()  # nobody listens on it
    teams = TeamDirectory.from_url(f"redis://127.0.0.1:{port}/0", LOOKUP_TIMEOUT_S)
    with pytest.raises(TeamLookupTimeout):
        teams.nearest_many([TeamQuery(TOWN, *SCENE)], radius_km=5)
    teams.close()


def test_from_settings_uses_the_configured_radius_and_prefix(
    settings: Settings, redis_prefix: str, redis_client: redis.Redis
) -> None:
    configured = settings.replace(
        teams={"key_prefix": f"{redis_prefix}cfg", "search_radius_km": 1.0}
    )
    teams = TeamDirectory.from_settings(configured)
    try:
        place(teams, "two-km-away", 121.0705, 28.860)
        assert redis_client.exists(f"{redis_prefix}cfg:available:{TOWN}")
        assert teams.nearest(TOWN, *SCENE) is None
        assert teams.nearest(TOWN, *SCENE, radius_km=3).team_id == "two-km-away"
    finally:
        teams.close()
