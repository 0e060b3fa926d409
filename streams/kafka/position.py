"""Where a consumed record sits: topic, partition, offset, none of them None.

confluent-kafka types them Optional because an error event carries none; a consumed
record (``msg.error() is None``) always has all three, so a missing one is a bug here.
"""

from __future__ import annotations

from confluent_kafka import Message


def position(msg: Message) -> tuple[str, int, int]:
    """``(topic, partition, offset)`` of a consumed record; ValueError for an error event."""
    topic, partition, offset = msg.topic(), msg.partition(), msg.offset()
    if topic is None or partition is None or offset is None:
        raise ValueError(f"not a consumed record: {msg.error()}")
    return topic, partition, offset
