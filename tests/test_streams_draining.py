"""The consumer's delivery of a fetched record (streams/worker/draining.py): one that
finishes at once is not wrapped in tasks; one that waits behaves as under mode's
``wait_first``: it finishes, fails, or gives way to the flow being suspended."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import mode
import pytest

from fenliu.streams.worker.draining import EagerWaitFirst, carry_on
from fenliu.streams.worker.recovery import SnapshotFetchConsumer

T = TypeVar("T")


class _Service(EagerWaitFirst, mode.Service):
    """A bare mode service with the eager ``wait_first``."""


def _run(body: Callable[[_Service], Awaitable[T]]) -> T:
    async def main() -> T:
        return await body(_Service())

    return asyncio.run(main())


def test_the_worker_consumer_delivers_eagerly() -> None:
    assert issubclass(SnapshotFetchConsumer, EagerWaitFirst)


def test_a_delivery_that_finishes_at_once_makes_no_task_and_closes_the_flow_wait() -> None:
    made: list[Any] = []

    async def deliver() -> str:
        return "delivered"

    async def body(service: _Service) -> Any:
        loop = asyncio.get_running_loop()
        factory = loop.get_task_factory()
        loop.set_task_factory(lambda lp, coro: made.append(coro) or asyncio.Task(coro, loop=lp))
        suspended = asyncio.Event()
        flow_wait = suspended.wait()
        try:
            return await service.wait_first(deliver(), flow_wait), flow_wait
        finally:
            loop.set_task_factory(factory)

    results, flow_wait = _run(body)
    assert results.results == ["delivered"] and not results.stopped
    assert made == []
    assert inspect.getcoroutinestate(flow_wait) == inspect.CORO_CLOSED


def test_a_delivery_that_waits_for_room_finishes_in_a_task() -> None:
    async def body(service: _Service) -> Any:
        room: asyncio.Queue[int] = asyncio.Queue(maxsize=1)
        room.put_nowait(0)  # full: the delivery waits

        async def deliver() -> str:
            await room.put(1)
            return "delivered after a wait"

        async def make_room() -> None:
            await asyncio.sleep(0.01)
            room.get_nowait()

        asyncio.get_running_loop().create_task(make_room())
        results = await service.wait_first(deliver(), asyncio.Event().wait())
        return results.results, list(room._queue)  # type: ignore[attr-defined]

    results, queued = _run(body)
    assert results == ["delivered after a wait"]
    assert queued == [1]


def test_a_waiting_delivery_gives_way_to_a_suspended_flow_and_is_cancelled() -> None:
    seen: list[str] = []

    async def body(service: _Service) -> Any:
        never: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        suspended = asyncio.Event()

        async def deliver() -> None:
            try:
                await never
            except asyncio.CancelledError:
                seen.append("cancelled")
                raise

        async def suspend() -> None:
            await asyncio.sleep(0.01)
            suspended.set()

        asyncio.get_running_loop().create_task(suspend())
        results = await service.wait_first(deliver(), suspended)
        await asyncio.sleep(0)  # the cancellation reaches the delivery
        return results.done, suspended, never.cancelled()

    winners, suspended, future_cancelled = _run(body)
    assert winners == [suspended]
    assert seen == ["cancelled"]
    assert future_cancelled


@pytest.mark.parametrize("at_once", [True, False])
def test_a_failing_delivery_raises_from_wait_first(at_once: bool) -> None:
    async def body(service: _Service) -> None:
        async def deliver() -> None:
            if not at_once:
                await asyncio.sleep(0)
            raise ValueError("bad record")

        await service.wait_first(deliver(), asyncio.Event().wait())

    with pytest.raises(ValueError, match="bad record"):
        _run(body)


def test_carry_on_hands_a_failed_future_to_the_coroutine_that_awaited_it() -> None:
    async def body(_: _Service) -> str:
        failing: asyncio.Future[None] = asyncio.get_running_loop().create_future()

        async def reader() -> str:
            try:
                await failing
            except KeyError:
                return "read the failure"
            return "no failure"

        coro = reader()
        waiting_on = coro.send(None)
        task = asyncio.ensure_future(carry_on(coro, waiting_on))
        failing.set_exception(KeyError("gone"))
        return await task

    assert _run(body) == "read the failure"


def test_a_stopped_service_takes_modes_path() -> None:
    async def body(service: _Service) -> Any:
        async def deliver() -> str:
            return "delivered"

        service._stopped.set()
        return await service.wait_first(deliver(), asyncio.Event().wait())

    results = _run(body)
    assert results.stopped and results.results == []
