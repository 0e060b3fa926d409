"""A circuit breaker that makes callers wait, not fail, while an outside system is down.

Why not pybreaker: it holds its lock for the whole guarded call, so every request of
every worker thread would run one at a time; purgatory and aiobreaker are asyncio-only.
And a sink wants other semantics: while the breaker is open no request is sent and
the caller *waits* (its order is not lost and not charged an attempt); after
``reset_s`` one waiter probes the system with a cheap health call, and only a probe
that succeeds closes the breaker. Orders are never used as trial calls, so a single
poison order cannot keep the breaker open for everyone.
"""

from __future__ import annotations

import enum
import logging
import threading
import time
from collections.abc import Callable

log = logging.getLogger("fenliu.circuit")


class State(enum.StrEnum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"  # one probe running


class CircuitBreaker:
    """Consecutive-failure breaker, thread-safe, with an injectable monotonic clock."""

    def __init__(
        self,
        failure_threshold: int,
        reset_s: float,
        *,
        name: str = "breaker",
        clock: Callable[[], float] = time.monotonic,
        on_change: Callable[[State], None] | None = None,
    ) -> None:
        if failure_threshold < 1 or reset_s <= 0:
            raise ValueError("failure_threshold must be >= 1 and reset_s > 0")
        self.failure_threshold = failure_threshold
        self.reset_s = reset_s
        self.name = name
        self._clock = clock
        self._on_change = on_change
        self._cond = threading.Condition()
        self._state = State.CLOSED
        self._failures = 0
        self._opened_at = 0.0

    @property
    def state(self) -> State:
        with self._cond:
            return self._state

    def record_success(self) -> None:
        """A request was answered: the system is up, the failure run is over."""
        with self._cond:
            self._failures = 0

    def record_failure(self) -> None:
        """A request failed for a reason that may be the system's (timeout, 5xx, refused)."""
        with self._cond:
            if self._state is not State.CLOSED:
                return  # late answers of requests sent before it opened change nothing
            self._failures += 1
            if self._failures >= self.failure_threshold:
                self._set(State.OPEN)

    def open_until(self) -> float | None:
        """Clock reading at which an open breaker may probe; None when closed."""
        with self._cond:
            return None if self._state is State.CLOSED else self._opened_at + self.reset_s

    def wait_until_closed(
        self, probe: Callable[[], None], cancelled: Callable[[], bool], tick_s: float = 0.05
    ) -> bool:
        """Block until requests may be sent; False if ``cancelled`` turned true first.

        While open, waiters sleep; once ``reset_s`` has passed one of them runs ``probe``
        (it raises when the system is still down) and the others keep waiting for its result.
        """
        while True:
            with self._cond:
                if self._state is State.CLOSED:
                    return True
                if cancelled():
                    return False
                due = self._state is State.OPEN and self._clock() >= self._opened_at + self.reset_s
                if not due:
                    self._cond.wait(tick_s)
                    continue
                self._set(State.HALF_OPEN)
            self._probe(probe)

    def _probe(self, probe: Callable[[], None]) -> None:
        try:
            probe()
        except Exception as exc:  # still down: wait another reset period
            log.info("%s probe failed: %s", self.name, exc)
            with self._cond:
                self._set(State.OPEN)
            return
        with self._cond:
            self._failures = 0
            self._set(State.CLOSED)

    def _set(self, state: State) -> None:
        """Change state (lock held) and tell waiters and the listener."""
        if state is State.OPEN:
            self._opened_at = self._clock()
        if state is not self._state:
            log.warning("%s %s -> %s", self.name, self._state, state)
            self._state = state
            if self._on_change is not None:
                self._on_change(state)
        self._cond.notify_all()
