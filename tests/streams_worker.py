"""A real ``fenliu run streams`` worker for tests, and helpers to feed and read it.

The worker is a subprocess with the test's settings in its environment, exactly as an
operator starts it; nothing is mocked. It is ready when ``/health/`` reports the
partitions it owns.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

from confluent_kafka import Consumer, Producer

from fenliu.processors.model import Source
from fenliu.processors.records import decision_record
from fenliu.schemas.serde import SingleObjectCodec
from fenliu.settings import Settings
from fenliu.streams.kafka.config import confluent_config, router_producer_config
from fenliu.topics import catalogue as topics
from tests.ports import unused_port

CODEC = SingleObjectCodec()
FENLIU = Path(sys.executable).with_name("fenliu")
START_TIMEOUT_S = 90.0


class Worker:
    """One ``fenliu run streams`` process; ``start``/``kill``/``stop`` as often as needed."""

    def __init__(self, settings: Settings, workdir: Path, **env: str) -> None:
        self.settings = settings
        self.workdir = workdir
        self.web_port = unused_port()
        self.metrics_port = unused_port()
        self.env = {
            **os.environ,
            "FENLIU_KAFKA_BOOTSTRAP": settings.kafka.bootstrap,
            "FENLIU_TOPIC_PREFIX": settings.topics.prefix,
            "FENLIU_TOPIC_PARTITIONS": str(settings.topics.partitions),
            "FENLIU_STREAMS_WEB_PORT": str(self.web_port),
            "FENLIU_STREAMS_INSTANCE_ID": f"{settings.topics.prefix}worker",
            "FENLIU_STREAMS_DATA_DIR": str(workdir / "data"),
            "FENLIU_METRICS_PORT": str(self.metrics_port),
            "FENLIU_CLOCK": "control",
            **env,
        }
        self.proc: subprocess.Popen[bytes] | None = None
        self.starts = 0

    @property
    def log_path(self) -> Path:
        return self.workdir / f"worker-{self.starts}.log"

    def start(self) -> None:
        self.starts += 1
        with open(self.log_path, "wb") as log:  # the child keeps its own descriptor
            self.proc = subprocess.Popen(
                [str(FENLIU), "run", "streams"],
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=self.workdir,
            )
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"worker exited ({self.proc.returncode}):\n{self.log_tail()}")
            health = self.health()
            if health and health[1].get("partitions", 0) > 0 and not health[1]["recovering"]:
                return
            time.sleep(0.5)
        raise RuntimeError(f"worker not ready in {START_TIMEOUT_S:.0f} s:\n{self.log_tail()}")

    def health(self) -> tuple[int, dict[str, Any]] | None:
        return self._get("/health/")

    def caller(self, caller_key: str) -> tuple[int, dict[str, Any]] | None:
        return self._get(f"/cases/callers/{caller_key}/")

    def _get(self, path: str) -> tuple[int, dict[str, Any]] | None:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.web_port}{path}", timeout=2) as r:
                return r.status, json.loads(r.read())
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read())
        except (OSError, ValueError):
            return None

    def metrics(self) -> str:
        with urllib.request.urlopen(
            f"http://127.0.0.1:{self.metrics_port}/metrics", timeout=2
        ) as r:
            return r.read().decode()

    def kill(self) -> None:
        """SIGKILL: no clean shutdown, no last commit (a crash)."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(30)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)

    def log_tail(self, lines: int = 60) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"


def wait_for(probe: Callable[[], Any], timeout_s: float = 60.0) -> Any:
    """Poll ``probe`` until it returns something truthy (or time is up); returns the last."""
    deadline = time.monotonic() + timeout_s
    while True:
        value = probe()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.5)


def metric_value(text: str, name: str, **labels: str) -> float:
    """Sum of the samples of ``name`` whose labels include ``labels`` (0 when none)."""
    total = 0.0
    for line in text.splitlines():
        if not line.startswith(name + "{") and not line.startswith(name + " "):
            continue
        head, _, value = line.rpartition(" ")
        if all(f'{k}="{v}"' in head for k, v in labels.items()):
            total += float(value)
    return total


class Feed:
    """Produces decisions and lifecycle events the way the router and grid sink do."""

    def __init__(self, settings: Settings, decider: Any) -> None:
        self.settings = settings
        self.decider = decider
        self.producer = Producer(router_producer_config(settings))

    def decide(self, raw: dict[str, Any], source: Source = Source.CALL_110) -> Any:
        at = raw.get("received_at") or raw.get("created_at")
        return self.decider.decide(raw, source, now_ms=at + 1000)

    def decisions(self, *decisions: Any) -> None:
        for d in decisions:
            self.producer.produce(
                self.settings.topic(topics.DECISIONS),
                key=d.case_key.encode(),
                value=CODEC.encode("Decision", decision_record(d)),
            )
        assert self.producer.flush(30) == 0

    def raw(self, topic: str, key: bytes, value: bytes) -> None:
        self.producer.produce(self.settings.topic(topic), key=key, value=value)
        assert self.producer.flush(30) == 0

    def lifecycle(self, event_id: str, order_id: str, case_id: str, kind: str, at_ms: int) -> None:
        record = {
            "event_id": event_id,
            "order_id": order_id,
            "case_id": case_id,
            "kind": kind,
            "at": at_ms,
            "unit_id": "dc-mediation",
            "actor": None,
            "note": None,
            "satisfaction": None,
            "resolved_on_site": None,
        }
        self.raw(topics.LIFECYCLE, order_id.encode(), CODEC.encode("LifecycleEvent", record))


def read_until(
    settings: Settings,
    topic: str,
    done: Callable[[list[Any]], bool],
    keep: Callable[[Any], bool] = lambda m: True,
    timeout_s: float = 60.0,
) -> list[Any]:
    """Messages of ``topic`` from the start (those ``keep`` accepts) until ``done`` says so.

    Returns ``(message, decoded value)`` pairs; the caller asserts on what came."""
    consumer = Consumer(
        confluent_config(
            settings,
            **{
                "group.id": f"{settings.topics.prefix}reader-{time.monotonic_ns()}",
                "auto.offset.reset": "earliest",
                "enable.auto.commit": False,
            },
        )
    )
    consumer.subscribe([settings.topic(topic)])
    out: list[Any] = []
    deadline = time.monotonic() + timeout_s
    try:
        while not done(out) and time.monotonic() < deadline:
            for m in consumer.consume(200, timeout=0.5):
                if m.error() is None:
                    item = (m, CODEC.decode(m.value()))
                    if keep(item):
                        out.append(item)
    finally:
        consumer.close()
    return out
