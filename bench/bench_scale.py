"""Scale-out on one machine: two router replicas against one, two Faust workers against one.

    .venv/bin/python -m bench.bench_scale [--records 30000] [--streams-records 8000]

Needs the local stack (``./dev up``). Every case gets fresh topics (6 partitions) and a
fresh consumer group; its processes start first, and the measurement begins only when
the group is stable with every member holding partitions. Then the input is written as
fast as the producer goes and the clock runs until the group has committed all of it:
records ÷ (first record sent → last offset committed).

* router: generated 110 calls on the raw topic; baseline in the same run: the same
  number of passthrough processes (consume, produce the same bytes, commit: the router's
  loop with the deciding taken out);
* streams: decisions, made in-process by the router's own decider from generated calls,
  on the decisions topic; one Faust worker against two of one app id.

On a 2-core machine the broker, the producer and every replica share two cores: a second
replica can only win what one replica leaves idle (waits on the broker, on Redis, on
delivery reports). The table says how much that is here; it is not a cluster figure.
"""

from __future__ import annotations

import itertools
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import typer
from confluent_kafka import Consumer, ConsumerGroupState, KafkaException, Producer, TopicPartition
from confluent_kafka.admin import AdminClient
from rich.console import Console

from bench.common import Result, print_table
from bench.harness import bench_settings, pipeline
from fenliu.processors.model import Source
from fenliu.processors.records import decision_record
from fenliu.traffic.generator import TrafficGenerator
from fenliu.refdata.decider import build_decider
from fenliu.schemas.serde import SingleObjectCodec
from fenliu.settings import Settings
from fenliu.traffic.feed import SCHEMA, load_traffic_model
from fenliu.streams.kafka.config import confluent_config
from fenliu.topics import catalogue as topics
from fenliu.topics.admin import apply_topics, delete_topics

Message = tuple[str, bytes, bytes]  # catalogue topic, key, value


def raw_calls(settings: Settings, n: int) -> list[Message]:
    """``n`` generated 110 calls, encoded."""
    codec = SingleObjectCodec()
    gen = TrafficGenerator(
        load_traffic_model(settings),
        seed=11,
        start_ms=time.time_ns() // 1_000_000 - 86_400_000,
        calls_per_day=n,
        flat=True,
    )
    return [
        (topics.RAW_110, e.key.encode(), codec.encode(SCHEMA[e.source], e.record))
        for e in itertools.islice((e for e in gen if e.source is Source.CALL_110), n)
    ]


def decisions(settings: Settings, n: int) -> list[Message]:
    """``n`` decisions about generated calls, made by the router's decider, keyed by case key."""
    codec = SingleObjectCodec()
    decider = build_decider(settings)
    gen = TrafficGenerator(
        load_traffic_model(settings),
        seed=12,
        start_ms=time.time_ns() // 1_000_000 - 86_400_000,
        calls_per_day=n,
        flat=True,
    )
    out = []
    for e in itertools.islice(gen, n):
        d = decider.decide(e.record, e.source, now_ms=e.at_ms)
        out.append(
            (topics.DECISIONS, d.case_key.encode(), codec.encode("Decision", decision_record(d)))
        )
    return out


def send_all(settings: Settings, messages: list[Message]) -> None:
    producer = Producer(
        confluent_config(settings,
            **{"linger.ms": 20, "compression.type": "lz4", "queue.buffering.max.messages": 500_000}
        )
    )
    for topic, key, value in messages:
        while True:
            try:
                producer.produce(settings.topic(topic), value, key)
                break
            except BufferError:
                producer.poll(0.05)
    assert producer.flush(120) == 0


def wait_stable(settings: Settings, group: str, members: int, timeout_s: float = 180) -> None:
    """Until ``group`` is STABLE with ``members`` members that all hold partitions."""
    admin = AdminClient(confluent_config(settings))
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            desc = admin.describe_consumer_groups([group])[group].result(timeout=10)
            if (
                desc.state == ConsumerGroupState.STABLE
                and len(desc.members) == members
                and all(m.assignment and m.assignment.topic_partitions for m in desc.members)
            ):
                return
        except KafkaException:  # the group does not exist yet
            pass
        time.sleep(0.5)
    raise TimeoutError(f"group {group} not stable with {members} members")


def timed_drain(
    settings: Settings, group: str, topic: str, messages: list[Message], timeout_s: float = 900
) -> float:
    """Send ``messages`` and return seconds until ``group`` committed all of them (polled every
    20 ms through one watcher, so the measurement adds little to sub-second drains)."""
    watcher = Consumer(confluent_config(settings, **{"group.id": group}))
    try:
        physical = settings.topic(topic)
        meta = watcher.list_topics(physical, timeout=10)
        parts = [TopicPartition(physical, p) for p in meta.topics[physical].partitions]
        began = time.monotonic()
        send_all(settings, messages)
        while time.monotonic() - began < timeout_s:
            done = sum(max(tp.offset, 0) for tp in watcher.committed(parts, timeout=10))
            if done >= len(messages):
                return time.monotonic() - began
            time.sleep(0.02)
    finally:
        watcher.close()
    raise TimeoutError(f"{group} did not commit {len(messages)} records in {timeout_s} s")


@contextmanager
def passthroughs(settings: Settings, group: str, replicas: int, log_dir: Path) -> Iterator[None]:
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "bench.harness",
                "passthrough",
                settings.topic(topics.RAW_110),
                settings.topic(topics.LIFECYCLE),
                group,
            ],
            stdout=(log_dir / f"{group}-{i}.log").open("ab"),
            stderr=subprocess.STDOUT,
        )
        for i in range(replicas)
    ]
    try:
        yield
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            p.wait(30)


def case(
    label: str,
    group_of: Callable[[Settings], str],
    start: Callable[[Settings], object],
    replicas: int,
    topic: str,
    messages: list[Message],
    note: str,
) -> Result:
    """One row: fresh topics, the processes started and settled, then the timed drain."""
    settings = bench_settings(label)
    apply_topics(settings)
    try:
        with start(settings):  # type: ignore[attr-defined]
            wait_stable(settings, group_of(settings), replicas)
            seconds = timed_drain(settings, group_of(settings), topic, messages)
    finally:
        delete_topics(settings)
    return Result(f"{label} ×{replicas}", len(messages), seconds, note, group=label.split()[0])


def main(
    records: int = typer.Option(30_000, help="110 calls per router/passthrough case"),
    streams_records: int = typer.Option(8_000, help="decisions per streams case (0 = skip)"),
) -> None:
    log_dir = Path(tempfile.mkdtemp(prefix="fenliu-bench-scale-"))
    console = Console()
    base = Settings()
    console.print(
        f"logs in {log_dir}; encoding {records:,} calls and {streams_records:,} decisions"
    )
    calls = raw_calls(base, records)
    made = decisions(base, streams_records) if streams_records else []
    rows: list[Result] = []
    for replicas in (1, 2):
        rows.append(
            case(
                "router passthrough",
                lambda s: f"{s.topics.prefix}pt",
                lambda s, n=replicas: passthroughs(s, f"{s.topics.prefix}pt", n, log_dir),
                replicas,
                topics.RAW_110,
                calls,
                "consume, produce, commit",
            )
        )
        console.print(f"  {rows[-1].name}: {rows[-1].rate:,.0f}/s")
        rows.append(
            case(
                "router",
                lambda s: f"{s.topics.prefix}{s.router.group}",
                lambda s, n=replicas: pipeline(
                    s, ["router"], log_dir / f"router-{n}", keep_topics=True, replicas={"router": n}
                ),
                replicas,
                topics.RAW_110,
                calls,
                "decide + Redis teams",
            )
        )
        console.print(f"  {rows[-1].name}: {rows[-1].rate:,.0f}/s")
    if made:
        env = {"FENLIU_STREAMS_INSTANCE_ID": ""}  # dynamic membership: two workers on one host
        for workers in (1, 2):
            rows.append(
                case(
                    "streams",
                    lambda s: f"{s.topics.prefix}{s.streams.app_id}",
                    lambda s, n=workers: pipeline(
                        s,
                        ["streams"],
                        log_dir / f"streams-{n}",
                        keep_topics=True,
                        extra_env=env,
                        replicas={"streams": n},
                    ),
                    workers,
                    topics.DECISIONS,
                    made,
                    "cases, hotspot, SLA, rates agents",
                )
            )
            console.print(f"  {rows[-1].name}: {rows[-1].rate:,.0f}/s")
    print_table(
        "Scale-out on 2 cores: records ÷ (first sent → all committed), 6 partitions",
        rows,
        baseline="router passthrough ×1",
    )
    by_name = {r.name: r for r in rows}
    for name in ("router passthrough", "router", "streams"):
        if f"{name} ×2" in by_name:
            console.print(
                f"{name}: ×2 / ×1 = {by_name[f'{name} ×2'].rate / by_name[f'{name} ×1'].rate:.2f}"
            )


if __name__ == "__main__":
    typer.run(main)
