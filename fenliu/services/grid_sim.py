"""``fenliu run grid-sim``."""

from __future__ import annotations

import typer


def register(run: typer.Typer) -> None:
    @run.command("grid-sim")
    def grid_sim(
        port: int = typer.Option(None, help="override FENLIU_GRID_SIM_PORT"),
        metrics_port: int = typer.Option(
            None, help="override FENLIU_METRICS_PORT (9112 by convention)"
        ),
    ) -> None:
        """The reference grid platform: takes orders and plays their lives back via the webhook."""
        from aiohttp import web
        from prometheus_client import REGISTRY

        from fenliu.services import freeze_start_up_heap, start_service
        from fenliu.sinks.grid.webserver import server_tls

        try:
            from fenliu_grid_sim import GridSim, SimConfig
        except ModuleNotFoundError as exc:
            if exc.name != "fenliu_grid_sim":
                raise
            raise SystemExit(
                "grid-sim is not installed: it is the demo's stand-in for the grid platform and "
                "ships apart from the product. Install it with "
                "`pip install -e ./simulators/grid_sim` (in a checkout; `./dev setup` does) "
                "or `pip install fenliu-grid-sim`."
            ) from None

        settings = start_service(
            metrics_port, quiet=["httpx"], secrets=["grid_platform_token", "webhook_hmac_secret"]
        ).settings  # aiohttp: signals
        sim = GridSim(SimConfig.from_settings(settings), registry=REGISTRY)
        # the benchmarks' end-to-end clock stops here: its full collections (82-89 ms in a
        # 100/s minute, docs/benchmarks.md eleventh round) are not the pipeline's
        freeze_start_up_heap()
        web.run_app(
            sim.app(),
            host=settings.grid_sim.host,
            port=settings.grid_sim.port if port is None else port,
            ssl_context=server_tls(settings.grid_sim.tls_cert, settings.grid_sim.tls_key),
            print=None,
        )
