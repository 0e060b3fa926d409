"""The SLA feature's agent steps without a broker: fakes stand in for Faust's table and topics.

What is checked here is the wiring around the pure timer: decoding, which book handles
what, alerts delivered before the state that records them, dead letters, rebuilds.
The real worker on the real broker is in ``test_streams_sla_kafka.py``.
"""

from __future__ import annotations

import asyncio
import uuid
from collections import namedtuple
from dataclasses import dataclass, field
from typing import Any

import pytest
from prometheus_client import REGISTRY

from fenliu.processors.sla_timer import OrderSla
from fenliu.schemas.serde import SingleObjectCodec
from fenliu.settings import Settings
from fenliu.streams.kafka.dead_letters import DeadLetters
from fenliu.streams.worker.clock import ControlClock, decode_tick, encode_tick, tick_topic
from fenliu.streams.worker.context import StreamsContext
from fenliu.streams.worker.sla import SlaFeature, TableStore, book_config, order_input
from fenliu.topics import catalogue as topics

pytestmark = pytest.mark.anyio  # async tests run on asyncio (anyio's pytest plugin)
CODEC = SingleObjectCodec()
T0 = 1_795_000_000_000
MIN = 60_000
TP = namedtuple("TP", "topic partition")


def order_record(
    order_id: str,
    unit: str,
    stages: dict[str, int],
    created: int = T0,
) -> dict[str, Any]:
    return {
        "order_id": order_id, "case_id": f"c-{order_id}", "decision_id": f"d-{order_id}",
        "created_at": created, "source": "S110", "is_police_matter": False, "class_code": "NP03",
        "situation_code": "NP03-01", "situation_name": "拖欠工资", "priority": 3, "unit_id": unit,
        "unit_name": "调解中心", "unit_kind": "mediation", "town_code": "331099001",
        "grid_code": None, "team_id": None,
        "location": {"text": None, "lon": None, "lat": None, "admin_code": None},
        "summary": "工资", "caller_key": None,
        "deadlines": [{"stage": s, "due_at": created + w} for s, w in stages.items()],
        "repeat_count": 0, "flow_back": False, "taxonomy_version": "t", "routing_version": "r",
    }  # fmt: skip


def lifecycle_record(event_id: str, order_id: str, kind: str, at: int) -> dict[str, Any]:
    return {"event_id": event_id, "order_id": order_id, "case_id": f"c-{order_id}", "kind": kind,
            "at": at, "unit_id": "u", "actor": None, "note": None, "satisfaction": None,
            "resolved_on_site": None}  # fmt: skip


@dataclass
class Message:
    topic: str
    partition: int
    value: bytes
    key: bytes | None = None
    offset: int = 0
    headers: list[tuple[str, bytes]] = field(default_factory=list)
    timestamp: float = T0 / 1000


@dataclass
class Event:
    message: Message


class Journal(list):
    """What happened, in order: sends, deliveries and table writes."""


class FakeTable(dict):
    def __init__(self, journal: Journal) -> None:
        super().__init__()
        self.journal = journal

    def __setitem__(self, key: str, value: Any) -> None:
        self.journal.append(("write", key))
        super().__setitem__(key, value)


class FakeTopic:
    """Sends are delivered a moment later, as a broker would acknowledge them."""

    def __init__(self, name: str, journal: Journal, must_force: bool = True) -> None:
        self.name, self.journal, self.sent, self.must_force = name, journal, [], must_force

    async def send(
        self,
        *,
        key: Any = None,
        value: Any = None,
        partition: int | None = None,
        force: bool = False,
    ) -> asyncio.Future:
        # alerts must go now (their delivery is awaited); dead letters may wait for the commit
        assert force or not self.must_force, "an alert send must not wait for the commit"
        self.sent.append((key, value, partition))
        future = asyncio.get_running_loop().create_future()

        def deliver() -> None:
            self.journal.append(("delivered", self.name, key))
            future.set_result(None)

        asyncio.get_running_loop().call_later(0.001, deliver)
        return future


class FakeAssignor:
    def __init__(self, tps: set[TP]) -> None:
        self.tps = tps

    def assigned_actives(self) -> set[TP]:
        return self.tps


class FakeApp:
    def __init__(self, tps: set[TP], journal: Journal) -> None:
        self.assignor = FakeAssignor(tps)
        self.journal, self.topics = journal, {}

    def topic(self, name: str, **_: Any) -> FakeTopic:
        return self.topics.setdefault(name, FakeTopic(name, self.journal, must_force=False))


@pytest.fixture()
def settings() -> Settings:
    return Settings(
        topics={"prefix": f"unit-{uuid.uuid4().hex[:6]}-", "partitions": 2},
        sla={"clock": "control"},
    )


def feature_for(
    settings: Settings, table: FakeTable | None = None, partitions=(0, 1), clock: Any = None
) -> tuple[SlaFeature, Journal, FakeTopic, FakeTopic]:
    journal = table.journal if table is not None else Journal()
    table = table if table is not None else FakeTable(journal)
    tps = {TP(settings.topic(topics.ORDERS), p) for p in partitions}
    alerts = FakeTopic("alerts", journal)
    app = FakeApp(tps, journal)
    ctx = StreamsContext(settings, CODEC, clock or ControlClock())
    feature = SlaFeature(app, ctx, table, alerts=alerts, dead=DeadLetters(app, ctx))
    return feature, journal, alerts, app.topic(settings.topic(topics.DEAD_LETTER))


def order_event(settings: Settings, record: dict[str, Any], partition: int = 0) -> Event:
    return Event(
        Message(
            settings.topic(topics.ORDERS),
            partition,
            CODEC.encode("DispatchOrder", record),
            record["order_id"].encode(),
        )
    )


def step_event(settings: Settings, record: dict[str, Any], partition: int = 0) -> Event:
    return Event(
        Message(
            settings.topic(topics.LIFECYCLE),
            partition,
            CODEC.encode("LifecycleEvent", record),
            record["order_id"].encode(),
        )
    )


def tick_event(settings: Settings, at: int, partition: int = 0) -> Event:
    return Event(Message(tick_topic(settings), partition, encode_tick(at)))


def alert_ids(topic: FakeTopic) -> list[str]:
    return [CODEC.decode(value, expect="SlaAlert")["alert_id"] for _, value, _ in topic.sent]


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


async def test_an_order_fires_at_driven_ticks_and_a_sign_off_closes_its_stage(settings) -> None:
    feature, _, alerts, _ = feature_for(settings)
    unit = f"u-{uuid.uuid4().hex[:6]}"
    await feature.on_input(
        order_event(settings, order_record("o1", unit, {"SIGN": MIN, "ARRIVE": 8 * MIN}))
    )
    await feature.on_tick(tick_event(settings, T0 + 47_999))
    assert alerts.sent == []
    await feature.on_tick(tick_event(settings, T0 + 48_000))
    assert alert_ids(alerts) == [f"o1:SIGN:WARNING:{T0 + MIN}"]
    await feature.on_input(
        step_event(settings, lifecycle_record("e1", "o1", "SIGNED", T0 + 50_000))
    )
    await feature.on_tick(tick_event(settings, T0 + 8 * MIN))
    assert alert_ids(alerts)[1:] == [
        f"o1:ARRIVE:WARNING:{T0 + 8 * MIN}",
        f"o1:ARRIVE:BREACH:{T0 + 8 * MIN}",
    ]
    first = CODEC.decode(alerts.sent[0][1], expect="SlaAlert")
    assert alerts.sent[0][0] == b"o1" and first["unit_id"] == unit
    assert first["elapsed_ratio"] == 0.8
    assert sample("fenliu_sla_alerts_total", unit_id=unit, stage="ARRIVE", level="BREACH") == 1
    assert sample("fenliu_sla_open_stages", stage="ARRIVE") >= 1
    assert feature.ctx.clock.now_ms() == T0 + 8 * MIN


async def test_alerts_are_delivered_before_the_state_that_records_them(settings) -> None:
    feature, journal, _, _ = feature_for(settings)
    await feature.on_input(order_event(settings, order_record("o1", "u", {"SIGN": MIN})))
    journal.clear()
    await feature.on_tick(tick_event(settings, T0 + 10 * MIN))
    kinds = [entry[0] for entry in journal]
    assert kinds.count("delivered") == 4
    assert kinds.index("write") > max(i for i, k in enumerate(kinds) if k == "delivered")


async def test_a_restart_rebuilds_from_the_table_and_fires_nothing_twice(settings) -> None:
    first, _, alerts, _ = feature_for(settings)
    await first.on_input(order_event(settings, order_record("o1", "u", {"SIGN": MIN}), 0))
    await first.on_input(order_event(settings, order_record("o2", "u", {"SIGN": MIN}), 1))
    await first.on_tick(tick_event(settings, T0 + MIN, 0))
    await first.on_tick(tick_event(settings, T0 + MIN, 1))
    assert len(alerts.sent) == 4
    # The table is what the changelog gives back; the new worker owns partition 1 only.
    second, _, again, _ = feature_for(settings, first.store.table, partitions=(1,))
    await second.on_tick(tick_event(settings, T0 + MIN, 1))
    assert again.sent == []
    await second.on_tick(tick_event(settings, T0 + 10 * MIN, 1))
    assert sorted(alert_ids(again)) == [
        f"o2:SIGN:ESCALATION:{T0 + MIN}",
        f"o2:SIGN:SUPERVISION:{T0 + MIN}",
    ]
    assert set(second.books) == {1} and second.books[1].open_stages["SIGN"] == 1


async def test_bad_records_become_dead_letters_and_the_agent_goes_on(settings) -> None:
    feature, _, alerts, dead = feature_for(settings)
    before = sample(
        "fenliu_dead_letters_total", service="streams", stage="sla", reason="UNDECODABLE"
    )
    bad = Event(Message(settings.topic(topics.LIFECYCLE), 0, b"not avro", b"o9", offset=7))
    await feature.on_input(bad)
    await feature.on_tick(Event(Message(tick_topic(settings), 0, b"soon")))
    assert len(dead.sent) == 1
    letter = CODEC.decode(dead.sent[0][1], expect="DeadLetter")
    assert letter["offset"] == 7 and letter["value"] == b"not avro" and letter["stage"] == "sla"
    assert (
        sample("fenliu_dead_letters_total", service="streams", stage="sla", reason="UNDECODABLE")
        == before + 1
    )
    await feature.on_input(order_event(settings, order_record("o1", "u", {"SIGN": MIN})))
    await feature.on_tick(tick_event(settings, T0 + MIN))
    assert len(alerts.sent) == 2


async def test_steps_on_the_wrong_partition_are_counted_and_still_close(settings) -> None:
    feature, _, alerts, _ = feature_for(settings)
    before = sample("fenliu_sla_partition_mismatch_total")
    await feature.on_input(order_event(settings, order_record("o1", "u", {"SIGN": MIN}), 0))
    await feature.on_input(step_event(settings, lifecycle_record("e1", "o1", "SIGNED", T0), 1))
    assert sample("fenliu_sla_partition_mismatch_total") == before + 1
    await feature.on_tick(tick_event(settings, T0 + 10 * MIN, 0))
    assert alerts.sent == []
    assert feature.books[0].open_stages["SIGN"] == 0 and feature.books[1].open_stages["SIGN"] == 0


async def test_event_clock_moves_with_the_events_themselves(settings) -> None:
    settings = settings.replace(sla={"clock": "event"})
    feature, _, alerts, _ = feature_for(settings)
    await feature.on_input(order_event(settings, order_record("o1", "u", {"SIGN": MIN})))
    assert alerts.sent == []
    await feature.on_input(
        step_event(settings, lifecycle_record("e1", "o9", "SIGNED", T0 + 61_000))
    )
    assert alert_ids(alerts) == [f"o1:SIGN:WARNING:{T0 + MIN}", f"o1:SIGN:BREACH:{T0 + MIN}"]


async def test_the_wall_ticker_ticks_only_the_partitions_this_worker_owns(settings) -> None:
    class Wall:
        def now_ms(self) -> int:
            return T0

    feature, journal, _, _ = feature_for(settings, clock=Wall())
    feature.app.assignor.tps |= {TP(tick_topic(settings), 1), TP(tick_topic(settings), 3)}
    ticks = FakeTopic("ticks", journal)
    await feature.send_wall_ticks(ticks)
    assert [(value, partition) for _, value, partition in ticks.sent] == [
        (encode_tick(T0), 1),
        (encode_tick(T0), 3),
    ]


def test_table_store_holds_writes_until_flush() -> None:
    journal = Journal()
    table = FakeTable(journal)
    store = TableStore(table)
    order_id, info, deadlines = order_input(order_record("o1", "u", {"SIGN": MIN}))
    assert (order_id, info.created_at_ms, deadlines) == ("o1", T0, [("SIGN", T0 + MIN)])
    store["o1"] = OrderSla("o1")
    assert "o1" in store and table == {} and list(store) == ["o1"]
    assert store.flush() == 1 and table["o1"]["order_id"] == "o1"
    del store["o1"]
    assert "o1" not in store and "o1" in table and len(store) == 0
    store.flush()
    assert table == {}


def test_ticks_and_settings_translate() -> None:
    assert decode_tick(encode_tick(T0)) == T0
    assert decode_tick(b"x") is None and decode_tick(None) is None
    config = book_config(
        Settings(
            sla={"warning_share": 0.5, "supervision_max_late_s": None, "tick_interval_s": 0.25}
        )
    )
    assert config.policy.warning_share == 0.5 and config.policy.supervision_max_late_ms is None
    assert config.bucket_ms == 250
