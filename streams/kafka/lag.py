"""Consumer lag of a confluent-kafka consumer group, per partition, for Prometheus.

The Faust worker exports its own lag (``fenliu_streams_lag``); the router and grid-sink
export theirs here, so the on-call room sees which stage is behind. Lag is measured from
the broker's side — committed offset of the group against the partition's high
watermark — by a separate client that never joins the group (an OffsetFetch does not
need membership). That is the number that matters after a crash too: what the group
still has to do, not what one replica happens to hold in memory. Every replica of a
group reports the same group-wide figures; dashboards and alerts take ``max`` over
instances.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable

from confluent_kafka import Consumer, KafkaException, TopicPartition
from prometheus_client import Gauge

from fenliu.settings import Settings
from fenliu.streams.kafka.config import confluent_config

log = logging.getLogger("fenliu.lag")

CONSUMER_LAG = Gauge(
    "fenliu_consumer_lag",
    "Records of a partition the consumer group has not committed yet (high watermark - committed)",
    ["group", "topic", "partition"],
)


def partition_lag(low: int, high: int, committed: int) -> int:
    """What the group still has to read; no commit yet (negative offset) means from the log start."""
    start = committed if committed >= 0 else low
    return max(0, high - max(start, low))


class LagReporter:
    """Measures a group's lag on some topics every ``interval_s`` and sets the gauge."""

    def __init__(
        self,
        settings: Settings,
        group: str,
        topics: Iterable[str],
        interval_s: float = 5.0,
        on_sample: Callable[[dict[tuple[str, int], tuple[int | None, int | None]]], None]
        | None = None,
    ) -> None:
        """``on_sample`` gets every measurement as (committed, high watermark) per
        partition (``streams/kafka/health.py`` judges progress from it)."""
        self.on_sample = on_sample
        self.settings = settings
        self.group = group
        self.topics = list(topics)
        self.interval_s = interval_s
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._client: Consumer | None = None

    def measure(self) -> dict[tuple[str, int], int]:
        """Lag per (topic, partition) now; sets ``fenliu_consumer_lag``."""
        timeout = self.settings.replay.kafka_timeout_s
        if self._client is None:
            self._client = Consumer(
                confluent_config(
                    self.settings, **{"group.id": self.group, "enable.auto.commit": False}
                )
            )
        client = self._client
        parts: list[TopicPartition] = []
        for topic in self.topics:
            meta = client.list_topics(topic, timeout=timeout).topics.get(topic)
            if meta is None or meta.error is not None:
                continue
            parts += [TopicPartition(topic, p) for p in sorted(meta.partitions)]
        if not parts:
            return {}
        committed = {
            (tp.topic, tp.partition): tp.offset for tp in client.committed(parts, timeout=timeout)
        }
        lags: dict[tuple[str, int], int] = {}
        samples: dict[tuple[str, int], tuple[int | None, int | None]] = {}
        for tp in parts:
            low, high = client.get_watermark_offsets(tp, timeout=timeout)
            done = committed.get((tp.topic, tp.partition), -1)
            lag = partition_lag(low, high, done)
            lags[(tp.topic, tp.partition)] = lag
            samples[(tp.topic, tp.partition)] = (max(done, low) if done >= 0 else low, high)
            CONSUMER_LAG.labels(self.group, tp.topic, str(tp.partition)).set(lag)
        if self.on_sample is not None:
            self.on_sample(samples)
        return lags

    def start(self) -> LagReporter:
        self._thread = threading.Thread(target=self._loop, name=f"lag-{self.group}", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=self.settings.replay.kafka_timeout_s)
        if self._client is not None:
            self._client.close()
            self._client = None

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.measure()
            except KafkaException as exc:  # the broker restarting: measure again next time
                log.warning("lag of %s not measured: %s", self.group, exc)
            self._stop.wait(self.interval_s)
