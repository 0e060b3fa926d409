"""Turn the docker-compose Prometheus config into the local stack's, so there is one copy.

In compose every target is ``<service>:<port>``; locally every service listens on
127.0.0.1, Prometheus and Alertmanager on the ports from Settings. Rule globs are
relative to the config file, so they become absolute when the rendered file moves
into the state dir.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

LOCAL_HOST = "127.0.0.1"


def localize_target(target: str, port_overrides: dict[str, int]) -> str:
    """``router:9108`` -> ``127.0.0.1:9108``; hosts in ``port_overrides`` also change port."""
    host, _, port = target.rpartition(":")
    if not host:
        raise ValueError(f"scrape target without a port: {target!r}")
    return f"{LOCAL_HOST}:{port_overrides.get(host, port)}"


def _localize_static_configs(static_configs: list[dict[str, Any]], ports: dict[str, int]) -> None:
    for group in static_configs:
        group["targets"] = [localize_target(t, ports) for t in group.get("targets", [])]


def render_local_config(
    source: Path, *, prometheus_port: int, alertmanager_port: int
) -> dict[str, Any]:
    """The config of ``source`` with 127.0.0.1 targets and absolute rule globs."""
    config: dict[str, Any] = yaml.safe_load(source.read_text()) or {}
    ports = {"prometheus": prometheus_port, "alertmanager": alertmanager_port}
    config["rule_files"] = [
        str(source.parent / pattern) if not Path(pattern).is_absolute() else pattern
        for pattern in config.get("rule_files", [])
    ]
    for scrape in config.get("scrape_configs", []):
        _localize_static_configs(scrape.get("static_configs", []), ports)
    for manager in config.get("alerting", {}).get("alertmanagers", []):
        _localize_static_configs(manager.get("static_configs", []), ports)
    return config
