"""The rates agent in a real Faust worker on the real broker: counts, duplicates, a restart.

The worker runs in a subprocess (``main`` below) with only the rates feature installed,
so this test does not depend on the other features being finished; it reads the
counters from the worker's own /metrics, as Prometheus does.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from confluent_kafka import Producer
from prometheus_client.parser import text_string_to_metric_families

from fenliu.schemas.serde import SingleObjectCodec
from fenliu.settings import Settings
from fenliu.streams.kafka.config import confluent_config
from fenliu.topics import catalogue as topics
from fenliu.topics.admin import apply_topics
from tests.ports import unused_port
from tests.test_rates_agent import lifecycle_record, order_record

pytestmark = [pytest.mark.kafka, pytest.mark.stack_parallel]

ROOT = Path(__file__).resolve().parent.parent
CODEC = SingleObjectCodec()
T0 = 1_795_000_000_000


def main() -> None:
    """Run a worker with only the rates agent (env: FENLIU_*, RATES_TEST_METRICS_PORT)."""
    import faust

    from fenliu.metrics import serve_metrics
    from fenliu.schemas.serde import codec_for
    from fenliu.streams.worker import rates
    from fenliu.streams.worker.app import app_config, app_id
    from fenliu.streams.worker.context import StreamsContext
    from fenliu.streams.worker.topics import ensure_worker_topics

    settings = Settings()
    app = faust.App(app_id(settings), **app_config(settings))
    rates.install(app, StreamsContext(settings, codec_for(settings.topics.schema_registry_url)))
    ensure_worker_topics(settings, app)  # as ``fenliu run streams`` does before Faust starts
    serve_metrics(int(os.environ["RATES_TEST_METRICS_PORT"]), addr="127.0.0.1")
    faust.Worker(app, loglevel="WARNING", quiet=True).execute_from_commandline()


class Worker:
    def __init__(self, settings: Settings, data_dir: Path, log: Path) -> None:
        self.port = unused_port()
        self.env = os.environ | {
            "FENLIU_TOPIC_PREFIX": settings.topics.prefix,
            "FENLIU_TOPIC_PARTITIONS": str(settings.topics.partitions),
            "FENLIU_STREAMS_WEB_PORT": "0",
            "FENLIU_STREAMS_INSTANCE_ID": "",
            "FENLIU_STREAMS_DATA_DIR": str(data_dir),
            "RATES_TEST_METRICS_PORT": str(self.port),
        }
        self.log = log
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-c", "from tests.test_rates_kafka import main; main()"],
                cwd=ROOT,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)

    def samples(self) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
        try:
            text = httpx.get(f"http://127.0.0.1:{self.port}/metrics", timeout=2).text
        except httpx.HTTPError:
            return {}
        return {
            (s.name, frozenset(s.labels.items())): s.value
            for family in text_string_to_metric_families(text)
            for s in family.samples
        }

    def wait_for(
        self, want: dict[tuple[str, frozenset[tuple[str, str]]], float], timeout_s: float = 120
    ) -> dict:
        deadline = time.monotonic() + timeout_s
        got: dict = {}
        while time.monotonic() < deadline:
            assert self.proc is not None and self.proc.poll() is None, self.log.read_text()[-3000:]
            got = self.samples()
            if all(got.get(k) == v for k, v in want.items()):
                return got
            time.sleep(0.5)
        missing = {k: (v, got.get(k)) for k, v in want.items() if got.get(k) != v}
        raise AssertionError(f"metrics never reached {missing}\n{self.log.read_text()[-3000:]}")


def key(name: str, **labels: str) -> tuple[str, frozenset[tuple[str, str]]]:
    return name, frozenset(labels.items())


@pytest.fixture()
def rates_settings(isolated_settings: Settings) -> Settings:
    s = isolated_settings.replace(topics={"partitions": 2})
    apply_topics(s)
    return s


@pytest.fixture()
def worker(rates_settings: Settings, tmp_path: Path) -> Iterator[Worker]:
    (tmp_path / "data").mkdir()
    w = Worker(rates_settings, tmp_path / "data", tmp_path / "worker.log")
    yield w
    w.stop()


def produce(settings: Settings, items: list[tuple[str, str, dict[str, Any]]]) -> None:
    schema = {topics.ORDERS: "DispatchOrder", topics.LIFECYCLE: "LifecycleEvent"}
    producer = Producer(confluent_config(settings))
    for topic, order_id, record in items:
        producer.produce(
            settings.topic(topic), CODEC.encode(schema[topic], record), order_id.encode()
        )
    assert producer.flush(30) == 0


def test_counts_once_through_duplicates_and_a_restart(
    rates_settings: Settings, worker: Worker
) -> None:
    unit = f"u-{uuid.uuid4().hex[:8]}"
    labels = {"unit": unit, "class": "NP03", "source": "110"}
    signed = lifecycle_record("ev-sign", "o-1", unit, "SIGNED", T0 + 45_000)
    produce(
        rates_settings,
        [
            (topics.ORDERS, "o-1", order_record("o-1", unit)),
            (topics.LIFECYCLE, "o-1", signed),
            (topics.LIFECYCLE, "o-1", signed),  # the grid platform retried its webhook
            (topics.ORDERS, "o-2", order_record("o-2", unit)),
        ],
    )
    worker.start()
    worker.wait_for(
        {
            key("fenliu_rates_orders_total", **labels): 2,
            key("fenliu_rates_signed_total", **labels): 1,
            key("fenliu_rates_duplicates_total", topic="lifecycle", reason="event_id"): 1,
            key("fenliu_rates_stage_seconds_sum", stage="sign", unit=unit): 45.0,
        }
    )
    worker.stop()

    # After a restart the table comes back from its changelog: the same sign-off again is a
    # duplicate, and the order's creation time is still known for the feedback latency.
    produce(
        rates_settings,
        [
            (topics.LIFECYCLE, "o-1", signed),
            (
                topics.LIFECYCLE,
                "o-1",
                lifecycle_record("ev-fb", "o-1", unit, "FEEDBACK", T0 + 3_600_000),
            ),
        ],
    )
    worker.start()
    got = worker.wait_for(
        {
            key("fenliu_rates_feedback_total", **labels): 1,
            key("fenliu_rates_stage_seconds_sum", stage="feedback", unit=unit): 3600.0,
        }
    )
    # At-least-once: the restarted worker may read again what the first one had not
    # committed; whatever it reads again is a duplicate, never a second count.
    mine = sorted(
        f"{k[0]}{dict(k[1])}={v}" for k, v in got.items() if k[0].endswith("_total") and v
    )
    assert (
        got.get(key("fenliu_rates_duplicates_total", topic="lifecycle", reason="event_id"), 0) >= 1
    ), "\n".join(mine)
    assert got.get(key("fenliu_rates_signed_total", **labels), 0) == 0
    assert got.get(key("fenliu_rates_orders_total", **labels), 0) == 0
