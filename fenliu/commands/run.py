"""``fenliu run <service>``: the long-running services of the pipeline.

``SERVICES`` lists them explicitly (each module in ``fenliu/services/`` exposes
``register(run_app)``); every one starts through ``fenliu.services.start_service``.
"""

from __future__ import annotations

import typer

from fenliu.services import grid_sim, grid_sink, ingress, router, streams

SERVICES = (grid_sim, grid_sink, ingress, router, streams)


def register(app: typer.Typer) -> None:
    """Add ``fenliu run`` with one sub-command per service module."""
    run = typer.Typer(help="Run one of the pipeline's services.", no_args_is_help=True)
    for service in SERVICES:
        service.register(run)
    app.add_typer(run, name="run")
