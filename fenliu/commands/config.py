"""``fenliu config``: every setting, its environment variable, default and meaning."""

from __future__ import annotations

import typer


def settings_table() -> list[tuple[str, str, str]]:
    """(environment variable, default, description) for every field of ``Settings``."""
    from fenliu.settings import Settings

    rows = []
    for name, field in Settings.model_fields.items():
        default = field.default
        shown = "" if default is None else str(default.get_secret_value() if hasattr(default, "get_secret_value") else default)
        if name.endswith("_file") and shown:
            shown = "data/" + shown.rsplit("/data/", 1)[-1]
        rows.append((f"FENLIU_{name.upper()}", shown, field.description or ""))
    return rows


def register(app: typer.Typer) -> None:
    @app.command("config")
    def config(markdown: bool = typer.Option(False, "--markdown", help="print the README's table")) -> None:
        """List every FENLIU_* setting with its default and what it is for."""
        rows = settings_table()
        if markdown:
            typer.echo("| variable | default | meaning |\n|---|---|---|")
            for var, default, doc in rows:
                typer.echo(f"| `{var}` | `{default}` | {doc} |" if default else f"| `{var}` | | {doc} |")
            return
        from rich.console import Console
        from rich.table import Table

        table = Table("variable", "default", "meaning")
        for row in rows:
            table.add_row(*row)
        Console().print(table)
