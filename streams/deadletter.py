"""Dead-letter records: the original bytes, where they came from, and why they failed.

Errors are data (bytewax's ``.errs``): a stage that cannot handle a record turns it into
a ``DeadLetter`` and the loop goes on; nothing is dropped and nothing stops the service.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any, Protocol

from fenliu.processors.model import InvalidEvent, RejectReason


class KafkaRecord(Protocol):
    """The parts of a consumed record a dead letter keeps (confluent-kafka ``Message``)."""

    def topic(self) -> str | None: ...
    def partition(self) -> int | None: ...
    def offset(self) -> int | None: ...
    def key(self) -> bytes | None: ...
    def value(self) -> bytes | None: ...
    def headers(self) -> list[tuple[str, bytes]] | None: ...
    def timestamp(self) -> tuple[int, int]: ...


@dataclass(frozen=True)
class Failure:
    """A record a named stage could not process."""

    stage: str
    reason: str
    error: str
    attempts: tuple[str, ...] = field(default_factory=tuple)

    @classmethod
    def from_exception(cls, stage: str, exc: BaseException) -> "Failure":
        if isinstance(exc, InvalidEvent):
            return cls(stage, exc.reason.value, str(exc))
        return cls(stage, RejectReason.PROCESSING_ERROR.value, f"{type(exc).__name__}: {exc}")


def dead_letter_record(
    msg: KafkaRecord, failure: Failure, *, service: str, now_ms: int, max_value_bytes: int
) -> dict[str, Any]:
    """The ``DeadLetter`` Avro record for a consumed message that failed.

    An original larger than ``max_value_bytes`` is cut to that size, with its length and
    SHA-256 kept: a dead letter must always fit in a Kafka message, or an oversized input
    would kill the service and come back after every restart (a poison pill). Nothing is
    lost: the whole original stays in its source topic at the recorded offset.
    """
    ts_type, ts = msg.timestamp()
    value = msg.value()
    truncated = value is not None and len(value) > max_value_bytes
    headers: dict[str, bytes] = {}
    for name, header in msg.headers() or []:
        headers[name] = header if isinstance(header, bytes) else (header or "").encode()
    return {
        "topic": msg.topic() or "",
        "partition": msg.partition() if msg.partition() is not None else -1,
        "offset": msg.offset() if msg.offset() is not None else -1,
        "record_timestamp": ts if ts_type and ts >= 0 else None,
        "key": msg.key(),
        "value": value[:max_value_bytes] if truncated and value is not None else value,
        "value_size": len(value) if value is not None else -1,
        "value_sha256": hashlib.sha256(value).hexdigest() if value is not None else None,
        "value_truncated": truncated,
        "headers": headers,
        "stage": failure.stage,
        "reason": failure.reason,
        "error": failure.error[:2000],
        "service": service,
        "attempts": list(failure.attempts),
        "failed_at": now_ms,
    }
