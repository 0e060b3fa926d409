"""`kill -9` of the router, the Faust worker and the grid sink in the middle of a run.

The pipeline (router, streams, grid-sink, grid-sim) runs as real processes on its own
topics; generated traffic flows while each of the three is killed with SIGKILL and
started again. Afterwards, from the topics and the grid platform:

* every input call has exactly one decision (records may repeat — at-least-once — but
  always with the same deterministic decision id);
* every case has exactly one order and every order reached the grid platform exactly
  once (its idempotency key), first with the body the worker wrote first;
* no deadline was lost: the worker runs on the control clock (nothing fires until the
  test moves time), grid-sim plays no lives (nothing closes a stage), so once time is
  moved past them every deadline of every order must have fired its BREACH, under its
  deterministic alert id.
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict

import pytest

from bench.harness import (
    drained, generated, grid_orders, kill_and_restart, pipeline, produce_steady, read_topic, wait_metrics,
)
from fenliu.schemas.serde import SingleObjectCodec
from fenliu.streams.clock import send_ticks
from fenliu.topics import catalogue as topics

pytestmark = pytest.mark.kafka
CODEC = SingleObjectCodec()
SERVICES = ["grid-sim", "grid-sink", "streams", "router"]
HOUR_MS = 3_600_000


def _ms(value) -> int:
    return int(value.timestamp() * 1000) if hasattr(value, "timestamp") else int(value)


def _decode_all(settings, name: str, schema: str) -> list[dict]:
    return [CODEC.decode(m.value(), expect=schema) for m in read_topic(settings, name)]


@pytest.fixture()
def run_settings(isolated_settings):
    return isolated_settings.model_copy(update={"team_key_prefix": f"{isolated_settings.topic_prefix}teams"})


def test_kill_9_of_router_worker_and_sink_loses_and_duplicates_nothing(run_settings, tmp_path):
    settings = run_settings
    env = {"FENLIU_CLOCK": "control", "FENLIU_GRID_SIM_WEBHOOK_URL": "",
           "FENLIU_GRID_SIM_STORE_FILE": str(tmp_path / "grid-sim-store.json")}
    events = generated(settings, 1500, seed=77)
    inputs = {e.key for e in events}
    with pipeline(settings, SERVICES, tmp_path / "logs", extra_env=env) as (supervisor, offset):
        wait_metrics(supervisor)
        sender = threading.Thread(target=produce_steady, args=(settings, events, 50.0))
        t0 = time.monotonic()
        sender.start()
        for name, at_s in (("router", 8), ("streams", 16), ("grid-sink", 24)):  # 30 s of traffic
            time.sleep(max(0.0, t0 + at_s - time.monotonic()))
            kill_and_restart(supervisor, name)
        sender.join()
        p = settings.topic_prefix
        assert drained(settings, {
            f"{p}{settings.router_group}": [settings.topic(topics.RAW_110), settings.topic(topics.RAW_12345)],
            f"{p}{settings.streams_app_id}": [settings.topic(topics.DECISIONS)],
            f"{p}{settings.grid_sink_group}": [settings.topic(topics.ORDERS)],
        }, timeout_s=240), "the pipeline did not catch up after the kills"
        crashed = supervisor.crashed()
        assert not crashed, f"{crashed[0].name} died: {crashed[0].log_tail(30)}" if crashed else ""

        # exactly one decision per input call
        decisions = _decode_all(settings, topics.DECISIONS, "Decision")
        ids_by_call = defaultdict(set)
        for d in decisions:
            ids_by_call[d["event"]["source_id"]].add(d["decision_id"])
        assert set(ids_by_call) == inputs
        assert all(len(ids) == 1 for ids in ids_by_call.values())

        # exactly one order per case, each at the grid platform once, first body first
        orders = _decode_all(settings, topics.ORDERS, "DispatchOrder")
        first_body, latest, orders_of_case = {}, {}, defaultdict(set)
        for o in orders:
            first_body.setdefault(o["order_id"], o)
            latest[o["order_id"]] = o
            orders_of_case[o["case_id"]].add(o["order_id"])
        assert orders and all(len(ids) == 1 for ids in orders_of_case.values())
        at_platform = grid_orders(settings, settings.grid_sim_port + offset)
        platform_ids = [o["service_request_id"] for o in at_platform]
        assert len(platform_ids) == len(set(platform_ids)) and set(platform_ids) == set(first_body)
        for o in at_platform:
            assert o["case_id"] == first_body[o["service_request_id"]]["case_id"]
            assert o["description"] == first_body[o["service_request_id"]]["summary"]

        # no deadline lost: move SLA time two hours past the last call; every due stage breaches once
        tick_ms = max(e.at_ms for e in events) + 2 * HOUR_MS
        now_wall = int(time.time() * 1000)
        tick_ms = max(tick_ms, now_wall + 2 * HOUR_MS)  # calls were stamped with the send time
        send_ticks(settings, tick_ms)
        expected = {f"{oid}:{d['stage']}:BREACH:{_ms(d['due_at'])}" for oid, o in latest.items()
                    for d in o["deadlines"] if _ms(d["due_at"]) <= tick_ms}
        assert expected
        deadline = time.monotonic() + 120
        seen: set[str] = set()
        while time.monotonic() < deadline and not expected <= seen:
            time.sleep(2)
            seen = {a["alert_id"] for a in _decode_all(settings, topics.SLA_ALERTS, "SlaAlert")}
        missing = expected - seen
        assert not missing, f"{len(missing)} of {len(expected)} breaches never fired, e.g. {sorted(missing)[:3]}"
        alerts = _decode_all(settings, topics.SLA_ALERTS, "SlaAlert")
        early = [a for a in alerts if _ms(a["due_at"]) > tick_ms and a["level"] == "BREACH"]
        assert early == []  # nothing breached before its time
        assert {a["order_id"] for a in alerts} <= set(latest)
