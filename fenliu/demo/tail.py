"""Following the pipeline's output topics from "now" on, for the demo's view.

One consumer without a group (nothing committed, nothing to clean up) assigned to every
partition of the decisions, orders, SLA-alert and dead-letter topics at their end, so the
view shows what happens during this run. The counts are kept under a lock and read as a
``TailSnapshot`` copy.
"""

from __future__ import annotations

import copy
import logging
import threading
from collections import Counter, deque
from dataclasses import dataclass, field

from confluent_kafka import OFFSET_END, Consumer, TopicPartition

from fenliu.schemas.records import AlertLevel, epoch_ms
from fenliu.schemas.serde import Codec
from fenliu.settings import Settings
from fenliu.streams.kafka.config import confluent_config
from fenliu.streams.kafka.position import position
from fenliu.topics import catalogue as topics

log = logging.getLogger("fenliu.demo")


@dataclass(frozen=True)
class AlertLine:
    fired_at_ms: int
    level: str
    stage: str
    unit_id: str
    order_id: str


@dataclass(frozen=True)
class DeadLetterLine:
    failed_at_ms: int
    service: str
    stage: str
    reason: str
    topic: str


@dataclass
class TailSnapshot:
    decisions: int = 0
    police: int = 0
    diverted_by_class: Counter[str] = field(default_factory=Counter)  # "NP01 劳动与工资纠纷"
    diverted_by_unit: Counter[str] = field(default_factory=Counter)
    team_methods: Counter[str] = field(default_factory=Counter)
    orders: int = 0
    flow_back_orders: int = 0
    repeat_updates: int = 0
    alerts_by_level: Counter[str] = field(default_factory=Counter)
    breaches_by_stage: Counter[str] = field(default_factory=Counter)
    alerts: deque[AlertLine] = field(default_factory=lambda: deque(maxlen=8))
    dead_by_reason: Counter[str] = field(default_factory=Counter)
    dead_letters: deque[DeadLetterLine] = field(default_factory=lambda: deque(maxlen=5))
    undecodable: int = 0


class TopicTail:
    """A background thread that folds every new output record into counts."""

    def __init__(self, settings: Settings, codec: Codec) -> None:
        self.settings = settings
        self.codec = codec
        self._names = {
            settings.topic(name): name
            for name in (topics.DECISIONS, topics.ORDERS, topics.SLA_ALERTS, topics.DEAD_LETTER)
        }
        self._lock = threading.Lock()
        self._state = TailSnapshot()
        self._seen_orders: set[str] = set()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="demo-tail", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(10)

    def snapshot(self) -> TailSnapshot:
        with self._lock:
            return copy.deepcopy(self._state)

    def _run(self) -> None:
        consumer = Consumer(
            confluent_config(
                self.settings, **{"group.id": "fenliu-demo-view", "enable.auto.commit": False}
            )
        )
        try:
            meta = consumer.list_topics(timeout=10)
            parts = [
                TopicPartition(name, p, OFFSET_END)
                for name in self._names
                if name in meta.topics
                for p in meta.topics[name].partitions
            ]
            consumer.assign(parts)
            while not self._stop.is_set():
                for msg in consumer.consume(500, timeout=0.5):
                    if msg.error() is None:
                        self._fold(self._names[position(msg)[0]], msg.value() or b"")
        except Exception:  # the view must never take the demo down (log.exception keeps the trace)
            log.exception("topic tail stopped")
        finally:
            consumer.close()

    def _fold(self, topic: str, value: bytes) -> None:
        try:
            record = self.codec.decode(value)
        except Exception:  # noqa: BLE001 - counted and shown; a bad record never stops the view
            with self._lock:
                self._state.undecodable += 1
            return
        with self._lock:
            s = self._state
            if topic == topics.DECISIONS:
                s.decisions += 1
                s.team_methods[record["route"]["team_method"]] += 1
                if record["is_police_matter"]:
                    s.police += 1
                else:
                    s.diverted_by_class[f"{record['class_code']} {record['class_name']}"] += 1
                    s.diverted_by_unit[record["route"]["unit_name"]] += 1
            elif topic == topics.ORDERS:
                if record["order_id"] in self._seen_orders:
                    s.repeat_updates += 1  # the cases agent re-sends an order whose case grew
                else:
                    self._seen_orders.add(record["order_id"])
                    s.orders += 1
                    s.flow_back_orders += bool(record.get("flow_back"))
            elif topic == topics.SLA_ALERTS:
                s.alerts_by_level[record["level"]] += 1
                if record["level"] == AlertLevel.BREACH:
                    s.breaches_by_stage[record["stage"]] += 1
                s.alerts.append(
                    AlertLine(
                        epoch_ms(record["fired_at"]),
                        record["level"],
                        record["stage"],
                        record["unit_id"],
                        record["order_id"],
                    )
                )
            elif topic == topics.DEAD_LETTER:
                s.dead_by_reason[f"{record['service']}/{record['reason']}"] += 1
                s.dead_letters.append(
                    DeadLetterLine(
                        epoch_ms(record["failed_at"]),
                        record["service"],
                        record["stage"],
                        record["reason"],
                        record["topic"],
                    )
                )
