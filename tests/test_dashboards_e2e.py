"""Every dashboard query and every recording rule returns data, with the pipeline running.

The whole pipeline runs as `fenliu demo` runs it: every service that exists is started
with `fenliu run <service>` on the metrics ports of the convention (router 9108, streams
9109, grid-sink 9110, ingress 9111, grid-sim 9112), which the local stack's real Prometheus
scrapes every 5 s; the traffic generator feeds it on a clock 600 times faster than the
wall clock. The grid platform's follow-up calls (回访), the next day in the domain, come an
hour after the close here (``FENLIU_GRID_SIM_FOLLOW_UP_AFTER_S``; still inside the
FOLLOW_UP stage's SLA), so the satisfaction series appear seconds after the first closes
instead of a simulated day (over two minutes) later. One undecodable record is added, as
a source system may send one, so that dead letters exist.

Prometheus keeps what earlier runs on these ports left behind, so a query only counts as
answered by this run when its ranges are cut to the time this run has been going: a
`[1d]` window becomes `[<seconds since start>s]`. Recording rules are checked twice: the
recorded series exists, and the rule's own expression over this run's window has data.
Last, the alerts this run raised are in the stack's Alertmanager, routed by severity and
unit: the dead letter's warning to the on-call room, unit alerts to the unit's channel,
critical ones to the pager.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from confluent_kafka import Producer
from confluent_kafka.admin import AdminClient

from fenliu.demo.run import METRICS_PORTS, available_services, port_free
from fenliu.settings import Settings
from fenliu.streams.kafka.config import confluent_config
from fenliu.topics import catalogue as topics
from tests.test_dashboards import RULES, queries, substitute

pytestmark = [pytest.mark.kafka, pytest.mark.prometheus, pytest.mark.timeout(1200)]

SPEED = 600.0
RATE = 10.0
RUN_LIMIT_S = 600.0  # the demo stops itself after this, whatever happens to the test
ANSWER_WITHIN_S = 540.0
# Prometheus scrapes every 5 s: asking more often finds nothing new, asking less often (it
# was 15 s until issue 12) leaves the test waiting after the last series has come.
POLL_S = 5.0
OTHER_PORTS = (8090, 8091, 6066)  # grid-sim API, ingress webhook, streams /health
#: Simulated seconds from an order's close to its follow-up call: an hour, ±10 min (the
#: domain's next day would be 20-28 h, over two minutes of wall time at SPEED).
FOLLOW_UP_AFTER_S = 3600
_RANGE = re.compile(r"\[(\d+[smhdwy])\]")


class Prometheus:
    def __init__(self, port: int) -> None:
        self.base = f"http://127.0.0.1:{port}"
        self.client = httpx.Client(timeout=15)

    def query(self, expr: str) -> dict[str, Any]:
        return self.client.get(f"{self.base}/api/v1/query", params={"query": expr}).json()

    def has_data(self, expr: str) -> bool:
        answer = self.query(expr)
        assert answer.get("status") == "success", (expr, answer)
        return bool(answer["data"]["result"])


def this_run(expr: str, seconds: int) -> str:
    """The query with every range cut to this run, so older runs' samples cannot answer it."""
    return _RANGE.sub(f"[{seconds}s]", expr)


def recording_rules() -> list[tuple[str, str]]:
    return [
        (rule["record"], rule["expr"])
        for path in sorted(RULES.glob("*.yml"))
        for group in yaml.safe_load(path.read_text(encoding="utf-8"))["groups"]
        for rule in group["rules"]
        if "record" in rule
    ]


@pytest.fixture()
def prometheus() -> Prometheus:
    settings = Settings()
    prom = Prometheus(settings.stack.prometheus_port)
    try:
        prom.client.post(f"{prom.base}/-/reload").raise_for_status()  # the rules as committed
    except httpx.HTTPError as exc:
        pytest.fail(
            f"Prometheus of the local stack does not answer ({exc}): ./dev up", pytrace=False
        )
    targets = prom.client.get(f"{prom.base}/api/v1/targets").json()["data"]["activeTargets"]
    scraped = {
        t["labels"].get("service"): t["scrapeUrl"]
        for t in targets
        if t["labels"].get("job") == "fenliu"
    }
    for service, port in METRICS_PORTS.items():
        assert scraped.get(service) == f"http://127.0.0.1:{port}/metrics", scraped
    return prom


@pytest.fixture()
def pipeline(isolated_settings: Settings, tmp_path: Path) -> Iterator[tuple[Settings, float, Path]]:
    busy = [p for p in (*METRICS_PORTS.values(), *OTHER_PORTS) if not port_free(p)]
    if busy:
        pytest.fail(f"ports {busy} are in use: another pipeline (a `fenliu demo`?) runs on the "
                    "ports Prometheus scrapes; stop it first", pytrace=False)  # fmt: skip
    s = isolated_settings
    env = {
        **os.environ,
        "FENLIU_TOPIC_PREFIX": s.topics.prefix,
        "FENLIU_KAFKA_BOOTSTRAP": s.kafka.bootstrap,
        "FENLIU_REDIS_URL": s.teams.redis_url,
        "FENLIU_TEAM_KEY_PREFIX": f"{s.topics.prefix}teams",
        "FENLIU_STREAMS_DATA_DIR": str(tmp_path / "streams"),
        "FENLIU_STREAMS_INSTANCE_ID": "",  # no static membership lingering after the run
        "FENLIU_GRID_SIM_FOLLOW_UP_AFTER_S": str(FOLLOW_UP_AFTER_S),
    }
    log = tmp_path / "demo.out"
    argv = [sys.executable, "-m", "fenliu.cli", "demo", "--no-live", "--interval", "10",
            "--rate", str(RATE), "--flat", "--speed", str(SPEED), "--duration", str(RUN_LIMIT_S),
            "--port-offset", "0", "--log-dir", str(tmp_path / "logs")]  # fmt: skip
    with log.open("w") as out:
        proc = subprocess.Popen(
            argv, env=env, stdout=out, stderr=subprocess.STDOUT, cwd=Path(__file__).parent.parent
        )
    started = time.monotonic()
    try:
        yield s, started, tmp_path
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(120)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(10)


def send_one_undecodable_call(settings: Settings, timeout_s: float = 120) -> None:
    """Bytes that are no Avro at all, as a broken source system would send them."""
    topic = settings.topic(topics.RAW_110)
    admin = AdminClient(confluent_config(settings))
    deadline = time.monotonic() + timeout_s
    while topic not in admin.list_topics(timeout=10).topics:
        assert time.monotonic() < deadline, f"{topic} never created by the demo"
        time.sleep(1)
    producer = Producer(confluent_config(settings))
    producer.produce(topic, b"\x00\x01 not a call at all", b"e2e-bad-1")
    assert producer.flush(30) == 0


def test_every_dashboard_query_and_recording_rule_returns_data(
    prometheus: Prometheus, pipeline: tuple[Settings, float, Path]
) -> None:
    settings, started, tmp_path = pipeline
    services = available_services()
    send_one_undecodable_call(settings)
    panel_checks = {
        f"{name}: {title} [{legend}]": substitute(expr) for name, title, legend, expr in queries()
    }
    rule_checks = dict(recording_rules())
    missing: dict[str, str] = {}
    while time.monotonic() - started < ANSWER_WITHIN_S:
        time.sleep(POLL_S)
        seconds = max(60, int(time.monotonic() - started))
        up = {s: prometheus.has_data(f'up{{job="fenliu",service="{s}"}} == 1') for s in services}
        missing = {}
        for where, expr in panel_checks.items():
            if not prometheus.has_data(this_run(expr, seconds)):
                missing[where] = expr
        for record, expr in rule_checks.items():
            if not prometheus.has_data(record):
                missing[f"recorded series {record}"] = record
            elif not prometheus.has_data(this_run(expr, seconds)):
                missing[f"rule {record} over this run"] = this_run(expr, seconds)
        if all(up.values()) and not missing:
            break
    demo_log = (tmp_path / "demo.out").read_text(encoding="utf-8", errors="replace")[-3000:]
    assert all(up.values()), f"services not scraped as up: {up}\n{demo_log}"
    assert missing == {}, "no data after {:.0f} s for:\n{}\n--- demo output ---\n{}".format(
        time.monotonic() - started, "\n".join(f"{k}: {v}" for k, v in missing.items()), demo_log
    )

    assert_alerts_routed(Settings().stack.alertmanager_port)


def expected_receiver(labels: dict[str, str]) -> str:
    """deploy/alertmanager/alertmanager.yml's routing tree, as the on-call room reads it."""
    if labels.get("severity") == "critical":
        return "oncall-room-page"
    if labels.get("severity") == "info":
        return "null"
    return (
        "unit-channel"
        if labels.get("severity") == "warning" and labels.get("unit")
        else "oncall-room"
    )


def assert_alerts_routed(port: int, within_s: float = 120) -> None:
    """The alert our undecodable record raised reached Alertmanager; every fenliu alert there
    went to the receiver its severity and unit name."""
    url = f"http://127.0.0.1:{port}/api/v2/alerts"
    deadline = time.monotonic() + within_s
    alerts: list[dict[str, Any]] = []
    while time.monotonic() < deadline:
        alerts = [
            a
            for a in httpx.get(url, timeout=10).json()
            if a["labels"].get("alertname", "").startswith("Fenliu")
        ]
        if any(a["labels"]["alertname"] == "FenliuDeadLettersGrowing" and a["labels"].get("reason") == "UNDECODABLE"
               for a in alerts):  # fmt: skip
            break
        time.sleep(5)
    dead = [a for a in alerts if a["labels"]["alertname"] == "FenliuDeadLettersGrowing"]
    assert dead, (
        f"FenliuDeadLettersGrowing never reached Alertmanager; it has {[a['labels'] for a in alerts]}"
    )
    for alert in alerts:
        got = sorted(r["name"] for r in alert["receivers"])
        assert got == [expected_receiver(alert["labels"])], alert["labels"]
