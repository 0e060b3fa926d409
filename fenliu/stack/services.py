"""The stack's services: what each runs, where it keeps data, and how it says it is ready."""

from __future__ import annotations

import shutil
import subprocess
from abc import ABC, abstractmethod
from pathlib import Path
from typing import ClassVar

import httpx
import yaml

from fenliu.settings import Settings
from fenliu.stack.layout import StackError, StackLayout
from fenliu.stack.prometheus_config import render_local_config

LOCALHOST = "127.0.0.1"


def find_binary(*names: str) -> str:
    """The first of ``names`` on PATH (Debian and upstream name some binaries differently)."""
    for name in names:
        path = shutil.which(name)
        if path:
            return path
    raise StackError(f"{' or '.join(names)} not found: run `fenliu stack install`")


class Service(ABC):
    """One process of the stack, listening on one port of 127.0.0.1."""

    name: ClassVar[str]
    start_timeout_s: ClassVar[float] = 30.0
    stop_timeout_s: ClassVar[float] = 10.0

    def __init__(self, settings: Settings, layout: StackLayout) -> None:
        self.settings = settings
        self.layout = layout

    @property
    def workdir(self) -> Path:
        return self.layout.service_dir(self.name)

    @property
    @abstractmethod
    def port(self) -> int:
        """The port that clients use (and that ``status`` probes)."""

    @abstractmethod
    def command(self) -> list[str]:
        """Prepare config and data folders, then return the argv that runs the service."""

    @abstractmethod
    def is_ready(self) -> bool:
        """True once the service answers a real request, not just a TCP connect."""

    def check_running(self) -> None:
        """Raise ``StackError`` when the running process is not what the settings ask for."""

    def after_ready(self) -> None:
        """Once it answers: anything the service needs set up inside it (Kafka: ACLs)."""

    def log_files(self) -> list[Path]:
        """Logs worth showing when the service fails to start, most telling last."""
        return [self.layout.log_file(self.name)]


class _HttpReadyService(Service):
    """Prometheus-style services that report readiness on ``/-/ready``."""

    def is_ready(self) -> bool:
        try:
            response = httpx.get(f"http://{LOCALHOST}:{self.port}/-/ready", timeout=1.0)
        except httpx.HTTPError:
            return False
        return response.status_code == 200


class Redis(Service):
    """Debian's redis-server with our own arguments; the RDB snapshot stays in the state dir."""

    name = "redis"

    @property
    def port(self) -> int:
        return self.settings.stack.redis_port

    def command(self) -> list[str]:
        data_dir = self.workdir / "data"
        data_dir.mkdir(parents=True, exist_ok=True)
        return [
            find_binary("redis-server"),
            "--bind", LOCALHOST,
            "--port", str(self.port),
            "--dir", str(data_dir),
            "--daemonize", "no",
            "--protected-mode", "yes",
            "--logfile", "",
        ]  # fmt: skip

    def is_ready(self) -> bool:
        import redis  # the client is only needed once the stack is in use

        client = redis.Redis(host=LOCALHOST, port=self.port, socket_timeout=1.0)
        try:
            return bool(client.ping())
        except redis.RedisError:
            return False
        finally:
            client.close()


class Alertmanager(_HttpReadyService):
    """Debian's prometheus-alertmanager with deploy/alertmanager/alertmanager.yml as it is."""

    name = "alertmanager"

    @property
    def port(self) -> int:
        return self.settings.stack.alertmanager_port

    def command(self) -> list[str]:
        data_dir = self.workdir / "data"
        data_dir.mkdir(parents=True, exist_ok=True)
        return [
            find_binary("prometheus-alertmanager", "alertmanager"),
            f"--config.file={self.layout.deploy_dir / 'alertmanager' / 'alertmanager.yml'}",
            f"--storage.path={data_dir}",
            f"--web.listen-address={LOCALHOST}:{self.port}",
            "--cluster.listen-address=",
        ]


class Prometheus(_HttpReadyService):
    """Debian's prometheus with deploy/prometheus/prometheus.yml rendered for 127.0.0.1."""

    name = "prometheus"

    @property
    def port(self) -> int:
        return self.settings.stack.prometheus_port

    def command(self) -> list[str]:
        data_dir = self.workdir / "data"
        data_dir.mkdir(parents=True, exist_ok=True)
        config_file = self.workdir / "prometheus.yml"
        config = render_local_config(
            self.layout.deploy_dir / "prometheus" / "prometheus.yml",
            prometheus_port=self.settings.stack.prometheus_port,
            alertmanager_port=self.settings.stack.alertmanager_port,
        )
        config_file.write_text(yaml.safe_dump(config, sort_keys=False, allow_unicode=True))
        check = subprocess.run(
            [find_binary("promtool"), "check", "config", str(config_file)],
            capture_output=True,
            text=True,
            check=False,
        )
        if check.returncode != 0:
            raise StackError(f"promtool rejects {config_file}:\n{check.stdout}{check.stderr}")
        return [
            find_binary("prometheus"),
            f"--config.file={config_file}",
            f"--storage.tsdb.path={data_dir}",
            "--storage.tsdb.retention.time=7d",
            f"--web.listen-address={LOCALHOST}:{self.port}",
            "--web.enable-lifecycle",
        ]
