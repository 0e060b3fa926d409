"""`fenliu demo` as a user runs it: the whole pipeline on the real stack, Ctrl-C, --duration.

Each test runs the demo in its own topic prefix, Redis db and port range, so it can run
beside a developer's own demo and other tests.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time

import psutil
import pytest

from fenliu.demo.run import available_services, free_port_offset
from fenliu.demo.scrape import Scrape, parse
from fenliu.demo.view import rates_since_start, selector_total

pytestmark = pytest.mark.kafka

LINE = re.compile(r"decisions=(\d+) diverted=(\d+) orders=(\d+)")


def _start_demo(settings, tmp_path, *args: str) -> subprocess.Popen:
    env = {
        **os.environ,
        "FENLIU_TOPIC_PREFIX": settings.topics.prefix,
        "FENLIU_REDIS_URL": settings.teams.redis_url,
        "FENLIU_TEAM_KEY_PREFIX": f"{settings.topics.prefix}teams",
        "FENLIU_KAFKA_BOOTSTRAP": settings.kafka.bootstrap,
        "FENLIU_STREAMS_DATA_DIR": str(tmp_path / "streams"),
    }
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "fenliu.cli",
            "demo",
            "--no-live",
            "--interval",
            "2",
            "--rate",
            "10",
            "--flat",  # 10/s at any hour: the day's rhythm at 4 a.m. local sends ~1.5/s
            "--port-offset",
            str(free_port_offset(settings)),
            "--log-dir",
            str(tmp_path / "logs"),
            *args,
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _children(output: str) -> list[int]:
    return [int(pid) for pid in re.findall(r"started [\w-]+ \(pid (\d+)", output)]


def _assert_all_gone(pids: list[int]) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(
        psutil.pid_exists(p) and psutil.Process(p).status() != "zombie" for p in pids
    ):
        time.sleep(0.2)
    alive = [p for p in pids if psutil.pid_exists(p) and psutil.Process(p).status() != "zombie"]
    assert alive == []


def test_ctrl_c_stops_every_service_cleanly_and_exits_zero(isolated_settings, tmp_path):
    proc = _start_demo(isolated_settings, tmp_path)
    lines: list[str] = []
    try:
        deadline = time.monotonic() + 240
        orders_expected = "streams" in available_services()
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            lines.append(line)
            m = LINE.search(line)
            if m and int(m.group(1)) > 20 and (int(m.group(3)) > 0 or not orders_expected):
                break
        proc.send_signal(signal.SIGINT)
        rest, _ = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    output = "".join(lines) + rest
    assert proc.returncode == 0, output
    assert LINE.search(output), output
    stopped = next(line for line in output.splitlines() if line.startswith("stopped:"))
    assert "generator" in stopped and "router" in stopped
    assert re.findall(r"(\S+) exit (-?\d+)", stopped) and all(
        code == "0" for _, code in re.findall(r"(\S+) exit (-?\d+)", stopped)
    ), stopped
    _assert_all_gone(_children(output))


def test_bounded_run_shows_diversions_and_rates(isolated_settings, tmp_path):
    # --duration counts from the generator's launch (the router answers by then): 25 s at
    # 10 calls/s (--flat: at every hour; CI ran at 04:34 local once and the day's rhythm sent
    # 36 calls) is ~250 calls, five times the 50 decisions asked for.
    proc = _start_demo(isolated_settings, tmp_path, "--duration", "25")
    output, _ = proc.communicate(timeout=300)
    assert proc.returncode == 0, output
    final = [line for line in output.splitlines() if LINE.search(line)][-1]
    decisions, diverted, _orders = (int(g) for g in LINE.search(final).groups())
    assert decisions > 50 and 0 < diverted < decisions  # police work mixed in, the rest diverted
    diversion = float(re.search(r"diversion=([\d.]+)%", final).group(1))
    assert 25 <= diversion <= 75
    _assert_all_gone(_children(output))


def test_rates_use_the_one_definition_table():
    text = "\n".join(
        [
            "# TYPE fenliu_rates_orders_total counter",
            'fenliu_rates_orders_total{unit="a",class="NP01",source="110"} 8',
            'fenliu_rates_orders_total{unit="b",class="NP02",source="12345"} 2',
            "# TYPE fenliu_rates_signed_total counter",
            'fenliu_rates_signed_total{unit="a",class="NP01",source="110"} 7',
            "# TYPE fenliu_rates_calls_total counter",
            'fenliu_rates_calls_total{source="110",town="t",list="NON_POLICE"} 3',
            'fenliu_rates_calls_total{source="110",town="t",list="POLICE"} 1',
            'fenliu_rates_calls_total{source="12345",town="t",list="NON_POLICE"} 9',
            "# TYPE fenliu_rates_diverted_total counter",
            'fenliu_rates_diverted_total{source="110",town="t",how="divert"} 2',
            'fenliu_rates_diverted_total{source="110",town="t",how="confirmed"} 1',
            'fenliu_rates_diverted_total{source="12345",town="t",how="divert"} 9',
            "# TYPE fenliu_rates_followups_total counter",
            'fenliu_rates_followups_total{unit="a",class="NP01",source="110",satisfaction="SATISFIED"} 3',
            'fenliu_rates_followups_total{unit="a",class="NP01",source="110",satisfaction="DISSATISFIED"} 1',
            'fenliu_rates_followups_total{unit="a",class="NP01",source="110",satisfaction="UNREACHABLE"} 5',
        ]
    )
    scrape = Scrape(parse(text + "\n"))
    rates = rates_since_start(scrape)
    assert rates["signoff"][1] == pytest.approx(0.7)
    assert rates["diversion"][1] == pytest.approx(0.75)  # 110 only: DIVERT + confirmed SUGGEST
    assert rates["satisfaction"][1] == pytest.approx(0.75)  # unreachable citizens excluded
    assert rates["complaint"][1] == 0.0 and rates["onsite"][1] is None  # no closes: no rate
    assert (
        selector_total(
            scrape, 'fenliu_rates_followups_total{satisfaction=~"SATISFIED|DISSATISFIED"}'
        )
        == 4
    )
