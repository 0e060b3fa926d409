"""The consumer hands a fetched record to its stream without four tasks per record.

faust's ``Consumer._drain_messages`` (faust/transport/consumer.py, 0.15.3 lines 1220-1222)
delivers every fetched record with::

    await self.wait_first(callback(message), self.suspend_flow.wait())

so that a delivery blocked on a full queue or a paused flow gives way when the flow is
suspended for a rebalance. mode's ``Service.wait_first`` wraps each argument, and the
service's ``stopped`` and ``crashed`` events, in a task, waits for the first, and cancels
the other three: four tasks made and three cancelled per record, and at least two turns of
the event loop. Almost every delivery finishes without waiting (the callback decodes
nothing for raw topics and puts the event in a queue with room): draining a backlog,
``wait_first`` and the task running the callback were ~11% of the worker's CPU
(docs/benchmarks.md, twelfth round).

``EagerWaitFirst.wait_first`` first runs the first coroutine one step in the caller's task.
If it finishes there, its result is the winner, as it would have been, and nothing else is
made. If it waits, the rest of it runs in a task (:func:`carry_on`, which does what an
asyncio ``Task`` does for a coroutine) and mode's ``wait_first`` takes over with that task:
a blocked delivery still gives way to a suspended flow, a stop or a crash, and is cancelled
as before. When the service is already stopping, mode's path is taken from the start.

What differs: a delivery that finishes at once runs in the draining task's context instead
of a new task's (nothing on that path reads ``asyncio.current_task`` or context variables),
and the loop gets a turn every 100 records (faust's own ``yield_every``) instead of every
record. A delivery that waited and whose task is cancelled before the task first runs (the
draining task itself cancelled in the same turn of the loop, at shutdown) is closed when it
is collected instead of receiving the cancellation; nothing after it is delivered either way.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Coroutine
from typing import Any, TypeVar

from mode.services import WaitResults

T = TypeVar("T")


async def carry_on(coro: Coroutine[Any, Any, T], waiting_on: Any) -> T:
    """Run ``coro`` on from where it suspended on ``waiting_on``, as its own task would.

    ``waiting_on`` is what the coroutine yielded: the future it awaits, or ``None`` for a
    bare yield (``asyncio.sleep(0)``). A failed or cancelled future is read by the
    coroutine itself when it resumes; a cancellation of this task while the future is not
    cancelled with it is thrown into the coroutine.
    """
    while True:
        error: BaseException | None = None
        try:
            if waiting_on is None:
                await asyncio.sleep(0)
            else:
                # What a Task does with a future its coroutine yields: without it, awaiting
                # the future again raises "await wasn't used with future".
                waiting_on._asyncio_future_blocking = False
                await waiting_on
        except asyncio.CancelledError as exc:
            if waiting_on is None or not waiting_on.cancelled():
                error = exc
        except BaseException:  # noqa: BLE001, S110 - the coroutine reads it from the future
            pass
        try:
            waiting_on = coro.send(None) if error is None else coro.throw(error)
        except StopIteration as stop:
            return stop.value


class EagerWaitFirst:
    """A mode ``Service`` mixin whose ``wait_first`` finishes without tasks when it can."""

    _stopped: Any
    _crashed: Any

    async def wait_first(self, *coros: Any, timeout: Any = None) -> WaitResults:
        first = coros[0] if coros else None
        if not inspect.iscoroutine(first) or self._stopped.is_set() or self._crashed.is_set():
            return await super().wait_first(*coros, timeout=timeout)  # type: ignore[misc]
        try:
            waiting_on = first.send(None)
        except BaseException as exc:  # finished (StopIteration) or failed: the others never run
            for other in coros[1:]:
                if inspect.iscoroutine(other):
                    other.close()
            if isinstance(exc, StopIteration):
                return WaitResults([first], [exc.value], False)
            raise
        rest = asyncio.ensure_future(carry_on(first, waiting_on))
        return await super().wait_first(rest, *coros[1:], timeout=timeout)  # type: ignore[misc]
