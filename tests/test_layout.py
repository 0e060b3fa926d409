"""The explicit registries: every command and service module is listed, and grid-sim,
which ships apart from the product, says what to install when it is missing."""

from __future__ import annotations

import pkgutil
import sys

import pytest
from typer.testing import CliRunner

import fenliu.commands
import fenliu.services
from fenliu.cli import COMMANDS, app
from fenliu.commands.run import SERVICES


def test_every_command_and_service_module_is_listed() -> None:
    commands = {m.name for m in pkgutil.iter_modules(fenliu.commands.__path__)}
    services = {m.name for m in pkgutil.iter_modules(fenliu.services.__path__)}
    assert {m.__name__.rsplit(".", 1)[1] for m in COMMANDS} == commands
    assert {m.__name__.rsplit(".", 1)[1] for m in SERVICES} == services


def test_the_worker_installs_every_feature_module() -> None:
    from fenliu.streams.worker.app import FEATURES

    assert [f.__module__.rsplit(".", 1)[1] for f in FEATURES] == [
        "cases",
        "hotspot",
        "sla",
        "rates",
        "suggestions",
    ]


def test_grid_sim_missing_names_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "fenliu_grid_sim", None)  # as if not installed
    result = CliRunner().invoke(app, ["run", "grid-sim", "--metrics-port", "0"])
    assert result.exit_code != 0
    assert "pip install -e ./simulators/grid_sim" in str(result.exception) + result.output


def test_the_router_does_not_load_faust() -> None:
    import subprocess

    code = "import sys, fenliu.streams.router.service; print('faust' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
