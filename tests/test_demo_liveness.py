"""The demo's supervisor restarts a service whose health stays red, as a liveness probe
would: a small fake child (an HTTP server answering 503 in its first life) stands in for
a service; no Kafka. Waits are bounded loops of checks, not timed assertions."""

from __future__ import annotations

import socket
import sys
import time
from pathlib import Path

from fenliu.demo.supervisor import Liveness, Supervisor
from tests.ports import unused_port

CHILD = r"""
import os, sys
from http.server import BaseHTTPRequestHandler, HTTPServer

lives = os.environ["LIVES_FILE"]
with open(lives, "a") as f:
    f.write(f"{os.getpid()}\n")
first_life = len(open(lives).read().split()) == 1

class Health(BaseHTTPRequestHandler):
    def do_GET(self):
        red = first_life
        body = b'{"healthy": false, "problems": ["input waits, no commit for 61s"]}' if red else b"{}"
        self.send_response(503 if red else 200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass

HTTPServer(("127.0.0.1", int(os.environ["PORT"])), Health).serve_forever()
"""


def _wait_listening(port: int) -> None:
    for _ in range(300):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise AssertionError("the fake child never listened")


def _check_until(supervisor: Supervisor, done, rounds: int = 300) -> None:
    for _ in range(rounds):
        supervisor.check()
        if done():
            return
        time.sleep(0.1)
    raise AssertionError("the supervisor did not get there")


def test_a_child_red_for_k_probes_in_a_row_is_restarted_and_then_left_alone(tmp_path: Path):
    port, lives = unused_port(), tmp_path / "lives"
    script = tmp_path / "child.py"
    script.write_text(CHILD)
    now = [0.0]  # the supervisor's clock: only the start grace reads it
    supervisor = Supervisor(
        tmp_path / "logs",
        grace_s=5,
        liveness=Liveness(interval_s=0.1, timeout_s=2, failures=2, start_grace_s=10),
        clock=lambda: now[0],
    )
    child = supervisor.start(
        "worker",
        [sys.executable, str(script)],
        {"PORT": str(port), "LIVES_FILE": str(lives)},
        health_url=f"http://127.0.0.1:{port}/health/",
    )
    try:
        first = child.proc
        assert first is not None
        _wait_listening(port)
        supervisor.check()
        assert child.failed_probes == 0  # within the start grace: not probed
        now[0] = 100.0
        _check_until(supervisor, lambda: child.restarts == 1)
        assert first.poll() is not None  # the red one was stopped ...
        assert child.proc is not first and child.running  # ... and the same command started again
        assert not supervisor.crashed()  # a restart is not a crash: the demo goes on
        log = child.log_file.read_text()
        assert "demo restarts worker: 2 failed health probes" in log
        assert "HTTP 503" in log and "no commit for 61s" in log
        # the second life answers 200: probes reset, no further restart
        _wait_listening(port)
        now[0] = 200.0  # past the second life's start grace
        for _ in range(5):
            supervisor.check()
        assert len(lives.read_text().split()) == 2
        assert child.failed_probes == 0 and child.restarts == 1 and child.running
    finally:
        codes = supervisor.stop_all()
    assert codes["worker"] is not None and not child.running


def test_probes_wait_for_the_start_grace_and_one_failure_below_k_does_not_restart(tmp_path):
    calls: list[str] = []
    answers = iter([(False, "HTTP 503"), (True, "HTTP 200"), (False, "no answer")])

    def probe(url: str, timeout_s: float) -> tuple[bool, str]:
        calls.append(url)
        return next(answers)

    now = [0.0]
    supervisor = Supervisor(
        tmp_path,
        liveness=Liveness(interval_s=1, timeout_s=1, failures=2, start_grace_s=60),
        probe=probe,
        clock=lambda: now[0],
    )
    child = supervisor.start(
        "router",
        [sys.executable, "-c", "import time; time.sleep(120)"],
        {},
        health_url="http://x/health",
    )
    try:
        assert supervisor.check() == [] and calls == []  # within the start grace: not probed
        now[0] = 61.0
        supervisor.check()
        assert child.failed_probes == 1 and child.last_problem == "HTTP 503"
        supervisor.check()
        assert child.failed_probes == 0  # consecutive failures only
        assert supervisor.check() == [] and child.failed_probes == 1 and child.restarts == 0
    finally:
        supervisor.stop_all()


def test_children_without_a_health_url_are_never_probed(tmp_path):
    def probe(url: str, timeout_s: float) -> tuple[bool, str]:
        raise AssertionError("probed")

    supervisor = Supervisor(tmp_path, liveness=Liveness(start_grace_s=0), probe=probe)
    supervisor.start("generator", [sys.executable, "-c", "import time; time.sleep(120)"], {})
    try:
        assert supervisor.check() == []
    finally:
        supervisor.stop_all()
