"""Dead letters: the original bytes (or, for raw topics, a checked pointer to them), where
they came from, and why they failed.

Errors are data (bytewax's ``.errs``): a stage that cannot handle a record turns it into
a ``DeadLetter`` and the loop goes on; nothing is dropped and nothing stops the service.
One module for every service: the record builder, the shared metric, and the sender
Faust agents use (confluent-kafka services produce the record as an ``Output``).
"""

from __future__ import annotations

import hashlib
import logging
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from confluent_kafka import KafkaError
from prometheus_client import Counter

from fenliu.processors.model import InvalidEvent, RejectReason
from fenliu.settings import Settings
from fenliu.topics.catalogue import DEAD_LETTER, default_catalogue

if TYPE_CHECKING:  # the Faust worker's types; the router must not import faust
    import faust

    from fenliu.streams.worker.context import StreamsContext

log = logging.getLogger(__name__)

DEAD_LETTERS = Counter(
    "fenliu_dead_letters_total",
    "Records sent to the dead-letter topic",
    ["service", "stage", "reason"],
)


# confluent-kafka's header shapes (its HeadersType): a list of pairs, or a dict when produced so.
Headers = dict[str, str | bytes | None] | list[tuple[str, str | bytes | None]]


class KafkaRecord(Protocol):
    """The parts of a consumed record a dead letter keeps (confluent-kafka ``Message``)."""

    def topic(self) -> str | None: ...
    def partition(self) -> int | None: ...
    def offset(self) -> int | None: ...
    def key(self) -> bytes | None: ...
    def value(self) -> bytes | None: ...
    def headers(self) -> Headers | None: ...
    def timestamp(self) -> tuple[int, int]: ...


@dataclass(frozen=True)
class Failure:
    """A record a named stage could not process."""

    stage: str
    reason: str
    error: str
    attempts: tuple[str, ...] = field(default_factory=tuple)

    @classmethod
    def from_exception(cls, stage: str, exc: BaseException) -> Failure:
        if isinstance(exc, InvalidEvent):
            return cls(stage, exc.reason.value, str(exc))
        return cls(stage, RejectReason.PROCESSING_ERROR.value, f"{type(exc).__name__}: {exc}")


def value_stays_in_source(topic: str) -> bool:
    """True for the catalogue's personal-data topics (the raw calls), whatever the prefix.

    Their dead letters carry a pointer, not the bytes: copying a raw call into the
    dead-letter topic would take its phone number out of the raw topics' access control.
    """
    return any(
        topic.endswith(spec.name) for spec in default_catalogue().topics if spec.personal_data
    )


def dead_letter_record(
    msg: KafkaRecord, failure: Failure, *, service: str, now_ms: int, max_value_bytes: int
) -> dict[str, Any]:
    """The ``DeadLetter`` Avro record for a consumed message that failed.

    An original larger than ``max_value_bytes`` is cut to that size, with its length and
    SHA-256 kept: a dead letter must always fit in a Kafka message, or an oversized input
    would kill the service and come back after every restart (a poison pill). Nothing is
    lost: the whole original stays in its source topic at the recorded offset. From a raw
    topic no byte of the value is copied (``value_in_source``): the pointer (topic,
    partition, offset, size, SHA-256) is all, read through ``read_original``.
    """
    ts_type, ts = msg.timestamp()
    value = msg.value()
    in_source = value is not None and value_stays_in_source(msg.topic() or "")
    truncated = value is not None and not in_source and len(value) > max_value_bytes
    headers: dict[str, bytes] = {}
    given = msg.headers() or []
    for name, header in given.items() if isinstance(given, dict) else given:
        headers[name] = header if isinstance(header, bytes) else (header or "").encode()
    return {
        "topic": msg.topic() or "",
        "partition": msg.partition() if msg.partition() is not None else -1,
        "offset": msg.offset() if msg.offset() is not None else -1,
        "record_timestamp": ts if ts_type and ts >= 0 else None,
        "key": msg.key(),
        "value": None if in_source or value is None else value[:max_value_bytes],
        "value_in_source": in_source,
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

    def headers(self) -> list[tuple[str, str | bytes | None]]:
        headers = self.m.headers or []
        return list(headers.items()) if isinstance(headers, dict) else list(headers)

    def timestamp(self) -> tuple[int, int]:
        return (1, int(self.m.timestamp * 1000)) if self.m.timestamp else (0, -1)


class DeadLetters:
    """Sends failed messages of one feature to ``fenliu.deadletter``, keyed by their key."""

    def __init__(self, app: faust.App, ctx: StreamsContext) -> None:
        self.ctx = ctx
        self.topic = app.topic(ctx.topic(DEAD_LETTER), key_serializer="raw", value_serializer="raw")

    async def send(self, message: Any, stage: str, exc: BaseException) -> None:
        failure = Failure.from_exception(stage, exc)
        if not isinstance(exc, InvalidEvent):
            log.error(
                "%s: %s/%s@%s failed",
                stage,
                message.topic,
                message.partition,
                message.offset,
                exc_info=exc,
            )
        record = dead_letter_record(
            FaustRecord(message),
            failure,
            service=FAUST_SERVICE,
            now_ms=self.ctx.clock.now_ms(),
            max_value_bytes=self.ctx.settings.kafka.dead_letter_max_value_bytes,
        )
        await self.topic.send(key=message.key, value=self.ctx.codec.encode("DeadLetter", record))
        DEAD_LETTERS.labels(FAUST_SERVICE, stage, failure.reason).inc()


# --- following a dead letter's pointer back to its original ----------------------------
@dataclass(frozen=True)
class Original:
    """A dead letter's original value, read where it points, or why it could not be."""

    value: bytes | None
    verified: bool  # size and SHA-256 match what the dead letter recorded
    problem: str | None = None  # not allowed, gone (retention), or not the same record


def _checked(dead_letter: Mapping[str, Any], value: bytes | None) -> Original:
    size = len(value) if value is not None else -1
    digest = hashlib.sha256(value).hexdigest() if value is not None else None
    if size != dead_letter.get("value_size", size) or digest != dead_letter.get(
        "value_sha256", digest
    ):
        return Original(
            None,
            False,
            "the record at the pointer is not the one that failed (size or SHA-256 differ)",
        )
    return Original(value, True)


def read_original(
    settings: Settings, dead_letter: Mapping[str, Any], timeout_s: float = 10.0
) -> Original:
    """The whole original of a decoded ``DeadLetter``, from its source topic when needed.

    A copy kept in the dead letter (not truncated) is returned as it is. A pointer
    (``value_in_source``, or a truncated copy) is followed with ``settings``' principal:
    whoever may read the raw topics (replay/audit) gets the bytes, checked against the
    recorded size and SHA-256; anyone else gets ``problem`` saying the broker refused.
    """
    if not dead_letter.get("value_in_source") and not dead_letter.get("value_truncated"):
        return _checked(dead_letter, dead_letter.get("value"))
    from confluent_kafka import Consumer, TopicPartition

    from fenliu.streams.kafka.commit import AUTHORIZATION_ERRORS
    from fenliu.streams.kafka.config import confluent_config

    topic, partition, offset = dead_letter["topic"], dead_letter["partition"], dead_letter["offset"]
    consumer = Consumer(confluent_config(settings, **{
        "group.id": f"fenliu-audit-{uuid.uuid4().hex[:8]}",  # assign() only: never commits
        "enable.auto.commit": False,
        "enable.partition.eof": True,
    }))  # fmt: skip
    deadline = time.monotonic() + timeout_s
    try:
        consumer.assign([TopicPartition(topic, partition, offset)])
        while time.monotonic() < deadline:
            msg = consumer.poll(0.5)
            if msg is None:
                continue
            err = msg.error()
            if err is not None and err.code() in AUTHORIZATION_ERRORS:
                return Original(
                    None,
                    False,
                    f"not allowed to read {topic}: {err.str()} (only the "
                    f"principals the catalogue lets read it may)",
                )
            if err is not None and err.code() == KafkaError._PARTITION_EOF:
                return Original(None, False, f"{topic}/{partition}@{offset} is gone (retention?)")
            if err is not None:
                if err.fatal() or not err.retriable():
                    return Original(None, False, f"reading {topic}: {err.str()}")
                continue
            if msg.offset() != offset:
                return Original(None, False, f"{topic}/{partition}@{offset} is gone (retention)")
            return _checked(dead_letter, msg.value())
        return Original(
            None, False, f"{topic}/{partition}@{offset} not read within {timeout_s:.0f} s"
        )
    finally:
        consumer.close()
