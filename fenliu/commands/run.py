"""``fenliu run <service>``: the long-running services of the pipeline."""

from __future__ import annotations

import logging

import typer


def _logging() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")


def register(app: typer.Typer) -> None:
    """Add ``fenliu run router`` (and the other services as they are built)."""
    run = typer.Typer(help="Run one of the pipeline's services.", no_args_is_help=True)

    @run.command("router")
    def router(
        metrics_port: int = typer.Option(None, help="override FENLIU_METRICS_PORT"),
    ) -> None:
        """The stateless router: raw 110/12345 topics in, decisions out. Scale by adding replicas."""
        import threading

        import redis

        from fenliu.metrics import serve_metrics
        from fenliu.refdata.decider import build_decider
        from fenliu.schemas.serde import codec_for
        from fenliu.settings import get_settings
        from fenliu.sinks.team_directory import TeamDirectory
        from fenliu.streams.router import Router, install_signal_handlers

        _logging()
        settings = get_settings()
        serve_metrics(settings.metrics_port if metrics_port is None else metrics_port)
        timeout_s = settings.redis_timeout_ms / 1000
        client = redis.Redis.from_url(
            settings.redis_url, socket_timeout=timeout_s, socket_connect_timeout=timeout_s
        )
        service = Router(settings, build_decider(settings), codec_for(settings.schema_registry_url),
                         TeamDirectory(client, timeout_s=timeout_s))
        stop = threading.Event()
        install_signal_handlers(stop)
        service.run(stop)

    app.add_typer(run, name="run")
