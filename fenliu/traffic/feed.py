"""Sending generated traffic: onto the raw topics at a rate, as fast as possible, or as JSON lines.

The records come from the pure ``fenliu.traffic.generator``; this module reads its
material from ``data/traffic/`` (``FENLIU_TRAFFIC_DIR``), paces the records and hands
them to a sink (``JsonlSink`` here, ``streams.traffic.sink.KafkaSink`` for the topics).
Three paces:

* ``EVENT`` — each record is sent when a clock running ``speed`` times faster than the
  wall clock reaches its event time (live traffic with the daily rhythm; the demo);
* ``STEADY`` — one record every ``1/rate`` seconds (benchmarks at a fixed rate);
* ``MAX`` — as fast as the producer takes them.

``restamp`` replaces each record's own time with the send time (live traffic sent at
STEADY or MAX pace, whose generated times would otherwise run ahead of the clock). The
Kafka timestamp of every record is its (possibly restamped) event time: the router
judges "too far in the future" against it, so an accelerated clock stays consistent.
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field, replace
from enum import StrEnum
from pathlib import Path
from typing import IO, Any, Protocol

import yaml
from prometheus_client import Counter as PromCounter

from fenliu.processors.model import Source
from fenliu.refdata.routing import load_routing
from fenliu.refdata.taxonomy import load_taxonomy
from fenliu.settings import Settings
from fenliu.traffic.generator import GeneratedEvent, TrafficModel, build_traffic_model

GENERATED = PromCounter(
    "fenliu_generator_events_total", "Generated records sent", ["source", "kind"]
)
TRAFFIC_FILES = ("mix", "phrases", "places")
TIME_FIELD = {Source.CALL_110: "received_at", Source.TICKET_12345: "created_at"}
SCHEMA = {Source.CALL_110: "Call110", Source.TICKET_12345: "Ticket12345"}


def load_traffic_model(settings: Settings, traffic_dir: Path | None = None) -> TrafficModel:
    """Read ``mix.yaml``, ``phrases.yaml`` and ``places.yaml`` and compile them against the
    taxonomy and jurisdiction the router uses."""
    folder = traffic_dir or settings.traffic.dir
    mix, phrases, places = (
        yaml.safe_load((folder / f"{name}.yaml").read_text(encoding="utf-8"))
        for name in TRAFFIC_FILES
    )
    routing = load_routing(settings)
    taxonomy = load_taxonomy(settings.refdata.taxonomy_file)
    return build_traffic_model(mix, phrases, places, taxonomy, routing.jurisdiction)


class Pace(StrEnum):
    EVENT = "event"
    STEADY = "steady"
    MAX = "max"


@dataclass
class Pacer:
    """Waits until the next record is due; the waits are interruptible by ``stop``."""

    pace: Pace
    rate: float = 20.0  # STEADY: records per second
    speed: float = 1.0  # EVENT: event-time seconds per wall second
    clock: Callable[[], float] = time.monotonic
    _t0: float | None = None
    _first_event_ms: int | None = None
    _sent: int = 0

    def wait(self, event_ms: int, stop: threading.Event) -> None:
        now = self.clock()
        if self._t0 is None:
            self._t0, self._first_event_ms = now, event_ms
        if self.pace is Pace.STEADY:
            due = self._t0 + self._sent / self.rate
        elif self.pace is Pace.EVENT:
            due = self._t0 + (event_ms - (self._first_event_ms or event_ms)) / 1000 / self.speed
        else:
            due = now
        self._sent += 1
        if due > now:
            stop.wait(due - now)


def restamped(event: GeneratedEvent, now_ms: int) -> GeneratedEvent:
    """The event with its record's time (and ``at_ms``) replaced by ``now_ms``."""
    record = {**event.record, TIME_FIELD[event.source]: now_ms}
    return replace(event, record=record, at_ms=now_ms)


class Sink(Protocol):
    def send(self, event: GeneratedEvent) -> None: ...
    def close(self) -> int: ...  # returns the number of records that failed


class JsonlSink:
    """One JSON line per record, readable by ``fenliu classify`` (id, source, text) and by tests."""

    def __init__(self, out: IO[str]) -> None:
        self.out = out

    def send(self, event: GeneratedEvent) -> None:
        self.out.write(json.dumps(event_json(event), ensure_ascii=False) + "\n")

    def close(self) -> int:
        self.out.flush()
        return 0


def event_json(event: GeneratedEvent) -> dict[str, Any]:
    """The JSON form of a generated event: classify's input fields, the raw record, the truth."""
    r = event.record
    parts = (
        (r.get("content"),)
        if event.source is Source.CALL_110
        else (r.get("title"), r.get("content"))
    )
    truth = {**asdict(event.truth), "kind": event.truth.kind.value}
    return {
        "id": event.key,
        "source": event.source.value,
        "text": "\n".join(p for p in parts if p),
        "topic": event.topic,
        "key": event.key,
        "record": r,
        "truth": truth,
    }


@dataclass
class RunStats:
    sent: int = 0
    failed: int = 0
    seconds: float = 0.0
    by_source: Counter[str] = field(default_factory=Counter)
    by_kind: Counter[str] = field(default_factory=Counter)

    @property
    def rate(self) -> float:
        return self.sent / self.seconds if self.seconds else 0.0


def run(
    events: Iterable[GeneratedEvent],
    sink: Sink,
    pacer: Pacer,
    stop: threading.Event,
    *,
    restamp: bool = False,
    count: int | None = None,
    duration_s: float | None = None,
    end_ms: int | None = None,
    wall_ms: Callable[[], int] = lambda: time.time_ns() // 1_000_000,
    on_progress: Callable[[RunStats], None] | None = None,
) -> RunStats:
    """Send events until ``count``, ``duration_s``, ``end_ms`` (event time) or ``stop``."""
    stats = RunStats()
    started = time.monotonic()
    last_report = started
    try:
        for event in events:
            if (
                stop.is_set()
                or (count is not None and stats.sent >= count)
                or (end_ms is not None and event.at_ms > end_ms)
                or (duration_s is not None and time.monotonic() - started >= duration_s)
            ):
                break
            pacer.wait(event.at_ms, stop)
            if stop.is_set():
                break
            if restamp:
                event = restamped(event, wall_ms())
            sink.send(event)
            stats.sent += 1
            stats.by_source[event.source.value] += 1
            stats.by_kind[event.truth.kind.value] += 1
            GENERATED.labels(event.source.value, event.truth.kind.value).inc()
            if on_progress and time.monotonic() - last_report >= 1.0:
                last_report = time.monotonic()
                stats.seconds = last_report - started
                on_progress(stats)
    finally:
        stats.failed = sink.close()
        stats.seconds = time.monotonic() - started
    return stats


DAY_S = 86_400


@dataclass(frozen=True)
class Plan:
    """Where a run starts and ends in event time, how dense it is, and how it is paced."""

    start_ms: int
    end_ms: int | None
    calls_per_day: float
    pacer: Pacer
    restamp: bool


def plan_run(
    *,
    now_ms: int,
    rate: float,
    speed: float | None,
    days: float | None,
    per_day: float | None,
    model_calls_per_day: float,
    start_ms: int | None,
    as_fast: bool,
    steady: bool,
    rate_given: bool,
) -> Plan:
    """``fenliu generate``'s choice of window and pace.

    History (``days``): the last D days with their own times, sent as fast as possible,
    or at ``rate`` when one was given. Live: records sent when their event time comes
    (a clock ``speed`` times faster), or at a fixed pace (``steady``/``as_fast``) stamped
    with the send time unless an explicit start was given.
    """
    if days is not None:
        start = start_ms if start_ms is not None else now_ms - int(days * DAY_S * 1000)
        pacer = Pacer(Pace.STEADY, rate=rate) if rate_given and not as_fast else Pacer(Pace.MAX)
        return Plan(
            start, start + int(days * DAY_S * 1000), per_day or model_calls_per_day, pacer, False
        )
    chosen_speed = speed or 1.0
    start = start_ms if start_ms is not None else now_ms
    calls_per_day = rate * DAY_S / chosen_speed
    if as_fast or steady:
        pacer = Pacer(Pace.MAX) if as_fast else Pacer(Pace.STEADY, rate=rate)
        return Plan(start, None, calls_per_day, pacer, start_ms is None)
    return Plan(start, None, calls_per_day, Pacer(Pace.EVENT, speed=chosen_speed), False)
