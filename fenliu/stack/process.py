"""Detached processes tracked by PID files, and the small waits around them.

A PID file holds the PID and the process's start time, so a recycled PID that now
belongs to someone else's process is never taken for ours (and never signalled). The start
time is counted from boot, not read off the wall clock: the wall-clock form moves with every
step of the system clock (an NTP correction during a long test run was enough to make
``stack down`` take its own broker for a stranger's and leave it running).
"""

from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import psutil

_START_TIME_TOLERANCE_S = 1.0
_SINCE_BOOT = "since-boot"  # third field of a PID file whose start time counts from boot


def port_answers(port: int, host: str = "127.0.0.1", timeout_s: float = 0.5) -> bool:
    """True when something accepts TCP connections on ``host:port``."""
    try:
        with socket.create_connection((host, port), timeout=timeout_s):
            return True
    except OSError:
        return False


def spawn(
    argv: Sequence[str], log_file: Path, pid_file: Path, cwd: Path
) -> subprocess.Popen[bytes]:
    """Start ``argv`` in its own session, output appended to ``log_file``, and record it.

    Its own session keeps it alive after the ``fenliu`` command exits and away from
    the terminal's Ctrl-C.
    """
    log_file.parent.mkdir(parents=True, exist_ok=True)
    with log_file.open("ab") as log:
        log.write(f"\n=== {time.strftime('%Y-%m-%d %H:%M:%S')} start: {argv[0]}\n".encode())
        log.flush()
        proc = subprocess.Popen(
            list(argv),
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            close_fds=True,
        )
    started = started_since_boot(psutil.Process(proc.pid))
    pid_file.write_text(f"{proc.pid} {started} {_SINCE_BOOT}\n")
    return proc


def started_since_boot(proc: psutil.Process) -> float:
    """Seconds from boot to ``proc``'s start: fixed for the process's life, whatever the
    system clock does. psutil's ``create_time`` is this plus the boot time, which the kernel
    gives in whole seconds off the clock (a drift of the clock can move it by one): the boot
    time read on both sides of a fresh ``create_time`` must agree."""
    for _ in range(5):
        booted = psutil.boot_time()
        started = psutil.Process(proc.pid).create_time()
        if psutil.boot_time() == booted:
            break
    return started - booted


def owned_process(pid_file: Path) -> psutil.Process | None:
    """The live process recorded in ``pid_file``, or None (missing, stale or recycled).

    A file of two fields (written before start times counted from boot) is compared with
    the wall-clock start, so a stack started by an earlier version is still recognised."""
    try:
        pid_text, started_text, *form = pid_file.read_text().split()
        proc = psutil.Process(int(pid_text))
        if form == [_SINCE_BOOT]:
            started = started_since_boot(proc)
        elif not form:
            started = proc.create_time()
        else:
            return None
        same_start = abs(started - float(started_text)) < _START_TIME_TOLERANCE_S
        if same_start and proc.status() != psutil.STATUS_ZOMBIE:
            return proc
    except (OSError, ValueError, psutil.Error):
        pass
    return None


def stop(pid_file: Path, timeout_s: float) -> int | None:
    """SIGTERM the recorded process, SIGKILL it after ``timeout_s``; return its PID if any."""
    proc = owned_process(pid_file)
    if proc is None:
        pid_file.unlink(missing_ok=True)
        return None
    try:
        proc.terminate()
        _, alive = psutil.wait_procs([proc], timeout=timeout_s)
        for straggler in alive:
            straggler.kill()
        psutil.wait_procs(alive, timeout=5)
    except psutil.NoSuchProcess:
        pass
    pid_file.unlink(missing_ok=True)
    return proc.pid


def wait_for(check: Callable[[], bool], timeout_s: float, interval_s: float = 0.25) -> bool:
    """Poll ``check`` until it is true or ``timeout_s`` passed; the final answer."""
    deadline = time.monotonic() + timeout_s
    while True:
        if check():
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(interval_s)


def tail(path: Path, lines: int = 30) -> str:
    """The last ``lines`` lines of a log file (empty when it does not exist)."""
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return ""
    return "\n".join(text.splitlines()[-lines:])
