"""SLA deadlines from the shipped policy: limits, overrides, transfers, ordering."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from fenliu.processors.model import Classification, ListName, Route
from fenliu.processors.sla_policy import STAGE_ORDER, deadlines_for, parse_limit
from fenliu.refdata.routing import (
    check_consistent,
    load_jurisdiction,
    load_routing,
    load_sla_policy,
    parse_sla_policy,
)
from fenliu.settings import Settings

SETTINGS = Settings()
POLICY = load_sla_policy(SETTINGS.refdata.sla_policy_file)
JURIS = load_jurisdiction(SETTINGS.refdata.jurisdiction_file)
RAW = yaml.safe_load(Path(SETTINGS.refdata.sla_policy_file).read_text(encoding="utf-8"))
TZ = ZoneInfo("Asia/Shanghai")
MIN, HOUR, DAY = 60_000, 3_600_000, 86_400_000
# 2026-11-23 11:12 in Shanghai
RECEIVED = int(datetime(2026, 11, 23, 11, 12, tzinfo=TZ).timestamp() * 1000)
DONGHU, DONGCHENG = "331099003", "331099001"


def cls(sla_class: str, *, priority: int = 2, police: bool = False) -> Classification:
    return Classification(
        is_police_matter=police,
        list_name=ListName.POLICE if police else ListName.NON_POLICE,
        class_code="C",
        class_name="c",
        situation_code="S",
        situation_name="s",
        department="d",
        priority=priority,
        sla_class=sla_class,
        confidence=1.0,
        rule_id="r",
        evidence=(),
        taxonomy_version="t",
    )


def route_to(
    town: str = DONGHU,
    *,
    unit_id: str = "dh-mediation",
    unit_kind: str = "mediation",
    team_method: str = "REDIS_NEAREST",
) -> Route:
    return Route(
        town_code=town,
        town_name="t",
        grid_code=None,
        unit_id=unit_id,
        unit_name="u",
        unit_kind=unit_kind,
        department="d",
        place_method="POLYGON",
        team_id="team-1" if team_method == "REDIS_NEAREST" else None,
        team_method=team_method,
        routing_version="v",
    )


def offsets(deadlines: tuple) -> dict[str, int]:
    return {d.stage: d.due_at_ms - RECEIVED for d in deadlines}


END_OF_NEXT_DAY = int(datetime(2026, 11, 25, tzinfo=TZ).timestamp() * 1000) - RECEIVED


def test_shipped_files_agree() -> None:
    check_consistent(JURIS, POLICY)
    data = load_routing(SETTINGS)
    assert data.sla_policy.version == RAW["version"] == POLICY.version
    assert str(data.tz) == SETTINGS.refdata.local_timezone


def test_simple_dispute_in_donghu_has_the_donghu_limits() -> None:
    got = offsets(deadlines_for(cls("DISPUTE_SIMPLE"), route_to(DONGHU), RECEIVED, POLICY, TZ))
    assert got == {
        "SIGN": MIN,
        "RESPOND": MIN,
        "DEPART": 2 * MIN,
        "PHONE": 3 * MIN,
        "ARRIVE": 8 * MIN,
        "CLOSE": 30 * MIN,
        "FOLLOW_UP": END_OF_NEXT_DAY,
    }


def test_dongcheng_leaves_in_5_and_arrives_in_10_minutes() -> None:
    got = offsets(deadlines_for(cls("DISPUTE_SIMPLE"), route_to(DONGCHENG), RECEIVED, POLICY, TZ))
    assert (got["DEPART"], got["ARRIVE"], got["SIGN"]) == (5 * MIN, 10 * MIN, MIN)


@pytest.mark.parametrize(
    ("sla_class", "days"),
    [("DISPUTE_MEDIATION_7D", 7), ("DISPUTE_MEDIATION_15D", 15), ("DISPUTE_MEDIATION_30D", 30)],
)
def test_mediation_centre_feeds_back_by_difficulty(sla_class: str, days: int) -> None:
    got = offsets(deadlines_for(cls(sla_class), route_to(), RECEIVED, POLICY, TZ))
    assert got["FEEDBACK"] == days * DAY
    assert "CLOSE" not in got


def test_a_police_matter_transferred_from_12345_must_be_accepted_within_24_hours() -> None:
    transfer = route_to(unit_id="110-centre", unit_kind="police", team_method="NOT_APPLICABLE")
    got = deadlines_for(cls("POLICE_ROUTINE", police=True), transfer, RECEIVED, POLICY, TZ)
    assert [(d.stage, d.due_at_ms - RECEIVED) for d in got] == [("ACCEPT", 24 * HOUR)]


def test_an_emergency_transferred_from_12345_must_also_be_signed_within_a_minute() -> None:
    transfer = route_to(unit_id="110-centre", unit_kind="police", team_method="NOT_APPLICABLE")
    got = deadlines_for(cls("POLICE_EMERGENCY", police=True), transfer, RECEIVED, POLICY, TZ)
    assert [(d.stage, d.due_at_ms - RECEIVED) for d in got] == [
        ("SIGN", MIN),
        ("ACCEPT", 24 * HOUR),
    ]


def test_police_station_keeps_its_dispatch_stages() -> None:
    station = route_to(unit_id="dh-police", unit_kind="police", team_method="NOT_APPLICABLE")
    got = offsets(
        deadlines_for(cls("POLICE_EMERGENCY", police=True), station, RECEIVED, POLICY, TZ)
    )
    assert got == {"SIGN": MIN, "DEPART": 2 * MIN, "ARRIVE": 8 * MIN}


def test_a_12345_work_order_has_no_dispatch_stages() -> None:
    order = route_to(unit_id="dept-housing", unit_kind="department", team_method="NOT_APPLICABLE")
    got = offsets(deadlines_for(cls("DEPT_WORK_ORDER"), order, RECEIVED, POLICY, TZ))
    assert set(got) == {"SIGN", "PHONE", "FEEDBACK", "FOLLOW_UP"}


@pytest.mark.parametrize("method", ["FALLBACK_TIMEOUT", "FALLBACK_NO_TEAM"])
def test_a_command_room_fallback_still_has_to_arrive(method: str) -> None:
    fallback = route_to(unit_id="dh-command", unit_kind="command_room", team_method=method)
    assert (
        offsets(deadlines_for(cls("DISPUTE_SIMPLE"), fallback, RECEIVED, POLICY, TZ))["ARRIVE"]
        == 8 * MIN
    )


def test_priority_changes_limits() -> None:
    urgent = offsets(
        deadlines_for(cls("DEPT_WORK_ORDER", priority=1), route_to(), RECEIVED, POLICY, TZ)
    )
    usual = offsets(
        deadlines_for(cls("DEPT_WORK_ORDER", priority=2), route_to(), RECEIVED, POLICY, TZ)
    )
    assert (urgent["FEEDBACK"], usual["FEEDBACK"]) == (24 * HOUR, 7 * DAY)


def test_an_unknown_sla_class_gets_the_default_class() -> None:
    unknown = deadlines_for(cls("SOMETHING_NEW"), route_to(), RECEIVED, POLICY, TZ)
    default = deadlines_for(cls(POLICY.default_class), route_to(), RECEIVED, POLICY, TZ)
    assert unknown == default and unknown


@pytest.mark.parametrize(
    ("local", "due_local"),
    [
        (datetime(2026, 11, 23, 0, 30), datetime(2026, 11, 25)),  # 16:30 UTC the day before
        (datetime(2026, 11, 23, 23, 59), datetime(2026, 11, 25)),
        (datetime(2026, 12, 31, 12, 0), datetime(2027, 1, 2)),
    ],
)
def test_follow_up_is_due_at_the_end_of_the_next_local_day(
    local: datetime, due_local: datetime
) -> None:
    received = int(local.replace(tzinfo=TZ).timestamp() * 1000)
    got = {
        d.stage: d.due_at_ms
        for d in deadlines_for(cls("DISPUTE_SIMPLE"), route_to(), received, POLICY, TZ)
    }
    assert got["FOLLOW_UP"] == int(due_local.replace(tzinfo=TZ).timestamp() * 1000)


def test_the_zone_decides_the_local_day() -> None:
    received = int(datetime(2026, 11, 23, 20, 0, tzinfo=UTC).timestamp() * 1000)
    in_shanghai = deadlines_for(
        cls("DISPUTE_SIMPLE"), route_to(), received, POLICY, "Asia/Shanghai"
    )
    in_utc = deadlines_for(cls("DISPUTE_SIMPLE"), route_to(), received, POLICY, "UTC")
    follow = {d.stage: d.due_at_ms for d in in_shanghai}["FOLLOW_UP"]
    assert follow == int(datetime(2026, 11, 26, tzinfo=TZ).timestamp() * 1000)
    assert {d.stage: d.due_at_ms for d in in_utc}["FOLLOW_UP"] == int(
        datetime(2026, 11, 25, tzinfo=UTC).timestamp() * 1000
    )


@given(
    st.sampled_from([*POLICY.classes, "UNKNOWN_CLASS"]),
    st.integers(1, 4),
    st.sampled_from([t.code for t in JURIS.towns] + [JURIS.county.code]),
    st.sampled_from(
        [
            ("110-centre", "police"),
            ("dh-police", "police"),
            ("dh-mediation", "mediation"),
            ("dept-hrss", "department"),
            ("dc-command", "command_room"),
        ]
    ),
    st.sampled_from(["REDIS_NEAREST", "FALLBACK_TIMEOUT", "FALLBACK_NO_TEAM", "NOT_APPLICABLE"]),
    st.integers(946_684_800_000, 4_102_444_800_000),
    st.sampled_from(["Asia/Shanghai", "UTC", "Asia/Urumqi"]),
)
def test_deadlines_are_sorted_after_receipt_unique_and_deterministic(
    sla_class: str,
    priority: int,
    town: str,
    unit: tuple[str, str],
    team_method: str,
    received: int,
    tz: str,
) -> None:
    rt = route_to(town, unit_id=unit[0], unit_kind=unit[1], team_method=team_method)
    got = deadlines_for(cls(sla_class, priority=priority), rt, received, POLICY, tz)
    assert got, "every route has at least one stage to watch"
    assert all(d.due_at_ms > received for d in got)
    keys = [(d.due_at_ms, STAGE_ORDER.index(d.stage)) for d in got]
    assert keys == sorted(keys)
    assert len({d.stage for d in got}) == len(got)
    assert got == deadlines_for(
        cls(sla_class, priority=priority), rt, received, POLICY, ZoneInfo(tz)
    )


# --- the file format -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "ms"), [("90s", 90_000), ("1m", MIN), ("24h", DAY), ("7d", 7 * DAY)]
)
def test_limits_parse(text: str, ms: int) -> None:
    assert parse_limit(text).ms == ms


@pytest.mark.parametrize("text", ["0m", "1w", "-1m", "m", "tomorrow", ""])
def test_bad_limits_are_errors(text: str) -> None:
    with pytest.raises(ValueError):
        parse_limit(text)


def changed(change) -> dict:  # type: ignore[no-untyped-def]
    doc = copy.deepcopy(RAW)
    change(doc)
    return doc


def test_an_unknown_stage_is_an_error() -> None:
    with pytest.raises(ValueError, match="unknown stages"):
        parse_sla_policy(
            changed(lambda d: d["classes"]["DISPUTE_SIMPLE"]["stages"].update(ARRVE="8m"))
        )


def test_the_default_class_must_exist() -> None:
    with pytest.raises(ValueError, match="default_class"):
        parse_sla_policy(changed(lambda d: d.update(default_class="NOPE")))


def test_unknown_keys_are_errors() -> None:
    with pytest.raises(ValidationError):
        parse_sla_policy(changed(lambda d: d.update(town_override=[])))


def test_units_and_towns_must_exist_in_the_jurisdiction() -> None:
    policy = parse_sla_policy(
        changed(lambda d: d["unit_stages"].update({"no-such-unit": {"stages": {"ACCEPT": "1h"}}}))
    )
    with pytest.raises(ValueError, match="no-such-unit"):
        check_consistent(JURIS, policy)
    policy = parse_sla_policy(
        changed(lambda d: d["town_overrides"][0]["towns"].append("331099777"))
    )
    with pytest.raises(ValueError, match="331099777"):
        check_consistent(JURIS, policy)


def test_town_overrides_never_add_stages() -> None:
    policy = parse_sla_policy(
        changed(
            lambda d: d["town_overrides"].append({"towns": [DONGHU], "stages": {"CLOSE": "45m"}})
        )
    )
    mediation = offsets(
        deadlines_for(cls("DISPUTE_MEDIATION_7D"), route_to(DONGHU), RECEIVED, policy, TZ)
    )
    simple = offsets(deadlines_for(cls("DISPUTE_SIMPLE"), route_to(DONGHU), RECEIVED, policy, TZ))
    assert "CLOSE" not in mediation
    assert simple["CLOSE"] == 45 * MIN


def test_every_sla_class_of_the_shipped_taxonomy_has_its_own_stages() -> None:
    from fenliu.refdata.taxonomy import load_taxonomy

    taxonomy = load_taxonomy(SETTINGS.refdata.taxonomy_file)
    assert set(taxonomy.sla_classes) <= set(POLICY.classes)
    used = {s.sla_class for s in taxonomy.situations} | {taxonomy.fallback.sla_class}
    assert used <= set(POLICY.classes)
