"""SLA windows and escalation (issue 4 b); the agent lands in the next commits.

Kept importable from the start so that ``create_app`` can install every feature.
"""

from __future__ import annotations

import faust

from fenliu.streams.context import StreamsContext


def install(app: faust.App, ctx: StreamsContext) -> None:
    """Nothing yet (work in progress): the SLA agent comes with processors/sla_timer.py."""
