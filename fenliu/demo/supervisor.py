"""The demo's child processes: start each service, watch it, stop them all cleanly.

Children run in their own session, so the terminal's Ctrl-C reaches only the demo, which
then stops them in order (input first, sinks last): SIGTERM, a grace period, SIGKILL.
On Linux each child also asks the kernel for SIGTERM should the demo itself die, so a
``kill -9`` of the demo leaves no orphan services behind.

Liveness, as systemd's watchdog or a Kubernetes liveness probe would do it: a child
started with a ``health_url`` is probed every ``Liveness.interval_s`` once its start
grace has passed; a probe fails on anything but HTTP 200 within ``timeout_s`` (a 503
with its reasons, a refused connection, a process too blocked to answer). After
``failures`` consecutive failures the child is restarted with the same command and
environment (SIGTERM, the grace period, SIGKILL; then started again), and the reason is
written to its log. A child that exits on its own is not restarted here: the demo stops
and says which (``fenliu demo`` exits 1).
"""

from __future__ import annotations

import ctypes
import logging
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

log = logging.getLogger("fenliu.demo")

#: ``probe(url, timeout_s)`` -> (healthy, why): the one HTTP call liveness makes.
Probe = Callable[[str, float], tuple[bool, str]]


def http_probe(url: str, timeout_s: float) -> tuple[bool, str]:
    """GET ``url``: healthy only on HTTP 200 in time; otherwise the reason, body included."""
    try:
        with urllib.request.urlopen(url, timeout=timeout_s) as response:
            return response.status == 200, f"HTTP {response.status}"
    except urllib.error.HTTPError as error:
        body = error.read(500).decode(errors="replace")
        return False, f"HTTP {error.code}: {body}"
    except (OSError, ValueError) as error:  # refused, reset, timed out: not answering
        return False, f"no answer: {error}"


@dataclass(frozen=True)
class Liveness:
    """How children with a health URL are probed (``FENLIU_DEMO_HEALTH_*``)."""

    interval_s: float = 5.0
    timeout_s: float = 3.0
    failures: int = 3
    start_grace_s: float = 120.0


_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:  # pragma: no cover - runs in the child between fork and exec
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    except OSError:
        pass  # not Linux: the demo's own stop still applies


@dataclass
class Child:
    """One supervised process: what it runs, where it logs, and its process once started."""

    name: str
    argv: Sequence[str]
    env: Mapping[str, str]
    log_file: Path
    metrics_port: int | None = None
    health_url: str | None = None
    proc: subprocess.Popen[bytes] | None = None
    started_at: float = 0.0
    stopped_by_us: bool = False
    exit_code: int | None = field(default=None)
    failed_probes: int = 0  # consecutive
    restarts: int = 0
    last_problem: str = ""

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def crashed(self) -> bool:
        """Exited while nobody asked it to stop."""
        return self.proc is not None and self.proc.poll() is not None and not self.stopped_by_us

    def log_tail(self, lines: int = 15) -> str:
        try:
            return "\n".join(self.log_file.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


def fenliu_argv(*args: str) -> list[str]:
    """``fenliu <args>`` with this interpreter (the venv's), independent of PATH."""
    return [sys.executable, "-m", "fenliu.cli", *args]


class Supervisor:
    """Starts children in order and stops them in reverse; never signals anything it did not
    start. ``watch`` restarts a child whose health stays red (module docstring)."""

    def __init__(
        self,
        log_dir: Path,
        grace_s: float = 20.0,
        liveness: Liveness | None = None,
        probe: Probe = http_probe,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.log_dir = log_dir
        self.grace_s = grace_s
        self.liveness = liveness or Liveness()
        self.probe = probe
        self.clock = clock
        self.children: list[Child] = []
        self._lock = threading.Lock()  # the watcher's restarts against the demo's stop
        self._watcher: threading.Thread | None = None
        self._closing = threading.Event()

    def start(
        self,
        name: str,
        argv: Sequence[str],
        env: Mapping[str, str],
        metrics_port: int | None = None,
        health_url: str | None = None,
    ) -> Child:
        child = Child(
            name,
            list(argv),
            dict(env),
            self.log_dir / f"{name}.log",
            metrics_port,
            health_url,
        )
        self._spawn(child, "starts")
        self.children.append(child)
        return child

    def _spawn(self, child: Child, what: str) -> None:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        with child.log_file.open("ab") as out:
            out.write(
                f"\n=== {time.strftime('%Y-%m-%d %H:%M:%S')} demo {what} {' '.join(child.argv[2:])}\n".encode()
            )
            out.flush()
            child.proc = subprocess.Popen(
                child.argv,
                env={**os.environ, **child.env},
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                close_fds=True,
                preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None,
            )
        child.started_at = self.clock()
        child.stopped_by_us = False
        child.exit_code = None
        child.failed_probes = 0

    # --- liveness --------------------------------------------------------------------------
    def check(self) -> list[Child]:
        """Probe every running child with a health URL once; restart those red ``failures``
        times in a row. Returns the children restarted."""
        live = self.liveness
        restarted: list[Child] = []
        for child in list(self.children):
            if child.health_url is None or not child.running or self._closing.is_set():
                continue
            if self.clock() - child.started_at < live.start_grace_s:
                continue  # still starting (the worker recovers its tables first)
            healthy, why = self.probe(child.health_url, live.timeout_s)
            if healthy:
                child.failed_probes = 0
                continue
            child.failed_probes += 1
            child.last_problem = why
            log.warning(
                "%s unhealthy (%d of %d): %s", child.name, child.failed_probes, live.failures, why
            )
            if child.failed_probes >= live.failures:
                self.restart(child, f"{child.failed_probes} failed health probes, last: {why}")
                restarted.append(child)
        return restarted

    def restart(self, child: Child, reason: str) -> None:
        """Stop ``child`` as ``stop_one`` does and start it again with the same command."""
        with self._lock:
            if self._closing.is_set():
                return
            log.warning("restarting %s: %s", child.name, reason)
            with child.log_file.open("ab") as out:
                out.write(f"\n=== demo restarts {child.name}: {reason}\n".encode())
            self.stop_one(child)
            child.restarts += 1
            self._spawn(child, f"restart {child.restarts} of")

    def watch(self) -> None:
        """Run ``check`` every ``Liveness.interval_s`` in a daemon thread until ``stop_all``."""

        def loop() -> None:
            while not self._closing.wait(self.liveness.interval_s):
                try:
                    self.check()
                except Exception:  # noqa: BLE001 - a probe bug must not end supervision
                    log.exception("liveness check failed")

        self._watcher = threading.Thread(target=loop, name="demo-liveness", daemon=True)
        self._watcher.start()

    def crashed(self) -> list[Child]:
        return [c for c in self.children if c.crashed()]

    def stop_one(self, child: Child) -> int | None:
        """SIGTERM, wait up to the grace period, then SIGKILL; returns the exit code."""
        if child.proc is None:
            return None
        child.stopped_by_us = True
        if child.proc.poll() is None:
            child.proc.send_signal(signal.SIGTERM)
            try:
                child.proc.wait(self.grace_s)
            except subprocess.TimeoutExpired:
                child.proc.kill()
                child.proc.wait(10)
        child.exit_code = child.proc.returncode
        return child.exit_code

    def stop_all(self) -> dict[str, int | None]:
        """Stop every child, last started first (the generator before the router, sinks last)."""
        self._closing.set()
        with self._lock:  # a restart under way finishes first; none starts after
            return {child.name: self.stop_one(child) for child in reversed(self.children)}
