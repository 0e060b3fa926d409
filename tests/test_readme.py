"""The README stays true: its settings table is the code's, its commands exist."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from fenliu.commands.config import settings_table

README = Path(__file__).resolve().parent.parent / "README.md"


def _table_in_readme() -> str:
    text = README.read_text(encoding="utf-8")
    return text.split("<!-- settings-table:start -->\n", 1)[1].split(
        "<!-- settings-table:end -->", 1
    )[0]


def test_readme_settings_table_is_the_codes():
    current = subprocess.run(
        [sys.executable, "-m", "fenliu.cli", "config", "--markdown"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert _table_in_readme() == current, "run: fenliu config --readme README.md"


def test_every_setting_is_described():
    assert [var for var, _, _, doc in settings_table() if not doc.strip()] == []


def test_commands_the_readme_names_exist():
    help_text = subprocess.run(
        [sys.executable, "-m", "fenliu.cli", "--help"], capture_output=True, text=True, check=True
    ).stdout
    run_help = subprocess.run(
        [sys.executable, "-m", "fenliu.cli", "run", "--help"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    named = set(re.findall(r"`fenliu ([a-z-]+)", README.read_text(encoding="utf-8")))
    for name in named - {"run"}:
        assert re.search(rf"│ {name}\s", help_text), (
            f"README names `fenliu {name}`, which does not exist"
        )
    for service in re.findall(r"`fenliu run ([a-z-]+)`", README.read_text(encoding="utf-8")):
        assert re.search(rf"│ {service}\s", run_help), f"README names `fenliu run {service}`"
