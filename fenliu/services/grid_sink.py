"""``fenliu run grid-sink``."""

from __future__ import annotations

import typer


def register(run: typer.Typer) -> None:
    @run.command("grid-sink")
    def grid_sink(
        metrics_port: int = typer.Option(
            None, help="override FENLIU_METRICS_PORT (9110 by convention)"
        ),
    ) -> None:
        """Deliver dispatch orders to the grid platform: idempotent, retried, in order per key."""
        import logging
        import threading

        from fenliu.metrics import serve_metrics
        from fenliu.schemas.serde import codec_for
        from fenliu.services import configure_logging
        from fenliu.settings import get_settings
        from fenliu.sinks.grid.client import GridPlatform
        from fenliu.sinks.grid.delivery import GridSinkService
        from fenliu.streams.kafka.signals import install_signal_handlers

        configure_logging()
        logging.getLogger("httpx").setLevel(logging.WARNING)  # not one line per request
        settings = get_settings()
        serve_metrics(settings.metrics_port if metrics_port is None else metrics_port)
        service = GridSinkService(
            settings, GridPlatform.from_settings(settings), codec_for(settings.schema_registry_url)
        )
        stop = threading.Event()
        install_signal_handlers(stop)
        service.run(stop)
