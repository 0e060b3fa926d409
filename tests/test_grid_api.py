"""The grid platform contract: the OpenAPI file, the pydantic models and the Avro schemas agree."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from fenliu_grid_sim.life import plan_life
from fenliu_grid_sim.store import StoredOrder, body_hash
from hypothesis import given
from hypothesis import strategies as st
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate as validate_openapi
from pydantic import ValidationError
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from fenliu.schemas.catalog import default_catalog
from fenliu.sinks.grid.contract import (
    LifecycleEventIn,
    OrderRequest,
    SignatureError,
    signature,
    signed_headers,
    verify_signature,
)
from tests.grid_support import CODEC, dispatch_order, sim_config

API_FILE = Path(__file__).resolve().parent.parent / "api" / "grid-platform.openapi.yaml"
SPEC = yaml.safe_load(API_FILE.read_text(encoding="utf-8"))
CATALOG = default_catalog()


def api_validator(name: str) -> Draft202012Validator:
    """A JSON Schema validator for one of the OpenAPI file's component schemas."""
    registry = Registry().with_resource(
        "urn:grid-api", Resource.from_contents(SPEC, default_specification=DRAFT202012)
    )
    return Draft202012Validator(
        {"$ref": f"urn:grid-api#/components/schemas/{name}"},
        registry=registry,
        format_checker=Draft202012Validator.FORMAT_CHECKER,
    )


def avro_fields(name: str) -> dict[str, Any]:
    return {f["name"]: f for f in CATALOG[name].raw["fields"]}


def nullable(avro_type: Any) -> bool:
    return isinstance(avro_type, list) and "null" in avro_type


def test_openapi_file_is_valid_openapi_3_1() -> None:
    assert SPEC["openapi"].startswith("3.1")
    validate_openapi(SPEC)
    assert "lifecycleEvent" in SPEC["webhooks"]
    assert {"/orders", "/orders/{order_id}", "/health"} <= set(SPEC["paths"])


@pytest.mark.parametrize(
    ("avro", "model", "component"),
    [
        ("DispatchOrder", OrderRequest, "OrderRequest"),
        ("LifecycleEvent", LifecycleEventIn, "LifecycleEvent"),
    ],
)
def test_models_and_openapi_mirror_the_avro_contract(avro: str, model: Any, component: str) -> None:
    fields = avro_fields(avro)
    schema = SPEC["components"]["schemas"][component]
    assert set(model.model_fields) == set(fields)
    assert set(schema["properties"]) == set(fields)
    for name, field in fields.items():
        has_default = "default" in field
        assert model.model_fields[name].is_required() == (not has_default), name
        assert (name in schema["required"]) == (not has_default), name
        if nullable(field["type"]):
            assert "null" in schema["properties"][name].get("type", ["null"]), name


def test_lifecycle_enums_match_the_avro_symbols() -> None:
    fields = avro_fields("LifecycleEvent")
    kinds = fields["kind"]["type"]["symbols"]
    answers = next(t for t in fields["satisfaction"]["type"] if isinstance(t, dict))["symbols"]
    props = SPEC["components"]["schemas"]["LifecycleEvent"]["properties"]
    assert props["kind"]["enum"] == kinds
    assert [a for a in props["satisfaction"]["enum"] if a] == answers
    assert list(LifecycleEventIn.model_fields["kind"].annotation) == kinds  # type: ignore[arg-type]
    for kind in kinds:
        LifecycleEventIn(
            event_id="e",
            order_id="o",
            case_id="c",
            kind=kind,
            at="2026-11-19T08:00:00+08:00",
            unit_id="u",
        )  # type: ignore[arg-type]


def test_an_order_body_from_a_decoded_record_validates_against_the_api() -> None:
    record = CODEC.decode(
        CODEC.encode("DispatchOrder", dispatch_order("o-1")), expect="DispatchOrder"
    )
    order = OrderRequest.from_record(record)
    body = order.model_dump(mode="json")
    api_validator("OrderRequest").validate(body)
    assert body["created_at"] == "2026-11-18T11:06:40Z"
    assert OrderRequest.model_validate_json(order.model_dump_json()) == order


def test_grid_sim_resources_and_events_validate_against_the_api() -> None:
    order = OrderRequest.from_record(dispatch_order("o-2"))
    from datetime import UTC, datetime

    stored = StoredOrder(order, body_hash(order), datetime(2026, 11, 19, tzinfo=UTC))
    config = sim_config()
    for step in plan_life(order, config.knobs, config.seed):
        event = LifecycleEventIn(
            event_id=step.event_id(order.order_id),
            order_id=order.order_id,
            case_id=order.case_id,
            kind=step.kind,
            at=datetime(2026, 11, 19, tzinfo=UTC),
            unit_id=order.unit_id,  # type: ignore[arg-type]
            actor=step.actor,
            note=step.note,
            satisfaction=step.satisfaction,  # type: ignore[arg-type]
            resolved_on_site=step.resolved_on_site,
        )
        api_validator("LifecycleEvent").validate(event.model_dump(mode="json"))
        stored.events.append(event.model_dump(mode="json"))
        CODEC.encode("LifecycleEvent", event.to_record())  # and it is a valid Avro record
    resource = stored.service_request()
    api_validator("ServiceRequest").validate(resource)
    assert resource["status"] == "closed"
    assert resource["expected_datetime"] == "2026-11-18T11:36:40Z"  # the CLOSE deadline


def test_invalid_lifecycle_bodies_are_refused() -> None:
    good = {
        "event_id": "e",
        "order_id": "o",
        "case_id": "c",
        "kind": "SIGNED",
        "at": "2026-11-19T08:00:00Z",
        "unit_id": "u",
    }
    LifecycleEventIn.model_validate(good)
    for bad in [
        {**good, "kind": "EXPLODED"},
        {**good, "at": "2026-11-19T08:00:00"},  # no offset: ambiguous time
        {**good, "surprise": 1},
        {k: v for k, v in good.items() if k != "order_id"},
        {**good, "event_id": ""},
        {**good, "satisfaction": "HAPPY"},
    ]:
        with pytest.raises(ValidationError):
            LifecycleEventIn.model_validate(bad)
        with pytest.raises(Exception):  # noqa: B017 - the OpenAPI schema refuses it too
            api_validator("LifecycleEvent").validate(bad)


# --- signatures -----------------------------------------------------------------------------
@given(st.binary(max_size=2000), st.integers(1_600_000_000, 2_000_000_000))
def test_a_signed_body_verifies_and_any_change_does_not(body: bytes, now: int) -> None:
    secret = b"s3cret"
    headers = signed_headers(secret, body, now)
    args = (headers["X-Fenliu-Signature"], headers["X-Fenliu-Timestamp"])
    verify_signature(secret, *args, body, now_s=now + 10, max_skew_s=300)
    with pytest.raises(SignatureError) as wrong_body:
        verify_signature(secret, *args, body + b" ", now_s=now, max_skew_s=300)
    assert wrong_body.value.code == "bad_signature"
    with pytest.raises(SignatureError):
        verify_signature(b"other", *args, body, now_s=now, max_skew_s=300)
    # a replay with a fresh timestamp header but the old signature fails: the time is signed
    with pytest.raises(SignatureError):
        verify_signature(secret, args[0], str(now + 1000), body, now_s=now + 1000, max_skew_s=300)


@pytest.mark.parametrize(
    ("header", "timestamp", "now", "code"),
    [
        (None, "1000", 1000, "missing_signature"),
        ("sha256=00", None, 1000, "missing_signature"),
        ("sha256=00", "yesterday", 1000, "bad_timestamp"),
        (signature(b"k", 1000, b"{}"), "1000", 1301, "stale_timestamp"),
        (signature(b"k", 1000, b"{}"), "1000", 699, "stale_timestamp"),
    ],
)
def test_signature_refusals_say_why(
    header: str | None, timestamp: str | None, now: int, code: str
) -> None:
    with pytest.raises(SignatureError) as refused:
        verify_signature(b"k", header, timestamp, b"{}", now_s=now, max_skew_s=300)
    assert refused.value.code == code
