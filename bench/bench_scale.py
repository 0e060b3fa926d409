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
  on the decisions topic; one Faust worker against two of one app id. The clock stops
  only when the worker's group has committed **every** input of every agent (decisions,
  the case steps, the orders it made itself, lifecycle) on every partition, not just the
  decisions; the decisions are stamped from the moment they are sent (a minute of event
  time from then), and SLA time is the control clock, not ticked during the run, so no
  order is overdue at birth however long the backlog takes (the SLA alerts sent are
  reported beside the rate: none expected). The worker's CPU seconds per decision are
  reported too: on a shared machine they say more than the wall-clock rate.
  ``--baseline-ref`` runs the worker of another git ref (e.g. ``main``) in the same run,
  from a temporary ``git worktree``.

On a 2-core machine the broker, the producer and every replica share two cores: a second
replica can only win what one replica leaves idle (waits on the broker, on Redis, on
delivery reports). The table says how much that is here; it is not a cluster figure.
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import os
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
from bench.cpu import cpu_seconds
from bench.harness import bench_settings, delete_run_topics, pipeline
from fenliu.processors.model import Source
from fenliu.processors.records import decision_record
from fenliu.refdata.decider import build_decider
from fenliu.schemas.serde import SingleObjectCodec
from fenliu.settings import Settings
from fenliu.streams.kafka.config import confluent_config
from fenliu.topics import catalogue as topics
from fenliu.topics.admin import apply_topics
from fenliu.traffic.feed import SCHEMA, load_traffic_model
from fenliu.traffic.generator import TrafficGenerator

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


def decisions(settings: Settings, n: int, span_s: float = 60.0) -> list[Message]:
    """``n`` decisions about generated calls, made by the router's decider, keyed by case key,
    received over ``span_s`` seconds from now (so no deadline is past when they are sent)."""
    codec = SingleObjectCodec()
    decider = build_decider(settings)
    gen = TrafficGenerator(
        load_traffic_model(settings),
        seed=12,
        start_ms=time.time_ns() // 1_000_000,
        calls_per_day=max(1, int(n * 86_400 / span_s)),
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
        confluent_config(
            settings,
            **{"linger.ms": 20, "compression.type": "lz4", "queue.buffering.max.messages": 500_000},
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
    settings: Settings,
    group: str,
    topic: str,
    messages: list[Message],
    timeout_s: float = 900,
    also: tuple[str, ...] = (),
) -> tuple[float, float]:
    """Send ``messages``; seconds until ``group`` committed all of them, and until it had also
    committed everything on the ``also`` topics (physical names: the inputs of its other
    agents, which grow while it works) on every partition. Polled every 20 ms through one
    watcher, so the measurement adds little to sub-second drains."""
    watcher = Consumer(confluent_config(settings, **{"group.id": group}))
    try:
        physical = settings.topic(topic)
        meta = watcher.list_topics(timeout=10)
        parts = [TopicPartition(physical, p) for p in meta.topics[physical].partitions]
        others = [TopicPartition(t, p) for t in also for p in meta.topics[t].partitions]
        began = time.monotonic()
        send_all(settings, messages)
        first: float | None = None
        while time.monotonic() - began < timeout_s:
            done = sum(max(tp.offset, 0) for tp in watcher.committed(parts, timeout=10))
            if done >= len(messages):
                first = first or time.monotonic() - began
                if _all_committed(watcher, others):
                    return first, time.monotonic() - began
            time.sleep(0.02)
    finally:
        watcher.close()
    raise TimeoutError(f"{group} did not commit {len(messages)} records in {timeout_s} s")


def _all_committed(watcher: Consumer, parts: list[TopicPartition]) -> bool:
    """Every partition's committed offset is at its high watermark (empty ones count as done)."""
    if not parts:
        return True
    committed = {
        (tp.topic, tp.partition): max(tp.offset, 0) for tp in watcher.committed(parts, timeout=10)
    }
    for tp in parts:
        low, high = watcher.get_watermark_offsets(tp, timeout=10, cached=False)
        if high > low and committed[(tp.topic, tp.partition)] < high:
            return False
    return True


def _pids(started: object) -> list[int]:
    """The service processes a case started (``pipeline`` yields its supervisor)."""
    supervisor = started[0] if isinstance(started, tuple) else None
    return [c.proc.pid for c in getattr(supervisor, "children", []) if c.proc is not None]


def produce_batches(started: object) -> float:
    """Batches the worker's batcher handed to its producer so far (its metrics endpoint):
    per decision, how well records share batches and produce requests."""
    import httpx
    from prometheus_client.parser import text_string_to_metric_families

    supervisor = started[0] if isinstance(started, tuple) else None
    total = 0.0
    for child in getattr(supervisor, "children", []):
        if not child.metrics_port:
            continue
        try:
            text = httpx.get(f"http://127.0.0.1:{child.metrics_port}/metrics", timeout=5).text
        except httpx.HTTPError:
            continue
        for family in text_string_to_metric_families(text):
            if family.name == "fenliu_streams_changelog_batches":
                total += sum(s.value for s in family.samples if s.name.endswith("_total"))
    return total


def high_watermarks(settings: Settings, topic: str) -> int:
    """Records written to ``topic`` (all partitions)."""
    c = Consumer(confluent_config(settings, **{"group.id": f"{settings.topics.prefix}hw"}))
    try:
        physical = settings.topic(topic)
        meta = c.list_topics(physical, timeout=10)
        return sum(
            c.get_watermark_offsets(TopicPartition(physical, p), timeout=10)[1]
            for p in meta.topics[physical].partitions
        )
    finally:
        c.close()


def records_written(settings: Settings) -> dict[str, int]:
    """Records on every topic of the case's prefix (outputs, internal topics, changelogs)."""
    c = Consumer(confluent_config(settings, **{"group.id": f"{settings.topics.prefix}hw"}))
    try:
        meta = c.list_topics(timeout=10)
        return {
            name: sum(
                c.get_watermark_offsets(TopicPartition(name, p), timeout=10)[1]
                for p in t.partitions
            )
            for name, t in meta.topics.items()
            if name.startswith(settings.topics.prefix)
        }
    finally:
        c.close()


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
    messages: list[Message] | Callable[[Settings], list[Message]],
    note: str,
    also_topics: tuple[Callable[[Settings], str], ...] = (),
) -> Result:
    """One row: fresh topics, the processes started and settled, then the timed drain."""
    settings = bench_settings(label)
    apply_topics(settings)
    try:
        with start(settings) as started:  # type: ignore[attr-defined]
            wait_stable(settings, group_of(settings), replicas)
            if callable(messages):  # made now, so their event time starts now
                messages = messages(settings)
            also = tuple(f(settings) for f in also_topics)
            pids = _pids(started)
            load0 = os.getloadavg()[0]
            cpu0, batches0 = cpu_seconds(pids), produce_batches(started)
            first, seconds = timed_drain(settings, group_of(settings), topic, messages, also=also)
            cpu = cpu_seconds(pids) - cpu0
            batches = produce_batches(started) - batches0
            load = os.getloadavg()[0]
            if also:
                alerts = high_watermarks(settings, topics.SLA_ALERTS)
                written = records_written(settings)
                n = len(messages)
                changelog = sum(v for t, v in written.items() if t.endswith("-changelog"))
                records = sum(
                    v
                    for t, v in written.items()
                    if not t.endswith("-changelog") and t != settings.topic(topics.DECISIONS)
                )
                note = (
                    f"{note}; decisions committed after {first:.1f} s, every agent after "
                    f"{seconds:.1f} s; worker CPU {cpu:.1f} s = "
                    f"{cpu / n * 1e6:,.0f} µs/decision "
                    f"({n / cpu if cpu else 0:,.0f} decisions per CPU second); "
                    f"{records / n:.2f} records + {changelog / n:.2f} changelog writes "
                    f"per decision in {batches / n:.2f} produce batches; {alerts:,} SLA "
                    f"alerts; load average {load0:.1f} → {load:.1f}"
                )
    finally:
        delete_run_topics(settings)
    return Result(f"{label} ×{replicas}", len(messages), seconds, note, group=label.split()[0])


def worker_inputs() -> tuple[Callable[[Settings], str], ...]:
    """The inputs of the worker's agents besides the decisions (its group commits them all)."""
    from fenliu.streams.worker.cases import internal_topic

    return (
        lambda s: internal_topic(s, "case-steps"),
        lambda s: s.topic(topics.ORDERS),
        lambda s: s.topic(topics.LIFECYCLE),
    )


@contextmanager
def baseline_checkout(ref: str) -> Iterator[Path]:
    """A temporary ``git worktree`` of ``ref`` (the old worker runs from there)."""
    root = Path(__file__).resolve().parent.parent
    path = Path(tempfile.mkdtemp(prefix="fenliu-bench-ref-"))
    subprocess.run(
        ["git", "-C", str(root), "worktree", "add", "--detach", str(path), ref],
        check=True,
        capture_output=True,
    )
    try:
        yield path
    finally:
        subprocess.run(
            ["git", "-C", str(root), "worktree", "remove", "--force", str(path)],
            check=False,
            capture_output=True,
        )


def main(
    records: int = typer.Option(30_000, help="110 calls per router/passthrough case (0 = skip)"),
    streams_records: int = typer.Option(8_000, help="decisions per streams case (0 = skip)"),
    workers: str = typer.Option("1,2", help="streams cases: numbers of workers"),
    baseline_ref: str = typer.Option(
        "", help="git refs (comma-separated) whose workers run too, e.g. main"
    ),
    tree: bool = typer.Option(True, help="run this working tree's worker too"),
    rounds: int = typer.Option(1, help="streams cases: old and new alternate this many times"),
) -> None:
    log_dir = Path(tempfile.mkdtemp(prefix="fenliu-bench-scale-"))
    console = Console()
    base = Settings()
    console.print(
        f"logs in {log_dir}; encoding {records:,} calls and {streams_records:,} decisions"
    )
    calls = raw_calls(base, records) if records else []
    rows: list[Result] = []
    for replicas in (1, 2) if records else ():
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
    if streams_records:
        # Dynamic membership (two workers on one host). SLA time on the control clock, and no
        # ticks: it stands at the start of the run, so an order is not overdue because the
        # drain of a backlog took long (on the wall clock every order was, and each fired
        # every level: 51,920 alerts for 6,000 decisions, each awaited before its state).
        env = {"FENLIU_STREAMS_INSTANCE_ID": "", "FENLIU_CLOCK": "control"}
        made = functools.partial(_made, n=streams_records)
        with contextlib.ExitStack() as stack:
            trees: dict[str, Path | None] = {
                f"streams@{ref}": stack.enter_context(baseline_checkout(ref))
                for ref in baseline_ref.split(",")
                if ref
            }
            if tree:
                trees["streams"] = None
            for n, _round in itertools.product((int(w) for w in workers.split(",")), range(rounds)):
                for label, tree in trees.items():
                    extra = dict(env)
                    if tree is not None:  # the old tree's packages first on the path
                        extra["PYTHONPATH"] = _pythonpath(tree)
                    rows.append(
                        case(
                            label,
                            lambda s: f"{s.topics.prefix}{s.streams.app_id}",
                            lambda s, n=n, extra=extra, label=label: pipeline(
                                s,
                                ["streams"],
                                log_dir / f"{label.replace('@', '-')}-{n}",
                                keep_topics=True,
                                extra_env=extra,
                                replicas={"streams": n},
                            ),
                            n,
                            topics.DECISIONS,
                            made,
                            "cases, hotspot, SLA, rates agents",
                            also_topics=worker_inputs(),
                        )
                    )
                    console.print(f"  {rows[-1].name}: {rows[-1].rate:,.0f}/s ({rows[-1].note})")
    print_table(
        "Scale-out on 2 cores: records ÷ (first sent → all committed), 6 partitions",
        rows,
        baseline="router passthrough ×1",
    )
    by_name = {r.name: r for r in rows}
    refs = [f"streams@{ref}" for ref in baseline_ref.split(",") if ref]
    for name in ("router passthrough", "router", "streams", *refs):
        if f"{name} ×2" in by_name:
            console.print(
                f"{name}: ×2 / ×1 = {by_name[f'{name} ×2'].rate / by_name[f'{name} ×1'].rate:.2f}"
            )


def _made(settings: Settings, n: int) -> list[Message]:
    return decisions(settings, n)


def _pythonpath(tree: Path) -> str:
    """Import ``fenliu`` from ``tree``: a directory of links in the wheel's layout."""
    import json as _json

    shim = Path(tempfile.mkdtemp(prefix="fenliu-bench-shim-"))
    # The editable install's finder answers before sys.path: take it out at start-up. A
    # tree whose dependencies do not list orjson runs without it (faust would use it if
    # it is installed, and the old worker would be measured with the new one's library).
    block_orjson = "orjson" not in (tree / "pyproject.toml").read_text()
    (shim / "sitecustomize.py").write_text(
        "import sys\n"
        "sys.meta_path[:] = [f for f in sys.meta_path\n"
        "                    if '__editable__' not in getattr(f, '__module__', '')]\n"
        + (
            "sys.modules['orjson'] = None  # not a dependency of this tree\n"
            if block_orjson
            else ""
        )
        + "import fenliu  # before the working directory joins sys.path (python -m)\n"
    )
    pkg = shim / "fenliu"
    pkg.mkdir()
    mapping = _json.loads(
        subprocess.run(
            [
                sys.executable,
                "-c",
                "import tomllib,json,sys;"
                "print(json.dumps(tomllib.load(open(sys.argv[1],'rb'))['tool']['setuptools']['package-dir']))",
                str(tree / "pyproject.toml"),
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    )
    for name, where in mapping.items():
        if name == "fenliu":
            for item in (tree / where).iterdir():
                (pkg / item.name).symlink_to(item)
    for name, where in mapping.items():
        if name.count(".") == 1:
            target = pkg / name.split(".", 1)[1]
            if target.is_symlink():
                target.unlink()
            target.symlink_to(tree / where)
    return str(shim)


if __name__ == "__main__":
    typer.run(main)
