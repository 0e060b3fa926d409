"""Warn about configured listening ports the kernel may give to outgoing connections.

Reads ``/proc/sys/net/ipv4/ip_local_port_range`` (and ``ip_local_reserved_ports``); the
decision is ``processors.port_ranges``. A warning, never a refusal: the stack works on such
a port until a restart finds it taken (docs/testing.md, "Private stacks").
"""

from __future__ import annotations

from pathlib import Path

from pydantic_settings import BaseSettings

from fenliu.processors.port_ranges import parse_port_range, parse_reserved_ports, ports_in_range
from fenliu.settings import Settings, env_name

PROC_NET = Path("/proc/sys/net/ipv4")


def listening_ports(settings: Settings) -> dict[str, int]:
    """Every port the settings make something listen on: the stack's and the pipeline's,
    named by their variable (``FENLIU_KAFKA_PORT``)."""
    s = settings
    groups: list[tuple[BaseSettings, str]] = [
        (s.stack, "kafka_port"),
        (s.stack, "kafka_controller_port"),
        (s.stack, "redis_port"),
        (s.stack, "prometheus_port"),
        (s.stack, "alertmanager_port"),
        (s.metrics, "port"),
        (s.streams, "web_port"),
        (s.ingress, "port"),
        (s.grid_sim, "port"),
    ]
    return {env_name(type(group), field): getattr(group, field) for group, field in groups}


def ephemeral_port_warning(settings: Settings, proc_net: Path | None = None) -> str | None:
    """A warning naming each configured port inside the ephemeral range, and why it
    matters; None when there is none, or the machine has no such file (not Linux)."""
    proc_net = PROC_NET if proc_net is None else proc_net
    try:
        port_range = parse_port_range((proc_net / "ip_local_port_range").read_text())
    except OSError:
        return None
    if port_range is None:
        return None
    try:
        reserved = parse_reserved_ports((proc_net / "ip_local_reserved_ports").read_text())
    except OSError:
        reserved = []
    inside = ports_in_range(listening_ports(settings), port_range, reserved)
    if not inside:
        return None
    low, high = port_range
    elsewhere = f"below {low}" + (f" or above {high}" if high < 65535 else "")
    named = ", ".join(f"{name}={port}" for name, port in inside.items())
    return (
        f"warning: listening port(s) {named} lie inside this machine's ephemeral port range {low}-{high} "
        f"({proc_net / 'ip_local_port_range'}): the kernel may give such a port to any "
        f"outgoing connection while its service is down, and the service's restart then "
        f"fails with 'Address already in use' (a restarted broker, the broker-restart fault "
        f"test). Choose ports {elsewhere}, or reserve them in "
        f"net.ipv4.ip_local_reserved_ports. Starting anyway."
    )
