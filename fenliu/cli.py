"""The ``fenliu`` console command. Each sub-command lives in ``fenliu/commands/``.

Every module there exposes ``register(app)`` and is found by name, so adding a command
touches no shared file. Modules import their heavy dependencies inside the command
body, which keeps ``fenliu --help`` fast.
"""

from __future__ import annotations

import importlib
import pkgutil

import typer

import fenliu.commands

app = typer.Typer(
    name="fenliu",
    help="分流: divert non-police 110/12345 matters and watch every deadline of the loop.",
    no_args_is_help=True,
    add_completion=False,
)

for _module in sorted(pkgutil.iter_modules(fenliu.commands.__path__), key=lambda m: m.name):
    importlib.import_module(f"fenliu.commands.{_module.name}").register(app)


if __name__ == "__main__":  # pragma: no cover
    app()
