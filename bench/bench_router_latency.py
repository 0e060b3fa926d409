"""The router alone: a 110 call's latency from the raw topic to its decision, old and new.

    .venv/bin/python -m bench.bench_router_latency [--rates 100,1000] [--seconds 20]
        [--baseline-ref de08377]

Needs the local stack (``./dev up``). For each tree (``--baseline-ref``'s first, from a
temporary ``git worktree``, then this one) one ``fenliu run router`` process on fresh
topics; generated 110 calls are sent at each steady rate, each stamped with its send
time, and a reader (10 ms polls) takes the decisions as they come: latency = arrival −
send time, so it includes one Kafka hop to the reader, like the passthrough baseline of
``bench_e2e``. Beside it the router's own mean batch (``fenliu_router_batch_records``),
which shows whether batching still grows with the rate. Isolates the router from the
Faust worker, whose lag dominates ``bench_e2e`` on a loaded machine.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

import typer
from confluent_kafka import OFFSET_END, Consumer, TopicPartition
from rich.console import Console
from rich.table import Table

from bench.bench_e2e import pct
from bench.harness import (
    bench_settings,
    calls_110,
    pipeline,
    produce_steady,
    traffic_sink,
    wait_metrics,
)
from fenliu.schemas.serde import SingleObjectCodec
from fenliu.settings import Settings
from fenliu.streams.kafka.config import confluent_config
from fenliu.topics import catalogue as topics


def _batch_totals(port: int) -> tuple[float, float]:
    """(records, batches) the router has counted so far."""
    body = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10).read().decode()
    got = {"sum": 0.0, "count": 0.0}
    for line in body.splitlines():
        for k in got:
            if line.startswith(f"fenliu_router_batch_records_{k} "):
                got[k] = float(line.rsplit(" ", 1)[1])
    return got["sum"], got["count"]


def _reader(settings: Settings, out: list[tuple[float, float]], stop: threading.Event) -> Consumer:
    consumer = Consumer(confluent_config(settings, **{"group.id": "bench-router-latency"}))
    name = settings.topic(topics.DECISIONS)
    meta = consumer.list_topics(name, timeout=10).topics[name]
    consumer.assign([TopicPartition(name, p, OFFSET_END) for p in meta.partitions])
    codec = SingleObjectCodec()

    def run() -> None:
        while not stop.is_set():
            msgs = [m for m in consumer.consume(1000, timeout=0.01) if m.error() is None]
            now = time.time()
            for m in msgs:
                at = codec.decode(m.value())["event"]["received_at"]
                sent = at.timestamp() if hasattr(at, "timestamp") else at / 1000
                out.append((sent, now - sent))

    threading.Thread(target=run, daemon=True).start()
    return consumer


def measure(label: str, tree: Path | None, rates: list[float], seconds: float, log_dir: Path):
    settings = bench_settings(f"router-{'ref' if tree else 'new'}")
    env: dict[str, str] = {}
    if tree is not None:
        from bench.bench_scale import _pythonpath

        env["PYTHONPATH"] = _pythonpath(tree)
    rows = []
    with pipeline(settings, ["router"], log_dir, extra_env=env) as (supervisor, _offset):
        wait_metrics(supervisor)
        port = supervisor.children[0].metrics_port or 0
        sink = traffic_sink(settings)  # warmed here, used by every window
        produce_steady(settings, calls_110(settings, 40, seed=1), 20, sink)  # warm-up: joined
        time.sleep(3)
        for rate in rates:
            got: list[tuple[float, float]] = []  # (send time, latency)
            stop = threading.Event()
            consumer = _reader(settings, got, stop)
            time.sleep(1)  # the reader is assigned
            n = int(rate * seconds)
            before = _batch_totals(port)
            start, end = produce_steady(
                settings, calls_110(settings, n, seed=int(rate)), rate, sink
            )
            deadline = time.monotonic() + 60
            while len(got) < n and time.monotonic() < deadline:
                time.sleep(0.2)
            stop.set()
            time.sleep(0.1)
            consumer.close()
            after = _batch_totals(port)
            batches = after[1] - before[1]
            mean_batch = (after[0] - before[0]) / batches if batches else float("nan")
            lat = [x for _, x in got]
            third = (end - start) / 3
            rows.append(
                (
                    label,
                    rate,
                    n,
                    len(lat),
                    *(pct(lat, q) for q in (0.5, 0.95, 0.99)),
                    max(lat, default=float("nan")),
                    pct([x for t, x in got if t < start + third], 0.99),
                    pct([x for t, x in got if t >= end - third], 0.99),
                    mean_batch,
                )
            )
            Console().print(
                f"  {label} {rate:g}/s: p50 {rows[-1][4]:.3f} s, p99 {rows[-1][6]:.3f} s, "
                f"p99 first/last third {rows[-1][8]:.3f} / {rows[-1][9]:.3f} s, mean batch {mean_batch:.1f}"
            )
    return rows


def main(
    rates: str = typer.Option("100,1000", help="steady rates, calls per second"),
    seconds: float = typer.Option(20, help="length of each rate's window"),
    baseline_ref: str = typer.Option("", help="git ref whose router runs first, e.g. main"),
    baseline_last: bool = typer.Option(False, help="run the baseline ref's router after this one"),
) -> None:
    wanted = [float(r) for r in rates.split(",")]
    log_dir = Path(tempfile.mkdtemp(prefix="fenliu-bench-router-"))
    Console().print(f"logs in {log_dir}; load average {os.getloadavg()}")
    rows = []
    if baseline_last:
        rows += measure("router", None, wanted, seconds, log_dir)
    with contextlib.ExitStack() as stack:
        if baseline_ref:
            from bench.bench_scale import baseline_checkout

            tree = stack.enter_context(baseline_checkout(baseline_ref))
            (log_dir / "baseline").mkdir()
            rows += measure(f"router@{baseline_ref}", tree, wanted, seconds, log_dir / "baseline")
    if not baseline_last:
        rows += measure("router", None, wanted, seconds, log_dir)
    table = Table(title=f"110 call → decision (router alone, {seconds:g} s per rate)")
    for col in (
        "tree",
        "rate/s",
        "sent",
        "measured",
        "p50 ms",
        "p95 ms",
        "p99 ms",
        "max ms",
        "p99 first⅓ ms",
        "p99 last⅓ ms",
        "mean batch",
    ):
        table.add_column(col, justify="left" if col == "tree" else "right")
    for label, rate, n, got, *lat, batch in sorted(rows, key=lambda r: r[1]):
        table.add_row(
            label,
            f"{rate:,.0f}",
            f"{n:,}",
            f"{got:,}",
            *(f"{v * 1000:,.0f}" for v in lat),
            f"{batch:.1f}",
        )
    Console(width=160).print(table)
    Console().print(f"load average at the end {os.getloadavg()}")


if __name__ == "__main__":
    typer.run(main)
