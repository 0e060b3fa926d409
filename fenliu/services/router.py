"""``fenliu run router``."""

from __future__ import annotations

import typer


def register(run: typer.Typer) -> None:
    @run.command("router")
    def router(
        metrics_port: int = typer.Option(None, help="override FENLIU_METRICS_PORT"),
    ) -> None:
        """The stateless router: raw 110/12345 topics in, decisions out. Scale by adding replicas."""
        import threading

        from fenliu.metrics import serve_metrics
        from fenliu.refdata.decider import build_decider
        from fenliu.schemas.serde import codec_for
        from fenliu.services import configure_logging
        from fenliu.settings import get_settings
        from fenliu.refdata.team_directory import TeamDirectory
        from fenliu.streams.kafka.signals import install_signal_handlers
        from fenliu.streams.router.service import Router

        configure_logging()
        settings = get_settings()
        serve_metrics(settings.metrics_port if metrics_port is None else metrics_port)
        service = Router(settings, build_decider(settings), codec_for(settings.schema_registry_url),
                         TeamDirectory.from_settings(settings))
        stop = threading.Event()
        install_signal_handlers(stop)
        service.run(stop)
