"""Generated traffic onto the raw topics: the generator's Kafka feed."""

from __future__ import annotations

import logging

from confluent_kafka import KafkaError, Message, Producer

from fenliu.schemas.serde import Codec
from fenliu.settings import Settings
from fenliu.streams.kafka.config import confluent_config
from fenliu.streams.kafka.watchdog import WatchedProducer, watched_producer
from fenliu.traffic.feed import SCHEMA
from fenliu.traffic.generator import GeneratedEvent

log = logging.getLogger("fenliu.generator")


class KafkaSink:
    """Raw topics through an idempotent producer; ``close`` waits for every acknowledgement.

    The producer is watched (``streams/kafka/watchdog.py``): if librdkafka strands it after
    a broker restart (#5301) it is recreated and the unacknowledged calls are sent again,
    with the same bytes, key and timestamp (each call carries its own id)."""

    def __init__(
        self, settings: Settings, codec: Codec, producer: Producer | WatchedProducer | None = None
    ) -> None:
        self.settings = settings
        self.codec = codec
        self.producer = producer or watched_producer(
            settings,
            confluent_config(
                settings,
                **{
                    "enable.idempotence": True,
                    "acks": "all",
                    "linger.ms": 5,
                    "compression.type": "lz4",
                    "queue.buffering.max.messages": 200_000,
                },
            ),
            client="generator",
        )
        self.failed = 0
        self.acked = 0

    def _on_delivery(self, err: KafkaError | None, _msg: Message) -> None:
        if err is None:
            self.acked += 1
        else:
            self.failed += 1
            log.warning("delivery failed: %s", err)

    def send(self, event: GeneratedEvent) -> None:
        value = self.codec.encode(SCHEMA[event.source], event.record)
        topic = self.settings.topic(event.topic)
        while True:
            try:
                self.producer.produce(
                    topic,
                    value,
                    event.key.encode(),
                    timestamp=event.at_ms,
                    on_delivery=self._on_delivery,
                )
                break
            except BufferError:  # local queue full: let deliveries drain
                self.producer.poll(0.05)
        self.producer.poll(0)

    def close(self) -> int:
        remaining = self.producer.flush(60)
        return self.failed + remaining
