"""``fenliu run <service>``: the long-running services of the pipeline.

Each service is a module in ``fenliu/services/`` exposing ``register(run_app)``; they
are found by name, so adding a service touches no shared file.
"""

from __future__ import annotations

import importlib
import pkgutil

import typer

import fenliu.services


def register(app: typer.Typer) -> None:
    """Add ``fenliu run`` with one sub-command per service module."""
    run = typer.Typer(help="Run one of the pipeline's services.", no_args_is_help=True)
    for module in sorted(pkgutil.iter_modules(fenliu.services.__path__), key=lambda m: m.name):
        importlib.import_module(f"fenliu.services.{module.name}").register(run)
    app.add_typer(run, name="run")
