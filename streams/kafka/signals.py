"""Graceful stop for the confluent-kafka loops."""

from __future__ import annotations

import signal
import threading


def install_signal_handlers(stop: threading.Event) -> None:
    """SIGTERM and SIGINT finish the current batch, commit, and leave the group."""
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
