"""Normalisation of raw 110 calls and 12345 tickets, and every named rejection."""

from __future__ import annotations

import dataclasses
import math
import re
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fenliu.processors.model import InvalidEvent, RejectReason, Source
from fenliu.processors.normalise import (
    NormaliseContext,
    local_iso,
    normalise_call110,
    normalise_ticket12345,
)
from fenliu.processors.phone import caller_key_for

KEY = b"normalise-test-key"
NOW = datetime(2026, 11, 23, 3, 12, tzinfo=UTC)  # 11:12 in Shanghai
NOW_MS = int(NOW.timestamp() * 1000)
CTX = NormaliseContext(hmac_key=KEY, now_ms=NOW_MS)
PHONE = "13800138000"


def call(**changes: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "call_id": "JJ-A-0001",
        "centre_code": "331099",
        "received_at": NOW - timedelta(seconds=30),
        "caller_phone": f"+86 {PHONE}",
        "content": "老板拖欠工资三个月，工人在厂门口讨薪",
        "address": "示范县东城街道金城路8号",
        "longitude": 121.05,
        "latitude": 28.86,
        "admin_code": None,
        "alarm_type": "020301",
        "channel": "PHONE",
        "major": False,
    }
    record.update(changes)
    return record


def ticket(**changes: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "ticket_id": "GD-B-0001",
        "created_at": NOW - timedelta(minutes=5),
        "caller_phone": "0576-88881234",
        "title": "楼上漏水",
        "content": "楼上卫生间漏水到我家天花板，物业不管",
        "address": None,
        "longitude": None,
        "latitude": None,
        "admin_code": "331099002",
        "category": "住房",
        "channel": "WECHAT",
    }
    record.update(changes)
    return record


def test_call110_becomes_a_case_event() -> None:
    event = normalise_call110(call(), CTX)
    assert event.source is Source.CALL_110
    assert event.source_id == "JJ-A-0001"
    assert event.received_at_ms == NOW_MS - 30_000
    assert event.received_local == "2026-11-23T11:11:30+08:00"
    assert event.caller_key == caller_key_for(PHONE, KEY)
    assert event.location.lon == 121.05 and event.location.lat == 28.86
    assert event.location.text == "示范县东城街道金城路8号"
    assert event.text == "老板拖欠工资三个月，工人在厂门口讨薪"
    assert event.channel == "phone"
    assert event.source_category == "020301"


def test_ticket_text_is_title_then_content() -> None:
    event = normalise_ticket12345(ticket(), CTX)
    assert event.source is Source.TICKET_12345
    assert event.text == "楼上漏水\n楼上卫生间漏水到我家天花板，物业不管"
    assert event.location.admin_code == "331099002"
    assert event.channel == "wechat"
    assert event.source_category == "住房"
    assert event.caller_key == caller_key_for("057688881234", KEY)


def test_ticket_with_only_a_title_keeps_it() -> None:
    assert normalise_ticket12345(ticket(content=None), CTX).text == "楼上漏水"


def test_int_millis_and_aware_datetimes_agree() -> None:
    as_dt = normalise_call110(call(), CTX)
    as_int = normalise_call110(call(received_at=as_dt.received_at_ms), CTX)
    naive_utc = normalise_call110(
        call(received_at=(NOW - timedelta(seconds=30)).replace(tzinfo=None)), CTX
    )
    shanghai = (NOW - timedelta(seconds=30)).astimezone(timezone(timedelta(hours=8)))
    as_local_dt = normalise_call110(call(received_at=shanghai), CTX)
    assert as_dt == as_int == naive_utc == as_local_dt


def test_received_local_follows_the_configured_zone() -> None:
    assert local_iso(NOW_MS, "UTC") == "2026-11-23T03:12:00+00:00"
    assert local_iso(NOW_MS + 5, "Asia/Shanghai") == "2026-11-23T11:12:00.005+08:00"


def test_callback_number_typed_into_the_summary_is_scrubbed() -> None:
    event = normalise_call110(call(content=f"报警人称被拖欠工资，回拨{PHONE}，地址见上"), CTX)
    assert PHONE not in event.text
    assert "[电话]" in event.text


def test_unknown_phone_gives_no_caller_key_but_keeps_the_call() -> None:
    assert normalise_call110(call(caller_phone="未知"), CTX).caller_key is None
    assert normalise_call110(call(caller_phone=None), CTX).caller_key is None


def test_location_alone_is_enough() -> None:
    event = normalise_call110(call(content="  ", address=None), CTX)
    assert event.text == ""
    assert event.location.lon == 121.05


def test_future_skew_boundary_is_inclusive() -> None:
    at_limit = NOW + timedelta(milliseconds=CTX.max_future_skew_ms)
    assert normalise_call110(call(received_at=at_limit), CTX).received_at_ms == NOW_MS + 300_000
    with pytest.raises(InvalidEvent) as info:
        normalise_call110(call(received_at=at_limit + timedelta(milliseconds=1)), CTX)
    assert info.value.reason is RejectReason.FUTURE_TIME


REJECTS: list[tuple[str, Any, RejectReason]] = [
    ("call", {"call_id": None}, RejectReason.MISSING_FIELD),
    ("call", {"call_id": "  "}, RejectReason.MISSING_FIELD),
    ("call", {"received_at": None}, RejectReason.MISSING_FIELD),
    ("call", {"received_at": "yesterday"}, RejectReason.MISSING_FIELD),
    ("call", {"latitude": None}, RejectReason.MISSING_FIELD),
    ("ticket", {"ticket_id": ""}, RejectReason.MISSING_FIELD),
    ("ticket", {"created_at": None}, RejectReason.MISSING_FIELD),
    (
        "call",
        {"content": None, "address": None, "longitude": None, "latitude": None},
        RejectReason.EMPTY_CALL,
    ),
    ("ticket", {"title": " ", "content": None, "admin_code": None}, RejectReason.EMPTY_CALL),
    ("call", {"received_at": NOW + timedelta(hours=1)}, RejectReason.FUTURE_TIME),
    ("call", {"received_at": 0}, RejectReason.ANCIENT_TIME),
    ("ticket", {"created_at": datetime(1999, 12, 31, tzinfo=UTC)}, RejectReason.ANCIENT_TIME),
    ("call", {"longitude": 0.0, "latitude": 0.0}, RejectReason.COORDINATES_OUTSIDE_CHINA),
    ("call", {"longitude": 28.86, "latitude": 121.05}, RejectReason.COORDINATES_OUTSIDE_CHINA),
    ("call", {"longitude": math.nan}, RejectReason.COORDINATES_OUTSIDE_CHINA),
    ("call", {"latitude": math.inf}, RejectReason.COORDINATES_OUTSIDE_CHINA),
    ("ticket", {"longitude": 139.7, "latitude": 35.7}, RejectReason.COORDINATES_OUTSIDE_CHINA),
    ("call", {"content": "讨薪" * 2001}, RejectReason.TEXT_TOO_LONG),
    ("ticket", {"title": "漏水", "content": "水" * 3998}, RejectReason.TEXT_TOO_LONG),
]


@pytest.mark.parametrize(("kind", "changes", "reason"), REJECTS)
def test_each_reject_reason_is_named(
    kind: str, changes: dict[str, Any], reason: RejectReason
) -> None:
    record = call(**changes) if kind == "call" else ticket(**changes)
    normalise = normalise_call110 if kind == "call" else normalise_ticket12345
    with pytest.raises(InvalidEvent) as info:
        normalise(record, CTX)
    assert info.value.reason is reason
    assert str(info.value).startswith(reason.value)
    assert PHONE not in info.value.detail and "88881234" not in info.value.detail


def test_missing_keys_are_missing_fields() -> None:
    record = call()
    del record["received_at"]
    with pytest.raises(InvalidEvent) as info:
        normalise_call110(record, CTX)
    assert info.value.reason is RejectReason.MISSING_FIELD


def test_text_limit_comes_from_the_context() -> None:
    short = dataclasses.replace(CTX, max_text_chars=5)
    with pytest.raises(InvalidEvent) as info:
        normalise_call110(call(), short)
    assert info.value.reason is RejectReason.TEXT_TOO_LONG
    assert "limit 5" in info.value.detail


# --- properties ----------------------------------------------------------------------

mobiles = st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True)
landlines = st.tuples(
    st.sampled_from(["10", "21", "571", "576", "579", "573", "523"]),
    st.from_regex(r"[2-8][0-9]{7}", fullmatch=True),
)


@st.composite
def raw_phones(draw: st.DrawFn) -> tuple[str, str]:
    """(raw as typed, national digits) in the formats switches and call-takers use."""
    if draw(st.booleans()):
        n = draw(mobiles)
        raw = draw(
            st.sampled_from(
                [
                    n,
                    f"+86{n}",
                    f"+86 {n[:3]} {n[3:7]} {n[7:]}",
                    f"0086{n}",
                    f"86{n}",
                    f"{n[:3]}-{n[3:7]}-{n[7:]}",
                    f"{n[:3]} {n[3:7]} {n[7:]}",
                ]
            )
        )
        return raw, n
    area, local = draw(landlines)
    raw = draw(
        st.sampled_from(
            [
                f"0{area}-{local}",
                f"0{area}{local}",
                f"(0{area}){local[:4]}-{local[4:]}",
                f"+86 {area} {local}",
                f"0086-{area}-{local}",
                f"0{area} {local[:4]} {local[4:]}",
            ]
        )
    )
    return raw, area + local


@given(
    raw_phones(),
    st.sampled_from(["{p}", "回拨{p}", "联系电话：{p}。", "tel:{p}, 楼下"]),
    st.booleans(),
)
def test_no_digit_run_of_the_phone_survives_anywhere(
    phone: tuple[str, str], template: str, in_address: bool
) -> None:
    raw, national = phone
    typed = template.format(p=raw)
    record = call(
        caller_phone=raw,
        content=f"讨薪纠纷，{typed}",
        address=f"金城路8号 {typed}" if in_address else "金城路8号",
    )
    event = normalise_call110(record, CTX)
    # The time fields are computed from the receive time alone; blank them so that a
    # timestamp that happens to contain the digits cannot hide or fake a leak.
    shown = repr(dataclasses.replace(event, received_at_ms=0, received_local=""))
    digits_of_raw = re.sub(r"\D", "", raw)
    for run in {national, digits_of_raw, *re.findall(r"\d{7,}", raw)}:
        assert run not in shown
        assert run not in re.sub(r"\D", "", event.text)
    assert event.caller_key == caller_key_for(
        national if len(national) == 11 else "0" + national, KEY
    )


@given(raw_phones(), st.text(max_size=200), st.integers(NOW_MS - 10**10, NOW_MS))
def test_normalisation_is_deterministic(phone: tuple[str, str], text: str, at_ms: int) -> None:
    record = call(caller_phone=phone[0], content=text, received_at=at_ms)
    assert normalise_call110(record, CTX) == normalise_call110(dict(record), CTX)


@given(
    st.floats(allow_nan=True, allow_infinity=True), st.floats(allow_nan=True, allow_infinity=True)
)
def test_coordinates_are_either_in_china_or_rejected(lon: float, lat: float) -> None:
    try:
        event = normalise_call110(call(longitude=lon, latitude=lat), CTX)
    except InvalidEvent as exc:
        assert exc.reason is RejectReason.COORDINATES_OUTSIDE_CHINA
    else:
        assert 73.5 <= event.location.lon <= 135.1 and 18.1 <= event.location.lat <= 53.6
