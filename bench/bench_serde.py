"""fastavro against the reference ``avro`` package on fenliu's own contracts.

    .venv/bin/python -m bench.bench_serde [--records N]

Same records, same schema, same process; the ratio column is what matters.
"""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import avro.io
import avro.schema
import fastavro
import typer
from fastavro.utils import generate_many

from bench.common import Result, best_of, print_table
from fenliu.schemas.catalog import default_catalog

_EPOCH_2026 = datetime(2026, 1, 1, tzinfo=UTC)


def with_real_times(value: Any, schema: Any) -> Any:
    """Generated longs overflow datetimes; give timestamp fields a 2026 datetime instead."""
    if isinstance(schema, dict):
        if schema.get("logicalType") == "timestamp-millis":
            return _EPOCH_2026 + timedelta(milliseconds=abs(value) % 31_536_000_000)
        if schema.get("type") == "record":
            return {
                f["name"]: with_real_times(value[f["name"]], f["type"]) for f in schema["fields"]
            }
        if schema.get("type") == "array":
            return [with_real_times(v, schema["items"]) for v in value]
    if isinstance(schema, list) and value is not None:
        for branch in schema:
            if isinstance(branch, dict) and branch.get("type") in ("record", "long"):
                try:
                    return with_real_times(value, branch)
                except (KeyError, TypeError):
                    continue
    return value


def main(records: int = typer.Option(20_000, help="records per case"), repeats: int = 3) -> None:
    results: list[Result] = []
    for name in ("Call110", "Decision"):
        contract = default_catalog()[name]
        sample = [
            with_real_times(r, contract.expanded) for r in generate_many(contract.parsed, records)
        ]
        ref_schema = avro.schema.parse(json.dumps(contract.expanded))
        ref_writer = avro.io.DatumWriter(ref_schema)
        ref_reader = avro.io.DatumReader(ref_schema)

        def avro_encode() -> list[bytes]:
            out = []
            for r in sample:
                buf = io.BytesIO()
                ref_writer.write(r, avro.io.BinaryEncoder(buf))
                out.append(buf.getvalue())
            return out

        def fast_encode() -> list[bytes]:
            out = []
            for r in sample:
                buf = io.BytesIO()
                fastavro.schemaless_writer(buf, contract.parsed, r)
                out.append(buf.getvalue())
            return out

        encoded = fast_encode()

        def avro_decode() -> None:
            for b in encoded:
                ref_reader.read(avro.io.BinaryDecoder(io.BytesIO(b)))

        def fast_decode() -> None:
            for b in encoded:
                fastavro.schemaless_reader(io.BytesIO(b), contract.parsed, None)

        results += [
            best_of(repeats, records, avro_encode, "avro", group=f"encode {name}"),
            best_of(repeats, records, fast_encode, "fastavro", group=f"encode {name}"),
            best_of(repeats, records, avro_decode, "avro", group=f"decode {name}"),
            best_of(repeats, records, fast_decode, "fastavro", group=f"decode {name}"),
        ]
    print_table("Avro serialisation, one core", results, baseline="avro")


if __name__ == "__main__":
    typer.run(main)
