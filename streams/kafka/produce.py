"""Producing a batch and waiting for the broker's acknowledgement of all of it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from confluent_kafka import KafkaError, Message, Producer

from fenliu.streams.kafka.commit import AUTHORIZATION_ERRORS, raise_if_not_authorized
from fenliu.streams.kafka.watchdog import WatchedProducer


@dataclass(frozen=True)
class Output:
    """One record to produce."""

    topic: str
    key: bytes | None
    value: bytes
    headers: list[tuple[str, bytes]] | None = None


class DeliveryFailed(RuntimeError):
    """The broker did not acknowledge every output of a batch: do not commit, restart."""


def produce_all(
    producer: Producer | WatchedProducer, outputs: Sequence[Output], timeout_s: float = 310.0
) -> None:
    """Produce every output and wait until the broker acknowledged all of them.

    The default wait outlasts librdkafka's own delivery deadline (``message.timeout.ms``,
    300 s by default), so librdkafka decides when a record has failed: a broker that takes
    more than a minute to come back (a restart of a broker with many partitions on a busy
    machine took 88 s, tests/test_faults_kill.py) no longer kills the service while its
    records are still being retried. Nothing is committed while the wait lasts. A
    ``WatchedProducer`` replaces itself meanwhile if librdkafka strands it (#5301) and
    produces the batch's unacknowledged records again, so the wait ends with them."""
    errors: list[str] = []
    refused: list[tuple[KafkaError, str]] = []

    def on_delivery(err: KafkaError | None, msg: Message) -> None:
        if err is not None:
            errors.append(str(err))
            if err.code() in AUTHORIZATION_ERRORS:
                refused.append((err, msg.topic() or "?"))

    for out in outputs:
        while True:
            try:
                # A copy typed as the stub's list, which is invariant in its wider value type.
                headers: list[tuple[str, str | bytes | None]] | None = (
                    list(out.headers) if out.headers is not None else None
                )
                producer.produce(
                    out.topic, out.value, out.key, headers=headers, on_delivery=on_delivery
                )
                break
            except BufferError:  # local queue full: let deliveries drain, then retry
                producer.poll(0.1)
    remaining = producer.flush(timeout_s)
    for err, topic in refused[:1]:
        raise_if_not_authorized(err, f"writing to {topic}")
    if remaining or errors:
        raise DeliveryFailed(f"{remaining} unacknowledged, errors: {errors[:3]}")
