"""On-duty teams in Redis: where they are and whether they are free, and the nearest free one.

Layout (``{p}`` is the key prefix, ``fenliu:teams`` by default):

* ``{p}:available:{town_code}`` — a GEO set of the town's AVAILABLE teams (GEOADD);
  a team that goes busy or off duty is removed from it (ZREM), so a search never
  has to filter;
* ``{p}:team:{team_id}`` — a hash with the team's name, town, state and last position.

Lookups run on their own connection pool whose socket timeout is the router's budget
(``FENLIU_REDIS_TIMEOUT_MS``), without retries: a slow Redis must cost one timeout,
then the router falls back to the town's command room. Writes use the client as given.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum
from typing import Any, cast

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from fenliu.processors.jurisdiction import Jurisdiction
from fenliu.processors.route import TeamPick, TeamQuery
from fenliu.settings import Settings

DEFAULT_PREFIX = "fenliu:teams"
DEFAULT_RADIUS_KM = 5.0
WRITE_TIMEOUT_S = 5.0  # registering teams is not on the router's hot path


class TeamState(StrEnum):
    """Unit states after NENA EIDO, plus off duty. Only AVAILABLE teams can be picked."""

    AVAILABLE = "AVAILABLE"
    DISPATCHED = "DISPATCHED"
    ACKNOWLEDGED = "ACKNOWLEDGED"
    EN_ROUTE = "EN_ROUTE"
    ON_SCENE = "ON_SCENE"
    OFF_DUTY = "OFF_DUTY"


class TeamLookupTimeout(RuntimeError):
    """Redis did not answer a lookup in time (or could not be reached): fall back, say so."""


class UnknownTeam(KeyError):
    """A state change for a team that was never registered with ``set_team``."""


class TeamDirectory:
    """Team positions and duty states in Redis; nearest-available-team lookups."""

    def __init__(
        self,
        client: redis.Redis,
        timeout_s: float,
        key_prefix: str = DEFAULT_PREFIX,
        radius_km: float = DEFAULT_RADIUS_KM,
    ) -> None:
        self._client = client
        self._prefix = key_prefix
        self._lookup = _client_with_timeout(client, timeout_s)
        self.radius_km = radius_km
        self._owns_client = False

    @classmethod
    def from_url(
        cls,
        url: str,
        timeout_s: float,
        key_prefix: str = DEFAULT_PREFIX,
        radius_km: float = DEFAULT_RADIUS_KM,
    ) -> TeamDirectory:
        directory = cls(
            redis.Redis.from_url(url, socket_timeout=WRITE_TIMEOUT_S),
            timeout_s,
            key_prefix,
            radius_km,
        )
        directory._owns_client = True
        return directory

    @classmethod
    def from_settings(cls, settings: Settings) -> TeamDirectory:
        """The directory the router uses: ``redis_url``, ``redis_timeout_ms``, ``team_*`` settings."""
        return cls.from_url(
            settings.teams.redis_url,
            settings.teams.redis_timeout_ms / 1000,
            settings.teams.key_prefix,
            settings.teams.search_radius_km,
        )

    def close(self) -> None:
        """Close the lookup pool, and the client too when ``from_url`` made it."""
        self._lookup.close()
        if self._owns_client:
            self._client.close()

    # --- keys -------------------------------------------------------------------------
    def available_key(self, town_code: str) -> str:
        return f"{self._prefix}:available:{town_code}"

    def team_key(self, team_id: str) -> str:
        return f"{self._prefix}:team:{team_id}"

    # --- writes -----------------------------------------------------------------------
    def set_team(
        self,
        team_id: str,
        *,
        name: str,
        town_code: str,
        lon: float,
        lat: float,
        state: TeamState = TeamState.AVAILABLE,
    ) -> None:
        """Register or replace a team, atomically with its place in the available set."""
        # redis-py types every reply as ``Awaitable[T] | T`` (sync and async clients share the
        # signatures); this client is synchronous and does not decode, so replies are bytes.
        previous_town = cast(bytes | None, self._client.hget(self.team_key(team_id), "town_code"))
        pipe = self._client.pipeline(transaction=True)
        if previous_town is not None and previous_town.decode() != town_code:
            pipe.zrem(self.available_key(previous_town.decode()), team_id)
        pipe.hset(
            self.team_key(team_id),
            mapping={
                "name": name,
                "town_code": town_code,
                "state": state.value,
                "lon": repr(lon),
                "lat": repr(lat),
            },
        )
        self._place(pipe, team_id, town_code, lon, lat, state)
        pipe.execute()

    def set_state(
        self, team_id: str, state: TeamState, *, lon: float | None = None, lat: float | None = None
    ) -> None:
        """Change a team's duty state (and position, if given); only AVAILABLE teams stay searchable."""
        fields = cast(
            list[bytes | None],
            self._client.hmget(self.team_key(team_id), ["town_code", "lon", "lat"]),
        )
        stored_town, stored_lon, stored_lat = fields
        if (
            stored_town is None or stored_lon is None or stored_lat is None
        ):  # register sets all three
            raise UnknownTeam(team_id)
        town_code = stored_town.decode()
        lon = float(stored_lon) if lon is None else lon
        lat = float(stored_lat) if lat is None else lat
        pipe = self._client.pipeline(transaction=True)
        pipe.hset(
            self.team_key(team_id),
            mapping={"state": state.value, "lon": repr(lon), "lat": repr(lat)},
        )
        self._place(pipe, team_id, town_code, lon, lat, state)
        pipe.execute()

    def _place(
        self, pipe: Any, team_id: str, town: str, lon: float, lat: float, state: TeamState
    ) -> None:
        if state is TeamState.AVAILABLE:
            pipe.geoadd(self.available_key(town), (lon, lat, team_id))
        else:
            pipe.zrem(self.available_key(town), team_id)

    def team(self, team_id: str) -> dict[str, str] | None:
        """The stored hash of a team (name, town_code, state, lon, lat), or None."""
        raw = cast(dict[bytes, bytes], self._client.hgetall(self.team_key(team_id)))
        return {k.decode(): v.decode() for k, v in raw.items()} or None

    # --- lookups ----------------------------------------------------------------------
    def nearest(
        self, town_code: str, lon: float, lat: float, radius_km: float | None = None
    ) -> TeamPick | None:
        """The closest AVAILABLE team of the town within ``radius_km`` (default: the directory's)."""
        return self.nearest_many([TeamQuery(town_code, lon, lat)], radius_km)[0]

    def nearest_many(
        self, queries: Sequence[TeamQuery], radius_km: float | None = None
    ) -> list[TeamPick | None]:
        """``nearest`` for a whole batch in one pipelined round trip, in the order of ``queries``.

        Raises ``TeamLookupTimeout`` when Redis does not answer within the budget or
        cannot be reached; the caller routes the batch with ``team_lookup_failed=True``.
        """
        if not queries:
            return []
        radius_km = self.radius_km if radius_km is None else radius_km
        pipe = self._lookup.pipeline(transaction=False)
        for q in queries:
            pipe.geosearch(
                self.available_key(q.town_code),
                longitude=q.lon,
                latitude=q.lat,
                radius=radius_km,
                unit="km",
                sort="ASC",
                count=1,
                withdist=True,
            )
        try:
            replies = pipe.execute()
        except (redis.TimeoutError, redis.ConnectionError) as exc:
            # redis-py drops a timed-out connection; drop the rest too, so that no late
            # reply can ever answer the next batch's question.
            self._lookup.connection_pool.disconnect()
            raise TeamLookupTimeout(f"team lookup of {len(queries)} queries: {exc}") from exc
        return [_pick(reply) for reply in replies]


def _pick(reply: list[Any]) -> TeamPick | None:
    if not reply:
        return None
    member, distance_km = reply[0]
    team_id = member.decode() if isinstance(member, bytes) else str(member)
    return TeamPick(team_id=team_id, distance_m=round(float(distance_km) * 1000, 1))


def _client_with_timeout(client: redis.Redis, timeout_s: float) -> redis.Redis:
    """A client to the same server with its own pool: socket timeout = budget, no retries."""
    pool = client.connection_pool
    kwargs = dict(pool.connection_kwargs)
    kwargs.update(
        socket_timeout=timeout_s,
        socket_connect_timeout=timeout_s,
        retry=Retry(NoBackoff(), 0),
        retry_on_timeout=False,
    )
    return redis.Redis(
        connection_pool=redis.ConnectionPool(connection_class=pool.connection_class, **kwargs)
    )


def seed_demo_teams(directory: TeamDirectory, juris: Jurisdiction, per_grid: int = 1) -> list[str]:
    """Place ``per_grid`` AVAILABLE teams near each grid centre of every town; returns their ids.

    Deterministic (ids ``team-{grid_code}-{n}``, small fixed offsets), for tests and the demo.
    """
    team_ids: list[str] = []
    for town in juris.towns:
        for grid in town.grids:
            for n in range(1, per_grid + 1):
                team_id = f"team-{grid.code}-{n}"
                offset = 0.001 * n  # ~100 m per step, stays well inside the town
                directory.set_team(
                    team_id,
                    name=f"{grid.name}处置组{n}",
                    town_code=town.code,
                    lon=grid.lon + offset,
                    lat=grid.lat + offset,
                )
                team_ids.append(team_id)
    return team_ids
