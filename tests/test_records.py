"""The typed records of ``schemas/records.py`` agree with the ``.avsc`` files and the OpenAPI file."""

from __future__ import annotations

import dataclasses
import typing
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import fastavro
import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from fenliu.schemas import records as R
from fenliu.schemas.catalog import default_catalog

CATALOG = default_catalog()
API_FILE = Path(__file__).resolve().parent.parent / "api" / "grid-platform.openapi.yaml"


def _named_types() -> dict[str, dict[str, Any]]:
    """Every record and enum any contract defines, by short name (expanded form)."""
    out: dict[str, dict[str, Any]] = {}

    def walk(node: Any) -> None:
        if isinstance(node, list):
            for n in node:
                walk(n)
        elif isinstance(node, dict):
            if node.get("type") in ("record", "enum"):
                out.setdefault(node["name"].rsplit(".", 1)[-1], node)
            for key in ("type", "items", "values", "fields"):
                if key in node:
                    walk(node[key])

    for contract in CATALOG:
        walk(contract.expanded)
    return out


NAMED = _named_types()


def test_every_avro_record_and_enum_has_its_class() -> None:
    assert {n for n, t in NAMED.items() if t["type"] == "record"} == set(R.RECORDS)
    assert {n for n, t in NAMED.items() if t["type"] == "enum"} == set(R.ENUMS)


@pytest.mark.parametrize("name", sorted(R.ENUMS))
def test_enum_values_are_the_avro_symbols(name: str) -> None:
    assert [m.value for m in R.ENUMS[name]] == NAMED[name]["symbols"]


def _avro_shape(avro_type: Any) -> tuple[bool, str]:
    """(optional, what) of an Avro field type: what is a primitive, 'ts', 'array', 'map' or a name."""
    optional = isinstance(avro_type, list)
    if optional:
        assert avro_type[0] == "null" and len(avro_type) == 2, avro_type
        avro_type = avro_type[1]
    if isinstance(avro_type, dict):
        if avro_type.get("logicalType") == "timestamp-millis":
            return optional, "ts"
        if avro_type["type"] in ("record", "enum"):
            return optional, avro_type["name"].rsplit(".", 1)[-1]
        return optional, avro_type["type"]
    return optional, avro_type.rsplit(".", 1)[-1]


_PRIMITIVE = {str: "string", int: ("int", "long"), float: "double", bool: "boolean", bytes: "bytes"}


def _hint_shape(hint: Any) -> tuple[bool, Any]:
    inner = R.optional_of(hint)
    optional = inner is not None
    hint = inner if optional else hint
    if R.is_timestamp(hint):
        return optional, "ts"
    if typing.get_origin(hint) is tuple:
        return optional, "array"
    if typing.get_origin(hint) is dict:
        return optional, "map"
    if isinstance(hint, type) and (issubclass(hint, R.AvroRecord)):
        return optional, hint.AVRO_NAME
    if isinstance(hint, type) and hint in R.ENUMS.values():
        return optional, next(n for n, e in R.ENUMS.items() if e is hint)
    return optional, _PRIMITIVE[hint]


@pytest.mark.parametrize("name", sorted(R.RECORDS))
def test_record_class_matches_its_avsc_field_for_field(name: str) -> None:
    cls = R.RECORDS[name]
    avro = NAMED[name]["fields"]
    fields = dataclasses.fields(cls)
    assert [f.name for f in fields] == [f["name"] for f in avro]
    hints = typing.get_type_hints(cls, include_extras=True)
    for f, a in zip(fields, avro, strict=True):
        opt, what = _hint_shape(hints[f.name])
        a_opt, a_what = _avro_shape(a["type"])
        assert opt == a_opt, f"{name}.{f.name}: optional {opt} vs {a_opt}"
        assert what == a_what or (isinstance(what, tuple) and a_what in what), f"{name}.{f.name}"
        has_default = (
            f.default is not dataclasses.MISSING or f.default_factory is not dataclasses.MISSING
        )
        assert has_default == ("default" in a), f"{name}.{f.name}: default"
        if "default" in a:
            default = f.default if f.default is not dataclasses.MISSING else f.default_factory()  # type: ignore[misc]
            assert (list(default) if isinstance(default, tuple) else default) == a["default"]


def test_openapi_enums_are_the_record_enums() -> None:
    spec = yaml.safe_load(API_FILE.read_text(encoding="utf-8"))
    schemas = spec["components"]["schemas"]
    lifecycle = schemas["LifecycleEvent"]["properties"]
    assert lifecycle["kind"]["enum"] == list(R.LifecycleKind)
    assert [a for a in lifecycle["satisfaction"]["enum"] if a] == list(R.Satisfaction)
    assert schemas["OrderRequest"]["properties"]["source"]["enum"] == list(R.EventSource)


@given(st.integers(min_value=-(2**62) // 10**6, max_value=2**62 // 10**6))
def test_epoch_ms_round_trips_through_datetime(ms: int) -> None:
    assert R.epoch_ms(R.to_datetime(ms)) == ms
    assert R.epoch_ms(ms) == ms


def test_epoch_ms_reads_naive_as_utc_and_rejects_other_types() -> None:
    assert R.epoch_ms(datetime(2026, 1, 1)) == R.epoch_ms(datetime(2026, 1, 1, tzinfo=UTC))
    with pytest.raises(TypeError):
        R.epoch_ms(True)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        R.epoch_ms("1700000000000")  # type: ignore[arg-type]


ORDER = {
    "order_id": "od_1",
    "case_id": "cs_1",
    "decision_id": "dc_1",
    "created_at": 1_764_000_000_000,
    "source": "S12345",
    "is_police_matter": False,
    "class_code": "NP01",
    "situation_code": "NP01-01",
    "situation_name": "噪声",
    "priority": 3,
    "unit_id": "u1",
    "unit_name": "街道",
    "unit_kind": "department",
    "town_code": "331002001",
    "grid_code": None,
    "team_id": None,
    "location": {"text": "某路1号", "lon": 121.4, "lat": 28.6, "admin_code": None},
    "summary": "楼上噪声",
    "caller_key": None,
    "deadlines": [
        {"stage": "SIGN", "due_at": 1_764_000_600_000},
        {"stage": "CLOSE", "due_at": 1_764_086_400_000},
    ],
    "repeat_count": 0,
    "flow_back": False,
    "taxonomy_version": "t1",
    "routing_version": "r1",
    "reopens_order_id": None,
    "version": 1,
}


def test_a_dispatch_order_survives_fastavro_both_ways() -> None:
    parsed = CATALOG["DispatchOrder"].parsed
    import io

    buf = io.BytesIO()
    fastavro.schemaless_writer(buf, parsed, R.DispatchOrder.from_avro(ORDER).to_avro())
    buf.seek(0)
    decoded = fastavro.schemaless_reader(buf, parsed)
    assert isinstance(decoded["created_at"], datetime)  # what fastavro hands the readers
    order = R.DispatchOrder.from_avro(decoded)
    assert order.to_avro() == ORDER
    assert order.source is R.EventSource.S12345
    assert order.due("CLOSE") == 1_764_086_400_000 and order.due("ARRIVE") is None
    assert order.location.lon == 121.4
    assert order.to_avro(datetimes=True)["deadlines"][0]["due_at"] == R.to_datetime(
        1_764_000_600_000
    )


def test_a_bad_enum_symbol_is_refused() -> None:
    with pytest.raises(ValueError):
        R.DispatchOrder.from_avro({**ORDER, "source": "S119"})
