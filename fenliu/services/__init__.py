"""One module per ``fenliu run <service>`` command: wiring settings to a service's loop."""

from __future__ import annotations

import logging


def configure_logging() -> None:
    """One log format for every service (the on-call room greps them side by side)."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
