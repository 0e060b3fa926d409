"""Producing a batch and waiting for the broker's acknowledgement of all of it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from confluent_kafka import KafkaError, Message, Producer


@dataclass(frozen=True)
class Output:
    """One record to produce."""

    topic: str
    key: bytes | None
    value: bytes
    headers: list[tuple[str, bytes]] | None = None


class DeliveryFailed(RuntimeError):
    """The broker did not acknowledge every output of a batch: do not commit, restart."""


def produce_all(producer: Producer, outputs: Sequence[Output], timeout_s: float = 60.0) -> None:
    """Produce every output and wait until the broker acknowledged all of them."""
    errors: list[str] = []

    def on_delivery(err: KafkaError | None, _msg: Message) -> None:
        if err is not None:
            errors.append(str(err))

    for out in outputs:
        while True:
            try:
                producer.produce(out.topic, out.value, out.key, headers=out.headers, on_delivery=on_delivery)
                break
            except BufferError:  # local queue full: let deliveries drain, then retry
                producer.poll(0.1)
    remaining = producer.flush(timeout_s)
    if remaining or errors:
        raise DeliveryFailed(f"{remaining} unacknowledged, errors: {errors[:3]}")
