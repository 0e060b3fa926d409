"""Raw 110 calls and 12345 tickets (fastavro dicts) -> ``CaseEvent``, or a named rejection.

Pure: the current time comes in through ``NormaliseContext.now_ms`` (replay passes the
record's own time), the HMAC key and limits too. The caller's number is turned into a
keyed caller key here and scrubbed from the text; it never reaches the ``CaseEvent``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from fenliu.processors.model import CaseEvent, InvalidEvent, Location, RejectReason, Source
from fenliu.processors.phone import caller_key_for, scrub_phone_numbers
from fenliu.schemas.records import epoch_ms as _epoch_ms
from fenliu.schemas.records import to_datetime

#: Nothing before 2000-01-01T00:00Z is a live call: such a time is a broken clock or a 0.
EARLIEST_MS = 946_684_800_000
#: (min lon, min lat, max lon, max lat): a generous box around China, WGS-84.
CHINA_BBOX = (73.5, 18.1, 135.1, 53.6)


@dataclass(frozen=True, slots=True)
class NormaliseContext:
    """Everything normalisation needs besides the record; built once per batch by the caller."""

    hmac_key: bytes
    now_ms: int
    hmac_key_id: str = "k1"  # written into caller keys; a rotated key has a new id
    tz_name: str = "Asia/Shanghai"
    max_future_skew_ms: int = 300_000
    max_text_chars: int = 4000
    bbox: tuple[float, float, float, float] = CHINA_BBOX
    default_area_code: str | None = None  # completes local landline numbers without one


def normalise_call110(record: Mapping[str, Any], ctx: NormaliseContext) -> CaseEvent:
    """A decoded ``cn.fenliu.Call110`` as a ``CaseEvent``; raises ``InvalidEvent`` if it cannot be one."""
    source_id = _required_str(record, "call_id")
    received_at_ms = _required_time(record, "received_at", ctx)
    text = _clean_text(record.get("content"))
    return _build(
        Source.CALL_110,
        source_id,
        received_at_ms,
        text,
        record,
        ctx,
        category=_optional_str(record.get("alarm_type")),
    )


def normalise_ticket12345(record: Mapping[str, Any], ctx: NormaliseContext) -> CaseEvent:
    """A decoded ``cn.fenliu.Ticket12345`` as a ``CaseEvent``; the text is title + content."""
    source_id = _required_str(record, "ticket_id")
    received_at_ms = _required_time(record, "created_at", ctx)
    parts = [_clean_text(record.get("title")), _clean_text(record.get("content"))]
    text = "\n".join(part for part in parts if part)
    return _build(
        Source.TICKET_12345,
        source_id,
        received_at_ms,
        text,
        record,
        ctx,
        category=_optional_str(record.get("category")),
    )


def _build(
    source: Source,
    source_id: str,
    received_at_ms: int,
    text: str,
    record: Mapping[str, Any],
    ctx: NormaliseContext,
    *,
    category: str | None,
) -> CaseEvent:
    if len(text) > ctx.max_text_chars:
        raise InvalidEvent(
            RejectReason.TEXT_TOO_LONG, f"text has {len(text)} chars, limit {ctx.max_text_chars}"
        )
    location = _location(record, ctx)
    if not text and location == Location():
        raise InvalidEvent(RejectReason.EMPTY_CALL, "no text, no address, no coordinates")
    return CaseEvent(
        source=source,
        source_id=source_id,
        received_at_ms=received_at_ms,
        received_local=local_iso(received_at_ms, ctx.tz_name),
        caller_key=caller_key_for(
            _optional_str(record.get("caller_phone")),
            ctx.hmac_key,
            ctx.default_area_code,
            ctx.hmac_key_id,
        ),
        location=location,
        text=scrub_phone_numbers(text),
        channel=_channel(record.get("channel")),
        source_category=category,
    )


def local_iso(epoch_ms: int, tz_name: str) -> str:
    """ISO-8601 in the local zone with its offset; milliseconds only when there are some."""
    local = to_datetime(epoch_ms).astimezone(_zone(tz_name))
    return local.isoformat(timespec="seconds" if epoch_ms % 1000 == 0 else "milliseconds")


@lru_cache(maxsize=16)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def _required_str(record: Mapping[str, Any], field: str) -> str:
    value = _optional_str(record.get(field))
    if value is None:
        raise InvalidEvent(RejectReason.MISSING_FIELD, f"{field} is missing or empty")
    return value


def _required_time(record: Mapping[str, Any], field: str, ctx: NormaliseContext) -> int:
    value = record.get(field)
    if value is None:
        raise InvalidEvent(RejectReason.MISSING_FIELD, f"{field} is missing")
    epoch_ms = to_epoch_ms(value, field)
    if epoch_ms < EARLIEST_MS:
        raise InvalidEvent(RejectReason.ANCIENT_TIME, f"{field}={epoch_ms} ms is before 2000-01-01")
    if epoch_ms > ctx.now_ms + ctx.max_future_skew_ms:
        ahead_s = (epoch_ms - ctx.now_ms) / 1000
        raise InvalidEvent(RejectReason.FUTURE_TIME, f"{field} is {ahead_s:.0f} s in the future")
    return epoch_ms


def to_epoch_ms(value: Any, field: str = "time") -> int:
    """``schemas.records.epoch_ms``, with a bad value rejected as the event's fault."""
    try:
        return _epoch_ms(value)
    except TypeError:
        raise InvalidEvent(
            RejectReason.MISSING_FIELD, f"{field} is not a timestamp: {type(value).__name__}"
        ) from None


def _location(record: Mapping[str, Any], ctx: NormaliseContext) -> Location:
    lon, lat = record.get("longitude"), record.get("latitude")
    if (lon is None) != (lat is None):
        given = "longitude" if lat is None else "latitude"
        raise InvalidEvent(
            RejectReason.MISSING_FIELD, f"{given} given without the other coordinate"
        )
    if lon is not None and lat is not None:
        try:
            lon, lat = float(lon), float(lat)
        except (TypeError, ValueError):
            raise InvalidEvent(
                RejectReason.COORDINATES_OUTSIDE_CHINA, "coordinates are not numbers"
            ) from None
        min_lon, min_lat, max_lon, max_lat = ctx.bbox
        inside = math.isfinite(lon) and math.isfinite(lat)
        if not (inside and min_lon <= lon <= max_lon and min_lat <= lat <= max_lat):
            raise InvalidEvent(
                RejectReason.COORDINATES_OUTSIDE_CHINA,
                f"lon={lon!r} lat={lat!r} outside {ctx.bbox}",
            )
    address = _optional_str(record.get("address"))
    return Location(
        text=scrub_phone_numbers(address) if address else None,
        lon=lon,
        lat=lat,
        admin_code=_admin_code(record.get("admin_code")),
    )


def _admin_code(value: Any) -> str | None:
    code = _optional_str(value)
    return code if code is not None and code.isascii() and code.isdigit() else None


def _channel(value: Any) -> str:
    """The Avro enum symbol in lower case (phone, sms, app, web, wechat, video, transfer, other)."""
    return str(value).strip().lower() if value else "other"


def _optional_str(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _clean_text(value: Any) -> str:
    """Trimmed text with Windows/Mac line ends unified; the wording itself is kept as given."""
    if value is None:
        return ""
    return str(value).replace("\r\n", "\n").replace("\r", "\n").strip()
