"""Realistic 110 calls and 12345 tickets, seeded and reproducible (``fenliu generate``).

Pure: no files, no clock. ``build_traffic_model`` compiles the three documents of
``data/traffic/`` (proportions, phrases, places) against the taxonomy and the
jurisdiction; ``TrafficGenerator`` then yields raw records shaped as the Avro contracts
want them, in event-time order, from one ``random.Random(seed)``: the same model, seed
and start time give the same records.

What the stream contains, after the reports in shared/seeds/: every class of the
taxonomy in configured proportions (police work mixed in); a daily rhythm (fewer calls
at night, an evening peak; noise is a night matter); repeat callers within hours;
Donghu's long-standing repeat callers; several neighbours about one stall within the
hour; flow-backs (回流) of diverted matters days later; places inside the demo towns'
polygons; phone numbers written every way a switch writes them.
"""

from __future__ import annotations

import hashlib
import heapq
import math
import random
from bisect import bisect_right
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from itertools import accumulate
from typing import Any
from zoneinfo import ZoneInfo

import shapely
from pydantic import BaseModel, ConfigDict, Field

from fenliu.processors.jurisdiction import Jurisdiction, Town
from fenliu.processors.model import Source
from fenliu.processors.taxonomy import Situation, Taxonomy
from fenliu.traffic.phones import Caller, PhoneBook
from fenliu.traffic.text import Phrases, TextComposer, TextRates, fill, parse_phrases

DAY_MS = 86_400_000
HOUR_MS = 3_600_000
MINUTE_MS = 60_000
FALLBACK_CODE = "P00-00"
RAW_TOPICS = {Source.CALL_110: "fenliu.raw.110", Source.TICKET_12345: "fenliu.raw.12345"}


class TrafficError(ValueError):
    """Traffic material that does not fit the taxonomy or the jurisdiction."""


class Kind(StrEnum):
    """Why a generated call exists."""

    NEW = "new"  # the first call about an incident
    REPEAT = "repeat"  # the same caller again within hours
    MULTI = "multi_reporter"  # another caller about the same incident, same place, same hour
    FLOW_BACK = "flow_back"  # the same caller days later about a diverted matter (回流)
    LONG_STANDING = "long_standing"  # one of the long-standing repeat callers


# --- mix.yaml ------------------------------------------------------------------------------
class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ClassShare(_Spec):
    weight: float = Field(gt=0)
    dispute: bool = False


class RepeatSpec(_Spec):
    probability: float = Field(ge=0, le=1)
    extra_calls: tuple[int, int]
    after_minutes: tuple[float, float]


class LongStandingSpec(_Spec):
    callers: int = Field(ge=0)
    share: float = Field(ge=0, le=1)
    situations: list[str]


class MultiSpec(_Spec):
    probability: float = Field(ge=0, le=1)
    situations: list[str]
    extra_callers: tuple[int, int]
    after_minutes: tuple[float, float]
    radius_m: float = Field(ge=0)


class FlowBackSpec(_Spec):
    probability: float = Field(ge=0, le=1)
    after_days: tuple[float, float]
    max_pending: int = Field(ge=0)


class BehaviourSpec(_Spec):
    repeat: RepeatSpec
    long_standing: LongStandingSpec
    multi_reporter: MultiSpec
    flow_back: FlowBackSpec


class RhythmSpec(_Spec):
    profiles: dict[str, list[float]]
    default: str
    situations: dict[str, list[str]] = {}


class LocationSpec(_Spec):
    point: float = Field(ge=0, le=1)
    admin_code: float = Field(ge=0, le=1)


class CategorySpec(_Spec):
    given: float = Field(ge=0, le=1)
    wrong: float = Field(ge=0, le=1)


class MixSpec(_Spec):
    """The structure of ``mix.yaml``."""

    version: str
    calls_per_day: float = Field(gt=0)
    sources: dict[Source, float]
    police_share: dict[Source, float]
    unclassifiable_share: dict[Source, float]
    non_police_classes: dict[str, ClassShare]
    police_classes: dict[str, float]
    situation_weights: dict[str, float] = {}
    towns: dict[str, float]
    behaviour: BehaviourSpec
    rhythm: RhythmSpec
    phones: dict[str, float]
    area_code: str
    same_format_again: float = Field(ge=0, le=1)
    channels: dict[Source, dict[str, float]]
    location: dict[str, Any]
    source_category: dict[Source, CategorySpec]
    major_share: float = Field(ge=0, le=1)
    text: TextRates = TextRates()


class TownPlacesSpec(_Spec):
    roads: list[str] = Field(min_length=2)
    compounds: list[str] = Field(min_length=1)
    villages: list[str] = Field(min_length=1)
    landmarks: list[str] = Field(min_length=1)
    shops: list[str] = Field(min_length=1)
    sites: list[str] = Field(min_length=1)
    companies: list[str] = Field(min_length=1)
    parks: list[str] = Field(min_length=1)


class PlacesSpec(_Spec):
    version: str
    kinds: dict[str, list[str]]
    towns: dict[str, TownPlacesSpec]


# --- the compiled model --------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Item:
    """One (hotline, situation) the arrival process can draw, with its share and rhythm."""

    source: Source
    situation: Situation
    weight: float  # share of all first calls
    profile: tuple[float, ...]  # 24 relative rates by local hour, mean 1
    dispute: bool
    multi: bool  # draws extra callers at one place


@dataclass(frozen=True)
class TrafficModel:
    """Everything the generator draws from, checked against taxonomy and jurisdiction."""

    mix: MixSpec
    places: PlacesSpec
    phrases: Phrases
    taxonomy: Taxonomy
    items: tuple[Item, ...]
    towns: tuple[Town, ...]
    town_weights: tuple[float, ...]
    polygons: Mapping[str, Any]  # town code -> prepared shapely polygon
    versions: str  # mix + phrases + places versions, recorded by the CLI
    hourly_cumulative: tuple[tuple[float, ...], ...] = field(repr=False, default=())

    @property
    def secondaries_per_first_call(self) -> float:
        """Expected repeat, extra-reporter and flow-back calls per first call."""
        b = self.mix.behaviour
        repeat = b.repeat.probability * sum(b.repeat.extra_calls) / 2
        multi = b.multi_reporter.probability * sum(b.multi_reporter.extra_callers) / 2
        flow = b.flow_back.probability
        return sum(
            i.weight
            * (
                (repeat if not _is_fallback(i) else 0)
                + (multi if i.multi else 0)
                + (flow if not i.situation.is_police else 0)
            )
            for i in self.items
        )


def _is_fallback(item: Item) -> bool:
    return item.situation.code == FALLBACK_CODE


def build_traffic_model(
    mix_doc: object,
    phrases_doc: object,
    places_doc: object,
    taxonomy: Taxonomy,
    jurisdiction: Jurisdiction,
) -> TrafficModel:
    """Compile the three traffic documents; ``TrafficError`` names whatever does not fit."""
    try:
        mix = MixSpec.model_validate(mix_doc)
        places = PlacesSpec.model_validate(places_doc)
        phrases = parse_phrases(phrases_doc)
    except ValueError as exc:
        raise TrafficError(str(exc)) from exc
    _check(mix, places, phrases, taxonomy, jurisdiction)
    items = tuple(_items(mix, phrases, taxonomy))
    found = [jurisdiction.town(code) for code in mix.towns]
    towns = tuple(t for t in found if t is not None)
    if len(towns) != len(found):  # _check has reported unknown towns already
        raise TrafficError(f"unknown towns in the mix: {sorted(mix.towns)}")
    polygons = {t.code: shapely.Polygon(t.polygon) for t in towns}
    for polygon in polygons.values():
        shapely.prepare(polygon)  # in place: fast contains_xy for every drawn point
    cumulative = tuple(tuple(accumulate(i.weight * i.profile[h] for i in items)) for h in range(24))
    return TrafficModel(
        mix,
        places,
        phrases,
        taxonomy,
        items,
        towns,
        tuple(mix.towns.values()),
        polygons,
        f"{mix.version}+{phrases.version}+{places.version}",
        cumulative,
    )


def _check(
    mix: MixSpec, places: PlacesSpec, phrases: Phrases, taxonomy: Taxonomy, juris: Jurisdiction
) -> None:
    problems: list[str] = []
    known = {s.code for s in taxonomy.situations} | {FALLBACK_CODE}
    classes = {c.code for c in taxonomy.classes}
    problems += [
        f"phrases: unknown situation {c}" for c in phrases.situation_codes if c not in known
    ]
    for code in [*mix.non_police_classes, *mix.police_classes]:
        if code not in classes:
            problems.append(f"mix: unknown class {code}")
    listed = {
        c.code
        for c in taxonomy.classes
        if c.situations and any(s.code in phrases.situation_codes for s in c.situations)
    }
    problems += [
        f"phrases: class {c} has no situation with texts"
        for c in [*mix.non_police_classes, *mix.police_classes]
        if c in classes and c not in listed
    ]
    b = mix.behaviour
    for code in [
        *mix.situation_weights,
        *b.long_standing.situations,
        *b.multi_reporter.situations,
        *(c for codes in mix.rhythm.situations.values() for c in codes),
    ]:
        if code not in known:
            problems.append(f"mix: unknown situation {code}")
    for code in b.long_standing.situations:
        if code not in phrases.situation_codes:
            problems.append(f"mix: long-standing situation {code} has no texts")
    for code in mix.towns:
        if juris.town(code) is None or code == juris.county.code:
            problems.append(f"mix: unknown town {code}")
        if code not in places.towns:
            problems.append(f"places: no words for town {code}")
    for name, profile in mix.rhythm.profiles.items():
        if len(profile) != 24 or min(profile) < 0 or sum(profile) <= 0:
            problems.append(f"mix: rhythm profile {name} needs 24 non-negative weights")
    if mix.rhythm.default not in mix.rhythm.profiles or any(
        p not in mix.rhythm.profiles for p in mix.rhythm.situations
    ):
        problems.append("mix: rhythm names a profile that is not defined")
    if FALLBACK_CODE not in phrases.situation_codes and any(mix.unclassifiable_share.values()):
        problems.append(f"phrases: {FALLBACK_CODE} needs texts when unclassifiable_share > 0")
    if problems:
        raise TrafficError("traffic material does not fit:\n  " + "\n  ".join(problems))


def _items(mix: MixSpec, phrases: Phrases, taxonomy: Taxonomy) -> Iterator[Item]:
    profiles = {name: _mean_one(p) for name, p in mix.rhythm.profiles.items()}
    profile_of = {code: name for name, codes in mix.rhythm.situations.items() for code in codes}
    multi = set(mix.behaviour.multi_reporter.situations)
    source_total = sum(mix.sources.values())
    for source, source_share in mix.sources.items():
        police = mix.police_share.get(source, 0.0)
        unclassifiable = mix.unclassifiable_share.get(source, 0.0)
        groups = [
            (police, dict(mix.police_classes), False),
            (
                1 - police - unclassifiable,
                {c: s.weight for c, s in mix.non_police_classes.items()},
                True,
            ),
        ]
        shares: list[tuple[Situation, float, bool]] = []
        for group_share, classes, non_police in groups:
            total = sum(classes.values())
            for class_code, class_weight in classes.items():
                sits = [
                    s
                    for s in taxonomy.taxonomy_class(class_code).situations
                    if s.code in phrases.situation_codes
                ]
                sit_total = sum(mix.situation_weights.get(s.code, 1.0) for s in sits)
                dispute = non_police and mix.non_police_classes[class_code].dispute
                for s in sits:
                    share = (
                        group_share
                        * class_weight
                        / total
                        * mix.situation_weights.get(s.code, 1.0)
                        / sit_total
                    )
                    shares.append((s, share, dispute))
        if unclassifiable:
            shares.append((taxonomy.fallback, unclassifiable, False))
        for sit, share, dispute in shares:
            profile = profiles[profile_of.get(sit.code, mix.rhythm.default)]
            yield Item(
                source,
                sit,
                source_share / source_total * share,
                profile,
                dispute,
                sit.code in multi,
            )


def _mean_one(profile: list[float]) -> tuple[float, ...]:
    mean = sum(profile) / len(profile)
    return tuple(v / mean for v in profile)


# --- generated records ---------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Truth:
    """What the generator meant: for tests, benchmarks and the demo's checks, never the router."""

    incident_id: str
    kind: Kind
    situation_code: str
    class_code: str
    is_police: bool
    dispute: bool
    town_code: str
    caller_id: str | None  # the generator's caller, None when the number is unknown


@dataclass(frozen=True, slots=True)
class GeneratedEvent:
    """One raw record and where it goes."""

    source: Source
    topic: str  # catalogue name; the producer adds the deployment's prefix
    key: str
    record: dict[str, Any]
    at_ms: int
    truth: Truth


@dataclass(slots=True)
class Incident:
    """What one or more calls are about: a matter at a place."""

    id: str
    item: Item
    town: Town
    lon: float
    lat: float
    address: str
    caller: Caller


class TrafficGenerator:
    """An endless, time-ordered stream of ``GeneratedEvent``; bound it with ``islice``."""

    def __init__(
        self,
        model: TrafficModel,
        *,
        seed: int,
        start_ms: int,
        calls_per_day: float | None = None,
        tz_name: str = "Asia/Shanghai",
        flat: bool = False,
    ) -> None:
        self.model = model
        self.rng = random.Random(seed)
        self.start_ms = start_ms
        self.calls_per_day = calls_per_day or model.mix.calls_per_day
        self.flat = flat
        self.tz = ZoneInfo(tz_name)
        self.text = TextComposer(model.phrases, model.mix.text)
        self.phones = PhoneBook(model.mix.phones, model.mix.area_code, model.mix.same_format_again)
        self.run = self.run_id(seed, start_ms)
        self._rate_per_ms = self.calls_per_day / (1 + model.secondaries_per_first_call) / DAY_MS
        self._flat_cumulative = tuple(accumulate(i.weight for i in model.items))
        self._pending: list[tuple[int, int, Kind, Incident, Caller]] = []
        self._flow_backs = 0
        self._seq = 0
        self._incidents = 0
        self._long_standing = [
            self._long_standing_incident(n)
            for n in range(model.mix.behaviour.long_standing.callers)
        ]

    @staticmethod
    def run_id(seed: int, start_ms: int) -> str:
        """The four characters every record id of a run contains."""
        return hashlib.sha256(f"{seed}|{start_ms}".encode()).hexdigest()[:4].upper()

    def __iter__(self) -> Iterator[GeneratedEvent]:
        t = self.start_ms
        next_first = self._next_arrival(t)
        while True:
            if self._pending and self._pending[0][0] <= next_first:
                at, _, kind, incident, caller = heapq.heappop(self._pending)
                if kind is Kind.FLOW_BACK:
                    self._flow_backs -= 1
                yield self._call(at, kind, incident, caller)
            else:
                yield self._first_call(next_first)
                next_first = self._next_arrival(next_first)

    # --- arrivals ----------------------------------------------------------------------------
    def _local_hour(self, at_ms: int) -> tuple[int, int]:
        """Local hour of ``at_ms`` and the UTC ms at which that hour ends."""
        offset = datetime.fromtimestamp(at_ms / 1000, UTC).astimezone(self.tz).utcoffset()
        off_ms = int(offset.total_seconds() * 1000) if offset else 0
        local = at_ms + off_ms
        return (local // HOUR_MS) % 24, at_ms - local % HOUR_MS + HOUR_MS

    def _next_arrival(self, t: int) -> int:
        """Next first call after ``t``: a Poisson process whose rate follows the hour."""
        while True:
            hour, hour_end = self._local_hour(t)
            rate = self._rate_per_ms * (
                1.0 if self.flat else self.model.hourly_cumulative[hour][-1]
            )
            gap = self.rng.expovariate(rate) if rate > 0 else math.inf
            if t + gap < hour_end:
                return int(t + gap) + (1 if gap < 1 else 0)
            t = hour_end  # memoryless: start again at the hour boundary with its own rate

    def _draw_item(self, at_ms: int) -> Item:
        cumulative = (
            self._flat_cumulative
            if self.flat
            else self.model.hourly_cumulative[self._local_hour(at_ms)[0]]
        )
        return self.model.items[bisect_right(cumulative, self.rng.random() * cumulative[-1])]

    # --- incidents ---------------------------------------------------------------------------
    def _first_call(self, at: int) -> GeneratedEvent:
        ls = self.model.mix.behaviour.long_standing
        if self._long_standing and self.rng.random() < ls.share:
            incident = self.rng.choice(self._long_standing)
            return self._call(at, Kind.LONG_STANDING, incident, incident.caller)
        item = self._draw_item(at)
        incident = self._incident(
            item, self.rng.choices(self.model.towns, self.model.town_weights)[0]
        )
        self._schedule_followers(at, incident)
        return self._call(at, Kind.NEW, incident, incident.caller)

    def _incident(self, item: Item, town: Town, caller: Caller | None = None) -> Incident:
        self._incidents += 1
        lon, lat = self._point(town)
        kind = self.model.phrases.situation(item.situation.code).place
        return Incident(
            f"I{self.run}{self._incidents:07d}",
            item,
            town,
            lon,
            lat,
            self._address(town, kind),
            caller or self.phones.new_caller(self.rng),
        )

    def _long_standing_incident(self, n: int) -> Incident:
        codes = self.model.mix.behaviour.long_standing.situations
        item = next(
            i
            for i in self.model.items
            if i.situation.code == codes[n % len(codes)] and i.source is Source.CALL_110
        )
        town = self.model.towns[n % len(self.model.towns)]
        incident = self._incident(item, town, self.phones.new_caller(self.rng, known=True))
        incident.id = f"LS{self.run}{n:02d}"
        return incident

    def _schedule_followers(self, at: int, incident: Incident) -> None:
        b, rng, item = self.model.mix.behaviour, self.rng, incident.item
        if _is_fallback(item):
            return
        if rng.random() < b.repeat.probability:
            for _ in range(rng.randint(*b.repeat.extra_calls)):
                self._push(
                    at + int(rng.uniform(*b.repeat.after_minutes) * MINUTE_MS),
                    Kind.REPEAT,
                    incident,
                    incident.caller,
                )
        if item.multi and rng.random() < b.multi_reporter.probability:
            for _ in range(rng.randint(*b.multi_reporter.extra_callers)):
                self._push(
                    at + int(rng.uniform(*b.multi_reporter.after_minutes) * MINUTE_MS),
                    Kind.MULTI,
                    incident,
                    self.phones.new_caller(rng),
                )
        if (
            not item.situation.is_police
            and rng.random() < b.flow_back.probability
            and self._flow_backs < b.flow_back.max_pending
        ):
            self._flow_backs += 1
            self._push(
                at + int(rng.uniform(*b.flow_back.after_days) * DAY_MS),
                Kind.FLOW_BACK,
                incident,
                incident.caller,
            )

    def _push(self, at: int, kind: Kind, incident: Incident, caller: Caller) -> None:
        self._seq += 1
        heapq.heappush(self._pending, (at, self._seq, kind, incident, caller))

    # --- places ------------------------------------------------------------------------------
    def _point(self, town: Town) -> tuple[float, float]:
        """A point inside the town's polygon, near one of its grids."""
        spread = float(self.model.mix.location.get("spread_deg", 0.004))
        centre = self.rng.choice(town.grids) if town.grids else town
        polygon = self.model.polygons[town.code]
        for _ in range(30):
            lon, lat = self.rng.gauss(centre.lon, spread), self.rng.gauss(centre.lat, spread)
            if shapely.contains_xy(polygon, lon, lat):
                return round(lon, 6), round(lat, 6)
        return centre.lon, centre.lat

    def _near(self, lon: float, lat: float, town: Town) -> tuple[float, float]:
        """A point within ``radius_m`` of (lon, lat), still inside the town."""
        radius = self.model.mix.behaviour.multi_reporter.radius_m * math.sqrt(self.rng.random())
        angle = self.rng.uniform(0, 2 * math.pi)
        dlat = radius * math.sin(angle) / 111_320
        dlon = radius * math.cos(angle) / (111_320 * math.cos(math.radians(lat)))
        if shapely.contains_xy(self.model.polygons[town.code], lon + dlon, lat + dlat):
            return round(lon + dlon, 6), round(lat + dlat, 6)
        return lon, lat

    def _address(self, town: Town, kind: str) -> str:
        spec, rng = self.model.places, self.rng
        kinds = sorted(spec.kinds)
        words = spec.towns[town.code]
        pattern = rng.choice(spec.kinds[kind if kind in spec.kinds else rng.choice(kinds)])
        road, road2 = rng.sample(words.roads, 2)
        table = {
            "compound": words.compounds,
            "road": [road],
            "road2": [road2],
            "village": words.villages,
            "landmark": words.landmarks,
            "shop": words.shops,
            "site": words.sites,
            "company": words.companies,
            "park": words.parks,
            "building": [str(rng.randint(1, 28))],
            "unit": [str(rng.randint(1, 4))],
            "room": [f"{rng.randint(1, 26)}0{rng.randint(1, 4)}"],
            "number": [str(rng.randint(1, 388))],
            "group": [str(rng.randint(1, 15))],
        }
        address = fill(pattern, rng, (table,))
        return (town.name + address) if rng.random() < 0.7 else address

    # --- records -----------------------------------------------------------------------------
    def _call(self, at: int, kind: Kind, incident: Incident, caller: Caller) -> GeneratedEvent:
        rng, item = self.rng, incident.item
        source = item.source if kind is not Kind.MULTI else self._draw_source()
        lon, lat, address = incident.lon, incident.lat, incident.address
        if kind is Kind.MULTI:
            lon, lat = self._near(lon, lat, incident.town)
            if rng.random() < 0.4:
                address = address + rng.choice(("附近", "对面", "旁边"))
        body = self.text.body(rng, item.situation.code)
        prefix = "" if kind is Kind.NEW else self.text.prefix(rng, kind.value)
        phone = self.phones.format(rng, caller)
        loc = self.model.mix.location[source.value]
        point = rng.random() < float(loc["point"])
        admin = incident.town.code if rng.random() < float(loc["admin_code"]) else None
        self._seq += 1
        truth = Truth(
            incident.id,
            kind,
            item.situation.code,
            item.situation.class_code,
            item.situation.is_police,
            item.dispute,
            incident.town.code,
            caller.id,
        )
        common = {
            "caller_phone": phone,
            "address": address,
            "longitude": lon if point else None,
            "latitude": lat if point else None,
            "admin_code": admin,
            "channel": self._channel(source),
        }
        date = datetime.fromtimestamp(at / 1000, UTC).astimezone(self.tz).strftime("%Y%m%d")
        if source is Source.CALL_110:
            key = f"J{_county(incident.town)}{date}{self.run}{self._seq:07d}"
            record = {
                "call_id": key,
                "centre_code": _county(incident.town),
                "received_at": at,
                "content": self.text.call110(
                    rng, body, prefix=prefix, address=address, phone=phone
                ),
                "alarm_type": self._category(source, item.situation),
                "major": self._major(item),
                **common,
            }
        else:
            key = f"GD{date}{self.run}{self._seq:07d}"
            title, content = self.text.ticket12345(
                rng,
                body,
                prefix=prefix,
                situation_name=item.situation.name,
                address=address,
                phone=phone,
            )
            record = {
                "ticket_id": key,
                "created_at": at,
                "title": title,
                "content": content,
                "category": self._category(source, item.situation),
                **common,
            }
        return GeneratedEvent(source, RAW_TOPICS[source], key, record, at, truth)

    def _draw_source(self) -> Source:
        sources = self.model.mix.sources
        return self.rng.choices(list(sources), list(sources.values()))[0]

    def _channel(self, source: Source) -> str:
        weights = self.model.mix.channels[source]
        return self.rng.choices(list(weights), list(weights.values()))[0]

    def _category(self, source: Source, sit: Situation) -> str | None:
        spec = self.model.mix.source_category[source]
        if self.rng.random() >= spec.given:
            return None
        if self.rng.random() < spec.wrong:
            sit = self.rng.choice(self.model.items).situation
        codes = sit.alarm_types if source is Source.CALL_110 else sit.hotline_categories
        return self.rng.choice(codes) if codes else None

    def _major(self, item: Item) -> bool:
        return (
            item.situation.priority == 1
            and item.situation.is_police
            and self.rng.random() < self.model.mix.major_share
        )


def _county(town: Town) -> str:
    """The 110 centre of a town: its county's six-digit code."""
    return town.code[:6]
