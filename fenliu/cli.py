"""The ``fenliu`` console command. Each sub-command lives in ``fenliu/commands/``.

Every commands module exposes ``register(app)``; importing them here keeps start-up
cheap because each module imports its heavy dependencies inside the command body.
"""

from __future__ import annotations

import importlib

import typer

app = typer.Typer(
    name="fenliu",
    help="分流: divert non-police 110/12345 matters and watch every deadline of the loop.",
    no_args_is_help=True,
    add_completion=False,
)

_COMMAND_MODULES = ("stack", "topics", "classify", "run")

for _name in _COMMAND_MODULES:
    importlib.import_module(f"fenliu.commands.{_name}").register(app)


if __name__ == "__main__":  # pragma: no cover
    app()
