"""How many producers a broker restart strands (librdkafka #5301), with and without the watchdog.

    .venv/bin/python -m bench.strand_5301 [--producers 20] [--restarts 1]

Restarts the local stack's broker (only one this checkout's `fenliu stack` started, as
tests/test_faults_kill.py does) while ``--producers`` plain producers and as many
``WatchedProducer``s send to a 12-partition topic. Afterwards each gets up to
``--flush-s`` to deliver what it holds. A plain producer still holding records then, with
no broker in its statistics, is the #5301 picture; a watched one should have recreated
itself and delivered everything. Counts, not speed: the race is timing-dependent.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

import typer
from confluent_kafka import Producer
from confluent_kafka.admin import AdminClient, NewTopic

from fenliu import stack
from fenliu.processors.producer_watch import WatchPolicy, brokers_in
from fenliu.settings import Settings
from fenliu.streams.kafka.config import confluent_config
from fenliu.streams.kafka.watchdog import WatchedProducer

app = typer.Typer(add_completion=False)


class Plain:
    """A plain producer that keeps its newest statistics report."""

    def __init__(self, config: dict[str, Any]) -> None:
        self.stats: dict[str, Any] = {}
        self.producer = Producer(
            {**config, "statistics.interval.ms": 1000, "stats_cb": self._on_stats}
        )

    def _on_stats(self, raw: str) -> None:
        self.stats = json.loads(raw)


def _restart_broker(settings: Settings) -> None:
    stack.restart(settings, only=["kafka"], pause_s=5, attempts=3, report=lambda _m: None)


def _send_for(seconds: float, send: Callable[[int], None]) -> int:
    n, until = 0, time.monotonic() + seconds
    while time.monotonic() < until:
        send(n)
        n += 1
        time.sleep(0.005)
    return n


@app.command()
def main(producers: int = 20, restarts: int = 1, flush_s: float = 150.0) -> None:
    settings = Settings()
    rows = stack.status(settings, only=["kafka"])
    if not rows or rows[0].pid is None:
        raise typer.Exit("the broker was not started by this checkout's `fenliu stack`")
    topic = f"bench-strand-{uuid.uuid4().hex[:8]}"
    admin = AdminClient(confluent_config(settings))
    admin.create_topics([NewTopic(topic, 12, 1)])[topic].result(30)
    config = confluent_config(
        settings, **{"enable.idempotence": True, "acks": "all", "linger.ms": 5}
    )
    plain = [Plain(config) for _ in range(producers)]
    watched = [
        WatchedProducer(
            config,
            WatchPolicy(
                no_broker_s=settings.kafka.producer_no_broker_s,
                stall_s=settings.kafka.producer_stall_s,
            ),
            client="bench",
            stats_interval_ms=1000,
        )
        for _ in range(producers)
    ]

    def send(n: int) -> None:
        for p in plain:
            p.producer.produce(topic, b"x", str(n).encode())
            p.producer.poll(0)
        for w in watched:
            w.produce(topic, b"x", str(n).encode())
            w.poll(0)

    for r in range(restarts):
        _send_for(3, send)
        started = time.monotonic()
        restart = threading.Thread(target=_restart_broker, args=(settings,))
        restart.start()  # traffic goes on while the broker shuts down: the race is there
        n = 0
        while restart.is_alive():
            send(n)
            n += 1
            time.sleep(0.005)
        typer.echo(f"restart {r + 1}: broker back after {time.monotonic() - started:.0f} s")
        _send_for(10, send)
    until = time.monotonic() + flush_s
    while time.monotonic() < until and (
        any(len(p.producer) for p in plain) or any(len(w) for w in watched)
    ):
        for p in plain:
            p.producer.poll(0)
        for w in watched:
            w.flush(0.05)
    stranded = [p for p in plain if len(p.producer) and brokers_in(p.stats)[0] == 0]
    stuck = [p for p in plain if len(p.producer)]
    typer.echo(
        f"plain: {len(stuck)} of {producers} still holding records after {flush_s:.0f} s, "
        f"{len(stranded)} of them with no broker listed (#5301); "
        f"watched: {sum(w.recreated for w in watched)} recreated, "
        f"{sum(1 for w in watched if len(w))} still holding records"
    )
    for p in plain:
        p.producer.purge()
        p.producer.poll(0)
    admin.delete_topics([topic])[topic].result(30)


if __name__ == "__main__":
    app()
