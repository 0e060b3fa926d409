"""What every feature module of the Faust app receives: settings, codec and a clock.

A feature module (each ``install`` listed in ``streams/worker/app.py``'s ``FEATURES``)
exposes ``install(app: faust.App, ctx: StreamsContext) -> None`` and defines its
topics, tables, agents and timers there. The context is the only way in: nothing in a
feature reads the environment or the wall clock directly, so tests can drive time.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from fenliu.schemas.serde import Codec
from fenliu.settings import Settings


@runtime_checkable
class Clock(Protocol):
    """The worker's notion of "now" in epoch milliseconds (timers, dead-letter stamps)."""

    def now_ms(self) -> int: ...


class WallClock:
    """The real clock: what production runs on."""

    def now_ms(self) -> int:
        return time.time_ns() // 1_000_000


@dataclass(frozen=True)
class StreamsContext:
    """Everything a feature needs from outside, built once by ``create_app``."""

    settings: Settings
    codec: Codec
    clock: Clock = field(default_factory=WallClock)

    def topic(self, name: str) -> str:
        """Physical topic name of a catalogue name (adds the deployment's prefix)."""
        return self.settings.topic(name)
