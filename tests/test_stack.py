"""The local stack as running now (``./dev up``): real processes, real ports, real answers.

These tests never stop the shared stack; process handling is exercised on a ``sleep``
process of their own.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import httpx
import psutil
import pytest
from confluent_kafka import Consumer, Producer
from confluent_kafka.admin import AdminClient

from fenliu import stack
from fenliu.settings import Settings
from fenliu.stack.kafka import Kafka
from fenliu.stack.layout import DEPLOY_DIR, StackLayout
from fenliu.stack.process import owned_process, spawn, started_since_boot, stop
from fenliu.stack.prometheus_config import localize_target, render_local_config
from fenliu.streams.kafka.config import confluent_config

# Starts, stops and asks the shared local stack (`up` would start a broker another test has
# stopped on purpose): with the stack's tests, never beside them (xdist, tests/conftest.py).
pytestmark = pytest.mark.xdist_group("stack")

REPO_ROOT = Path(__file__).resolve().parents[1]


def fenliu_cli(*args: str) -> subprocess.CompletedProcess[str]:
    """Run the real ``fenliu`` command from the repository root, where ./dev runs it."""
    return subprocess.run(
        [sys.executable, "-m", "fenliu.cli", *args],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def test_up_again_is_a_no_op(settings: Settings) -> None:
    before = {row.name: row.pid for row in stack.status(settings)}
    result = fenliu_cli("stack", "up")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "starting on" not in result.stdout
    for name in stack.SERVICE_NAMES:
        assert f"{name}: already running" in result.stdout or f"{name}: 127.0.0.1" in result.stdout
    assert {row.name: row.pid for row in stack.status(settings)} == before


def test_status_reports_all_four_up_with_their_ports(settings: Settings) -> None:
    result = fenliu_cli("stack", "status")
    assert result.returncode == 0, result.stdout + result.stderr
    expected_ports = {
        "kafka": settings.stack.kafka_port,
        "redis": settings.stack.redis_port,
        "alertmanager": settings.stack.alertmanager_port,
        "prometheus": settings.stack.prometheus_port,
    }
    table_rows = [line for line in result.stdout.splitlines() if "│" in line]
    rows = {line.split("│")[1].strip(): line for line in table_rows}
    assert set(rows) == set(expected_ports)
    for name, port in expected_ports.items():
        assert str(port) in rows[name]
        assert " up " in rows[name]


def test_kafka_answers_metadata_and_carries_a_message(
    settings: Settings, topic_factory, consumer_group: str
) -> None:
    metadata = AdminClient(confluent_config(settings)).list_topics(timeout=10)
    assert [broker.port for broker in metadata.brokers.values()] == [settings.stack.kafka_port]

    topic = topic_factory(partitions=2)
    producer = Producer(confluent_config(settings))
    producer.produce(topic, key=b"caller-1", value="求助：噪音扰民".encode())
    assert producer.flush(30) == 0
    consumer = Consumer(
        confluent_config(settings, **{"group.id": consumer_group, "auto.offset.reset": "earliest"})
    )
    try:
        consumer.subscribe([topic])
        message = None
        deadline = time.monotonic() + 30
        while message is None and time.monotonic() < deadline:
            candidate = consumer.poll(1.0)
            if candidate is not None and candidate.error() is None:
                message = candidate
    finally:
        consumer.close()
    assert message is not None
    assert message.value().decode() == "求助：噪音扰民"


def test_kafka_refuses_to_auto_create_topics(settings: Settings) -> None:
    producer = Producer(confluent_config(settings, **{"message.timeout.ms": 3000}))
    errors: list[str] = []
    producer.produce(
        settings.topic("never-created"), b"x", on_delivery=lambda e, _: errors.append(str(e))
    )
    producer.flush(10)
    assert errors and errors[0] != "None"


def test_redis_answers(redis_client, redis_prefix: str) -> None:
    assert redis_client.ping() is True
    redis_client.set(f"{redis_prefix}team", "城东街道")
    assert redis_client.get(f"{redis_prefix}team").decode() == "城东街道"


def test_prometheus_is_ready_with_the_rendered_config(settings: Settings) -> None:
    base = f"http://127.0.0.1:{settings.stack.prometheus_port}"
    assert httpx.get(f"{base}/-/ready", timeout=5).status_code == 200
    config = httpx.get(f"{base}/api/v1/status/config", timeout=5).json()["data"]["yaml"]
    assert "127.0.0.1:9108" in config  # the router, localised from router:9108
    assert "router:9108" not in config
    managers = httpx.get(f"{base}/api/v1/alertmanagers", timeout=5).json()["data"]
    urls = [manager["url"] for manager in managers["activeAlertmanagers"]]
    assert urls == [f"http://127.0.0.1:{settings.stack.alertmanager_port}/api/v2/alerts"]


def test_alertmanager_is_ready_with_the_deploy_config(settings: Settings) -> None:
    base = f"http://127.0.0.1:{settings.stack.alertmanager_port}"
    assert httpx.get(f"{base}/-/ready", timeout=5).status_code == 200
    status = httpx.get(f"{base}/api/v2/status", timeout=5).json()
    assert "oncall-room-page" in status["config"]["original"]
    assert status["cluster"]["status"] == "disabled"


def test_down_from_another_state_dir_leaves_the_shared_stack_alone(
    settings: Settings, tmp_path: Path
) -> None:
    elsewhere = settings.replace(stack={"state_dir": tmp_path})
    assert stack.down(elsewhere, report=lambda _: None) == []
    assert all(row.up and row.external for row in stack.status(elsewhere))
    assert all(row.up for row in stack.status(settings))


def test_up_warns_about_ports_inside_the_ephemeral_range(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On a machine whose ephemeral range covers every port, ``up`` (here a no-op on the
    running stack) names each port first, and still does its work."""
    (tmp_path / "ip_local_port_range").write_text("1024\t65535\n")
    monkeypatch.setattr("fenliu.stack.ports.PROC_NET", tmp_path)
    lines: list[str] = []
    assert stack.up(settings, report=lines.append) == []
    assert lines[0].startswith("warning:"), lines
    assert f"FENLIU_KAFKA_PORT={settings.stack.kafka_port}" in lines[0]
    assert f"FENLIU_REDIS_PORT={settings.stack.redis_port}" in lines[0]
    assert "Address already in use" in lines[0]
    assert all(row.up for row in stack.status(settings))


@pytest.mark.stops_the_stack
def test_restart_stops_starts_and_waits_for_the_service(settings: Settings) -> None:
    """The one restart the broker-restart fault test and bench/strand_5301.py use, here on
    Alertmanager (quick, and no other test measures it): a new process that answers."""
    before = {row.name: row.pid for row in stack.status(settings)}
    lines: list[str] = []
    stack.restart(settings, only=["alertmanager"], pause_s=0.5, report=lines.append)
    after = {row.name: row for row in stack.status(settings)}
    assert after["alertmanager"].up and after["alertmanager"].pid is not None
    assert after["alertmanager"].pid != before["alertmanager"]
    assert any(line.startswith("alertmanager: stopped") for line in lines), lines
    assert any(line.startswith("alertmanager: ready") for line in lines), lines
    assert {n: r.pid for n, r in after.items() if n != "alertmanager"} == {
        n: pid for n, pid in before.items() if n != "alertmanager"
    }


def test_restart_refuses_a_service_another_state_dir_started(
    settings: Settings, tmp_path: Path
) -> None:
    elsewhere = settings.replace(stack={"state_dir": tmp_path})
    before = {row.name: row.pid for row in stack.status(settings)}
    with pytest.raises(stack.StackError, match="not ours to restart"):
        stack.restart(elsewhere, only=["kafka"], pause_s=0, report=lambda _: None)
    assert {row.name: row.pid for row in stack.status(settings)} == before
    assert all(row.up for row in stack.status(settings))


def test_unknown_service_is_refused(settings: Settings) -> None:
    with pytest.raises(stack.StackError, match="zookeeper"):
        stack.status(settings, only=["kafka", "zookeeper"])


def test_spawned_process_is_tracked_and_stopped(tmp_path: Path) -> None:
    pid_file = tmp_path / "sleeper.pid"
    popen = spawn(["sleep", "300"], tmp_path / "sleeper.log", pid_file, tmp_path)
    try:
        proc = owned_process(pid_file)
        assert proc is not None and proc.pid == popen.pid
        assert stop(pid_file, timeout_s=5) == popen.pid
        assert not proc.is_running()
        assert not pid_file.exists()
        assert stop(pid_file, timeout_s=5) is None  # idempotent
    finally:
        if popen.poll() is None:
            popen.kill()


def test_process_ignoring_sigterm_is_killed(tmp_path: Path) -> None:
    pid_file, log_file = tmp_path / "stubborn.pid", tmp_path / "stubborn.log"
    stubborn = (
        "import signal, sys, time\n"
        "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
        "print('ignoring SIGTERM', flush=True)\n"
        "time.sleep(300)\n"
    )
    popen = spawn([sys.executable, "-c", stubborn], log_file, pid_file, tmp_path)
    try:
        deadline = time.monotonic() + 30
        while "ignoring SIGTERM" not in log_file.read_text() and time.monotonic() < deadline:
            time.sleep(0.05)
        proc = owned_process(pid_file)
        assert proc is not None
        assert stop(pid_file, timeout_s=0.5) == popen.pid
        assert not proc.is_running()
    finally:
        if popen.poll() is None:
            popen.kill()


@pytest.mark.parametrize("form", ["since-boot", "wall-clock"])
def test_recycled_pid_is_not_taken_for_ours(tmp_path: Path, form: str) -> None:
    pid_file = tmp_path / "other.pid"
    me = psutil.Process()
    if form == "since-boot":
        pid_file.write_text(f"{me.pid} {started_since_boot(me) - 3600} since-boot\n")
    else:
        pid_file.write_text(f"{me.pid} {me.create_time() - 3600}\n")
    assert owned_process(pid_file) is None
    assert stop(pid_file, timeout_s=1) is None
    assert me.is_running()


def test_a_pid_file_written_before_since_boot_start_times_is_still_ours(tmp_path: Path) -> None:
    pid_file = tmp_path / "older.pid"
    me = psutil.Process()
    pid_file.write_text(f"{me.pid} {me.create_time()}\n")
    proc = owned_process(pid_file)
    assert proc is not None and proc.pid == me.pid


def test_a_step_of_the_system_clock_leaves_our_process_ours(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Boot time, as the kernel reports it, is the wall clock minus the uptime: when NTP
    steps the clock it moves, and every wall-clock start time with it."""
    pid_file = tmp_path / "sleeper.pid"
    popen = spawn(["sleep", "300"], tmp_path / "sleeper.log", pid_file, tmp_path)
    try:
        booted = psutil.boot_time()
        monkeypatch.setattr(psutil._psplatform, "boot_time", lambda: booted + 30.0)
        assert psutil.Process(popen.pid).create_time() > time.time() + 20  # the step shows
        proc = owned_process(pid_file)
        assert proc is not None and proc.pid == popen.pid
        assert stop(pid_file, timeout_s=5) == popen.pid
        assert popen.wait(timeout=5) is not None
    finally:
        if popen.poll() is None:
            popen.kill()


def test_prometheus_config_is_localised_from_the_compose_copy() -> None:
    source = DEPLOY_DIR / "prometheus" / "prometheus.yml"
    config = render_local_config(source, prometheus_port=19090, alertmanager_port=19093)
    targets = [
        target
        for scrape in config["scrape_configs"]
        for group in scrape["static_configs"]
        for target in group["targets"]
    ]
    assert "127.0.0.1:19090" in targets and "127.0.0.1:9112" in targets
    assert all(target.startswith("127.0.0.1:") for target in targets)
    manager_targets = config["alerting"]["alertmanagers"][0]["static_configs"][0]["targets"]
    assert manager_targets == ["127.0.0.1:19093"]
    assert config["rule_files"] == [str(source.parent / "rules" / "*.yml")]


def test_target_without_port_is_rejected() -> None:
    with pytest.raises(ValueError, match="router"):
        localize_target("router", {})


def test_server_properties_follow_the_settings(tmp_path: Path) -> None:
    custom = Settings(
        stack={
            "kafka_port": 19092,
            "kafka_controller_port": 19094,
            "state_dir": tmp_path,
            "secure": False,
        }
    )
    properties = Kafka(custom, StackLayout.from_settings(custom)).write_server_properties()
    lines = set(properties.read_text().splitlines())
    assert "listeners=PLAINTEXT://127.0.0.1:19092,CONTROLLER://127.0.0.1:19094" in lines
    assert "controller.quorum.voters=1@127.0.0.1:19094" in lines
    assert f"log.dirs={tmp_path / 'kafka' / 'data'}" in lines
    assert "auto.create.topics.enable=false" in lines


def test_secure_server_properties_authenticate_and_authorize(tmp_path: Path) -> None:
    """--secure: SCRAM on the client listener, the standard authorizer denying by default,
    admin the only super user, its own data folder, passwords made once and kept private."""
    secure = Settings(
        stack={
            "kafka_port": 19092,
            "kafka_controller_port": 19094,
            "state_dir": tmp_path,
            "secure": True,
        }
    )
    kafka = Kafka(secure, StackLayout.from_settings(secure))
    properties = kafka.write_server_properties()
    text = properties.read_text()
    settings: dict[str, str] = {}
    for line in text.splitlines():  # a later key wins, as in java.util.Properties
        if "=" in line and not line.startswith("#"):
            key, value = line.split("=", 1)
            settings[key] = value
    assert settings["listeners"] == "SASL_PLAINTEXT://127.0.0.1:19092,CONTROLLER://127.0.0.1:19094"
    assert settings["sasl.enabled.mechanisms"] == "SCRAM-SHA-512"
    assert settings["authorizer.class.name"].endswith("StandardAuthorizer")
    assert settings["allow.everyone.if.no.acl.found"] == "false"
    assert settings["super.users"] == "User:admin"
    assert settings["log.dirs"] == str(tmp_path / "kafka" / "data-secure")
    assert kafka.password("admin") in text and oct(properties.stat().st_mode & 0o777) == "0o600"
    users = kafka.scram_users()
    for principal in ("router", "streams", "grid-sink", "ingress", "replay", "feed", "admin"):
        assert f"SCRAM-SHA-512=[name={principal},password={kafka.password(principal)}]" in users
        assert oct(kafka.password_file(principal).stat().st_mode & 0o777) == "0o600"
    assert len({kafka.password(p) for p in ("router", "streams", "admin")}) == 3


def test_install_asks_apt_only_for_what_is_missing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from fenliu.stack.install import missing_packages

    assert missing_packages() == []  # this machine has the stack installed
    monkeypatch.setenv("PATH", str(tmp_path))
    (tmp_path / "alertmanager").write_text("#!/bin/sh\n")  # upstream's name counts too
    (tmp_path / "alertmanager").chmod(0o755)
    assert missing_packages() == [
        "default-jre-headless",
        "maven",
        "prometheus",
        "prometheus-alertmanager",  # for amtool
        "redis-server",
    ]


def test_a_running_plaintext_broker_is_not_taken_for_a_secure_one(tmp_path: Path) -> None:
    plain = Settings(stack={"state_dir": tmp_path, "secure": False})
    kafka = Kafka(plain, StackLayout.from_settings(plain))
    kafka.workdir.mkdir(parents=True)
    kafka.mode_file.write_text("plain\n")
    secure = Kafka(plain.replace(stack={"secure": True}), kafka.layout)
    secure.check_running()  # nothing of ours runs: the mode file is history
    me = psutil.Process()
    kafka.layout.pid_file("kafka").write_text(f"{me.pid} {me.create_time()}\n")  # "ours" runs
    kafka.check_running()  # what was asked for
    with pytest.raises(stack.StackError, match="running broker is plaintext, secure was asked for"):
        secure.check_running()
