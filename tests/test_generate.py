"""`fenliu generate`: pacing, stopping rules, JSON lines, and records on the real raw topics."""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
import threading

import pytest
from confluent_kafka import Consumer, TopicPartition
from typer.testing import CliRunner

from fenliu.cli import app
from fenliu.processors.model import Source
from fenliu.schemas.serde import SingleObjectCodec
from fenliu.settings import Settings
from fenliu.streams.kafka.config import confluent_config
from fenliu.topics import catalogue as topics
from fenliu.topics.admin import apply_topics
from fenliu.traffic.feed import JsonlSink, Pace, Pacer, load_traffic_model, restamped, run
from fenliu.traffic.generator import TrafficGenerator

START_MS = 1_795_000_000_000


class FakeClock:
    """A monotonic clock that only moves when the pacer waits."""

    def __init__(self) -> None:
        self.now = 100.0
        self.waits: list[float] = []

    def __call__(self) -> float:
        return self.now


class WaitingStop(threading.Event):
    """A stop event whose ``wait`` advances the fake clock instead of sleeping."""

    def __init__(self, clock: FakeClock) -> None:
        super().__init__()
        self.clock = clock

    def wait(self, timeout: float | None = None) -> bool:
        self.clock.waits.append(timeout or 0.0)
        self.clock.now += timeout or 0.0
        return self.is_set()


class ListSink:
    def __init__(self) -> None:
        self.events = []

    def send(self, event) -> None:
        self.events.append(event)

    def close(self) -> int:
        return 0


@pytest.fixture(scope="module")
def model():
    return load_traffic_model(Settings())


def _events(model, n=50, **kw):
    return list(itertools.islice(TrafficGenerator(model, seed=9, start_ms=START_MS, **kw), n))


def test_steady_pace_sends_one_record_per_interval():
    clock = FakeClock()
    pacer, stop = Pacer(Pace.STEADY, rate=4.0, clock=clock), WaitingStop(clock)
    sent_at = []
    for i in range(9):
        pacer.wait(START_MS + 7 * i, stop)  # event times do not matter at a steady pace
        sent_at.append(clock.now)
    assert [round(b - a, 9) for a, b in itertools.pairwise(sent_at)] == [0.25] * 8


def test_event_pace_follows_event_time_on_an_accelerated_clock():
    clock = FakeClock()
    pacer, stop = Pacer(Pace.EVENT, speed=60.0, clock=clock), WaitingStop(clock)
    offsets_ms = [0, 60_000, 60_000, 600_000, 3_600_000]
    sent_at = []
    for off in offsets_ms:
        pacer.wait(START_MS + off, stop)
        sent_at.append(clock.now - 100.0)
    assert [round(t, 9) for t in sent_at] == [0.0, 1.0, 1.0, 10.0, 60.0]


def test_max_pace_never_waits():
    clock = FakeClock()
    pacer, stop = Pacer(Pace.MAX, clock=clock), WaitingStop(clock)
    for i in range(100):
        pacer.wait(START_MS + i * 1000, stop)
    assert clock.waits == []


def test_run_stops_at_count_and_at_end_time(model):
    events = _events(model, 200)
    sink = ListSink()
    stats = run(iter(events), sink, Pacer(Pace.MAX), threading.Event(), count=37)
    assert stats.sent == 37 and [e.key for e in sink.events] == [e.key for e in events[:37]]
    sink = ListSink()
    end = events[120].at_ms
    stats = run(iter(events), sink, Pacer(Pace.MAX), threading.Event(), end_ms=end)
    assert all(e.at_ms <= end for e in sink.events) and stats.sent == sum(
        e.at_ms <= end for e in events
    )
    assert sum(stats.by_source.values()) == stats.sent


def test_run_stops_when_told(model):
    stop = threading.Event()

    class StopAfterFive(ListSink):
        def send(self, event) -> None:
            super().send(event)
            if len(self.events) == 5:
                stop.set()

    sink = StopAfterFive()
    stats = run(iter(_events(model, 100)), sink, Pacer(Pace.MAX), stop)
    assert stats.sent == 5 and len(sink.events) == 5


def test_restamp_moves_the_records_own_time(model):
    call = next(e for e in _events(model) if e.source is Source.CALL_110)
    ticket = next(e for e in _events(model) if e.source is Source.TICKET_12345)
    assert restamped(call, 42).record["received_at"] == 42 and restamped(call, 42).at_ms == 42
    assert restamped(ticket, 43).record["created_at"] == 43
    assert call.record["received_at"] != 42  # the original is untouched


def test_jsonl_lines_carry_classify_fields_the_record_and_the_truth(model, tmp_path):
    path = tmp_path / "out.jsonl"
    with path.open("w", encoding="utf-8") as fh:
        run(iter(_events(model, 30)), JsonlSink(fh), Pacer(Pace.MAX), threading.Event())
    lines = [json.loads(line) for line in path.read_text("utf-8").splitlines()]
    assert len(lines) == 30
    for line in lines:
        assert line["id"] == line["key"] and line["source"] in ("110", "12345") and line["text"]
        assert line["truth"]["kind"] in (
            "new",
            "repeat",
            "multi_reporter",
            "flow_back",
            "long_standing",
        )
        time_field = "received_at" if line["source"] == "110" else "created_at"
        assert isinstance(line["record"][time_field], int)


def test_cli_history_is_reproducible():
    runner = CliRunner()
    args = ["generate", "--days", "1", "--start-ms", str(START_MS), "--seed", "4", "--out", "jsonl"]
    first = runner.invoke(app, args)
    second = runner.invoke(app, args)
    assert first.exit_code == 0, first.output
    lines = [json.loads(line) for line in first.stdout.splitlines() if line.startswith("{")]
    assert 300 < len(lines) < 500  # one day of the demo county
    assert first.stdout == second.stdout
    assert all(
        START_MS
        <= (r["record"].get("received_at") or r["record"]["created_at"])
        <= START_MS + 86_400_000
        for r in lines
    )


@pytest.mark.kafka
@pytest.mark.stack_parallel
def test_generated_records_land_on_the_raw_topics_with_their_times(isolated_settings):
    settings = isolated_settings
    apply_topics(settings)
    env = {
        **os.environ,
        "FENLIU_TOPIC_PREFIX": settings.topics.prefix,
        "FENLIU_KAFKA_BOOTSTRAP": settings.kafka.bootstrap,
    }
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "fenliu.cli",
            "generate",
            "--days",
            "0.5",
            "--seed",
            "8",
            "--start-ms",
            str(START_MS),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    reported = int(proc.stderr.split("generated ")[1].split(" ")[0])
    codec = SingleObjectCodec()
    consumer = Consumer(
        confluent_config(
            settings,
            **{"group.id": f"{settings.topics.prefix}check", "auto.offset.reset": "earliest"},
        )
    )
    names = {
        settings.topic(topics.RAW_110): ("Call110", "received_at", "call_id"),
        settings.topic(topics.RAW_12345): ("Ticket12345", "created_at", "ticket_id"),
    }
    consumer.assign(
        [TopicPartition(t, p) for t in names for p in range(settings.topics.partitions)]
    )
    got = []
    idle = 0
    while idle < 6:
        batch = [m for m in consumer.consume(500, timeout=0.5) if m.error() is None]
        idle = 0 if batch else idle + 1
        got += batch
    consumer.close()
    assert len(got) == reported > 100
    for m in got:
        schema, time_field, id_field = names[m.topic()]
        record = codec.decode(m.value(), expect=schema)
        assert m.key().decode() == record[id_field]
        ms = record[time_field]
        ms = int(ms.timestamp() * 1000) if hasattr(ms, "timestamp") else ms
        assert m.timestamp()[1] == ms  # the Kafka timestamp is the event time
        assert START_MS <= ms <= START_MS + 43_200_000
