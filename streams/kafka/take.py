"""Taking what the consumer has, without waiting for a full batch.

confluent-kafka's ``consume(n, timeout)`` returns when ``n`` records are there **or** the
timeout has passed: below ``n`` records per timeout every batch waits the whole timeout
(at 100 calls/s the router's 500-record batches waited its 0.5 s poll every time). Here
the wait is only for the first record; whatever else is already buffered comes with it
at no extra wait. Under load more is buffered while a batch is worked on, so batches
still grow with the rate: batching costs nothing when it is quiet.
"""

from __future__ import annotations

from typing import Protocol

from confluent_kafka import Message


class Polling(Protocol):
    """The two calls of ``confluent_kafka.Consumer`` used here (a fake in the tests)."""

    def poll(self, timeout: float = ...) -> Message | None: ...

    def consume(self, num_messages: int = ..., timeout: float = ...) -> list[Message]: ...


def take_available(consumer: Polling, max_records: int, wait_s: float) -> list[Message]:
    """Up to ``max_records`` records (or error events) that are there now.

    Blocks up to ``wait_s`` only while nothing at all is buffered; returns as soon as one
    record is, together with what else is buffered (never waiting to fill the batch).
    """
    first = consumer.poll(wait_s)
    if first is None:
        return []
    if max_records <= 1:
        return [first]
    return [first, *consumer.consume(max_records - 1, timeout=0)]
