"""The SLA feature in a real ``fenliu run streams`` worker on the real broker, with a clock
the test drives.

The worker (``tests/streams_worker.py``: the whole app, as an operator starts it) runs
with ``FENLIU_CLOCK=control``: time moves only when the test writes tick records
(``streams.worker.clock.send_ticks``), so an 8-minute deadline is reached at once and every
alert can be checked against the tick that fired it. The test reads alerts from
``fenliu.alerts.sla`` and progress from the worker's /metrics.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from confluent_kafka import Consumer, Producer, TopicPartition
from confluent_kafka.admin import AdminClient

from fenliu.schemas.serde import SingleObjectCodec
from fenliu.settings import Settings
from fenliu.streams.kafka.config import confluent_config
from fenliu.streams.worker.app import app_id
from fenliu.streams.worker.clock import send_ticks, tick_topic
from fenliu.topics import catalogue as topics
from fenliu.topics.admin import apply_topics
from tests.streams_worker import Worker, metric_value
from tests.test_streams_sla import lifecycle_record, order_record

pytestmark = [pytest.mark.kafka, pytest.mark.stack_parallel]

CODEC = SingleObjectCodec()
T0 = 1_795_000_000_000
MIN = 60_000
PARTITIONS = 2


def total(worker: Worker, name: str, **labels: str) -> float:
    """Sum of a metric's samples whose labels include ``labels`` (0 while it cannot answer)."""
    try:
        return metric_value(worker.metrics(), name, **labels)
    except OSError:
        return 0.0


def wait(worker: Worker, what: str, ok: Callable[[], bool], timeout_s: float = 120) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        assert worker.proc is not None and worker.proc.poll() is None, worker.log_tail()
        if ok():
            return
        time.sleep(0.3)
    try:
        sla = [line for line in worker.metrics().splitlines() if line.startswith("fenliu_sla_")]
    except OSError:
        sla = ["(no metrics)"]
    raise AssertionError(f"never: {what}\n" + "\n".join(sla) + "\n" + worker.log_tail())


def wait_ready(worker: Worker) -> None:
    """The group down to this one worker (a crashed one has expired, so no rebalance comes
    later), and the tick agent reading."""
    admin = AdminClient(confluent_config(worker.settings))

    def one_member() -> bool:
        (description,) = [
            f.result(timeout=10)
            for f in admin.describe_consumer_groups([app_id(worker.settings)]).values()
        ]
        return len(description.members) == 1 and str(description.state).endswith("STABLE")

    wait(worker, "group has only this worker", one_member)
    probe = total(worker, "fenliu_sla_ticks_total") + PARTITIONS
    send_ticks(worker.settings, 0)  # time 0 moves nothing: a probe that the agent reads
    wait(worker, "ticks read", lambda: total(worker, "fenliu_sla_ticks_total") >= probe)


def tick(worker: Worker, at_ms: int) -> None:
    """Tick every partition at ``at_ms`` and wait until the worker has read them all."""
    want = total(worker, "fenliu_sla_ticks_total") + PARTITIONS
    send_ticks(worker.settings, at_ms)
    wait(worker, f"ticks at {at_ms} read", lambda: total(worker, "fenliu_sla_ticks_total") >= want)


def wait_committed(worker: Worker) -> None:
    """Every input and tick record processed and its offset committed (state flushed)."""
    s = worker.settings
    names = [tick_topic(s), s.topic(topics.ORDERS), s.topic(topics.LIFECYCLE)]
    probe = Consumer(confluent_config(s, **{"group.id": app_id(s)}))
    try:

        def done() -> bool:
            tps = [TopicPartition(n, p) for n in names for p in range(PARTITIONS)]
            for tp in probe.committed(tps, timeout=10):
                _, high = probe.get_watermark_offsets(
                    TopicPartition(tp.topic, tp.partition), timeout=10
                )
                if high and tp.offset < high:
                    return False
            return True

        wait(worker, "offsets committed", done)
    finally:
        probe.close()


class Alerts:
    """Everything on the alert topic, read from the beginning."""

    def __init__(self, settings: Settings) -> None:
        self.consumer = Consumer(
            confluent_config(
                settings,
                **{
                    "group.id": f"sla-test-{uuid.uuid4().hex}",
                    "auto.offset.reset": "earliest",
                    "enable.auto.commit": False,
                },
            )
        )
        self.consumer.subscribe([settings.topic(topics.SLA_ALERTS)])
        self.seen: list[dict[str, Any]] = []

    def read_until(self, count: int, timeout_s: float = 60) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout_s
        while len(self.seen) < count and time.monotonic() < deadline:
            msg = self.consumer.poll(0.5)
            if msg is not None and not msg.error():
                alert = CODEC.decode(msg.value(), expect="SlaAlert")
                assert msg.key() == alert["order_id"].encode()
                self.seen.append(alert)
        assert len(self.seen) >= count, f"{len(self.seen)} of {count} alerts: {self.ids()}"
        return self.seen

    def ids(self) -> list[str]:
        return [a["alert_id"] for a in self.seen]

    def close(self) -> None:
        self.consumer.close()


def produce(settings: Settings, items: list[tuple[str, dict[str, Any]]]) -> None:
    """Orders and lifecycle events keyed by order id, with librdkafka's default partitioner,
    which the Faust app uses too (docs/streams.md, "One partitioner for every producer")."""
    schema = {topics.ORDERS: "DispatchOrder", topics.LIFECYCLE: "LifecycleEvent"}
    producer = Producer(confluent_config(settings))
    for topic, record in items:
        producer.produce(
            settings.topic(topic), CODEC.encode(schema[topic], record), record["order_id"].encode()
        )
    assert producer.flush(30) == 0


def levels(order_id: str, stage: str, due: int, *names: str) -> set[str]:
    return {f"{order_id}:{stage}:{level}:{due}" for level in names}


ALL = ("WARNING", "BREACH", "SUPERVISION", "ESCALATION")


@pytest.fixture()
def sla_settings(isolated_settings: Settings) -> Settings:
    s = isolated_settings.replace(topics={"partitions": PARTITIONS}, sla={"clock": "control"})
    apply_topics(s)
    return s


@pytest.fixture()
def worker(sla_settings: Settings, tmp_path: Path) -> Iterator[Worker]:
    # Static membership (the default): the restarted worker takes its old place at once.
    # SLA_TEST_INSTANCE_ID="" runs this file with dynamic membership (after a crash the
    # group then waits for the dead member's session, FENLIU_STREAMS_SESSION_TIMEOUT_S).
    w = Worker(
        sla_settings,
        tmp_path,
        FENLIU_STREAMS_INSTANCE_ID=os.environ.get(
            "SLA_TEST_INSTANCE_ID", f"{sla_settings.topics.prefix}worker"
        ),
    )
    yield w
    w.stop()


@pytest.fixture()
def alerts(sla_settings: Settings) -> Iterator[Alerts]:
    reader = Alerts(sla_settings)
    yield reader
    reader.close()


def test_every_stage_fires_at_its_driven_time_escalates_and_steps_close_stages(
    sla_settings: Settings, worker: Worker, alerts: Alerts
) -> None:
    unit = f"u-{uuid.uuid4().hex[:6]}"
    o1 = order_record(
        "o1",
        unit,
        {"SIGN": MIN, "DEPART": 2 * MIN, "PHONE": 3 * MIN, "ARRIVE": 8 * MIN, "CLOSE": 30 * MIN},
    )
    o2 = order_record("o2", unit, {"SIGN": MIN, "ARRIVE": 8 * MIN})
    worker.start()
    wait_ready(worker)
    produce(sla_settings, [(topics.ORDERS, o1), (topics.ORDERS, o2)])
    wait(
        worker, "orders read", lambda: total(worker, "fenliu_sla_orders_total", outcome="new") == 2
    )
    produce(
        sla_settings,
        [
            (topics.LIFECYCLE, lifecycle_record("e1", "o2", "SIGNED", T0 + 30_000)),
            (topics.LIFECYCLE, lifecycle_record("e1", "o2", "SIGNED", T0 + 30_000)),  # sent twice
            (topics.LIFECYCLE, lifecycle_record("e2", "o-unknown", "ARRIVED", T0 + 30_000)),
        ],
    )
    wait(worker, "steps read", lambda: total(worker, "fenliu_sla_lifecycle_total") == 3)
    assert total(worker, "fenliu_sla_lifecycle_total", kind="SIGNED", outcome="closed") == 1
    assert total(worker, "fenliu_sla_lifecycle_total", kind="SIGNED", outcome="duplicate") == 1
    assert total(worker, "fenliu_sla_lifecycle_total", kind="ARRIVED", outcome="early") == 1
    # The gauges are set at most every 0.25 s and once after a burst (sla.GAUGE_INTERVAL_S),
    # so they may trail the counters: wait for them rather than read them at once.
    wait(
        worker,
        "open SIGN stages published",
        lambda: total(worker, "fenliu_sla_open_stages", stage="SIGN") == 1,
    )

    tick(worker, T0 + 47_999)  # just before 80 % of the one-minute sign-off window
    assert total(worker, "fenliu_sla_alerts_total") == 0
    tick(worker, T0 + 48_000)
    (warning,) = alerts.read_until(1)
    assert warning["alert_id"] == f"o1:SIGN:WARNING:{T0 + MIN}"
    assert warning["unit_id"] == unit and warning["elapsed_ratio"] == 0.8
    assert int(warning["fired_at"].timestamp() * 1000) == T0 + 48_000
    tick(worker, T0 + MIN)
    assert alerts.read_until(2)[1]["alert_id"] == f"o1:SIGN:BREACH:{T0 + MIN}"

    # o1's team leaves: sign-off and departure are done, its sign-off stops escalating.
    produce(
        sla_settings, [(topics.LIFECYCLE, lifecycle_record("e3", "o1", "DEPARTED", T0 + 70_000))]
    )
    wait(
        worker,
        "departure read",
        lambda: total(worker, "fenliu_sla_lifecycle_total", kind="DEPARTED", outcome="closed") == 1,
    )
    tick(worker, T0 + 2 * 3_600_000)
    expected = (
        levels("o1", "SIGN", T0 + MIN, "WARNING", "BREACH")
        | levels("o1", "PHONE", T0 + 3 * MIN, *ALL)
        | levels("o1", "ARRIVE", T0 + 8 * MIN, *ALL)
        | levels("o1", "CLOSE", T0 + 30 * MIN, *ALL)
        | levels("o2", "ARRIVE", T0 + 8 * MIN, *ALL)
    )
    alerts.read_until(len(expected))
    assert sorted(alerts.ids()) == sorted(expected)
    wait(
        worker,
        "metrics caught up",
        lambda: total(worker, "fenliu_sla_alerts_total") == len(expected),
    )
    assert total(worker, "fenliu_sla_alerts_total", unit_id=unit, level="ESCALATION") == 4


def test_restart_and_crash_in_the_middle_lose_no_deadline_and_fire_none_twice(
    sla_settings: Settings, worker: Worker, alerts: Alerts
) -> None:
    orders = {
        f"o{n}": order_record(f"o{n}", "u-r", {"SIGN": MIN, "ARRIVE": 8 * MIN, "CLOSE": 30 * MIN})
        for n in range(1, 6)
    }
    worker.start()
    wait_ready(worker)
    produce(sla_settings, [(topics.ORDERS, o) for o in orders.values()])
    wait(worker, "orders read", lambda: total(worker, "fenliu_sla_orders_total") == 5)
    tick(worker, T0 + 70_000)
    alerts.read_until(10)  # sign-off warning and breach of all five
    wait_committed(worker)
    worker.stop()  # a graceful restart

    # while it is down: o1 arrives (closes sign-off and arrival), a new order comes in
    orders["o6"] = order_record("o6", "u-r", {"SIGN": MIN}, created=T0 + 5 * MIN)
    produce(
        sla_settings,
        [
            (topics.LIFECYCLE, lifecycle_record("a1", "o1", "ARRIVED", T0 + 5 * MIN)),
            (topics.ORDERS, orders["o6"]),
        ],
    )
    worker.start()
    wait(
        worker,
        "state recovered and new input read",
        lambda: (
            total(worker, "fenliu_sla_orders_total", outcome="new") == 1
            and total(worker, "fenliu_sla_lifecycle_total", outcome="closed") == 1
        ),
    )
    tick(worker, T0 + 70_000)  # the same time again fires nothing again
    tick(worker, T0 + 9 * MIN)
    fired_by_now = (
        set().union(*(levels(o, "SIGN", T0 + MIN, *ALL) for o in orders if o != "o6"))
        - levels("o1", "SIGN", T0 + MIN, "SUPERVISION", "ESCALATION")
        | set().union(
            *(
                levels(o, "ARRIVE", T0 + 8 * MIN, "WARNING", "BREACH")
                for o in ("o2", "o3", "o4", "o5")
            )
        )
        | levels("o6", "SIGN", T0 + 6 * MIN, *ALL)
    )
    alerts.read_until(len(fired_by_now))
    wait_committed(worker)
    worker.kill()  # a crash, once the state is committed

    worker.start()
    wait_ready(worker)
    tick(worker, T0 + 3 * 3_600_000)
    expected = (
        fired_by_now
        | set().union(*(levels(o, "ARRIVE", T0 + 8 * MIN, *ALL) for o in ("o2", "o3", "o4", "o5")))
        | set().union(
            *(levels(o, "CLOSE", T0 + 30 * MIN, *ALL) for o in ("o1", "o2", "o3", "o4", "o5"))
        )
    )
    alerts.read_until(len(expected))
    assert sorted(alerts.ids()) == sorted(expected), "lost or repeated alerts"
