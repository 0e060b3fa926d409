"""End-to-end latency: a 110 call produced → its dispatch order received by the grid platform.

    .venv/bin/python -m bench.bench_e2e [--rates 100,1000] [--seconds 20] [--search/--no-search]
        [--baseline-ref REF]

Needs the local stack (``./dev up``). Starts router, streams, grid-sink and grid-sim as
processes on their own topics (grid-sim plays no lives: the latency of getting the order
there is measured, not the unit's work), sends generated 110 calls at steady rates, each
stamped with its send time, and reads every order's arrival time from grid-sim's API
(``received`` − the call's ``received_at``). Per stage: the router's decision and the
worker's order are read from their topics' record timestamps, grid-sink's delivery is
grid-sim's receipt minus the order record's timestamp. Before each rate's window the bench
waits until every group (router, worker, sink) has committed all of its input, so a
window starts with nothing queued; the worker's lag is sampled beside the latency.

Each window also reports the CPU one call costs in each process (the services, the local
broker, the bench itself: ``bench.cpu``), less what each uses idle, and the rate two cores
would bear at that cost: which process has to get cheaper for a higher rate.

``--baseline-ref REF`` runs the same rates through the pipeline of another git ref (e.g.
``main``, from a temporary ``git worktree``) in the same run, first: before and after on
the same machine in the same minutes.

Baseline, measured in the same run at the same rates: the same calls through three
passthrough processes (consume, produce, commit after delivery: the pipeline's three
Kafka hops with the work taken out, each forwarding what it has every 20 ms), latency =
arrival at the last consumer − send time.

A rate is *sustained* when the backlog does not grow: the p99 of the window's last
third is within 2× (+0.5 s) of its first third's, the last order arrives within 10 s
of the last call, the worker's backlog was not at its largest (and over a second of
calls) when the last call was sent, and its mean over the window's last third is not
above its mean over the middle third by more than a second of calls (the first third
is the ramp from an empty queue). ``--search`` climbs a ladder of rates to find the
highest sustained one.
"""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from statistics import mean

import typer
from confluent_kafka import OFFSET_END, Consumer, KafkaException, TopicPartition
from rich.console import Console
from rich.table import Table

from bench.cpu import CpuMeter, broker_process, idle_share, summary
from bench.harness import (
    bench_settings,
    calls_110,
    committed,
    grid_orders,
    pipeline,
    produce_steady,
    traffic_sink,
    wait_metrics,
)
from fenliu.demo.supervisor import Supervisor
from fenliu.schemas.serde import SingleObjectCodec
from fenliu.settings import Settings
from fenliu.streams.kafka.config import confluent_config
from fenliu.streams.worker.cases import internal_topic
from fenliu.topics import catalogue as topics
from fenliu.topics.admin import apply_topics, delete_topics

SERVICES = ["grid-sim", "grid-sink", "streams", "router"]
WARM_UP_SEED = 1_000_003  # the windows' calls are seeded by their rate
LADDER = (200, 300, 400, 600, 800, 1200, 1600, 2400, 3200)
#: A baseline hop forwards what it has after this long (the router waits up to
#: FENLIU_ROUTER_POLL_TIMEOUT_S, 0.5 s, to fill a batch: part of what the rows compare).
BASELINE_POLL_S = 0.02
#: How long each process's idle CPU is measured before the first window.
IDLE_S = 10.0
#: How long the stack rests, drained, before that: the broker keeps working for a while
#: after the warm-up (its share measured at once was 23% of a core, 6–9% a probe later).
IDLE_SETTLE_S = 30.0


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    s = sorted(values)
    return s[min(len(s) - 1, int(q * len(s)))]


@dataclass
class Row:
    case: str
    rate: float
    sent: int
    measured: int
    p50: float
    p95: float
    p99: float
    p999: float
    worst: float
    first_p99: float
    last_p99: float
    drain_s: float
    stages: str = ""
    lag_max: int = -1  # the worker's backlog (records not yet committed, every input), -1: n/a
    lag_end: int = -1  # ... when the last call was sent
    lag_rise: int = -1  # mean backlog over the window's last third less the middle third's
    cpu: str = ""  # CPU per call, per process, window start → drained (bench.cpu)

    @property
    def sustained(self) -> bool:
        return (
            self.measured > 0
            and self.last_p99 <= 2 * self.first_p99 + 0.5
            and self.drain_s <= 10
            and not self.backlog_growing
        )

    @property
    def backlog_growing(self) -> bool:
        """The worker's backlog at its largest when the last call went, or higher over the
        window's last third than over its middle third, by more than a second of calls: it grew
        through the window. Latency alone missed this when the first third was already late
        (800/s: p99 4.3 s, then 7.2 s, within 2x + 0.5 s), and the peak alone when the last
        sample fell just under it (800/s: 8,884 at the last call, 8,936 at the largest)."""
        at_peak = self.lag_end >= self.lag_max and self.lag_end > self.rate
        return self.lag_end >= 0 and (at_peak or self.lag_rise > self.rate)

    @classmethod
    def of(
        cls,
        case: str,
        rate: float,
        sent: int,
        window: tuple[float, float],
        samples: list[tuple[float, float]],
        drain_s: float,
        stages: str = "",
        lag: tuple[int, int, int] = (-1, -1, -1),
        cpu: str = "",
    ) -> Row:
        """``samples``: (send time s, latency s)."""
        lat = [lat for _, lat in samples]
        start, end = window
        third = (end - start) / 3
        first = [lat for t, lat in samples if t < start + third]
        last = [lat for t, lat in samples if t >= end - third]
        return cls(
            case,
            rate,
            sent,
            len(samples),
            pct(lat, 0.5),
            pct(lat, 0.95),
            pct(lat, 0.99),
            pct(lat, 0.999),
            max(lat, default=float("nan")),
            pct(first, 0.99),
            pct(last, 0.99),
            drain_s,
            stages,
            *lag,
            cpu,
        )


class StageTail:
    """Record timestamps of decisions and orders made during a window, by decision id."""

    def __init__(self, settings: Settings) -> None:
        self.codec = SingleObjectCodec()
        self.decided: dict[
            str, tuple[int, int]
        ] = {}  # decision id -> (call ms, decision record ms)
        self.ordered: dict[str, int] = {}  # decision id -> order record ms
        self.order_ms: dict[str, int] = {}  # order id -> order record ms
        self._stop = threading.Event()
        self._consumer = Consumer(confluent_config(settings, **{"group.id": "bench-stage-tail"}))
        meta = self._consumer.list_topics(timeout=10)
        names = [settings.topic(topics.DECISIONS), settings.topic(topics.ORDERS)]
        self._consumer.assign(
            [TopicPartition(t, p, OFFSET_END) for t in names for p in meta.topics[t].partitions]
        )
        self._decisions = names[0]
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            for m in self._consumer.consume(1000, timeout=0.2):
                if m.error() is not None:
                    continue
                r = self.codec.decode(m.value())
                if m.topic() == self._decisions:
                    at = r["event"]["received_at"]
                    call_ms = int(at.timestamp() * 1000) if isinstance(at, datetime) else int(at)
                    self.decided[r["decision_id"]] = (call_ms, m.timestamp()[1])
                else:
                    self.ordered.setdefault(r["decision_id"], m.timestamp()[1])
                    self.order_ms.setdefault(r["order_id"], m.timestamp()[1])

    def close(self) -> None:
        self._stop.set()
        self._thread.join(5)
        self._consumer.close()

    def summary(self, received: dict[str, float] | None = None) -> str:
        """Per stage p50 / p99; ``received``: order id -> grid-sim's receipt (epoch s)."""
        router = [(d - c) / 1000 for c, d in self.decided.values()]
        streams = [
            (self.ordered[k] - d) / 1000 for k, (_, d) in self.decided.items() if k in self.ordered
        ]
        sink = [
            at - self.order_ms[k] / 1000 for k, at in (received or {}).items() if k in self.order_ms
        ]

        def ms(values: list[float]) -> str:
            return f"p50 {pct(values, 0.5) * 1000:.0f} ms p99 {pct(values, 0.99) * 1000:.0f} ms"

        return f"router {ms(router)}; streams {ms(streams)}; grid-sink {ms(sink)}"


class LagSampler:
    """The worker's lag, sampled every 0.5 s: records on its input topics (every agent's)
    that its group has not committed. Latency says how late the orders came; this says
    whether the worker was keeping up while they did."""

    def __init__(self, settings: Settings, group: str, topic_names: list[str]) -> None:
        self.settings, self.group, self.topic_names = settings, group, topic_names
        self.samples: list[tuple[float, int]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                done, high = committed(self.settings, self.group, self.topic_names)
                self.samples.append((time.time(), max(0, high - done)))
            except KafkaException:
                pass
            self._stop.wait(0.5)

    def close(self, window: tuple[float, float]) -> tuple[int, int, int]:
        """(largest lag, lag at the window's end, rise from its middle third to its last)."""
        self._stop.set()
        self._thread.join(15)
        if not self.samples:
            return -1, -1, -1
        start, end = window
        at_end = min(self.samples, key=lambda s: abs(s[0] - end))[1]
        third = (end - start) / 3
        middle = [lag for t, lag in self.samples if start + third <= t < end - third]
        last = [lag for t, lag in self.samples if end - third <= t <= end]
        rise = round(mean(last) - mean(middle)) if middle and last else -1
        return max(lag for _, lag in self.samples), at_end, rise


def _pids(supervisor: Supervisor) -> dict[str, int]:
    """The services, the broker (when local) and this process (the traffic and readers)."""
    pids = {c.name: c.proc.pid for c in supervisor.children if c.proc is not None and c.running}
    broker = broker_process()
    if broker is not None:
        pids["broker"] = broker.pid
    pids["bench"] = os.getpid()
    return pids


def _iso_s(text: str) -> float:
    return datetime.fromisoformat(text).timestamp()  # Python 3.11 reads the trailing Z


def drain(settings: Settings, groups: dict[str, list[str]], timeout_s: float = 120) -> float:
    """Seconds until every group (router, worker, sink) has committed all of its input."""
    began = time.monotonic()
    while time.monotonic() - began < timeout_s:
        if all(
            done >= high for done, high in (committed(settings, g, t) for g, t in groups.items())
        ):
            break
        time.sleep(0.5)
    return time.monotonic() - began


def measure_pipeline(
    settings: Settings,
    rates: list[float],
    seconds: float,
    search: bool,
    log_dir: Path,
    label: str = "pipeline → grid-sim",
    tree: Path | None = None,
) -> list[Row]:
    """``tree``: a checkout whose services run instead of this one's (``--baseline-ref``)."""
    rows: list[Row] = []
    env = {"FENLIU_GRID_SIM_WEBHOOK_URL": ""}  # store orders, play no lives
    if tree is not None:
        from bench.bench_scale import _pythonpath

        # the old tree's packages first on the path; the shim drops the editable installs'
        # finders, so grid-sim (a distribution of its own) comes from the old tree too
        env["PYTHONPATH"] = os.pathsep.join([_pythonpath(tree), str(tree / "simulators/grid_sim")])
    with pipeline(settings, SERVICES, log_dir, extra_env=env) as (supervisor, offset):
        wait_metrics(supervisor)
        grid_port = settings.grid_sim.port + offset
        sink = traffic_sink(settings)  # warmed here, used by every window
        # every member joined; a seed no window uses (the 1/s window's seed was 1, so its
        # calls were the warm-up's again: all merged as repeats, no order, nothing measured)
        produce_steady(settings, calls_110(settings, 60, seed=WARM_UP_SEED), 20, sink)
        deadline = time.monotonic() + 180
        while not grid_orders(settings, grid_port) and time.monotonic() < deadline:
            time.sleep(1)
        worker_group = f"{settings.topics.prefix}{settings.streams.app_id}"
        worker_inputs = [
            settings.topic(topics.DECISIONS),
            internal_topic(settings, "case-steps"),
            settings.topic(topics.ORDERS),
            settings.topic(topics.LIFECYCLE),
        ]
        groups = {
            f"{settings.topics.prefix}{settings.router.group}": [settings.topic(topics.RAW_110)],
            worker_group: worker_inputs,  # every agent's input, not only the decisions
            f"{settings.topics.prefix}{settings.grid.sink_group}": [settings.topic(topics.ORDERS)],
        }
        plan = sorted(set(rates) | (set(LADDER) if search else set()))
        failed_at: float | None = None
        drain(settings, groups, timeout_s=300)
        time.sleep(IDLE_SETTLE_S)
        tail, lag = StageTail(settings), LagSampler(settings, worker_group, worker_inputs)
        idle = idle_share(_pids(supervisor), IDLE_S)  # the windows' readers running too
        lag.close((time.time() - IDLE_S, time.time()))
        tail.close()
        for rate in plan:
            if failed_at is not None and rate not in rates:
                continue  # past the highest sustained rate: only the rates asked for
            drain(settings, groups, timeout_s=300)  # nothing queued when the window starts
            tail = StageTail(settings)
            events = calls_110(settings, int(rate * seconds), seed=int(rate))
            lag = LagSampler(settings, worker_group, worker_inputs)
            meter = CpuMeter(_pids(supervisor))
            window = produce_steady(settings, events, rate, sink)
            drained = drain(settings, groups)
            cpu = summary(*meter.spent(), len(events), idle, os.cpu_count() or 1)
            lags = lag.close(window)
            time.sleep(1)
            tail.close()
            orders = [
                o
                for o in grid_orders(settings, grid_port)
                if window[0] - 0.01 <= _iso_s(o["requested_datetime"]) <= window[1] + 0.01
            ]
            samples = [
                (
                    _iso_s(o["requested_datetime"]),
                    _iso_s(o["updated_datetime"]) - _iso_s(o["requested_datetime"]),
                )
                for o in orders
            ]
            received = {o["service_request_id"]: _iso_s(o["updated_datetime"]) for o in orders}
            row = Row.of(
                label,
                rate,
                len(events),
                window,
                samples,
                drained,
                tail.summary(received),
                lags,
                cpu,
            )
            rows.append(row)
            Console().print(
                f"  {label} {rate:>6.0f}/s: {row.measured} orders, p50 {row.p50:.3f} s, "
                f"p95 {row.p95:.3f} s, p99 {row.p99:.3f} s, "
                f"drain {row.drain_s:.1f} s, worker lag max {row.lag_max:,} / at the last call "
                f"{row.lag_end:,} records (rise over the last third {row.lag_rise:,}), sustained {row.sustained}; {row.stages}; {row.cpu}"
            )
            if not row.sustained and failed_at is None:
                failed_at = rate
    return rows


def measure_baseline(rates: list[float], seconds: float, log_dir: Path) -> list[Row]:
    settings = bench_settings("pt")
    apply_topics(settings)
    hops = [
        settings.topic(topics.RAW_110),
        settings.topic(topics.DECISIONS),
        settings.topic(topics.ORDERS),
        settings.topic(topics.LIFECYCLE),
    ]
    procs = []
    rows = []
    try:
        for i, (a, b) in enumerate(itertools.pairwise(hops)):
            log = (log_dir / f"passthrough-{i}.log").open("ab")
            procs.append(
                subprocess.Popen(
                    [
                        sys.executable,
                        "-m",
                        "bench.harness",
                        "passthrough",
                        a,
                        b,
                        f"{settings.topics.prefix}pt{i}",
                        str(BASELINE_POLL_S),
                    ],
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            )
        consumer = Consumer(
            confluent_config(
                settings,
                **{"group.id": f"{settings.topics.prefix}end", "auto.offset.reset": "latest"},
            )
        )
        consumer.subscribe([hops[-1]])
        sink = traffic_sink(settings)  # warmed here, used by every window
        produce_steady(settings, calls_110(settings, 40, seed=1), 20, sink)  # warm-up, joins
        _consume_for(consumer, 10, until_idle=True)
        for rate in rates:
            events = calls_110(settings, int(rate * seconds), seed=int(rate))
            got: list[tuple[float, float]] = []
            reader = threading.Thread(
                target=_collect, args=(got, consumer, seconds + 60, len(events))
            )
            reader.start()
            window = produce_steady(settings, events, rate, sink)
            reader.join()
            last = max((t + lat for t, lat in got), default=window[1])
            rows.append(
                Row.of(
                    "passthrough ×3 hops",
                    rate,
                    len(events),
                    window,
                    got,
                    max(0.0, last - window[1]),
                )
            )
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            p.wait(30)
        delete_topics(settings)
    return rows


def _collect(
    into: list[tuple[float, float]], consumer: Consumer, seconds: float, expected: int
) -> None:
    into.extend(_consume_for(consumer, seconds, expected))


def _consume_for(
    consumer: Consumer, seconds: float, expected: int | None = None, until_idle: bool = False
) -> list[tuple[float, float]]:
    """(send time, latency) of what arrives; a short poll, so the reader adds no batch wait."""
    out: list[tuple[float, float]] = []
    deadline = time.monotonic() + seconds
    last = time.monotonic()
    while time.monotonic() < deadline and (expected is None or len(out) < expected):
        msgs = [m for m in consumer.consume(1000, timeout=0.01) if m.error() is None]
        now = time.time()
        out += [(m.timestamp()[1] / 1000, now - m.timestamp()[1] / 1000) for m in msgs]
        if msgs:
            last = time.monotonic()
        elif until_idle and out and time.monotonic() - last > 2:
            break
    return out


def main(
    rates: str = typer.Option("100,1000", help="steady rates to measure, calls per second"),
    seconds: float = typer.Option(20, help="length of each rate's window"),
    search: bool = typer.Option(
        True, help="also climb a ladder of rates for the highest sustained one"
    ),
    baseline_ref: str = typer.Option(
        "", help="git ref whose pipeline runs the same rates first, e.g. main (before/after)"
    ),
    passthrough: bool = typer.Option(True, help="also the passthrough baseline (3 Kafka hops)"),
) -> None:
    wanted = [float(r) for r in rates.split(",")]
    log_dir = Path(tempfile.mkdtemp(prefix="fenliu-bench-e2e-"))
    Console().print(f"logs in {log_dir}")
    rows: list[Row] = []
    if baseline_ref:
        from bench.bench_scale import baseline_checkout

        with baseline_checkout(baseline_ref) as tree:
            old = log_dir / "baseline"
            old.mkdir()
            rows += measure_pipeline(
                bench_settings("e2e-ref"),
                wanted,
                seconds,
                search,
                old,
                label=f"pipeline@{baseline_ref} → grid-sim",
                tree=tree,
            )
    rows += measure_pipeline(bench_settings("e2e"), wanted, seconds, search, log_dir)
    if passthrough:
        rows += measure_baseline(sorted({r.rate for r in rows}), seconds, log_dir)
    table = Table(title=f"End-to-end latency, 110 call → dispatch order ({seconds:g} s per rate)")
    for col in (
        "case",
        "rate/s",
        "sent",
        "measured",
        "p50 s",
        "p95 s",
        "p99 s",
        "p99.9 s",
        "max s",
        "p99 first⅓",
        "p99 last⅓",
        "drain s",
        "worker lag max / end / rise",
        "sustained",
    ):
        table.add_column(col, justify="left" if col == "case" else "right")
    for r in sorted(rows, key=lambda r: r.rate):  # stable: baseline ref, this tree, passthrough
        table.add_row(
            r.case,
            f"{r.rate:,.0f}",
            f"{r.sent:,}",
            f"{r.measured:,}",
            f"{r.p50:.3f}",
            f"{r.p95:.3f}",
            f"{r.p99:.3f}",
            f"{r.p999:.3f}",
            f"{r.worst:.3f}",
            f"{r.first_p99:.3f}",
            f"{r.last_p99:.3f}",
            f"{r.drain_s:.1f}",
            f"{r.lag_max:,} / {r.lag_end:,} / {r.lag_rise:,}" if r.lag_max >= 0 else "—",
            "yes" if r.sustained else "no",
        )
    Console(width=170).print(table)
    best = max(
        (r.rate for r in rows if r.case.startswith("pipeline →") and r.sustained), default=None
    )
    Console().print(f"highest sustained pipeline rate: {best if best is not None else 'none'}/s")
    for r in rows:
        if r.stages:
            Console(width=170).print(f"  {r.case} stages at {r.rate:,.0f}/s: {r.stages}")
        if r.cpu:
            Console(width=170).print(f"  {r.case} at {r.rate:,.0f}/s: {r.cpu}")


if __name__ == "__main__":
    typer.run(main)
