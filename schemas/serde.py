"""Avro on the wire, so that every message names its schema.

Two framings, chosen by settings:

* **Avro single-object encoding** (the default, no registry needed): ``C3 01`` then the
  8-byte little-endian CRC-64-AVRO fingerprint of the writer schema's canonical form,
  then the Avro binary body. Fingerprints of older versions kept in ``schemas/history/``
  are known too, so a record written before an evolution still decodes into today's shape.
* **Confluent framing** (``FENLIU_SCHEMA_REGISTRY_URL`` set): magic byte ``00`` and a
  4-byte schema id; confluent-kafka's own Avro serializers do the work.

Bodies are written and read with fastavro (``bench/bench_serde.py`` measures it against
the reference ``avro`` package).
"""

from __future__ import annotations

import io
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import fastavro
from fastavro.schema import fingerprint, to_parsing_canonical_form

from fenliu.processors.model import InvalidEvent, RejectReason
from fenliu.schemas.catalog import SCHEMA_DIR, Contract, SchemaCatalog, default_catalog

SINGLE_OBJECT_MAGIC = b"\xc3\x01"
HEADER_LEN = 10
HISTORY_DIR = SCHEMA_DIR / "history"


class Codec(Protocol):
    """Turns records into framed bytes and back; decode errors are ``InvalidEvent``s."""

    def encode(self, schema: str, record: Mapping[str, Any]) -> bytes: ...

    def decode(self, data: bytes, expect: str | None = None) -> dict[str, Any]: ...


@dataclass(frozen=True)
class _Writer:
    """A schema some producer may have written with: today's or an older version."""

    name: str  # the contract it is a version of
    parsed: Any


def _history_writers(directory: Path) -> dict[bytes, _Writer]:
    """Older versions kept as self-contained (expanded) schemas: ``Name.vN.avsc``."""
    out: dict[bytes, _Writer] = {}
    for path in sorted(directory.glob("*.avsc")):
        raw = json.loads(path.read_text(encoding="utf-8"))
        fp = bytes.fromhex(fingerprint(to_parsing_canonical_form(raw), "CRC-64-AVRO"))
        out[fp] = _Writer(path.name.split(".")[0], fastavro.parse_schema(raw, named_schemas={}))
    return out


class SingleObjectCodec:
    """Avro single-object encoding over the contracts of a ``SchemaCatalog``."""

    def __init__(self, catalog: SchemaCatalog | None = None, history: Path = HISTORY_DIR) -> None:
        self.catalog = catalog or default_catalog()
        self._writers: dict[bytes, _Writer] = _history_writers(history) if history.is_dir() else {}
        for contract in self.catalog:
            self._writers[contract.fingerprint] = _Writer(contract.name, contract.parsed)
        self._headers = {c.name: SINGLE_OBJECT_MAGIC + c.fingerprint for c in self.catalog}

    def encode(self, schema: str, record: Mapping[str, Any]) -> bytes:
        """Frame and write ``record`` with the current version of ``schema``."""
        contract = self.catalog[schema]
        buf = io.BytesIO()
        buf.write(self._headers[schema])
        fastavro.schemaless_writer(buf, contract.parsed, record)
        return buf.getvalue()

    def schema_of(self, data: bytes) -> str:
        """Which contract framed bytes claim to be, without reading the body."""
        return self._writer_for(data).name

    def _writer_for(self, data: bytes) -> _Writer:
        if len(data) < HEADER_LEN or data[:2] != SINGLE_OBJECT_MAGIC:
            raise InvalidEvent(
                RejectReason.UNDECODABLE,
                f"not Avro single-object encoding (first bytes {data[:2].hex() or 'none'})",
            )
        writer = self._writers.get(bytes(data[2:HEADER_LEN]))
        if writer is None:
            raise InvalidEvent(
                RejectReason.UNKNOWN_SCHEMA, f"unknown schema fingerprint {data[2:10].hex()}"
            )
        return writer

    def decode(self, data: bytes, expect: str | None = None) -> dict[str, Any]:
        """Read framed bytes into today's shape of their contract; ``expect`` pins the contract."""
        writer = self._writer_for(data)
        if expect is not None and writer.name != expect:
            raise InvalidEvent(RejectReason.WRONG_SCHEMA, f"expected {expect}, got {writer.name}")
        reader = self.catalog[writer.name].parsed
        try:
            record = fastavro.schemaless_reader(
                io.BytesIO(data[HEADER_LEN:]),
                writer.parsed,
                None if writer.parsed is reader else reader,
            )
        except Exception as exc:  # fastavro raises EOFError, ValueError, IndexError, ...
            raise InvalidEvent(
                RejectReason.UNDECODABLE, f"{writer.name} body: {type(exc).__name__}: {exc}"
            ) from exc
        if not isinstance(record, dict):  # pragma: no cover - all contracts are records
            raise InvalidEvent(RejectReason.UNDECODABLE, "body is not a record")
        return record


class RegistryCodec:
    """Confluent framing through a schema registry; subjects are ``<topic>-value``.

    confluent-kafka's serializers handle registration, id lookup and caching; this class
    only maps their errors onto the dead-letter reasons the rest of the pipeline uses.
    """

    def __init__(self, url: str, catalog: SchemaCatalog | None = None) -> None:
        from confluent_kafka.schema_registry import SchemaRegistryClient
        from confluent_kafka.schema_registry.avro import AvroDeserializer, AvroSerializer

        self.catalog = catalog or default_catalog()
        self._client = SchemaRegistryClient({"url": url})
        self._serializers = {
            c.name: AvroSerializer(
                self._client, json.dumps(c.expanded), conf={"auto.register.schemas": True}
            )
            for c in self.catalog
        }
        self._deserializers = {
            c.name: AvroDeserializer(self._client, json.dumps(c.expanded)) for c in self.catalog
        }

    def encode(self, schema: str, record: Mapping[str, Any], topic: str = "fenliu") -> bytes:
        from confluent_kafka.serialization import MessageField, SerializationContext

        data = self._serializers[schema](
            dict(record), SerializationContext(topic, MessageField.VALUE)
        )
        assert data is not None
        return data

    def decode(
        self, data: bytes, expect: str | None = None, topic: str = "fenliu"
    ) -> dict[str, Any]:
        from confluent_kafka.serialization import MessageField, SerializationContext

        if not data or data[0] != 0:
            raise InvalidEvent(RejectReason.UNDECODABLE, "not Confluent Avro framing")
        if expect is None:
            raise ValueError("the registry codec needs the expected contract name")
        try:
            record = self._deserializers[expect](
                data, SerializationContext(topic, MessageField.VALUE)
            )
        except Exception as exc:
            raise InvalidEvent(RejectReason.UNDECODABLE, f"{type(exc).__name__}: {exc}") from exc
        return dict(record or {})


def codec_for(schema_registry_url: str | None) -> Codec:
    """The codec the settings ask for."""
    if schema_registry_url:
        return RegistryCodec(schema_registry_url)
    return SingleObjectCodec()


def contract(name: str) -> Contract:
    """Shortcut to a current contract by name."""
    return default_catalog()[name]
