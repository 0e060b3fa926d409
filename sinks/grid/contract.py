"""The grid platform's HTTP contract in code: request bodies and webhook signatures.

``api/grid-platform.openapi.yaml`` is the contract people read; these pydantic models
are what the sink, grid-sim and the ingress actually use, and tests check the two
(and the Avro schemas they mirror) agree. JSON bodies mirror the Avro records field
for field, except that timestamps are RFC 3339 strings as Open311 writes them.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

from fenliu.schemas.records import (
    DispatchOrder,
    EventSource,
    LifecycleEvent,
    LifecycleKind,
    Satisfaction,
)

IDEMPOTENCY_HEADER = "Idempotency-Key"
SIGNATURE_HEADER = "X-Fenliu-Signature"
TIMESTAMP_HEADER = "X-Fenliu-Timestamp"
SIGNATURE_SCHEME = "sha256="

Id = Annotated[str, StringConstraints(min_length=1, max_length=200)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class OrderLocation(_Strict):
    text: str | None = None
    lon: float | None = Field(None, ge=-180, le=180)
    lat: float | None = Field(None, ge=-90, le=90)
    admin_code: str | None = None


class OrderDeadline(_Strict):
    stage: str = Field(min_length=1)
    due_at: AwareDatetime


class OrderRequest(_Strict):
    """``POST /orders`` body: a ``DispatchOrder`` in JSON."""

    order_id: Id
    case_id: Id
    decision_id: Id
    created_at: AwareDatetime
    source: EventSource
    is_police_matter: bool
    class_code: str
    situation_code: str
    situation_name: str
    priority: int = Field(ge=1)
    unit_id: Id
    unit_name: str
    unit_kind: str
    town_code: str
    grid_code: str | None = None
    team_id: str | None = None
    location: OrderLocation
    summary: str = Field(max_length=8000)
    caller_key: str | None = None
    deadlines: list[OrderDeadline]
    repeat_count: int = Field(0, ge=0)
    flow_back: bool = False
    taxonomy_version: str
    routing_version: str
    reopens_order_id: Id | None = None
    version: int = Field(1, ge=1)

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> OrderRequest:
        """From a decoded Avro ``DispatchOrder`` (timestamps as datetimes or epoch ms)."""
        return cls.model_validate(DispatchOrder.from_avro(record).to_avro(datetimes=True))

    def due(self, stage: str) -> datetime | None:
        """Due time of one stage, if the order has it."""
        return next((d.due_at for d in self.deadlines if d.stage == stage), None)


class OrderUpdate(_Strict):
    """``POST /orders/{order_id}/updates`` body: version n of a known order.

    A flow-back (回流) reopened the closed case: the platform keeps one service request per
    case and records the reopening as its next version (status open again, a note, the new
    deadlines and priority), as Open311's notes history and Signalen's status history do.
    The round of work it starts has fenliu's own order id (``dispatch_order_id``); lifecycle
    events of that round carry it, so fenliu's SLA watch tracks them against these deadlines.
    """

    order_id: Id
    version: int = Field(ge=2)
    status: Literal["open"] = "open"
    reason: Literal["FLOW_BACK"] = "FLOW_BACK"
    at: AwareDatetime
    note: str = Field(max_length=8000)
    dispatch_order_id: Id
    decision_id: Id
    priority: int = Field(ge=1)
    unit_id: Id
    deadlines: list[OrderDeadline]
    repeat_count: int = Field(0, ge=0)

    @classmethod
    def from_order(cls, order: OrderRequest) -> OrderUpdate:
        """The update a reopening ``DispatchOrder`` stands for."""
        assert order.reopens_order_id is not None
        return cls(
            order_id=order.reopens_order_id,
            version=order.version,
            at=order.created_at,
            note=f"回流重新派单 (flow-back, reopened): {order.summary}",
            dispatch_order_id=order.order_id,
            decision_id=order.decision_id,
            priority=order.priority,
            unit_id=order.unit_id,
            deadlines=list(order.deadlines),
            repeat_count=order.repeat_count,
        )

    @property
    def idempotency_key(self) -> str:
        """One key per (order, version): the same version sent again is recognised."""
        return f"{self.order_id}:v{self.version}"


class LifecycleEventIn(_Strict):
    """Webhook body: a ``LifecycleEvent`` in JSON (``at`` as RFC 3339 with an offset)."""

    event_id: Id
    order_id: Id
    case_id: Id
    kind: LifecycleKind
    at: AwareDatetime
    unit_id: Id
    actor: str | None = Field(None, max_length=200)
    note: str | None = Field(None, max_length=4000)
    satisfaction: Satisfaction | None = None
    resolved_on_site: bool | None = None

    def to_record(self) -> dict[str, Any]:
        """The Avro ``LifecycleEvent`` record (``at`` in epoch milliseconds)."""
        return LifecycleEvent.from_avro(self.model_dump()).to_avro()


# --- webhook signatures ----------------------------------------------------------------
class SignatureError(Exception):
    """The caller could not be verified; ``code`` names why (for the 401 body and metrics)."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.code = code


def signature(secret: bytes, timestamp: int, body: bytes) -> str:
    """``sha256=<hex>`` of HMAC-SHA256 over ``"<timestamp>." + body``.

    The timestamp is inside the MAC (as Stripe and Slack do): were it not, a replayed
    request would pass the freshness check by just sending a new timestamp header.
    """
    mac = hmac.new(secret, f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return SIGNATURE_SCHEME + mac


def signed_headers(secret: bytes, body: bytes, now_s: int) -> dict[str, str]:
    """Headers a webhook caller sends with ``body``."""
    return {
        TIMESTAMP_HEADER: str(now_s),
        SIGNATURE_HEADER: signature(secret, now_s, body),
        "Content-Type": "application/json",
    }


def verify_signature(
    secret: bytes,
    header: str | None,
    timestamp: str | None,
    body: bytes,
    *,
    now_s: int,
    max_skew_s: int,
) -> None:
    """Raise ``SignatureError`` unless the body was signed with ``secret`` recently."""
    if not header or not timestamp:
        raise SignatureError(
            "missing_signature", f"{SIGNATURE_HEADER} and {TIMESTAMP_HEADER} required"
        )
    try:
        ts = int(timestamp)
    except ValueError:
        raise SignatureError("bad_timestamp", f"{TIMESTAMP_HEADER} is not unix seconds") from None
    if abs(now_s - ts) > max_skew_s:
        raise SignatureError(
            "stale_timestamp", f"timestamp {ts} is more than {max_skew_s} s from now"
        )
    if not hmac.compare_digest(header.strip().encode(), signature(secret, ts, body).encode()):
        raise SignatureError("bad_signature", "signature does not match the body")
