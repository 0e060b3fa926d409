"""The Avro contracts: documented, framed so each message names its schema, evolvable."""

from __future__ import annotations

import copy
import json

import pytest
from fastavro.utils import generate_many
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from fenliu.processors.model import InvalidEvent, RejectReason
from fenliu.schemas.catalog import NAMESPACE, default_catalog
from fenliu.schemas.compat import backward_problems
from fenliu.schemas.serde import HISTORY_DIR, SINGLE_OBJECT_MAGIC, SingleObjectCodec

CATALOG = default_catalog()
CODEC = SingleObjectCodec()
REQUIRED = {
    "Call110",
    "Ticket12345",
    "CaseEvent",
    "Decision",
    "DispatchOrder",
    "LifecycleEvent",
    "SlaAlert",
    "HotspotWarning",
    "DeadLetter",
}


def _fields(node, path=""):
    if isinstance(node, dict):
        for f in node.get("fields", []):
            yield f"{path}{node['name']}.{f['name']}", f
            yield from _fields(f["type"], f"{path}{node['name']}.")
        for key in ("items", "values"):
            if key in node:
                yield from _fields(node[key], path)
    elif isinstance(node, list):
        for item in node:
            yield from _fields(item, path)


def test_every_required_contract_exists_in_one_namespace():
    assert set(CATALOG.names()) >= REQUIRED
    assert {c.fullname.rsplit(".", 1)[0] for c in CATALOG} == {NAMESPACE}


@pytest.mark.parametrize("name", sorted(REQUIRED))
def test_every_field_is_documented(name):
    undocumented = [p for p, f in _fields(CATALOG[name].raw) if not f.get("doc", "").strip()]
    assert undocumented == []


@pytest.mark.parametrize("name", sorted(REQUIRED))
def test_round_trip_single_object_encoding(name):
    contract = CATALOG[name]
    for record in generate_many(contract.parsed, 25):
        data = CODEC.encode(name, record)
        assert data[:2] == SINGLE_OBJECT_MAGIC
        assert data[2:10] == contract.fingerprint
        assert CODEC.schema_of(data) == name
        again = CODEC.decode(data, expect=name)
        assert CODEC.encode(name, again) == data


def test_fingerprint_follows_the_avro_spec():
    """CRC-64-AVRO of "int" is 0x7275d51a3f395c8f in Java's SchemaNormalization; the header
    carries it little-endian. (The Python ``avro`` package keeps ``{"type": "long"}`` for
    logical types in its canonical form, against the spec's [PRIMITIVES] rule, so it is
    not used as the reference for schemas with timestamps.)"""
    from fastavro.schema import fingerprint

    assert bytes.fromhex(fingerprint('"int"', "CRC-64-AVRO")) == (0x7275D51A3F395C8F).to_bytes(
        8, "little"
    )
    for contract in CATALOG:
        assert bytes.fromhex(fingerprint(contract.canonical, "CRC-64-AVRO")) == contract.fingerprint
        assert (
            "logicalType" not in contract.canonical and '{"type":"long"}' not in contract.canonical
        )


def test_wrong_schema_is_named():
    data = CODEC.encode(
        "LifecycleEvent", next(iter(generate_many(CATALOG["LifecycleEvent"].parsed, 1)))
    )
    with pytest.raises(InvalidEvent) as err:
        CODEC.decode(data, expect="Call110")
    assert err.value.reason is RejectReason.WRONG_SCHEMA


def test_unknown_fingerprint_and_truncation_are_named():
    record = next(iter(generate_many(CATALOG["Call110"].parsed, 1)))
    data = CODEC.encode("Call110", record)
    with pytest.raises(InvalidEvent) as err:
        CODEC.decode(SINGLE_OBJECT_MAGIC + b"\x00" * 8 + data[10:])
    assert err.value.reason is RejectReason.UNKNOWN_SCHEMA
    with pytest.raises(InvalidEvent) as err:
        CODEC.decode(data[:12], expect="Call110")
    assert err.value.reason is RejectReason.UNDECODABLE


@hsettings(max_examples=300, deadline=None)
@given(st.binary(max_size=200))
def test_any_bytes_decode_or_fail_with_a_named_reason(data):
    try:
        CODEC.decode(data, expect="Call110")
    except InvalidEvent as exc:
        assert exc.reason in {
            RejectReason.UNDECODABLE,
            RejectReason.UNKNOWN_SCHEMA,
            RejectReason.WRONG_SCHEMA,
        }


@hsettings(max_examples=200, deadline=None)
@given(st.binary(max_size=200))
def test_a_known_header_with_garbage_body_fails_cleanly(body):
    data = SINGLE_OBJECT_MAGIC + CATALOG["Call110"].fingerprint + body
    try:
        CODEC.decode(data, expect="Call110")
    except InvalidEvent as exc:
        assert exc.reason is RejectReason.UNDECODABLE


def _history():
    return sorted(HISTORY_DIR.glob("*.avsc"))


def test_every_contract_has_its_history_kept():
    kept = {p.name.split(".")[0] for p in _history()}
    assert set(CATALOG.names()) <= kept


@pytest.mark.parametrize("path", _history(), ids=lambda p: p.name)
def test_current_schema_reads_every_older_version(path):
    old = json.loads(path.read_text(encoding="utf-8"))
    current = CATALOG[path.name.split(".")[0]].expanded
    assert backward_problems(old, current) == []


def test_old_writer_bytes_decode_through_the_codec(tmp_path):
    """A message framed with a retired version's fingerprint decodes into today's shape."""
    old = copy.deepcopy(CATALOG["LifecycleEvent"].expanded)
    old["fields"] = [f for f in old["fields"] if f["name"] != "resolved_on_site"]
    (tmp_path / "LifecycleEvent.v0.avsc").write_text(json.dumps(old))
    codec = SingleObjectCodec(history=tmp_path)
    import io

    import fastavro
    from fastavro.schema import fingerprint, to_parsing_canonical_form

    parsed = fastavro.parse_schema(old, named_schemas={})
    record = next(iter(generate_many(parsed, 1)))
    buf = io.BytesIO()
    fastavro.schemaless_writer(buf, parsed, record)
    fp = bytes.fromhex(fingerprint(to_parsing_canonical_form(old), "CRC-64-AVRO"))
    decoded = codec.decode(SINGLE_OBJECT_MAGIC + fp + buf.getvalue(), expect="LifecycleEvent")
    assert decoded["resolved_on_site"] is None
    assert decoded["order_id"] == record["order_id"]


def test_checker_catches_an_incompatible_change():
    old = CATALOG["SlaAlert"].expanded
    new = copy.deepcopy(old)
    new["fields"].append({"name": "owner", "type": "string", "doc": "no default: breaks old data"})
    assert backward_problems(old, new) != []
    renamed = copy.deepcopy(old)
    renamed["fields"][0]["type"] = "int"
    assert backward_problems(old, renamed) != []
