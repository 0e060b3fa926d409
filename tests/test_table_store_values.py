"""The worker's tables hold JSON bytes: the changelog's bytes, out of the collector's way.

Why it matters (docs/benchmarks.md, eleventh round): held as dicts and lists, 100 k open
cases were ~0.9 M objects CPython's cyclic collector walked at every full collection,
a stall of 0.2–0.3 s for every record the worker held.
"""

from __future__ import annotations

import gc
import tracemalloc
from typing import Any

import faust
import pytest
from faust.serializers import codecs
from hypothesis import given
from hypothesis import strategies as st

from fenliu.streams.worker.table_store import ExpiringTable, JsonValues, SharedEntries, json_table

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53), 2**53) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner),
    max_leaves=20,
)


@given(st.dictionaries(st.text(max_size=6), JSON_VALUES, max_size=5))
def test_the_bytes_are_what_faust_wrote_to_the_changelog_before(value: dict[str, Any]) -> None:
    """A changelog written while the tables held dicts recovers into bytes, and back."""
    faust_bytes = codecs.dumps("json", value)
    assert JsonValues.encode(value) == faust_bytes
    assert JsonValues({"k": faust_bytes})["k"] == value


def test_values_are_held_encoded_and_each_read_is_a_copy() -> None:
    raw: dict[str, Any] = {}
    table = JsonValues(raw)
    table["c1"] = {"calls": [{"caller": "x"}], "seq": 3}
    assert isinstance(raw["c1"], bytes) and not gc.is_tracked(raw["c1"])
    first = table["c1"]
    first["calls"].append({"caller": "y"})
    assert table.get("c1") == {"calls": [{"caller": "x"}], "seq": 3}
    assert table.get("missing") is None and "c1" in table and list(table) == ["c1"]
    assert dict(table.items()) == {"c1": {"calls": [{"caller": "x"}], "seq": 3}}
    del table["c1"]
    assert raw == {} and len(table) == 0
    with pytest.raises(KeyError):
        table["c1"]


def test_a_value_held_takes_about_its_own_size() -> None:
    """orjson's bytes keep the writer's buffer (16 KB traced for a 1.2 KB value): 100 k
    open cases would hold gigabytes. What the table keeps is an exact copy."""
    values = [{"seq": i, "text": "报警人称" * 100} for i in range(200)]
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        held = [JsonValues.encode(v) for v in values]
        grown = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert grown < 1.5 * sum(len(b) for b in held) + 200 * 64


def test_a_faust_table_made_for_it_has_raw_values_and_json_keys() -> None:
    """Faust takes a table's serializers from its types, not its schema: without
    ``value_type=bytes`` it would JSON-encode the bytes again."""
    app = faust.App("fenliu-test-table-values", broker="kafka://127.0.0.1:1")
    made = json_table(app, "cases", 6, "open cases")
    assert (made.table.key_serializer, made.table.value_serializer) == ("json", "raw")


def test_the_expiring_and_shared_tables_read_and_rebuild_through_the_bytes() -> None:
    raw: dict[str, Any] = {}
    cases = ExpiringTable(JsonValues(raw), "cases")
    cases.put(2, "c1", {"seq": 1}, due_ms=500)
    assert isinstance(raw["c1"], bytes) and cases.get("c1") == {"seq": 1, "_p": 2, "_due": 500}
    again = ExpiringTable(JsonValues(raw), "cases")  # a restart: the index from the bytes
    again.advance(2, 400)
    assert again.due(2) == []
    again.advance(2, 501)
    assert again.due(2) == ["c1"]

    orders: dict[str, Any] = {}
    shared = SharedEntries(JsonValues(orders))
    shared.part("sla")["o1"] = {"stage": "SIGN"}
    shared.part("rates")["o1"] = {"signed": False}
    assert orders == {} and shared.flush() == 1
    assert isinstance(orders["o1"], bytes)
    assert shared.part("sla")["o1"] == {"stage": "SIGN"} and list(shared.part("rates")) == ["o1"]
