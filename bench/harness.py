"""Shared pieces of the end-to-end and scale benchmarks: the pipeline as real processes.

Each benchmark run gets its own topic prefix, consumer groups, Redis keys and ports, so
it can run beside the demo and the tests; everything it starts it stops, and its topics
are deleted at the end. The passthrough baseline is a process too
(``python -m bench.harness passthrough IN OUT GROUP``), so it pays what a service pays.
"""

from __future__ import annotations

import itertools
import os
import re
import sys
import threading
import time
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from confluent_kafka import (
    OFFSET_BEGINNING,
    Consumer,
    KafkaError,
    KafkaException,
    Producer,
    TopicPartition,
)

from fenliu.demo.run import Demo, DemoOptions, free_port_offset
from fenliu.demo.scrape import scrape
from fenliu.demo.supervisor import Supervisor
from fenliu.processors.model import Source
from fenliu.refdata.routing import load_routing
from fenliu.refdata.team_directory import TeamDirectory, seed_demo_teams
from fenliu.settings import Settings
from fenliu.streams.kafka.config import confluent_config, router_producer_config
from fenliu.streams.traffic.sink import KafkaSink
from fenliu.topics.admin import apply_topics, delete_topics
from fenliu.traffic.feed import SCHEMA, load_traffic_model, restamped
from fenliu.traffic.generator import GeneratedEvent, TrafficGenerator


def bench_settings(label: str) -> Settings:
    """Settings of one benchmark case: its own topic prefix and Redis team keys."""
    prefix = f"bench-{re.sub(r'[^A-Za-z0-9._-]', '-', label)}-{uuid.uuid4().hex[:8]}-"
    return Settings().replace(topics={"prefix": prefix}, teams={"key_prefix": f"{prefix}teams"})


def generated(
    settings: Settings, n: int, seed: int = 7, only: Source | None = None
) -> list[GeneratedEvent]:
    """``n`` generated events (every kind: new, repeats, neighbours), flat rhythm; ``only`` one hotline."""
    model = load_traffic_model(settings)
    gen = TrafficGenerator(
        model, seed=seed, start_ms=time.time_ns() // 1_000_000, calls_per_day=86_400, flat=True
    )
    return list(itertools.islice((e for e in gen if only is None or e.source is only), n))


def calls_110(settings: Settings, n: int, seed: int = 7) -> list[GeneratedEvent]:
    """``n`` generated 110 calls."""
    return generated(settings, n, seed, Source.CALL_110)


def produce_steady(
    settings: Settings,
    events: Iterable[GeneratedEvent],
    rate: float,
    sink: KafkaSink | None = None,
    topic: str | None = None,
) -> tuple[float, float]:
    """Send ``events`` at ``rate``/s, each stamped with its send time; returns (start, end) wall s.

    ``topic`` sends the encoded record to that physical topic instead of its raw topic.
    A latency benchmark passes the ``sink`` of its warm-up (``traffic_sink``): a fresh
    idempotent producer delivered its first records ~0.5 s late (connect, metadata,
    producer id), and that start-up, not the pipeline, was the p99 of every window."""
    from fenliu.schemas.serde import SingleObjectCodec

    codec = SingleObjectCodec()
    sink = sink or KafkaSink(settings, codec)
    started = time.time()
    t0 = time.monotonic()
    for i, event in enumerate(events):
        due = t0 + i / rate
        while (now := time.monotonic()) < due:
            time.sleep(min(due - now, 0.002))
        stamped = restamped(event, time.time_ns() // 1_000_000)
        if topic is None:
            sink.send(stamped)
        else:
            value = codec.encode(SCHEMA[stamped.source], stamped.record)
            sink.producer.produce(topic, value, stamped.key.encode(), timestamp=stamped.at_ms)
            sink.producer.poll(0)
    ended = time.time()
    # Wait for librdkafka's verdict on every record (its own deadline, message.timeout.ms),
    # not a minute: after a broker restart under load the broker came back later than
    # that, the producer was dropped with its records, and the pipeline was blamed for
    # calls it never received (issue 12, docs/streams.md). The sink's producer is watched:
    # one stranded by librdkafka #5301 is recreated and its queued calls sent again.
    undelivered = sink.producer.flush()
    if undelivered or sink.failed:
        raise RuntimeError(f"traffic not delivered: {undelivered} queued, {sink.failed} failed")
    return started, ended


def traffic_sink(settings: Settings) -> KafkaSink:
    """One producer for a benchmark's warm-up and all its windows (see ``produce_steady``)."""
    from fenliu.schemas.serde import SingleObjectCodec

    return KafkaSink(settings, SingleObjectCodec())


@contextmanager
def pipeline(
    settings: Settings,
    services: list[str],
    log_dir: Path,
    *,
    extra_env: dict[str, str] | None = None,
    replicas: dict[str, int] | None = None,
    keep_topics: bool = False,
) -> Iterator[tuple[Supervisor, int]]:
    """Topics, teams and the services as processes; stopped (and the topics deleted) afterwards."""
    apply_topics(settings)
    teams = TeamDirectory.from_settings(settings)
    try:
        seed_demo_teams(teams, load_routing(settings).jurisdiction, per_grid=2)
    finally:
        teams.close()
    offset = free_port_offset(settings, start=500, step=41)
    demo = Demo(
        settings,
        DemoOptions(
            rate=1, speed=1.0, seed=0, port_offset=offset, services=services, log_dir=log_dir
        ),
    )
    base_env = {
        "FENLIU_TOPIC_PREFIX": settings.topics.prefix,
        "FENLIU_REDIS_URL": settings.teams.redis_url,
        "FENLIU_TEAM_KEY_PREFIX": settings.teams.key_prefix,
        "FENLIU_KAFKA_BOOTSTRAP": settings.kafka.bootstrap,
        "FENLIU_STREAMS_DATA_DIR": str(log_dir / "streams-data"),
    }
    app_id = (extra_env or {}).get("FENLIU_STREAMS_APP_ID", settings.streams.app_id)
    (log_dir / "streams-data" / f"{settings.topics.prefix}{app_id}").mkdir(
        parents=True, exist_ok=True
    )
    supervisor = Supervisor(log_dir)
    try:
        for name in services:
            for n in range((replicas or {}).get(name, 1)):
                env = {**base_env, **demo.env_for(name), **(extra_env or {})}
                if n:  # a second replica: its own metrics and web ports, its own member id
                    env["FENLIU_METRICS_PORT"] = str(int(env["FENLIU_METRICS_PORT"]) + 1000 * n)
                    env["FENLIU_STREAMS_WEB_PORT"] = str(
                        int(env.get("FENLIU_STREAMS_WEB_PORT", "6066")) + 1000 * n
                    )
                supervisor.start(
                    f"{name}-{n}" if n else name,
                    [sys.executable, "-m", "fenliu.cli", "run", name],
                    env,
                    int(env["FENLIU_METRICS_PORT"]),
                )
        yield supervisor, offset
    finally:
        supervisor.stop_all()
        if not keep_topics:
            delete_run_topics(settings)
        if settings.teams.key_prefix.startswith("bench-"):
            _delete_keys(settings)


def delete_run_topics(settings: Settings, timeout_s: float = 30.0) -> None:
    """Every topic under a benchmark run's own prefix: the catalogue's and what the worker
    made (Faust's changelogs and internal topics are outside the catalogue; left behind,
    they piled up to 4,400 partitions on the development broker and slowed later runs)."""
    from confluent_kafka.admin import AdminClient

    if not settings.topics.prefix.startswith("bench-"):
        delete_topics(settings)  # a shared prefix: only the catalogue's topics are the run's own
        return
    admin = AdminClient(confluent_config(settings))
    own = [
        t
        for t in admin.list_topics(timeout=timeout_s).topics
        if t.startswith(settings.topics.prefix)
    ]
    for future in admin.delete_topics(own, request_timeout=timeout_s).values() if own else []:
        future.result()


def _delete_keys(settings: Settings) -> None:
    import redis

    client = redis.Redis.from_url(settings.teams.redis_url, socket_timeout=5)
    try:
        keys = list(client.scan_iter(match=f"{settings.teams.key_prefix}*", count=500))
        if keys:
            client.delete(*keys)
    finally:
        client.close()


def wait_metrics(supervisor: Supervisor, timeout_s: float = 120) -> None:
    deadline = time.monotonic() + timeout_s
    ports = {c.name: c.metrics_port for c in supervisor.children if c.metrics_port}
    while time.monotonic() < deadline:
        crashed = supervisor.crashed()
        if crashed:
            raise RuntimeError(f"{crashed[0].name} died:\n{crashed[0].log_tail()}")
        if all(scrape(ports).up.values()):
            return
        time.sleep(0.5)
    raise RuntimeError(f"services not answering: {ports}")


def committed(settings: Settings, group: str, topic_names: list[str]) -> tuple[int, int]:
    """(committed offsets, high watermarks) of ``group`` summed over the topics' partitions."""
    c = Consumer(confluent_config(settings, **{"group.id": group}))
    try:
        meta = c.list_topics(timeout=10)
        parts = [TopicPartition(t, p) for t in topic_names for p in meta.topics[t].partitions]
        done = sum(max(tp.offset, 0) for tp in c.committed(parts, timeout=10))
        high = sum(c.get_watermark_offsets(tp, timeout=10)[1] for tp in parts)
        return done, high
    finally:
        c.close()


def passthrough(
    settings: Settings,
    in_topic: str,
    out_topic: str,
    group: str,
    stop: threading.Event,
    poll_s: float | None = None,
) -> None:
    """Consume, produce the same bytes with the same timestamp, commit after delivery: a
    service's loop with its work taken out (the router's batching and delivery wait).

    ``poll_s`` is how long a batch may wait to fill (default: the router's poll timeout,
    for throughput); a latency baseline passes a short one, so a hop forwards at once."""
    from fenliu.streams.kafka.commit import next_offsets

    consumer = Consumer(
        confluent_config(
            settings,
            **{"group.id": group, "enable.auto.commit": False, "auto.offset.reset": "earliest"},
        )
    )
    producer = Producer(router_producer_config(settings))
    consumer.subscribe([in_topic])
    while not stop.is_set():
        msgs = [
            m
            for m in consumer.consume(
                settings.router.batch_size,
                timeout=settings.router.poll_timeout_s if poll_s is None else poll_s,
            )
            if m.error() is None
        ]
        if msgs:
            for m in msgs:
                while True:
                    try:
                        producer.produce(out_topic, m.value(), m.key(), timestamp=m.timestamp()[1])
                        break
                    except BufferError:
                        producer.poll(0.05)
            if producer.flush(60):
                raise RuntimeError("passthrough: deliveries not acknowledged")
            consumer.commit(offsets=next_offsets(msgs), asynchronous=False)
    consumer.close()


def read_topic(settings: Settings, name: str, idle_s: float = 3.0, timeout_s: float = 120) -> list:
    """Every record of a catalogue topic from the beginning, until nothing came for ``idle_s``."""
    c = Consumer(
        confluent_config(
            settings,
            **{
                "group.id": f"{settings.topics.prefix}read-{uuid.uuid4().hex[:6]}",
                "fetch.message.max.bytes": 8_000_000,
            },
        )
    )
    try:
        topic = settings.topic(name)
        meta = c.list_topics(topic, timeout=10)
        c.assign(
            [TopicPartition(topic, p, OFFSET_BEGINNING) for p in meta.topics[topic].partitions]
        )
        out: list = []
        deadline = time.monotonic() + timeout_s
        last = time.monotonic()
        while time.monotonic() - last < idle_s and time.monotonic() < deadline:
            msgs = [m for m in c.consume(1000, timeout=0.3) if m.error() is None]
            if msgs:
                out += msgs
                last = time.monotonic()
        return out
    finally:
        c.close()


def grid_orders(settings: Settings, port: int) -> list[dict]:
    """Every order grid-sim holds, as Open311 service requests (asked with its bearer token)."""
    import json
    import urllib.request

    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/orders",
        headers={"Authorization": f"Bearer {settings.grid.platform_token.get_secret_value()}"},
    )
    with urllib.request.urlopen(request, timeout=30) as resp:
        return json.loads(resp.read())


def kill_and_restart(supervisor: Supervisor, name: str) -> None:
    """``kill -9`` the child called ``name`` and start it again with the same command and environment."""
    child = next(c for c in supervisor.children if c.name == name and c.running)
    child.stopped_by_us = True  # not a crash the checks should report
    assert child.proc is not None
    child.proc.kill()
    child.proc.wait(30)
    supervisor.start(name, child.argv, child.env, child.metrics_port)


def drained(settings: Settings, groups: dict[str, list[str]], timeout_s: float = 180) -> bool:
    """True once every group has committed everything on its input topics (names physical)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            if all(
                done >= high
                for done, high in (committed(settings, g, t) for g, t in groups.items())
            ):
                return True
        except KafkaException as exc:  # coordinator moved, broker restarting: ask again
            transient = (KafkaError.NOT_COORDINATOR, KafkaError._TRANSPORT, KafkaError._TIMED_OUT)
            if not exc.args[0].retriable() and exc.args[0].code() not in transient:
                raise
        time.sleep(0.5)
    return False


if __name__ == "__main__":  # python -m bench.harness passthrough IN OUT GROUP [POLL_S]
    import signal

    _, command, in_topic, out_topic, group, *poll = sys.argv
    assert command == "passthrough"
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    passthrough(Settings(), in_topic, out_topic, group, stop, float(poll[0]) if poll else None)
    os._exit(0)
