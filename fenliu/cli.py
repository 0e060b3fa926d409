"""The ``fenliu`` console command. Each sub-command lives in ``fenliu/commands/``.

``COMMANDS`` lists them explicitly, so a reader (or mypy) can follow every command from
here; adding one is a module with ``register(app)`` and a line below. The modules import
their heavy dependencies inside the command body, which keeps ``fenliu --help`` fast.
"""

from __future__ import annotations

import typer

from fenliu.commands import (
    audit,
    classify,
    config,
    demo,
    generate,
    replay,
    run,
    sla,
    stack,
    topics,
    train,
    verdicts,
)

COMMANDS = (
    audit,
    classify,
    config,
    demo,
    generate,
    replay,
    run,
    sla,
    stack,
    topics,
    train,
    verdicts,
)

app = typer.Typer(
    name="fenliu",
    help="分流: divert non-police 110/12345 matters and watch every deadline of the loop.",
    no_args_is_help=True,
    add_completion=False,
)

for _command in COMMANDS:
    _command.register(app)


if __name__ == "__main__":  # pragma: no cover
    app()
