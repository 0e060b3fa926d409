"""The reference data shipped with fenliu (``fenliu.data``): taxonomy, jurisdictions, SLA
policy and the traffic generator's material. Settings default to these files; a city
points ``FENLIU_*_FILE`` at its own."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path


def shipped(name: str) -> Path:
    """A file or folder shipped in this package, found through ``importlib.resources`` so
    that an installed wheel finds it as well as a checkout does."""
    return Path(str(files(__name__).joinpath(name)))
