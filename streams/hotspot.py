"""Placeholder so that `create_app` can install every feature; the agent comes next."""

from __future__ import annotations

import faust

from fenliu.streams.context import StreamsContext


def install(app: faust.App, ctx: StreamsContext) -> None:
    """Nothing yet (work in progress)."""
