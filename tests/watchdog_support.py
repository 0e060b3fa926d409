"""Watched producers and consumers that start stranded, for tests of the services that use them."""

from __future__ import annotations

import json
from typing import Any

from confluent_kafka import Consumer, Producer

from fenliu.processors.producer_watch import WatchPolicy
from fenliu.streams.kafka.consumer_watchdog import RECREATED as CONSUMERS_RECREATED
from fenliu.streams.kafka.consumer_watchdog import WatchedConsumer
from fenliu.streams.kafka.watchdog import RECREATED, WatchedProducer


class FirstProducerDiffers(WatchedProducer):
    """A watched producer whose first producer (generation 0) is made with
    ``first_config`` over the real config; every recreated one is made as the service's."""

    first_config: dict[str, Any] = {}

    def _new_producer(self) -> Producer:
        if self._generation == 0:
            real = self.config
            self.config = {**real, **self.first_config}
            try:
                return super()._new_producer()
            finally:
                self.config = real
        return super()._new_producer()


class FirstCannotReachTheBroker(FirstProducerDiffers):
    """The first producer's bootstrap is a closed port (its records stay queued, flush or
    not) and its statistics list no broker: the picture librdkafka #5301 leaves."""

    first_config = {"bootstrap.servers": "127.0.0.1:9"}

    def _on_stats(self, generation: int, raw: str) -> None:
        if generation == 0:
            raw = json.dumps({**json.loads(raw), "brokers": {}})
        super()._on_stats(generation, raw)


def stranded_in_place_of(watched: WatchedProducer) -> FirstCannotReachTheBroker:
    """A service's own watched producer (its config and client), closed and replaced by one
    stranded from the start, watched closely (0.5 s without a broker)."""
    watched.close()
    return FirstCannotReachTheBroker(
        watched.config,
        WatchPolicy(no_broker_s=0.5, stall_s=600.0),
        client=watched.client,
        stats_interval_ms=100,
        check_every_s=0.2,
    )


def recreated(client: str) -> float:
    """``fenliu_kafka_producers_recreated_total`` of ``client``, both signals."""
    return sum(
        s.value
        for m in RECREATED.collect()
        for s in m.samples
        if s.name.endswith("_total") and s.labels["client"] == client
    )


class FirstConsumerLosesItsBroker(WatchedConsumer):
    """A watched consumer whose first consumer (generation 0) is made with
    ``first_config`` over the real config and, once ``strand`` is set (from the start if
    ``stranded_from_start``), reports statistics with no broker listed: the picture
    librdkafka #5301 leaves. Every recreated consumer is made and reported as the service's."""

    first_config: dict[str, Any] = {}
    strand = False

    def _new_consumer(self) -> Consumer:
        if self._generation == 0:
            real = self.config
            self.config = {**real, **self.first_config}
            try:
                return super()._new_consumer()
            finally:
                self.config = real
        return super()._new_consumer()

    def _on_stats(self, generation: int, raw: str) -> None:
        if generation == 0 and self.strand:
            raw = json.dumps({**json.loads(raw), "brokers": {}})
        super()._on_stats(generation, raw)


class FirstConsumerCannotReachTheBroker(FirstConsumerLosesItsBroker):
    """The first consumer's bootstrap is a closed port (it never joins its group) and its
    statistics list no broker from the start."""

    first_config = {"bootstrap.servers": "127.0.0.1:9"}
    strand = True


def consumer_stranded_in_place_of(watched: WatchedConsumer) -> FirstConsumerCannotReachTheBroker:
    """A service's own watched consumer (its config and client), closed and replaced by one
    stranded from the start, watched closely (0.5 s without a broker)."""
    watched.close()
    return FirstConsumerCannotReachTheBroker(
        watched.config,
        WatchPolicy(no_broker_s=0.5, stall_s=600.0),
        client=watched.client,
        stats_interval_ms=100,
        on_recreated=watched.on_recreated,
    )


def consumers_recreated(client: str) -> float:
    """``fenliu_kafka_consumers_recreated_total`` of ``client``, both signals."""
    return sum(
        s.value
        for m in CONSUMERS_RECREATED.collect()
        for s in m.samples
        if s.name.endswith("_total") and s.labels["client"] == client
    )
