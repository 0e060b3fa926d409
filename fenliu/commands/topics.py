"""``fenliu topics``: the topic catalogue and the broker."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add ``fenliu topics list|apply|acls``."""
    topics = typer.Typer(
        help="The topic catalogue: list it, apply it to the broker.", no_args_is_help=True
    )

    @topics.command("list")
    def list_topics() -> None:
        """Print the catalogue: name, key, value schema, retention, purpose."""
        from rich.console import Console
        from rich.table import Table

        from fenliu.settings import get_settings
        from fenliu.topics.catalogue import default_catalogue

        settings = get_settings()
        table = Table("topic", "key", "value", "retention ms", "purpose")
        for spec in default_catalogue().topics:
            table.add_row(
                settings.topic(spec.name),
                spec.key,
                spec.value,
                str(spec.retention_ms),
                spec.purpose,
            )
        Console().print(table)

    @topics.command("apply")
    def apply(
        fix: bool = typer.Option(
            False, "--fix", help="raise partitions and alter configs that drifted"
        ),
    ) -> None:
        """Create missing topics and verify existing ones; exit 1 on unfixed drift."""
        from rich.console import Console
        from rich.table import Table

        from fenliu.settings import get_settings
        from fenliu.topics.admin import apply_topics

        reports = apply_topics(get_settings(), fix=fix)
        table = Table("topic", "action", "detail")
        colours = {"created": "green", "ok": "dim", "drift": "red", "fixed": "yellow"}
        for r in reports:
            table.add_row(r.topic, f"[{colours[r.action]}]{r.action}[/]", r.detail)
        Console().print(table)
        if any(r.action == "drift" for r in reports):
            raise typer.Exit(1)

    @topics.command("acls")
    def acls(
        apply_: bool = typer.Option(
            False, "--apply", help="create them on the broker (as a super user)"
        ),
    ) -> None:
        """The ACLs each service principal needs (from the catalogue's readers and writers)."""
        from rich.console import Console
        from rich.table import Table

        from fenliu.settings import get_settings
        from fenliu.topics.acls import apply_grants, grants

        settings = get_settings()
        wanted = grants(settings)
        table = Table("principal", "resource", "name", "pattern", "operation")
        for g in wanted:
            table.add_row(f"User:{g.principal}", g.resource, g.name, g.pattern, g.operation)
        Console().print(table)
        if apply_:
            typer.echo(f"{apply_grants(settings, wanted)} ACLs in place")

    app.add_typer(topics, name="topics")
