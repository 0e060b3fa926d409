"""`fenliu stack install|up|down|status`: the local Kafka, Redis, Prometheus and Alertmanager."""

from __future__ import annotations

import typer

stack_app = typer.Typer(
    help="The local stack on 127.0.0.1 (no Docker): Kafka, Redis, Prometheus, Alertmanager.",
    no_args_is_help=True,
)

_ONLY_HELP = "Comma-separated services (kafka,redis,alertmanager,prometheus); default all."


def _only(value: str | None) -> list[str] | None:
    return [name.strip() for name in value.split(",") if name.strip()] if value else None


def _fail(error: Exception) -> typer.Exit:
    typer.secho(str(error), fg=typer.colors.RED, err=True)
    return typer.Exit(code=1)


@stack_app.command()
def install() -> None:
    """Install missing apt packages (redis-server, prometheus, ...) and resolve Kafka's jars."""
    from fenliu import stack
    from fenliu.settings import get_settings

    try:
        stack.install(get_settings(), report=typer.echo)
    except stack.StackError as error:
        raise _fail(error) from error


@stack_app.command()
def up(
    only: str | None = typer.Option(None, "--only", help=_ONLY_HELP),
    secure: bool = typer.Option(
        False,
        "--secure",
        help="Kafka with SASL/SCRAM (one user per service, passwords in <state>/kafka/secrets) "
        "and ACLs from the topic catalogue (FENLIU_STACK_SECURE)",
    ),
) -> None:
    """Start what is not running and wait until every service answers (a no-op when up)."""
    from fenliu import stack
    from fenliu.settings import get_settings

    settings = get_settings()
    if secure:
        settings = settings.replace(stack={"secure": True})
    try:
        stack.up(settings, only=_only(only), report=typer.echo)
    except stack.StackError as error:
        raise _fail(error) from error


@stack_app.command()
def down(only: str | None = typer.Option(None, "--only", help=_ONLY_HELP)) -> None:
    """Stop the services started from this state dir (SIGTERM, then SIGKILL)."""
    from fenliu import stack
    from fenliu.settings import get_settings

    try:
        stack.down(get_settings(), only=_only(only), report=typer.echo)
    except stack.StackError as error:
        raise _fail(error) from error


@stack_app.command()
def status(only: str | None = typer.Option(None, "--only", help=_ONLY_HELP)) -> None:
    """Show each service's port, PID and whether it answers; exit 1 unless all are up."""
    from rich.console import Console
    from rich.table import Table

    from fenliu import stack
    from fenliu.settings import get_settings

    try:
        rows = stack.status(get_settings(), only=_only(only))
    except stack.StackError as error:
        raise _fail(error) from error
    table = Table("service", "port", "pid", "state", title="fenliu local stack")
    for row in rows:
        state = "[green]up[/]" if row.up else "[red]down[/]"
        pid = str(row.pid) if row.pid else ("external" if row.external else "-")
        table.add_row(row.name, str(row.port), pid, state)
    Console().print(table)
    if not all(row.up for row in rows):
        raise typer.Exit(code=1)


def register(app: typer.Typer) -> None:
    """Add ``fenliu stack ...`` to the top-level app."""
    app.add_typer(stack_app, name="stack")
