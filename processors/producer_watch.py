"""Whether a librdkafka producer is stranded: records queued and no broker to send them to.

librdkafka #5301 (unfixed in 2.16): a producer whose Metadata request is answered by a
broker in controlled shutdown ("0 brokers") terminates its only broker and never
re-bootstraps; its records wait until ``message.timeout.ms`` fails them. Its statistics
then list **no broker at all**, which a producer never shows otherwise: during an ordinary
broker restart the broker stays in the list (state DOWN, CONNECT, ...) and the producer
keeps reconnecting. That is the precise signal (``no_broker_s``). The second covers the
same stall if the dead broker stayed in the list: records queued, no broker UP, no delivery
report and **no broker changing state** for ``stall_s`` (a stranded client "skips every
metadata refresh without connecting anywhere"; a producer waiting out a long broker outage
keeps trying to connect, its broker cycling CONNECT, DOWN, TRY_CONNECT at least every
``reconnect.backoff.max.ms`` (10 s), so it is never recreated for the outage alone).

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
    state_age_s: float | None  # since the latest state change of any of them (None: none)
    last_report_s: float  # monotonic time of the last delivery report (or of the start)


@dataclass(frozen=True)
class WatchState:
    """What ``assess`` remembers between observations."""

    no_broker_since: float | None = None  # first observation of the current no-broker spell
    last_up_s: float | None = None  # last observation with a broker UP
    last_change_s: float | None = None  # latest state change of a broker seen so far


@dataclass(frozen=True)
class Stranded:
    """The verdict: recreate the producer, for ``reason``."""

    signal: str  # "no_broker" or "stall": the metric's label
    reason: str


def brokers_in(stats: Mapping[str, Any]) -> tuple[int, int, float | None]:
    """(known, UP, seconds since the latest state change) of the brokers of a librdkafka
    statistics report (``statistics.interval.ms``; ``stateage`` is in microseconds).
    librdkafka's ``connects`` counter is no use here: a broker object that re-bootstraps
    is made anew, its counter back at 0.

    Only real brokers count: librdkafka lists learned and bootstrap brokers; an internal or
    logical one (nodeid -1 without a host, e.g. a group coordinator alias) is no way out."""
    known = up = 0
    youngest: float | None = None
    for broker in (stats.get("brokers") or {}).values():
        if broker.get("source") in ("internal", "logical"):
            continue
        known += 1
        up += broker.get("state") == "UP"
        age = broker.get("stateage")
        if isinstance(age, int | float):
            youngest = age / 1e6 if youngest is None else min(youngest, age / 1e6)
    return known, up, youngest


def assess(
    state: WatchState, obs: Observation, policy: WatchPolicy, *, waiting: str | None = None
) -> tuple[WatchState, Stranded | None]:
    """The state after ``obs`` and, if the producer is stranded, why.

    Nothing queued is never stranded (a producer without work may idle without brokers).
    ``no_broker``: no broker known in every observation for ``no_broker_s``. ``stall``: no
    broker UP, no delivery report and no broker state change for ``stall_s``, counted from
    the latest of the last report, the last observation with a broker UP and the last state
    change of a broker. ``waiting`` names the work in the verdict's reason (a consumer's is
    its group membership; by default the queued records)."""
    waiting = waiting or f"{obs.queued} record(s) queued"
    if obs.brokers_up > 0:
        state = replace(state, last_up_s=obs.at_s)
    if obs.state_age_s is not None:
        changed = obs.at_s - obs.state_age_s
        if state.last_change_s is None or changed > state.last_change_s:
            state = replace(state, last_change_s=changed)
    if obs.brokers_known > 0:
        state = replace(state, no_broker_since=None)
    elif state.no_broker_since is None:
        state = replace(state, no_broker_since=obs.at_s)
    if obs.queued <= 0:
        return state, None
    if state.no_broker_since is not None and obs.at_s - state.no_broker_since >= policy.no_broker_s:
        return state, Stranded(
            "no_broker",
            f"{waiting} and no broker known for {obs.at_s - state.no_broker_since:.0f} s",
        )
    moved = max(
        t for t in (obs.last_report_s, state.last_up_s, state.last_change_s) if t is not None
    )
    if obs.brokers_up == 0 and obs.at_s - moved >= policy.stall_s:
        return state, Stranded(
            "stall",
            f"{waiting}, no broker UP, no delivery report and no broker"
            f" changing state for {obs.at_s - moved:.0f} s",
        )
    return state, None
