"""Does a trickle of decisions cost the Faust worker more than bursts? (issue 12 latency)

    .venv/bin/python -m bench.bench_worker_trickle [--rate 100] [--seconds 10] [--burst 50]

Needs the local stack. One ``fenliu run streams`` on fresh topics; the same kind of
decisions (made in-process by the router's decider) are sent at the same average rate in
two shapes, alternately: one produce request per decision (what the router does since it
takes what is there) and ``--burst`` decisions every ``burst/rate`` seconds (what the
router did when it waited 0.5 s for a batch). Per shape: the worker process's CPU
seconds (``/proc``) per decision, from the first send until its group has committed every
input of its agents; CPU, not wall time, because the machine is shared. Each round first
measures the worker idle for one window (its timers alone), and each shape's cost is also
given above that idle rate.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import typer
from confluent_kafka import Producer
from rich.console import Console

from bench.bench_scale import decisions
from bench.cpu import cpu_seconds
from bench.harness import bench_settings, committed, pipeline, wait_metrics
from fenliu.settings import Settings
from fenliu.streams.kafka.config import router_producer_config
from fenliu.streams.worker.cases import internal_topic
from fenliu.topics import catalogue as topics


def _drained(settings: Settings, group: str, inputs: list[str], timeout_s: float = 300) -> float:
    began = time.monotonic()
    while time.monotonic() - began < timeout_s:
        done, high = committed(settings, group, inputs)
        if done >= high:
            break
        time.sleep(0.25)
    return time.monotonic() - began


def main(
    rate: float = typer.Option(100, help="decisions per second, both shapes"),
    seconds: float = typer.Option(10, help="length of each window"),
    burst: int = typer.Option(50, help="decisions per burst in the bursty shape"),
    rounds: int = typer.Option(2, help="burst/trickle pairs"),
) -> None:
    settings = bench_settings("trickle")
    log_dir = Path(tempfile.mkdtemp(prefix="fenliu-bench-trickle-"))
    n = int(rate * seconds)
    env = {"FENLIU_STREAMS_INSTANCE_ID": "", "FENLIU_CLOCK": "control"}
    made = decisions(settings, n * 2 * rounds + 50, span_s=seconds * 2 * rounds + 60)
    with pipeline(settings, ["streams"], log_dir, extra_env=env) as (supervisor, _offset):
        wait_metrics(supervisor)
        pid = supervisor.children[0].proc.pid  # type: ignore[union-attr]
        group = f"{settings.topics.prefix}{settings.streams.app_id}"
        inputs = [
            settings.topic(topics.DECISIONS),
            internal_topic(settings, "case-steps"),
            settings.topic(topics.ORDERS),
        ]
        producer = Producer(router_producer_config(settings))

        def send(batch: list) -> None:
            for topic, key, value in batch:
                producer.produce(settings.topic(topic), value, key)
            producer.flush(30)

        send(made[:50])  # warm-up: the worker has joined and fetched once
        _drained(settings, group, inputs)
        made = made[50:]
        console = Console()
        console.print(f"logs in {log_dir}")
        for r in range(rounds):
            # The worker's own timers with nothing to do (commits, fetch loop, flushes, SLA
            # tick, health and lag threads): the fixed cost a slow trickle divides by few.
            cpu0, t0 = cpu_seconds([pid]), time.monotonic()
            time.sleep(seconds)
            idle = (cpu_seconds([pid]) - cpu0) / (time.monotonic() - t0)
            console.print(
                f"round {r + 1}    idle: worker CPU {idle * 100:.1f}% of a core with nothing sent"
            )
            for shape in ("burst", "trickle"):
                chunk, made = made[:n], made[n:]
                size = burst if shape == "burst" else 1
                cpu0, t0 = cpu_seconds([pid]), time.monotonic()
                for i in range(0, n, size):
                    due = t0 + i / rate
                    while (now := time.monotonic()) < due:
                        time.sleep(min(due - now, 0.002))
                    send(chunk[i : i + size])
                sent_for = time.monotonic() - t0
                drain = _drained(settings, group, inputs)
                cpu = cpu_seconds([pid]) - cpu0
                over_idle = cpu - idle * (sent_for + drain)
                console.print(
                    f"round {r + 1} {shape:>7} ({size}/send): {n} decisions sent in {sent_for:.1f} s, "
                    f"drained {drain:.1f} s after, worker CPU {cpu:.2f} s = "
                    f"{cpu / n * 1e6:,.0f} µs/decision, {over_idle / n * 1e6:,.0f} above idle"
                )


if __name__ == "__main__":
    typer.run(main)
