"""Whether a librdkafka producer is stranded: records queued and no broker to send them to.

librdkafka #5301 (unfixed in 2.16): a producer whose Metadata request is answered by a
broker in controlled shutdown ("0 brokers") terminates its only broker and never
re-bootstraps; its records wait until ``message.timeout.ms`` fails them. Its statistics
then list **no broker at all**, which a producer never shows otherwise: during an ordinary
broker restart the broker stays in the list (state DOWN, CONNECT, ...) and the producer
keeps reconnecting. That is the precise signal (``no_broker_s``). A broader one covers the
same stall if the dead broker lingered in the list: records queued, no broker UP and no
delivery report for ``stall_s``, longer than an ordinary restart takes.

Pure: the caller (``streams/kafka/watchdog.py``) turns each statistics report into an
``Observation`` and recreates the producer when ``assess`` says so.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any


@dataclass(frozen=True)
class WatchPolicy:
    """How long each signal must hold before the producer counts as stranded (seconds)."""

    no_broker_s: float
    stall_s: float


@dataclass(frozen=True)
class Observation:
    """One look at a producer (from a statistics report) at monotonic time ``at_s``."""

    at_s: float
    queued: int  # records produced and not acknowledged (nor failed) yet
    brokers_known: int  # brokers in librdkafka's list, in any state
    brokers_up: int  # of them, in state UP
    last_report_s: float  # monotonic time of the last delivery report (or of the start)


@dataclass(frozen=True)
class WatchState:
    """What ``assess`` remembers between observations."""

    no_broker_since: float | None = None  # first observation of the current no-broker spell
    last_up_s: float | None = None  # last observation with a broker UP


@dataclass(frozen=True)
class Stranded:
    """The verdict: recreate the producer, for ``reason``."""

    signal: str  # "no_broker" or "stall": the metric's label
    reason: str


def brokers_in(stats: Mapping[str, Any]) -> tuple[int, int]:
    """(known, UP) brokers of a librdkafka statistics report (``statistics.interval.ms``).

    Only real brokers count: librdkafka lists learned and bootstrap brokers; an internal or
    logical one (nodeid -1 without a host, e.g. a group coordinator alias) is no way out."""
    known = up = 0
    for broker in (stats.get("brokers") or {}).values():
        if broker.get("source") in ("internal", "logical"):
            continue
        known += 1
        up += broker.get("state") == "UP"
    return known, up


def assess(
    state: WatchState, obs: Observation, policy: WatchPolicy
) -> tuple[WatchState, Stranded | None]:
    """The state after ``obs`` and, if the producer is stranded, why.

    Nothing queued is never stranded (a producer without work may idle without brokers).
    ``no_broker``: no broker known in every observation for ``no_broker_s``. ``stall``: no
    broker UP and no delivery report for ``stall_s``, counted from the later of the last
    report and the last observation with a broker UP."""
    if obs.brokers_up > 0:
        state = replace(state, last_up_s=obs.at_s)
    if obs.brokers_known > 0:
        state = replace(state, no_broker_since=None)
    elif state.no_broker_since is None:
        state = replace(state, no_broker_since=obs.at_s)
    if obs.queued <= 0:
        return state, None
    if state.no_broker_since is not None and obs.at_s - state.no_broker_since >= policy.no_broker_s:
        return state, Stranded(
            "no_broker",
            f"{obs.queued} record(s) queued and no broker known for "
            f"{obs.at_s - state.no_broker_since:.0f} s",
        )
    moved = (
        obs.last_report_s if state.last_up_s is None else max(obs.last_report_s, state.last_up_s)
    )
    if obs.brokers_up == 0 and obs.at_s - moved >= policy.stall_s:
        return state, Stranded(
            "stall",
            f"{obs.queued} record(s) queued, no broker UP and no delivery report for "
            f"{obs.at_s - moved:.0f} s",
        )
    return state, None
