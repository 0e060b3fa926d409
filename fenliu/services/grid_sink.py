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
        from fenliu.schemas.serde import codec_for
        from fenliu.services import freeze_start_up_heap, start_service
        from fenliu.sinks.grid.client import GridPlatform
        from fenliu.sinks.grid.delivery import GridSinkService
        from fenliu.streams.kafka.lag import LagReporter

        started = start_service(
            metrics_port,
            handle_signals=True,
            quiet=["httpx"],
            secrets=["grid_platform_token"],
            health_stall_s=lambda s: s.grid.sink_health_stall_s,
        )
        settings, health = started.settings, started.health
        assert health is not None
        service = GridSinkService(
            settings,
            GridPlatform.from_settings(settings),
            codec_for(settings.topics.schema_registry_url),
            heartbeat=health.beat,
        )
        health.owned = lambda: service.owned  # progress judged on this replica's partitions
        lag = LagReporter(
            settings,
            settings.grid.sink_group,
            [service.orders_topic],
            settings.metrics.consumer_lag_interval_s,
            on_sample=health.observe,
        ).start()
        freeze_start_up_heap()
        try:
            service.run(started.stop)
        finally:
            lag.stop()
