"""Processes and the broker dying in the middle of a run: `kill -9` of the router, the
Faust worker and the grid sink, and a restart of the Kafka broker.

The pipeline (router, streams, grid-sink, grid-sim) runs as real processes on its own
topics; generated traffic flows while the faults happen. Afterwards, from the topics and
the grid platform:

* every input call has exactly one decision (records may repeat — at-least-once — but
  always with the same deterministic decision id);
* every case has exactly one order and every order reached the grid platform exactly
  once (its idempotency key), with the body the worker wrote first;
* no deadline was lost: the worker runs on the control clock (nothing fires until the
  test moves time), grid-sim plays no lives (nothing closes a stage), so once time is
  moved past them every deadline of every order must have fired its BREACH, under its
  deterministic alert id, and none before its time.
"""

from __future__ import annotations

import signal
import threading
import time
from collections import defaultdict
from collections.abc import Callable

import pytest
from confluent_kafka import Consumer, KafkaException, TopicPartition

from bench.harness import (
    drained,
    generated,
    grid_orders,
    kill_and_restart,
    pipeline,
    produce_steady,
    read_topic,
    wait_metrics,
)
from fenliu import stack
from fenliu.demo.supervisor import Supervisor
from fenliu.schemas.serde import SingleObjectCodec
from fenliu.streams.kafka.config import confluent_config
from fenliu.streams.worker.clock import send_ticks
from fenliu.topics import catalogue as topics

pytestmark = pytest.mark.kafka
CODEC = SingleObjectCodec()
SERVICES = ["grid-sim", "grid-sink", "streams", "router"]
HOUR_MS = 3_600_000
TRAFFIC_S = 30
RATE = 50.0

Fault = tuple[float, Callable[[Supervisor], None]]  # (seconds into the traffic, what happens)


class ServiceDied(AssertionError):
    """A service exited on its own during the run (the data checks passed regardless)."""


class NotCaughtUp(AssertionError):
    """Some group's committed offsets did not reach the end of its input in time."""


class TrafficNotDelivered(AssertionError):
    """The test's own sender could not deliver its calls: no pipeline check can say anything."""


def _ms(value) -> int:
    return int(value.timestamp() * 1000) if hasattr(value, "timestamp") else int(value)


def _decode_all(settings, name: str, schema: str) -> list[dict]:
    return [CODEC.decode(m.value(), expect=schema) for m in read_topic(settings, name)]


def run_with_faults(settings, tmp_path, faults: list[Fault], *, restart_dead: bool = False) -> None:
    """Traffic for TRAFFIC_S seconds with ``faults`` on the way, then every check of the module.

    ``restart_dead``: a service that died on its own is started again, as a process
    supervisor (systemd, Kubernetes) would, so the data checks still run; the death is
    reported at the end as ``ServiceDied``."""
    env = {
        "FENLIU_CLOCK": "control",
        "FENLIU_GRID_SIM_WEBHOOK_URL": "",
        "FENLIU_GRID_SIM_STORE_FILE": str(tmp_path / "grid-sim-store.json"),
    }
    events = generated(settings, int(TRAFFIC_S * RATE), seed=77)
    with pipeline(settings, SERVICES, tmp_path / "logs", extra_env=env) as (supervisor, offset):
        wait_metrics(supervisor)
        undelivered: list[Exception] = []

        def send() -> None:
            try:
                produce_steady(settings, events, RATE)
            except Exception as exc:  # noqa: BLE001 - reported below, on the test's thread
                undelivered.append(exc)

        sender = threading.Thread(target=send)
        t0 = time.monotonic()
        sender.start()
        for at_s, fault in faults:
            time.sleep(max(0.0, t0 + at_s - time.monotonic()))
            fault(supervisor)
        sender.join()
        if undelivered:
            raise TrafficNotDelivered(str(undelivered[0]))
        died = _restart_the_dead(supervisor) if restart_dead else []
        p = settings.topics.prefix
        groups = {
            f"{p}{settings.router.group}": [
                settings.topic(topics.RAW_110),
                settings.topic(topics.RAW_12345),
            ],
            f"{p}{settings.streams.app_id}": [settings.topic(topics.DECISIONS)],
            f"{p}{settings.grid.sink_group}": [settings.topic(topics.ORDERS)],
        }
        if not _drained_supervised(supervisor, settings, groups, died if restart_dead else None):
            raise NotCaughtUp(
                "the pipeline did not catch up after the faults: "
                + _lag_report(settings, groups)
                + (f"; died: {'; '.join(died)}" if died else "")
                + _stacks_of_the_living(supervisor)
            )
        crashed = supervisor.crashed()
        assert not crashed, f"{crashed[0].name} died: {crashed[0].log_tail(30)}" if crashed else ""
        latest = check_exactly_once(
            settings, {e.key for e in events}, settings.grid_sim.port + offset
        )
        check_no_deadline_lost(settings, latest, max(e.at_ms for e in events))
    if died:
        raise ServiceDied("; ".join(died))


def _stacks_of_the_living(supervisor: Supervisor) -> str:
    """Each running service's stacks (SIGUSR1: faulthandler in the confluent-kafka loops,
    mode's own dump in the Faust worker), so a hang names where it waits."""
    alive = [c for c in supervisor.children if c.running and c.proc is not None]
    for child in alive:
        assert child.proc is not None
        child.proc.send_signal(signal.SIGUSR1)
    time.sleep(2)
    return "".join(f"\n--- {c.name} (SIGUSR1) ---\n{c.log_tail(120)}" for c in alive)


def _drained_supervised(
    supervisor: Supervisor,
    settings,
    groups: dict[str, list[str]],
    died: list[str] | None,
    timeout_s: float = 240,
) -> bool:
    """``drained``, while (``died`` given) restarting a service that dies meanwhile, as a
    supervisor would: a death after the traffic is reported as one (``ServiceDied``), not as
    a pipeline that never caught up because nobody started the dead service again."""
    deadline = time.monotonic() + timeout_s
    while True:
        if died is not None:
            died += _restart_the_dead(supervisor)
        if drained(settings, groups, timeout_s=min(5.0, max(0.0, deadline - time.monotonic()))):
            return True
        if time.monotonic() >= deadline:
            return False


def _lag_report(settings, groups: dict[str, list[str]]) -> str:
    """Per group, the partitions whose committed offset is short of the end (for the failure)."""
    parts = []
    for group, names in groups.items():
        c = Consumer(confluent_config(settings, **{"group.id": group}))
        try:
            meta = c.list_topics(timeout=10)
            tps = [TopicPartition(t, p) for t in names for p in meta.topics[t].partitions]
            behind = [
                f"{tp.topic}[{tp.partition}] {tp.offset}/{c.get_watermark_offsets(tp, timeout=10)[1]}"
                for tp in c.committed(tps, timeout=10)
                if tp.offset < c.get_watermark_offsets(tp, timeout=10)[1]
            ]
        except KafkaException as exc:
            behind = [f"(could not ask: {exc})"]
        finally:
            c.close()
        parts.append(f"{group}: {', '.join(behind) or 'caught up'}")
    return "; ".join(parts)


def _restart_the_dead(supervisor: Supervisor) -> list[str]:
    died = []
    for child in supervisor.crashed():
        tail = [
            line
            for line in child.log_tail(60).splitlines()
            if "Error" in line or "Exception" in line
        ]
        died.append(
            f"{child.name} exited {child.proc.returncode if child.proc else '?'}: {tail[-1:] or '?'}"
        )
        child.stopped_by_us = True
        supervisor.start(child.name, child.argv, child.env, child.metrics_port)
    return died


def check_exactly_once(settings, inputs: set[str], grid_port: int) -> dict[str, dict]:
    """One decision per call; one order per case, at the platform once, first body first.
    Returns the latest record of every order."""
    ids_by_call = defaultdict(set)
    for d in _decode_all(settings, topics.DECISIONS, "Decision"):
        ids_by_call[d["event"]["source_id"]].add(d["decision_id"])
    assert set(ids_by_call) == inputs
    assert all(len(ids) == 1 for ids in ids_by_call.values())

    first_body, latest, orders_of_case = {}, {}, defaultdict(set)
    for o in _decode_all(settings, topics.ORDERS, "DispatchOrder"):
        first_body.setdefault(o["order_id"], o)
        latest[o["order_id"]] = o
        orders_of_case[o["case_id"]].add(o["order_id"])
    assert latest and all(len(ids) == 1 for ids in orders_of_case.values())
    at_platform = grid_orders(settings, grid_port)
    platform_ids = [o["service_request_id"] for o in at_platform]
    assert len(platform_ids) == len(set(platform_ids)) and set(platform_ids) == set(first_body)
    for o in at_platform:
        assert o["case_id"] == first_body[o["service_request_id"]]["case_id"]
        assert o["description"] == first_body[o["service_request_id"]]["summary"]
    return latest


def check_no_deadline_lost(settings, latest: dict[str, dict], last_call_ms: int) -> None:
    """Move SLA time two hours past the last call: every stage due by then breaches, once by id."""
    tick_ms = max(last_call_ms, int(time.time() * 1000)) + 2 * HOUR_MS
    send_ticks(settings, tick_ms)
    expected = {
        f"{oid}:{d['stage']}:BREACH:{_ms(d['due_at'])}"
        for oid, o in latest.items()
        for d in o["deadlines"]
        if _ms(d["due_at"]) <= tick_ms
    }
    assert expected
    deadline = time.monotonic() + 120
    seen: set[str] = set()
    alerts: list[dict] = []
    while time.monotonic() < deadline and not expected <= seen:
        time.sleep(2)
        alerts = _decode_all(settings, topics.SLA_ALERTS, "SlaAlert")
        seen = {a["alert_id"] for a in alerts}
    missing = expected - seen
    assert not missing, (
        f"{len(missing)} of {len(expected)} breaches never fired, e.g. {sorted(missing)[:3]}"
    )
    assert [a for a in alerts if _ms(a["due_at"]) > tick_ms and a["level"] == "BREACH"] == []
    assert {a["order_id"] for a in alerts} <= set(latest)


@pytest.fixture()
def run_settings(isolated_settings):
    return isolated_settings.replace(
        teams={"key_prefix": f"{isolated_settings.topics.prefix}teams"}
    )


@pytest.mark.timeout(600)
def test_kill_9_of_router_worker_and_sink_loses_and_duplicates_nothing(run_settings, tmp_path):
    run_with_faults(
        run_settings,
        tmp_path,
        [
            (8, lambda sup: kill_and_restart(sup, "router")),
            (16, lambda sup: kill_and_restart(sup, "streams")),
            (24, lambda sup: kill_and_restart(sup, "grid-sink")),
        ],
    )


def _restart_broker(settings) -> Callable[[Supervisor], None]:
    def restart(_supervisor: Supervisor) -> None:
        # 5 s down: the services see the broker gone, not just a blip
        stack.restart(settings, only=["kafka"], pause_s=5, attempts=3, report=lambda _m: None)

    return restart


@pytest.mark.timeout(600)
@pytest.mark.stops_the_stack
def test_broker_restart_mid_run_loses_and_duplicates_nothing(run_settings, tmp_path):
    """Restarts the local stack's broker (SIGTERM, 5 s down, start, wait until it answers).
    Only a broker this checkout's stack started can be restarted; others are not touched.
    Every data check must pass; a service that died is restarted and then reported. The
    traffic sender and the router's producer are watched (streams/kafka/watchdog.py): one
    that librdkafka strands at the broker's shutdown (#5301) is recreated and sends its
    unacknowledged records again, so ``TrafficNotDelivered`` is a failure like any other."""
    rows = stack.status(run_settings, only=["kafka"])
    if not rows or rows[0].pid is None:
        pytest.skip(
            "the broker was not started by this checkout's `fenliu stack`: not ours to restart"
        )
    run_with_faults(
        run_settings, tmp_path, [(10, _restart_broker(run_settings))], restart_dead=True
    )
