"""Dead letters: the original bytes, where they came from, and why they failed.

Errors are data (bytewax's ``.errs``): a stage that cannot handle a record turns it into
a ``DeadLetter`` and the loop goes on; nothing is dropped and nothing stops the service.
One module for every service: the record builder, the shared metric, and the sender
Faust agents use (confluent-kafka services produce the record as an ``Output``).
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from prometheus_client import Counter

from fenliu.processors.model import InvalidEvent, RejectReason
from fenliu.topics.catalogue import DEAD_LETTER

if TYPE_CHECKING:  # the Faust worker's types; the router must not import faust
    import faust

    from fenliu.streams.worker.context import StreamsContext

log = logging.getLogger(__name__)

DEAD_LETTERS = Counter(
    "fenliu_dead_letters_total", "Records sent to the dead-letter topic", ["service", "stage", "reason"]
)


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


# --- from inside Faust agents ---------------------------------------------------------
FAUST_SERVICE = "streams"


class FaustRecord:
    """A Faust message in the shape ``dead_letter_record`` reads (confluent-kafka's)."""

    def __init__(self, message: Any) -> None:
        self.m = message

    def topic(self) -> str:
        return self.m.topic

    def partition(self) -> int:
        return self.m.partition

    def offset(self) -> int:
        return self.m.offset

    def key(self) -> bytes | None:
        return self.m.key

    def value(self) -> bytes | None:
        return self.m.value

    def headers(self) -> list[tuple[str, bytes]]:
        headers = self.m.headers or []
        return list(headers.items()) if isinstance(headers, dict) else list(headers)

    def timestamp(self) -> tuple[int, int]:
        return (1, int(self.m.timestamp * 1000)) if self.m.timestamp else (0, -1)


class DeadLetters:
    """Sends failed messages of one feature to ``fenliu.deadletter``, keyed by their key."""

    def __init__(self, app: "faust.App", ctx: "StreamsContext") -> None:
        self.ctx = ctx
        self.topic = app.topic(ctx.topic(DEAD_LETTER), key_serializer="raw",
                               value_serializer="raw")

    async def send(self, message: Any, stage: str, exc: BaseException) -> None:
        failure = Failure.from_exception(stage, exc)
        if not isinstance(exc, InvalidEvent):
            log.error("%s: %s/%s@%s failed", stage, message.topic, message.partition,
                      message.offset, exc_info=exc)
        record = dead_letter_record(FaustRecord(message), failure, service=FAUST_SERVICE,
                                    now_ms=self.ctx.clock.now_ms(),
                                    max_value_bytes=self.ctx.settings.kafka.dead_letter_max_value_bytes)
        await self.topic.send(key=message.key, value=self.ctx.codec.encode("DeadLetter", record))
        DEAD_LETTERS.labels(FAUST_SERVICE, stage, failure.reason).inc()
