"""One module per ``fenliu run <service>`` command: wiring settings to a service's loop.

Every service starts the same way, through ``start_service``: one log format, the
settings read once, the metrics endpoint, and (for the confluent-kafka loops) SIGTERM
and SIGINT turned into a stop event. ``fenliu.commands.run.SERVICES`` lists the modules.
"""

from __future__ import annotations

import faulthandler
import gc
import io
import logging
import signal
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from fenliu.settings import Settings

if TYPE_CHECKING:
    from fenliu.streams.kafka.health import ServiceHealth


def configure_logging() -> None:
    """One log format for every service (the on-call room greps them side by side)."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")


def freeze_start_up_heap() -> None:
    """Move everything start-up built out of the collector's generations (``gc.freeze``).

    Modules, reference data and the app's wiring live as long as the process; left in the
    oldest generation, every full collection rescans them. Measured over a minute at 100
    calls/s: the worker's full collections 52-200 ms before, 12-104 ms after; the grid sink's
    28-52 ms before, none after start-up (docs/benchmarks.md, tenth round); each one stalls
    every record the service holds. Objects made afterwards (cases, orders, buffers) are
    collected as before. The router does the same in its loop, and the reference grid
    platform (``fenliu run grid-sim``) before it serves.
    """
    gc.freeze()


@dataclass(frozen=True)
class Started:
    """What a service needs after start-up: its settings and the event that stops it."""

    settings: Settings
    stop: threading.Event = field(default_factory=threading.Event)
    health: ServiceHealth | None = None


def start_service(
    metrics_port: int | None,
    *,
    handle_signals: bool = False,
    quiet: Sequence[str] = (),
    secrets: Sequence[str] = (),
    health_stall_s: Callable[[Settings], float] | None = None,
) -> Started:
    """Logging, settings, ``/metrics`` and (``handle_signals``) SIGTERM/SIGINT → ``stop``.

    ``secrets`` names the settings the service uses as secrets: outside development it
    exits, naming the variables to set, when one still holds its published default.

    ``metrics_port`` None means ``FENLIU_METRICS_PORT``; 0 serves no metrics. ``quiet``
    names loggers that log one line per request (httpx) and are turned down to warnings.
    ``health_stall_s`` (the confluent-kafka loops) adds ``GET /health`` on the metrics port
    (``streams/kafka/health.py``), red after that many seconds without progress.
    Services whose server loop handles signals itself (aiohttp, Faust) leave them alone.
    The confluent-kafka loops also dump every thread's stack to their log on SIGUSR1.
    """
    from fenliu.metrics import serve_metrics
    from fenliu.settings import DefaultSecretError, get_settings, refuse_default_secrets

    configure_logging()
    for name in quiet:
        logging.getLogger(name).setLevel(logging.WARNING)
    settings = get_settings()
    try:
        refuse_default_secrets(settings, secrets)
    except DefaultSecretError as error:
        raise SystemExit(str(error)) from None
    health = None
    if health_stall_s is not None:
        from fenliu.streams.kafka.health import ServiceHealth

        health = ServiceHealth(health_stall_s(settings))
    serve_metrics(settings.metrics.port if metrics_port is None else metrics_port, health=health)
    started = Started(settings, health=health)
    if handle_signals:
        from fenliu.streams.kafka.signals import install_signal_handlers

        install_signal_handlers(started.stop)
        # `kill -USR1 <pid>`: every thread's stack to the service's log, for a loop that
        # hangs without a word (Faust's worker does the same on SIGUSR1 by itself).
        try:
            faulthandler.register(signal.SIGUSR1, all_threads=True)
        except (AttributeError, ValueError, io.UnsupportedOperation):  # stderr is no file
            pass  # (a command run in-process by a test's CliRunner): no dumps, nothing else
    return started
