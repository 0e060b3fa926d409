"""``fenliu sla``: move SLA time by hand (FENLIU_CLOCK=control|event) and prepare its topic."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import typer


def _epoch_ms(text: str) -> int:
    """Epoch milliseconds, or an ISO-8601 time with its offset (``2026-11-23T12:00+08:00``)."""
    if text.lstrip("-").isdigit():
        return int(text)
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        raise typer.BadParameter("give the time with its offset, e.g. 2026-11-23T12:00+08:00")
    return int(moment.timestamp() * 1000)


def register(app: typer.Typer) -> None:
    """Add ``fenliu sla tick|prepare|migrate-order-state``."""
    sla = typer.Typer(
        help="SLA timers: tick the control clock, create the tick topic.", no_args_is_help=True
    )

    @sla.command("tick")
    def tick(
        at: str = typer.Argument(..., help="epoch ms or ISO-8601 with offset"),
        partition: Annotated[
            list[int] | None, typer.Option(help="only these partitions (default: all)")
        ] = None,
    ) -> None:
        """Write one tick at AT to every partition: the worker fires what is due by then."""
        from fenliu.settings import get_settings
        from fenliu.streams.worker.clock import send_ticks, tick_topic

        settings = get_settings()
        sent = send_ticks(settings, _epoch_ms(at), partition or None)
        typer.echo(f"{sent} tick(s) at {_epoch_ms(at)} to {tick_topic(settings)}")

    @sla.command("prepare")
    def prepare() -> None:
        """Create the tick topic now (the worker does it too when it starts)."""
        from fenliu.settings import get_settings
        from fenliu.streams.worker.clock import ensure_tick_topic, tick_topic

        settings = get_settings()
        created = ensure_tick_topic(settings)
        typer.echo(f"{tick_topic(settings)}: {'created' if created else 'exists'}")

    @sla.command("migrate-order-state")
    def migrate_order_state(
        dry_run: bool = typer.Option(False, "--dry-run", help="only count what would move"),
    ) -> None:
        """Carry open orders from the old sla-orders/rates-orders tables into order-state.

        Once, when upgrading a deployed worker: stop the old worker, run this, start the new
        one (docs/runbook.md). Refuses when order-state already holds records.
        """
        from fenliu.settings import get_settings
        from fenliu.streams.worker.order_state_migration import MigrationRefused, migrate

        try:
            report = migrate(get_settings(), dry_run=dry_run)
        except MigrationRefused as exc:
            typer.echo(f"refused: {exc}", err=True)
            raise typer.Exit(2) from exc
        read = ", ".join(f"{table} {n}" for table, n in report.read.items())
        verb = "written to" if report.written else "would go to"
        typer.echo(f"read {read}; {report.orders} order(s) {verb} {report.target}")

    app.add_typer(sla, name="sla")
