"""Raw 110/12345 records for tests, shaped as the Avro contracts want them."""

from __future__ import annotations

from typing import Any

# A point inside 东城街道's polygon in data/jurisdictions.yaml, and its admin code.
DONGCHENG = (121.056, 28.860, "331099001")
BASE_MS = 1_795_000_000_000  # 2026-11-19, well in the past of any test run


def call110(
    call_id: str,
    content: str | None,
    *,
    at_ms: int = BASE_MS,
    phone: str | None = "13812345678",
    lon: float | None = DONGCHENG[0],
    lat: float | None = DONGCHENG[1],
    admin_code: str | None = DONGCHENG[2],
    address: str | None = "东城街道金城路8号",
) -> dict[str, Any]:
    return {
        "call_id": call_id,
        "centre_code": "331099",
        "received_at": at_ms,
        "caller_phone": phone,
        "content": content,
        "address": address,
        "longitude": lon,
        "latitude": lat,
        "admin_code": admin_code,
        "alarm_type": None,
        "channel": "PHONE",
        "major": False,
    }


def ticket12345(
    ticket_id: str,
    content: str | None,
    *,
    at_ms: int = BASE_MS,
    phone: str | None = "0576-88123456",
    title: str | None = None,
) -> dict[str, Any]:
    return {
        "ticket_id": ticket_id,
        "created_at": at_ms,
        "caller_phone": phone,
        "title": title,
        "content": content,
        "address": "东城街道银湖小区",
        "longitude": DONGCHENG[0],
        "latitude": DONGCHENG[1],
        "admin_code": DONGCHENG[2],
        "category": None,
        "channel": "PHONE",
    }
