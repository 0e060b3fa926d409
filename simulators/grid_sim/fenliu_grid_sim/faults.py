"""Faults grid-sim can be told to inject: errors for a number of requests or seconds, slowness.

Tests and demos flip them through ``POST /admin/faults``; a fault can target only
some order ids (a "poison" order the platform keeps refusing while others pass).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class FaultSpec(BaseModel):
    """``POST /admin/faults`` body. Without ``requests`` or ``seconds`` it lasts until cleared."""

    model_config = ConfigDict(extra="forbid")

    status: int | None = Field(
        500, ge=400, le=599, description="answer with this; null = only slow"
    )
    requests: int | None = Field(None, ge=1, description="for this many matching requests")
    seconds: float | None = Field(None, gt=0, description="for this many seconds")
    delay_ms: int = Field(
        0,
        ge=0,
        le=120_000,
        description="answer this much later (with status null the request is served first, so a "
        "client that times out loses only the answer)",
    )
    order_ids: list[str] | None = Field(None, description="only requests about these orders")
    scope: Literal["all", "orders"] = Field("all", description="'orders' spares /health")


@dataclass
class ActiveFault:
    spec: FaultSpec
    until: float | None
    remaining: int | None

    def expired(self, now: float) -> bool:
        return (self.until is not None and now >= self.until) or (
            self.remaining is not None and self.remaining <= 0
        )

    def matches(self, route: str, order_id: str | None, now: float) -> bool:
        if self.expired(now):
            return False
        if self.spec.scope == "orders" and route == "health":
            return False
        return self.spec.order_ids is None or order_id in self.spec.order_ids


@dataclass(frozen=True)
class Verdict:
    """What to do to one request: wait ``delay_s``, then answer ``status`` (None = serve it)."""

    status: int | None
    delay_s: float


class FaultBoard:
    """The active faults plus a seeded random error rate; used from the event loop only."""

    def __init__(
        self, error_rate: float = 0.0, seed: int = 0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.error_rate = error_rate
        self._rng = random.Random(seed)
        self._clock = clock
        self._faults: list[ActiveFault] = []

    def add(self, spec: FaultSpec) -> None:
        until = self._clock() + spec.seconds if spec.seconds else None
        self._faults.append(ActiveFault(spec, until, spec.requests))

    def clear(self) -> None:
        self._faults.clear()

    def describe(self) -> list[dict[str, object]]:
        now = self._clock()
        return [
            {
                **f.spec.model_dump(),
                "remaining": f.remaining,
                "seconds_left": None if f.until is None else max(0.0, f.until - now),
            }
            for f in self._faults
        ]

    def verdict(self, route: str, order_id: str | None) -> Verdict:
        """The first matching fault decides (and uses up one of its requests)."""
        now = self._clock()
        self._faults = [f for f in self._faults if not f.expired(now)]
        for fault in self._faults:
            if fault.matches(route, order_id, now):
                if fault.remaining is not None:
                    fault.remaining -= 1
                return Verdict(fault.spec.status, fault.spec.delay_ms / 1000)
        if self.error_rate and route != "admin" and self._rng.random() < self.error_rate:
            return Verdict(500, 0.0)
        return Verdict(None, 0.0)
