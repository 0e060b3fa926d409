"""The counters behind the six rates (docs/rates.md); the agent lands in the next commit.

Kept importable from the start so that ``create_app`` can install every feature.
"""

from __future__ import annotations

import faust

from fenliu.streams.context import StreamsContext


def install(app: faust.App, ctx: StreamsContext) -> None:
    """Nothing yet (work in progress): the rates agent comes with processors/rates.py."""
