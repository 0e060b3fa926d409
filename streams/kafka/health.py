"""``/health`` of the confluent-kafka services (router, grid-sink), on their metrics port.

Red (HTTP 503, the reasons in the body) when

* the main loop has not come back for ``stall_s`` (it hangs in a call), or
* on a partition this replica owns, input waits and the group's committed offset has
  not moved for ``stall_s`` (``processors/progress.py``, the same verdict as the Faust
  worker's ``/health``). Lag that only grew while commits advanced is listed under
  ``behind`` and stays green: a slow service is not cured by a restart.

Offsets come from the broker (``LagReporter``'s measurements), not from the client's
memory, so a consumer that silently stopped fetching still shows its input waiting.
A process whose ``/health`` does not answer at all is as red: the demo's supervisor (and
a Kubernetes liveness probe) count a timeout as a failure.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from fenliu.processors.progress import ProgressTracker, Verdict, combine, loop_problem

Owned = Callable[[], Iterable[tuple[str, int]]]


class ServiceHealth:
    """Heartbeats of the main loop plus the group's progress on the owned partitions."""

    def __init__(
        self,
        stall_s: float,
        owned: Owned | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.stall_s = stall_s
        self.owned = owned
        self.clock = clock
        self.tracker = ProgressTracker(stall_s)
        self.last_beat: float | None = None
        self._lock = threading.Lock()

    def beat(self) -> None:
        """Called by the main loop each time round."""
        self.last_beat = self.clock()

    def observe(self, samples: dict[tuple[str, int], tuple[int | None, int | None]]) -> None:
        """Broker-side (committed, high watermark) per partition; only owned ones count."""
        mine = None if self.owned is None else set(self.owned())
        named = {
            f"{t}/{p}": value for (t, p), value in samples.items() if mine is None or (t, p) in mine
        }
        with self._lock:
            self.tracker.observe(self.clock(), named)

    def verdict(self) -> Verdict:
        now = self.clock()
        with self._lock:
            progress = self.tracker.verdict(now)
        return combine(progress, loop_problem(self.last_beat, now, self.stall_s))

    def body(self) -> tuple[int, bytes]:
        """(HTTP status, JSON body) of ``GET /health``."""
        v = self.verdict()
        doc = {
            "healthy": v.healthy,
            "problems": list(v.problems),
            "behind": list(v.behind),
            "lag": v.lag,
        }
        return (200 if v.healthy else 503), json.dumps(doc).encode()


def wsgi_app(health: ServiceHealth, metrics_app: Any) -> Any:
    """``/health`` answered by ``health``, every other path by the metrics app."""

    def app(environ: dict[str, Any], start_response: Any) -> Any:
        if environ.get("PATH_INFO", "").rstrip("/") == "/health":
            status, body = health.body()
            start_response(
                "200 OK" if status == 200 else "503 Service Unavailable",
                [("Content-Type", "application/json"), ("Content-Length", str(len(body)))],
            )
            return [body]
        return metrics_app(environ, start_response)

    return app
