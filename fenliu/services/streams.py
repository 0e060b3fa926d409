"""``fenliu run streams``."""

from __future__ import annotations

import typer


def register(run: typer.Typer) -> None:
    @run.command("streams")
    def streams(
        metrics_port: int = typer.Option(
            None, help="override FENLIU_METRICS_PORT (9109 by convention)"
        ),
        loglevel: str = typer.Option("info", help="Faust worker log level"),
    ) -> None:
        """The Faust worker: cases and repeat callers, SLA timers, hotspots and rates.

        Scale by starting more workers with the same FENLIU_STREAMS_APP_ID (each its own
        FENLIU_STREAMS_WEB_PORT or FENLIU_STREAMS_INSTANCE_ID); partitions and their
        tables move between them. /health/ on the web port says whether it keeps up."""
        import faust

        from fenliu.services import freeze_start_up_heap, start_service
        from fenliu.streams.worker.app import create_app
        from fenliu.streams.worker.loop import use_event_loop
        from fenliu.streams.worker.topics import ensure_worker_topics

        settings = start_service(metrics_port).settings  # the Faust worker handles the signals
        use_event_loop(settings.streams.event_loop)
        app = create_app(settings)
        ensure_worker_topics(settings, app)  # known at the first assignment (see there)
        worker = faust.Worker(app, loglevel=loglevel)
        freeze_start_up_heap()
        worker.execute_from_commandline()
