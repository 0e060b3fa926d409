"""Dead letters from inside Faust agents: the record, where it came from, and why.

Errors are data: an agent that cannot handle a message sends it here and goes on with the
next one (bad bytes must never stop a partition). ``streams.deadletter`` builds the record.
"""

from __future__ import annotations

import logging
from typing import Any

import faust

from fenliu.processors.model import InvalidEvent
from fenliu.streams.context import StreamsContext
from fenliu.streams.deadletter import Failure, dead_letter_record
from fenliu.streams.router import DEAD_LETTERS
from fenliu.topics.catalogue import DEAD_LETTER

log = logging.getLogger(__name__)
SERVICE = "streams"


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

    def __init__(self, app: faust.App, ctx: StreamsContext) -> None:
        self.ctx = ctx
        self.topic = app.topic(ctx.topic(DEAD_LETTER), key_serializer="raw",
                               value_serializer="raw")

    async def send(self, message: Any, stage: str, exc: BaseException) -> None:
        failure = Failure.from_exception(stage, exc)
        if not isinstance(exc, InvalidEvent):
            log.error("%s: %s/%s@%s failed", stage, message.topic, message.partition,
                      message.offset, exc_info=exc)
        record = dead_letter_record(FaustRecord(message), failure, service=SERVICE,
                                    now_ms=self.ctx.clock.now_ms(),
                                    max_value_bytes=self.ctx.settings.dead_letter_max_value_bytes)
        await self.topic.send(key=message.key, value=self.ctx.codec.encode("DeadLetter", record))
        DEAD_LETTERS.labels(SERVICE, stage, failure.reason).inc()
