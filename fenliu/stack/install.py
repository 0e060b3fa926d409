"""Install what the stack needs on a fresh Debian machine: apt packages and Kafka's jars."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable, Sequence

from fenliu.settings import Settings
from fenliu.stack.kafka import Kafka
from fenliu.stack.layout import StackError, StackLayout

# Debian package for each binary; a tuple lists names that serve the same purpose.
REQUIRED_BINARIES: dict[tuple[str, ...], str] = {
    ("redis-server",): "redis-server",
    ("prometheus",): "prometheus",
    ("promtool",): "prometheus",
    ("prometheus-alertmanager", "alertmanager"): "prometheus-alertmanager",
    ("amtool",): "prometheus-alertmanager",
    ("java",): "default-jre-headless",
    ("mvn",): "maven",
}

# System services that Debian may start on install and that would hold our ports.
_DEBIAN_SERVICES = (
    "redis-server",
    "prometheus",
    "prometheus-alertmanager",
    "prometheus-node-exporter",
)


def missing_packages() -> list[str]:
    """Debian packages whose binaries are not on PATH, in a stable order."""
    missing = {
        package
        for names, package in REQUIRED_BINARIES.items()
        if not any(shutil.which(name) for name in names)
    }
    return sorted(missing)


def _run(argv: Sequence[str], report: Callable[[str], None]) -> None:
    report("$ " + " ".join(argv))
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    result = subprocess.run(list(argv), env=env, stdin=subprocess.DEVNULL, check=False)
    if result.returncode != 0:
        raise StackError(f"{' '.join(argv)} failed with code {result.returncode}")


def _stop_debian_services(report: Callable[[str], None]) -> None:
    """Stop system instances that a fresh install started: our own take their ports."""
    if not shutil.which("service"):
        return
    for name in _DEBIAN_SERVICES:
        if os.path.exists(f"/etc/init.d/{name}"):
            subprocess.run(
                ["service", name, "stop"],
                capture_output=True,
                stdin=subprocess.DEVNULL,
                check=False,
            )
            report(f"stopped the system's {name} service (if it was running)")


def install(settings: Settings, report: Callable[[str], None] = print) -> list[str]:
    """Install missing apt packages, then resolve Kafka's jars; return the packages installed."""
    packages = missing_packages()
    if packages:
        sudo = [] if os.geteuid() == 0 else ["sudo"]
        _run([*sudo, "apt-get", "update", "-q"], report)
        _run(
            [*sudo, "apt-get", "install", "-y", "-q", "--no-install-recommends", *packages], report
        )
        _stop_debian_services(report)
    else:
        report("apt packages: all present")
    kafka = Kafka(settings, StackLayout.from_settings(settings))
    classpath = kafka.resolve_classpath()
    report(
        f"kafka {settings.stack.kafka_version}: {classpath.count(':') + 1} jars on the classpath"
    )
    return packages
