"""``fenliu config``: every setting, its environment variable, default and meaning."""

from __future__ import annotations

from pathlib import Path

import typer


def settings_table() -> list[tuple[str, str, str]]:
    """(environment variable, default, description) for every field of ``Settings``."""
    from fenliu.data import shipped
    from fenliu.settings import Settings

    data_dir = shipped("")
    rows = []
    for name, field in Settings.model_fields.items():
        default = field.get_default(call_default_factory=True)
        if isinstance(default, Path) and default.is_absolute() and default.is_relative_to(data_dir):
            default = f"(shipped) {default.relative_to(data_dir)}"  # the same in every install
        shown = "" if default is None else str(default.get_secret_value() if hasattr(default, "get_secret_value") else default)
        rows.append((f"FENLIU_{name.upper()}", shown, field.description or ""))
    return rows


def markdown_table() -> str:
    """The README's settings table."""
    lines = ["| variable | default | meaning |", "|---|---|---|"]
    for var, default, doc in settings_table():
        lines.append(f"| `{var}` | `{default}` | {doc} |" if default else f"| `{var}` | | {doc} |")
    return "\n".join(lines) + "\n"


def update_readme(path: Path) -> None:
    """Replace the table between the README's settings-table markers."""
    start, end = "<!-- settings-table:start -->\n", "<!-- settings-table:end -->"
    text = path.read_text(encoding="utf-8")
    head, rest = text.split(start, 1)
    _, tail = rest.split(end, 1)
    path.write_text(head + start + markdown_table() + end + tail, encoding="utf-8")


def register(app: typer.Typer) -> None:
    @app.command("config")
    def config(
        markdown: bool = typer.Option(False, "--markdown", help="print the README's table"),
        readme: Path = typer.Option(None, help="rewrite the settings table of this README"),
    ) -> None:
        """List every FENLIU_* setting with its default and what it is for."""
        if readme is not None:
            update_readme(readme)
            return
        rows = settings_table()
        if markdown:
            typer.echo(markdown_table(), nl=False)
            return
        from rich.console import Console
        from rich.table import Table

        table = Table("variable", "default", "meaning")
        for row in rows:
            table.add_row(*row)
        Console().print(table)
