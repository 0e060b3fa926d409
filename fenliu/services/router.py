"""``fenliu run router``."""

from __future__ import annotations

import typer


def register(run: typer.Typer) -> None:
    @run.command("router")
    def router(
        metrics_port: int = typer.Option(None, help="override FENLIU_METRICS_PORT"),
    ) -> None:
        """The stateless router: raw 110/12345 topics in, decisions out. Scale by adding replicas."""
        from fenliu.refdata.decider import build_decider
        from fenliu.refdata.team_directory import TeamDirectory
        from fenliu.schemas.serde import codec_for
        from fenliu.services import start_service
        from fenliu.streams.kafka.lag import LagReporter
        from fenliu.streams.router.service import Router

        started = start_service(
            metrics_port,
            handle_signals=True,
            secrets=["phone_hmac_key"],
            health_stall_s=lambda s: s.router.health_stall_s,
        )
        settings, health = started.settings, started.health
        assert health is not None
        service = Router(
            settings,
            build_decider(settings),
            codec_for(settings.topics.schema_registry_url),
            TeamDirectory.from_settings(settings),
            heartbeat=health.beat,
        )
        health.owned = lambda: service.owned  # progress judged on this replica's partitions
        lag = LagReporter(
            settings,
            settings.router.group,
            service.source_by_topic,
            settings.metrics.consumer_lag_interval_s,
            on_sample=health.observe,
        ).start()
        try:
            service.run(started.stop)
        finally:
            lag.stop()
