"""Where a replay writes its decisions: its own topic, an Avro file, or nowhere; never a live topic."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any, Protocol

from confluent_kafka import Producer
from confluent_kafka.admin import AdminClient, NewTopic

from fenliu.processors.model import Decision
from fenliu.processors.records import decision_record
from fenliu.settings import Settings
from fenliu.streams.kafka.config import confluent_config
from fenliu.streams.kafka.produce import Output, produce_all
from fenliu.topics import catalogue as topics


# --- outputs ------------------------------------------------------------------------
class ReplaySink(Protocol):
    """Where a replay writes its decisions: never a live topic."""

    def write(self, decision: Decision, data: bytes) -> None: ...
    def flush(self) -> None: ...
    def close(self) -> None: ...
    def describe(self) -> dict[str, str]: ...


def replay_topic_name(settings: Settings, run_id: str) -> str:
    return settings.topic(f"fenliu.replay.{run_id}.decisions")


def live_topic_names(settings: Settings) -> set[str]:
    return {settings.topic(spec.name) for spec in topics.default_catalogue().topics}


class TopicSink:
    """The run's own topic ``fenliu.replay.<run-id>.decisions``, keyed like the live one."""

    def __init__(self, settings: Settings, run_id: str) -> None:
        self.topic = replay_topic_name(settings, run_id)
        if self.topic in live_topic_names(settings):  # a run id cannot make it live, but say so
            raise ValueError(f"refusing to write a replay to live topic {self.topic}")
        admin = AdminClient(confluent_config(settings))
        spec = NewTopic(
            self.topic,
            settings.topics.partitions,
            settings.topics.replication,
            config={"retention.ms": str(settings.replay.retention_ms)},
        )
        admin.create_topics([spec])[self.topic].result(settings.replay.kafka_timeout_s)
        self.producer = Producer(
            confluent_config(settings,
                **{
                    "enable.idempotence": True,
                    "acks": "all",
                    "linger.ms": 20,
                    "compression.type": "lz4",
                }
            )
        )
        self.pending: list[Output] = []

    def write(self, decision: Decision, data: bytes) -> None:
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

    def write(self, decision: Decision, data: bytes) -> None:
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

    def write(self, decision: Decision, data: bytes) -> None: ...
    def flush(self) -> None: ...
    def close(self) -> None: ...
    def describe(self) -> dict[str, str]:
        return {"kind": "none"}
