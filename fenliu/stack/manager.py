"""``up``, ``down`` and ``status`` over the stack's services, idempotent and lock-protected."""

from __future__ import annotations

import fcntl
import subprocess
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from fenliu.settings import Settings
from fenliu.stack.kafka import Kafka
from fenliu.stack.layout import StackError, StackLayout
from fenliu.stack.ports import ephemeral_port_warning
from fenliu.stack.process import owned_process, port_answers, spawn, stop, tail, wait_for
from fenliu.stack.services import Alertmanager, Prometheus, Redis, Service

# Start order; ``down`` stops in reverse. Alertmanager first so Prometheus finds it.
SERVICE_CLASSES: tuple[type[Service], ...] = (Kafka, Redis, Alertmanager, Prometheus)
SERVICE_NAMES: tuple[str, ...] = tuple(cls.name for cls in SERVICE_CLASSES)

# How long a port that some other process serves may take to answer like our service.
_EXTERNAL_READY_TIMEOUT_S = 10.0

Report = Callable[[str], None]


@dataclass(frozen=True)
class ServiceStatus:
    """One row of ``fenliu stack status``."""

    name: str
    port: int
    pid: int | None  # our process from this state dir; None when not started from here
    up: bool  # the port answers

    @property
    def external(self) -> bool:
        """Served by a process this state dir did not start (another checkout's stack)."""
        return self.up and self.pid is None


def _services(settings: Settings, only: Sequence[str] | None) -> list[Service]:
    wanted = list(only) if only else list(SERVICE_NAMES)
    unknown = sorted(set(wanted) - set(SERVICE_NAMES))
    if unknown:
        raise StackError(
            f"unknown service(s) {', '.join(unknown)}; known: {', '.join(SERVICE_NAMES)}"
        )
    layout = StackLayout.from_settings(settings)
    return [cls(settings, layout) for cls in SERVICE_CLASSES if cls.name in wanted]


@contextmanager
def _locked(settings: Settings) -> Iterator[StackLayout]:
    """Hold the state dir's lock so two ``up`` calls never start the same broker twice."""
    layout = StackLayout.from_settings(settings)
    layout.state_dir.mkdir(parents=True, exist_ok=True)
    with layout.lock_file.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield layout
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _failure(service: Service, reason: str) -> StackError:
    logs = "\n".join(
        f"--- last lines of {path} ---\n{text}"
        for path in service.log_files()
        if (text := tail(path))
    )
    return StackError(f"{service.name}: {reason}\n{logs}".rstrip())


def _await_ready(service: Service, popen: subprocess.Popen[bytes] | None) -> None:
    """Wait until ``service`` answers; on failure stop what we started and explain why."""
    pid_file = service.layout.pid_file(service.name)

    def ready_or_dead() -> bool:
        if popen is not None and popen.poll() is not None:
            return True
        if popen is None and owned_process(pid_file) is None:
            return True
        return service.is_ready()

    finished = wait_for(ready_or_dead, service.start_timeout_s, interval_s=0.5)
    if finished and service.is_ready():
        return
    if popen is not None and popen.poll() is not None:
        pid_file.unlink(missing_ok=True)
        raise _failure(service, f"exited with code {popen.returncode} while starting")
    stop(pid_file, service.stop_timeout_s)
    state = "did not answer" if finished is False else "died"
    raise _failure(service, f"{state} within {service.start_timeout_s:.0f} s; stopped it")


def up(settings: Settings, only: Sequence[str] | None = None, report: Report = print) -> list[str]:
    """Start every missing service and wait until each answers; return the names started.

    First warns (``report``) about configured ports inside the ephemeral port range."""
    services = _services(settings, only)
    warning = ephemeral_port_warning(settings)
    if warning:
        report(warning)
    started: list[str] = []
    with _locked(settings) as layout:
        pending: list[tuple[Service, subprocess.Popen[bytes] | None]] = []
        for service in services:
            where = f"127.0.0.1:{service.port}"
            proc = owned_process(layout.pid_file(service.name))
            if proc is not None:
                service.check_running()
                if service.is_ready():
                    report(f"{service.name}: already running (pid {proc.pid}, {where})")
                else:
                    report(f"{service.name}: still starting (pid {proc.pid}), waiting")
                    pending.append((service, None))
                continue
            if port_answers(service.port):
                if wait_for(service.is_ready, _EXTERNAL_READY_TIMEOUT_S):
                    report(
                        f"{service.name}: {where} is already served by a process not started "
                        f"from {layout.state_dir}; using it"
                    )
                    continue
                raise StackError(f"{service.name}: port {service.port} is taken by something else")
            argv = service.command()
            report(f"{service.name}: starting on {where}")
            pending.append(
                (
                    service,
                    spawn(
                        argv,
                        layout.log_file(service.name),
                        layout.pid_file(service.name),
                        service.workdir,
                    ),
                )
            )
            started.append(service.name)
        for service, popen in pending:
            _await_ready(service, popen)
            service.after_ready()
            report(f"{service.name}: ready on 127.0.0.1:{service.port}")
    if not started and not pending:
        report("stack: already up, nothing to do")
    return started


def down(
    settings: Settings, only: Sequence[str] | None = None, report: Report = print
) -> list[str]:
    """Stop the services this state dir started (SIGTERM, then SIGKILL); return their names."""
    services = _services(settings, only)
    stopped: list[str] = []
    with _locked(settings) as layout:
        for service in reversed(services):
            pid = stop(layout.pid_file(service.name), service.stop_timeout_s)
            if pid is not None:
                stopped.append(service.name)
                report(f"{service.name}: stopped (pid {pid})")
            elif port_answers(service.port):
                report(
                    f"{service.name}: not started from {layout.state_dir}, but port "
                    f"{service.port} answers; left alone"
                )
            else:
                report(f"{service.name}: not running")
    return stopped


def restart(
    settings: Settings,
    only: Sequence[str],
    pause_s: float = 5.0,
    attempts: int = 3,
    report: Report = print,
) -> None:
    """Stop ``only`` (SIGTERM, then SIGKILL), stay down ``pause_s`` (clients see the service
    gone, not a blip), start it again and wait until it answers; ``up`` is tried up to
    ``attempts`` times (a broker under load can miss its readiness wait), the last
    ``StackError`` raised. It is started again even if the pause is interrupted.

    Only services this state dir started: any other is refused (``StackError``) before
    anything is stopped, since ``down`` would leave it alone and ``up`` find it running."""
    if attempts < 1:
        raise ValueError("attempts must be at least 1")
    foreign = [row.name for row in status(settings, only) if row.pid is None]
    if foreign:
        raise StackError(
            f"{', '.join(foreign)}: not started from {StackLayout.from_settings(settings).state_dir}"
            "; not ours to restart"
        )
    down(settings, only=only, report=report)
    try:
        time.sleep(pause_s)
    finally:
        for attempt in range(1, attempts + 1):  # always bring it back
            try:
                up(settings, only=only, report=report)
                break
            except StackError:
                if attempt == attempts:
                    raise
                report(f"{', '.join(only)}: not back yet (attempt {attempt} of {attempts})")


def status(settings: Settings, only: Sequence[str] | None = None) -> list[ServiceStatus]:
    """Which services answer on their ports, and which of them this state dir started."""
    rows = []
    for service in _services(settings, only):
        proc = owned_process(service.layout.pid_file(service.name))
        rows.append(
            ServiceStatus(
                name=service.name,
                port=service.port,
                pid=proc.pid if proc else None,
                up=port_answers(service.port),
            )
        )
    return rows
