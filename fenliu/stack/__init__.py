"""The local stack: Kafka, Redis, Prometheus and Alertmanager on 127.0.0.1, no Docker.

Everything a developer or CI needs to run the real pipeline and its tests on one
machine. Data, logs and PID files live under ``Settings.stack.state_dir``; the
configuration comes from ``deploy/``, the same files docker-compose uses.
"""

from __future__ import annotations

from fenliu.stack.install import install
from fenliu.stack.layout import StackError, StackLayout
from fenliu.stack.manager import SERVICE_NAMES, ServiceStatus, down, restart, status, up

__all__ = [
    "SERVICE_NAMES",
    "ServiceStatus",
    "StackError",
    "StackLayout",
    "down",
    "install",
    "restart",
    "status",
    "up",
]
