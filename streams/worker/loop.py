"""The worker's event loop: uvloop unless the settings ask for the standard library's.

Most of the worker's time outside its own handlers is event-loop work: a task switch, a
future, a socket read or write for every fetch, produce request and timer
(docs/benchmarks.md, "Fifth round"). uvloop does that work in libuv and C; faust and
mode support it as a loop backend (``mode.loop.use``). The choice must be made before
anything creates a loop, so it is the first thing ``fenliu run streams`` does with the
settings.
"""

from __future__ import annotations

import asyncio
from typing import Literal


def use_event_loop(kind: Literal["uvloop", "asyncio"]) -> None:
    """Install ``kind`` as the event-loop policy of this process."""
    if kind == "uvloop":
        import mode.loop

        mode.loop.use("uvloop")
    else:
        asyncio.set_event_loop_policy(None)  # the standard library's default
