"""Schema evolution check: can today's schema read what an older version wrote?

Backward compatibility in Avro's sense (new reader, old writer). Checked by resolution,
not by diffing JSON: fastavro resolves records written with the old schema into the new
one, over generated samples that exercise every branch of unions and enums.
"""

from __future__ import annotations

import io
from typing import Any

import fastavro
from fastavro.utils import generate_many


def backward_problems(old: dict[str, Any], new: dict[str, Any], samples: int = 200) -> list[str]:
    """Why ``new`` cannot read data written with ``old`` (empty list: compatible)."""
    writer = fastavro.parse_schema(old, named_schemas={})
    reader = fastavro.parse_schema(new, named_schemas={})
    problems: list[str] = []
    for record in generate_many(writer, samples):
        buf = io.BytesIO()
        fastavro.schemaless_writer(buf, writer, record)
        buf.seek(0)
        try:
            fastavro.schemaless_reader(buf, writer, reader)
        except Exception as exc:  # SchemaResolutionError and friends
            problems.append(f"{type(exc).__name__}: {exc}")
            break
    return problems
