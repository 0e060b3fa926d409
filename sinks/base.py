"""What every sink to an outside system shares: one delivery contract, retries, commit-after-ack.

In the spirit of quix-streams' ``sinks/base/sink.py``: a concrete sink only says how
to send one item and how to ask the outside system whether it is up. Everything that
makes delivery safe lives here once:

* ``Deliverer``: retries with exponential backoff and full jitter (tenacity) on
  transient failures, a ``CircuitBreaker`` that makes items *wait* while the system
  is down, and the error of every attempt kept for the dead-letter record;
* ``OffsetTracker``: offsets are committed only up to the first item not yet
  acknowledged, so a crash re-sends (idempotently) rather than loses.
"""

from __future__ import annotations

import abc
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Generic, TypeVar

from confluent_kafka import TopicPartition
from prometheus_client import Counter, Gauge, Histogram
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
    wait_random_exponential,
)

from fenliu.sinks.circuit import CircuitBreaker, State

T = TypeVar("T")

REQUESTS = Counter(
    "fenliu_sink_requests_total", "Requests a sink sent, by result", ["sink", "result"]
)
DELIVERIES = Counter(
    "fenliu_sink_deliveries_total", "Items finished, by outcome", ["sink", "outcome"]
)
REQUEST_SECONDS = Histogram(
    "fenliu_sink_request_seconds",
    "Time of one request to the outside system",
    ["sink"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
BREAKER_STATE = Gauge(
    "fenliu_sink_breaker_state",
    "Circuit breaker: 0 closed, 1 open, 2 half-open (probing)",
    ["sink"],
)
_STATE_VALUE = {State.CLOSED: 0, State.OPEN: 1, State.HALF_OPEN: 2}


class TransientError(Exception):
    """A failure worth retrying: timeout, refused connection, 5xx, 429, auth not (yet) valid."""

    def __init__(self, message: str, retry_after_s: float | None = None) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class PermanentError(Exception):
    """The outside system understood the item and refused it: retrying cannot help."""


class Cancelled(Exception):
    """The service is stopping or lost the partition: leave the item uncommitted."""


@dataclass(frozen=True)
class Ack:
    """The outside system has the item. ``outcome``: created, replayed or duplicate."""

    status: int
    outcome: str


@dataclass(frozen=True)
class Outcome:
    """How delivering one item ended: acknowledged, or a dead letter with every attempt's error."""

    ack: Ack | None
    attempts: tuple[str, ...]
    reason: str | None = None  # DELIVERY_FAILED (attempts used up) or REJECTED (permanent)

    @property
    def delivered(self) -> bool:
        return self.ack is not None


class Sink(abc.ABC, Generic[T]):
    """One outside system. ``send`` makes exactly one request; the ``Deliverer`` retries."""

    name: str = "sink"

    @abc.abstractmethod
    def send(self, item: T) -> Ack:
        """Deliver ``item`` once; raise ``TransientError`` or ``PermanentError`` when it fails."""

    @abc.abstractmethod
    def probe(self) -> None:
        """A cheap request that raises unless the system can take items (the breaker's probe)."""

    def close(self) -> None:
        """Release connections."""


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently one item is tried."""

    max_attempts: int
    backoff_initial_s: float
    backoff_max_s: float


class Deliverer(Generic[T]):
    """Sends items through a sink with retries, backoff with jitter, and a circuit breaker.

    Only requests actually sent count as attempts: while the breaker is open an item
    waits without using up its budget, so an outage delays orders but never
    dead-letters them (provided ``max_attempts`` exceeds the breaker's threshold).
    """

    def __init__(self, sink: Sink[T], policy: RetryPolicy, breaker: CircuitBreaker) -> None:
        self.sink = sink
        self.policy = policy
        self.breaker = breaker
        self._jitter = wait_random_exponential(
            multiplier=policy.backoff_initial_s, max=policy.backoff_max_s
        )
        BREAKER_STATE.labels(sink.name).set(_STATE_VALUE[breaker.state])

    @staticmethod
    def breaker_for(sink_name: str, failures: int, reset_s: float) -> CircuitBreaker:
        """A breaker whose state is exported as ``fenliu_sink_breaker_state``."""
        gauge = BREAKER_STATE.labels(sink_name)
        return CircuitBreaker(
            failures,
            reset_s,
            name=f"{sink_name} breaker",
            on_change=lambda state: gauge.set(_STATE_VALUE[state]),
        )

    def deliver(self, item: T, cancelled: Callable[[], bool]) -> Outcome:
        """Deliver one item; raises ``Cancelled`` (item not acknowledged) if told to stop."""
        attempts: list[str] = []
        retrying = Retrying(
            stop=stop_after_attempt(self.policy.max_attempts),
            wait=self._wait,
            retry=retry_if_exception_type(TransientError),
            sleep=lambda seconds: _sleep_unless(cancelled, seconds),
            reraise=True,
        )
        try:
            ack = retrying(self._attempt, item, attempts, cancelled)
        except TransientError:
            DELIVERIES.labels(self.sink.name, "dead_letter").inc()
            return Outcome(None, tuple(attempts), "DELIVERY_FAILED")
        except PermanentError:
            DELIVERIES.labels(self.sink.name, "dead_letter").inc()
            return Outcome(None, tuple(attempts), "REJECTED")
        DELIVERIES.labels(self.sink.name, "delivered").inc()
        return Outcome(ack, tuple(attempts))

    def _attempt(self, item: T, attempts: list[str], cancelled: Callable[[], bool]) -> Ack:
        if not self.breaker.wait_until_closed(self.sink.probe, cancelled) or cancelled():
            raise Cancelled()
        number = len(attempts) + 1
        started = time.perf_counter()
        try:
            ack = self.sink.send(item)
        except TransientError as exc:
            self.breaker.record_failure()
            attempts.append(_describe(number, exc))
            REQUESTS.labels(self.sink.name, "transient").inc()
            raise
        except PermanentError as exc:
            self.breaker.record_success()  # it answered: the system is up
            attempts.append(_describe(number, exc))
            REQUESTS.labels(self.sink.name, "permanent").inc()
            raise
        finally:
            REQUEST_SECONDS.labels(self.sink.name).observe(time.perf_counter() - started)
        self.breaker.record_success()
        REQUESTS.labels(self.sink.name, "ok").inc()
        return ack

    def _wait(self, state: RetryCallState) -> float:
        """Full-jitter exponential backoff, but never shorter than the system's Retry-After."""
        wait = float(self._jitter(state))
        exc = state.outcome.exception() if state.outcome else None
        retry_after = getattr(exc, "retry_after_s", None)
        if retry_after:
            wait = max(wait, min(float(retry_after), self.policy.backoff_max_s))
        return wait


def _describe(number: int, exc: BaseException) -> str:
    when = datetime.now(UTC).isoformat(timespec="milliseconds")
    return f"attempt {number} at {when}: {exc}"[:500]


def _sleep_unless(cancelled: Callable[[], bool], seconds: float, tick_s: float = 0.05) -> None:
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        if cancelled():
            raise Cancelled()
        time.sleep(min(tick_s, left))
    if cancelled():
        raise Cancelled()


class OffsetTracker:
    """Consumed offsets per partition and which are acknowledged; thread-safe.

    The offset to commit for a partition is one past the last offset of its
    contiguous acknowledged prefix: an item delivered out of order (another key ran
    ahead) is committed only once everything before it is acknowledged too.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pending: dict[tuple[str, int], deque[int]] = {}
        self._done: dict[tuple[str, int], set[int]] = {}
        self._committable: dict[tuple[str, int], int] = {}

    def add(self, topic: str, partition: int, offset: int) -> None:
        with self._lock:
            self._pending.setdefault((topic, partition), deque()).append(offset)
            self._done.setdefault((topic, partition), set())

    def done(self, topic: str, partition: int, offset: int) -> None:
        """Mark acknowledged; ignored for a partition this consumer no longer owns."""
        with self._lock:
            tp = (topic, partition)
            if tp not in self._pending:
                return
            self._done[tp].add(offset)
            queue, done = self._pending[tp], self._done[tp]
            while queue and queue[0] in done:
                done.discard(first := queue.popleft())
                self._committable[tp] = first + 1

    def take_committable(self, only: set[tuple[str, int]] | None = None) -> list[TopicPartition]:
        """Offsets that advanced since the last call (optionally only for some partitions)."""
        with self._lock:
            chosen = [tp for tp in self._committable if only is None or tp in only]
            out = [TopicPartition(t, p, self._committable.pop((t, p))) for t, p in sorted(chosen)]
        return out

    def forget(self, partitions: set[tuple[str, int]]) -> None:
        """Drop partitions that were revoked: their unacknowledged items belong to the next owner."""
        with self._lock:
            for tp in partitions:
                self._pending.pop(tp, None)
                self._done.pop(tp, None)
                self._committable.pop(tp, None)

    def pending(self) -> int:
        """Items consumed and not yet acknowledged (drives pause/resume)."""
        with self._lock:
            return sum(len(q) for q in self._pending.values())
