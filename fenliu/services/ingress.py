"""``fenliu run ingress``."""

from __future__ import annotations

import typer


def register(run: typer.Typer) -> None:
    @run.command("ingress")
    def ingress(
        port: int = typer.Option(None, help="override FENLIU_INGRESS_PORT"),
        metrics_port: int = typer.Option(
            None, help="override FENLIU_METRICS_PORT (9111 by convention)"
        ),
    ) -> None:
        """The lifecycle webhook: signed events in, fenliu.lifecycle out (202 after the broker's ack)."""
        from aiohttp import web

        from fenliu.schemas.serde import codec_for
        from fenliu.services import start_service
        from fenliu.sinks.grid.ingress import AckingProducer, Ingress

        settings = start_service(
            metrics_port, secrets=["webhook_hmac_secret"]
        ).settings  # aiohttp handles the signals
        service = Ingress(
            settings, codec_for(settings.topics.schema_registry_url), AckingProducer(settings)
        )
        web.run_app(
            service.app(),
            host=settings.ingress.host,
            port=settings.ingress.port if port is None else port,
            print=None,
        )
