"""The demo's child processes: start each service, watch it, stop them all cleanly.

Children run in their own session, so the terminal's Ctrl-C reaches only the demo, which
then stops them in order (input first, sinks last): SIGTERM, a grace period, SIGKILL.
On Linux each child also asks the kernel for SIGTERM should the demo itself die, so a
``kill -9`` of the demo leaves no orphan services behind.
"""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

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
    proc: subprocess.Popen[bytes] | None = None
    started_at: float = 0.0
    stopped_by_us: bool = False
    exit_code: int | None = field(default=None)

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
    """Starts children in order and stops them in reverse; never signals anything it did not start."""

    def __init__(self, log_dir: Path, grace_s: float = 20.0) -> None:
        self.log_dir = log_dir
        self.grace_s = grace_s
        self.children: list[Child] = []

    def start(
        self,
        name: str,
        argv: Sequence[str],
        env: Mapping[str, str],
        metrics_port: int | None = None,
    ) -> Child:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        child = Child(name, list(argv), dict(env), self.log_dir / f"{name}.log", metrics_port)
        with child.log_file.open("ab") as log:
            log.write(
                f"\n=== {time.strftime('%Y-%m-%d %H:%M:%S')} demo starts {' '.join(argv[2:])}\n".encode()
            )
            log.flush()
            child.proc = subprocess.Popen(
                child.argv,
                env={**os.environ, **child.env},
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                close_fds=True,
                preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None,
            )
        child.started_at = time.monotonic()
        self.children.append(child)
        return child

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
        return {child.name: self.stop_one(child) for child in reversed(self.children)}
