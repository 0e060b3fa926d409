"""The librdkafka configuration every confluent-kafka client is built from (no broker needed)."""

from __future__ import annotations

from confluent_kafka import Producer

from fenliu.settings import Settings
from fenliu.streams.kafka.config import confluent_config, router_producer_config

MESSAGE_TIMEOUT_MS = 300_000  # librdkafka's default message.timeout.ms, which we keep


def test_a_client_left_without_brokers_rebootstraps_long_before_its_records_time_out():
    """A broker in controlled shutdown can answer Metadata with no brokers; librdkafka then
    forgets every broker and only re-bootstraps after ``metadata.recovery.rebootstrap.trigger.ms``
    (issue 12, docs/streams.md). That must come well before the records' own deadline."""
    settings = Settings().replace(kafka={"bootstrap": "127.0.0.1:1"})
    for conf in (confluent_config(settings), router_producer_config(settings)):
        assert conf["metadata.recovery.rebootstrap.trigger.ms"] <= MESSAGE_TIMEOUT_MS // 10
        Producer(conf)  # librdkafka knows the property (an unknown one raises here)


def test_the_rebootstrap_trigger_is_a_setting():
    settings = Settings().replace(kafka={"rebootstrap_trigger_ms": 5000})
    assert confluent_config(settings)["metadata.recovery.rebootstrap.trigger.ms"] == 5000
