"""``fenliu config``: every setting, its environment variable, default and meaning."""

from __future__ import annotations

from pathlib import Path

import typer


def settings_table() -> list[tuple[str, str, str, str]]:
    """(environment variable, setting path, default, description) for every setting, by group."""
    from fenliu.data import shipped
    from fenliu.settings import fields

    data_dir = shipped("")
    rows = []
    for group, name, env, field in fields():
        default = field.get_default(call_default_factory=True)
        if isinstance(default, Path) and default.is_absolute() and default.is_relative_to(data_dir):
            default = f"(shipped) {default.relative_to(data_dir)}"  # the same in every install
        shown = (
            ""
            if default is None
            else str(
                default.get_secret_value() if hasattr(default, "get_secret_value") else default
            )
        )
        rows.append((env, f"{group}.{name}", shown, field.description or ""))
    return rows


def markdown_table() -> str:
    """The README's settings table: one row per variable, in groups as ``Settings`` nests them."""
    lines = ["| variable | setting | default | meaning |", "|---|---|---|---|"]
    for var, path, default, doc in settings_table():
        shown = f"`{default}`" if default else ""
        lines.append(f"| `{var}` | `{path}` | {shown} | {doc} |")
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

        table = Table("variable", "setting", "default", "meaning")
        group = ""
        for var, path, default, doc in rows:
            if path.split(".", 1)[0] != group:
                group = path.split(".", 1)[0]
                table.add_section()
            table.add_row(var, path, default, doc)
        Console().print(table)
