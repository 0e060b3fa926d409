"""Where a replay writes its decisions: its own topic, an Avro file, or nowhere; never a live topic."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any, Protocol

from confluent_kafka.admin import AdminClient, NewTopic

from fenliu.processors.model import Decision
from fenliu.processors.records import decision_record
from fenliu.settings import Settings
from fenliu.streams.kafka.config import confluent_config
from fenliu.streams.kafka.produce import Output, produce_all
from fenliu.streams.kafka.watchdog import WatchedProducer, watched_producer
from fenliu.topics import catalogue as topics


# --- outputs ------------------------------------------------------------------------
class ReplaySink(Protocol):
    """Where a replay writes its decisions: never a live topic."""

    def write(self, decision: Decision, data: bytes, position: tuple[str, int, int]) -> None: ...
    def flush(self) -> None: ...
    def close(self) -> None: ...
    def describe(self) -> dict[str, str]: ...


def replay_topic_name(settings: Settings, run_id: str) -> str:
    return settings.topic(f"fenliu.replay.{run_id}.decisions")


def live_topic_names(settings: Settings) -> set[str]:
    return {settings.topic(spec.name) for spec in topics.default_catalogue().topics}


class TopicSink:
    """The run's own topic ``fenliu.replay.<run-id>.decisions``, keyed like the live one."""

    def __init__(self, settings: Settings, run_id: str, *, create: bool = True) -> None:
        self.topic = replay_topic_name(settings, run_id)
        if self.topic in live_topic_names(settings):  # a run id cannot make it live, but say so
            raise ValueError(f"refusing to write a replay to live topic {self.topic}")
        if create:  # workers of a split replay write to the topic their parent made
            admin = AdminClient(confluent_config(settings))
            spec = NewTopic(
                self.topic,
                settings.topics.partitions,
                settings.topics.replication,
                config={"retention.ms": str(settings.replay.retention_ms)},
            )
            admin.create_topics([spec])[self.topic].result(settings.replay.kafka_timeout_s)
        self.producer = self.new_producer(settings)
        self.pending: list[Output] = []

    def new_producer(self, settings: Settings) -> WatchedProducer:
        """Watched (librdkafka #5301, streams/kafka/watchdog.py): a stranded producer is
        recreated and the batch's unacknowledged decisions produced again, where a plain one
        would fail the replay after ``message.timeout.ms``. At-least-once as the live topic:
        a repeat is the same bytes with the same ``decision_id`` header."""
        config = confluent_config(
            settings,
            **{
                "enable.idempotence": True,
                "acks": "all",
                "linger.ms": 20,
                "compression.type": "lz4",
            },
        )
        return watched_producer(settings, config, client="replay")

    def write(self, decision: Decision, data: bytes, position: tuple[str, int, int]) -> None:
        self.pending.append(
            Output(
                self.topic,
                decision.case_key.encode(),
                data,
                [("decision_id", decision.decision_id.encode())],
            )
        )

    def flush(self) -> None:
        produce_all(self.producer, self.pending)
        self.pending = []

    def close(self) -> None:
        self.flush()

    def describe(self) -> dict[str, str]:
        return {"kind": "topic", "topic": self.topic}


class FileSink:
    """An Avro object container file any Avro tool reads; same input, same bytes."""

    SYNC_MARKER = hashlib.sha256(b"fenliu replay decisions").digest()[:16]

    def __init__(self, path: Path, schema: Any) -> None:
        import fastavro.write

        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._file = path.open("wb")
        self._writer = fastavro.write.Writer(self._file, schema, sync_marker=self.SYNC_MARKER)

    def write(self, decision: Decision, data: bytes, position: tuple[str, int, int]) -> None:
        self._writer.write(decision_record(decision))

    def flush(self) -> None:
        self._writer.flush()

    def close(self) -> None:
        self._writer.flush()
        self._file.close()

    def describe(self) -> dict[str, str]:
        return {"kind": "file", "path": str(self.path)}


class NullSink:
    """Compare only (benchmarks, quick checks)."""

    def write(self, decision: Decision, data: bytes, position: tuple[str, int, int]) -> None: ...
    def flush(self) -> None: ...
    def close(self) -> None: ...
    def describe(self) -> dict[str, str]:
        return {"kind": "none"}


class PartedFileSink:
    """One part file per raw partition, in offset order; ``assemble_avro`` joins the parts of
    every worker into one Avro container file in (topic, partition) order, so the file is the
    same bytes however the partitions were shared out over processes."""

    def __init__(self, directory: Path, header: bytes) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.directory = directory
        self.header = header  # the codec's framing in front of the Avro body
        self._files: dict[tuple[str, int], Any] = {}

    def write(self, decision: Decision, data: bytes, position: tuple[str, int, int]) -> None:
        key = (position[0], position[1])
        f = self._files.get(key)
        if f is None:
            f = self._files[key] = (self.directory / _part_name(*key)).open("ab")
        body = data[len(self.header) :] if data.startswith(self.header) else _body(decision)
        f.write(len(body).to_bytes(4, "big") + body)

    def flush(self) -> None:
        for f in self._files.values():
            f.flush()

    def close(self) -> None:
        for f in self._files.values():
            f.close()
        self._files = {}

    def describe(self) -> dict[str, str]:
        return {"kind": "parts", "path": str(self.directory)}


def _part_name(topic: str, partition: int) -> str:
    return f"{topic}~{partition:06d}.part"


def _body(decision: Decision) -> bytes:
    import io

    import fastavro

    from fenliu.schemas.catalog import default_catalog

    buf = io.BytesIO()
    fastavro.schemaless_writer(buf, default_catalog()["Decision"].parsed, decision_record(decision))
    return buf.getvalue()


def _long(n: int) -> bytes:
    """Avro's zig-zag varint."""
    n = (n << 1) ^ (n >> 63)
    out = bytearray()
    while n & ~0x7F:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


def assemble_avro(
    part_dirs: list[Path], path: Path, schema_json: str, block_records: int = 1000
) -> int:
    """Write the parts as an Avro object container file (null codec); returns the records."""
    parts = sorted((p for d in part_dirs for p in d.glob("*.part")), key=lambda p: p.name)
    sync = FileSink.SYNC_MARKER
    path.parent.mkdir(parents=True, exist_ok=True)
    total = 0
    with path.open("wb") as out:
        meta = {"avro.codec": b"null", "avro.schema": schema_json.encode()}
        out.write(b"Obj\x01" + _long(len(meta)))
        for k, v in meta.items():
            out.write(_long(len(k)) + k.encode() + _long(len(v)) + v)
        out.write(_long(0) + sync)
        block: list[bytes] = []

        def flush() -> None:
            if block:
                data = b"".join(block)
                out.write(_long(len(block)) + _long(len(data)) + data + sync)
                block.clear()

        for part in parts:
            raw = part.read_bytes()
            pos = 0
            while pos < len(raw):
                n = int.from_bytes(raw[pos : pos + 4], "big")
                block.append(raw[pos + 4 : pos + 4 + n])
                pos += 4 + n
                total += 1
                if len(block) >= block_records:
                    flush()
        flush()
    return total
