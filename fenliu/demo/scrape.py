"""Reading the services' ``/metrics`` the way Prometheus does, for the demo's view.

The demo shows what the on-call room would see, so it reads only what the services
publish: their Prometheus endpoints and the topics, never a service's private state.
"""

from __future__ import annotations

import urllib.request
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from prometheus_client.parser import text_string_to_metric_families


@dataclass(frozen=True)
class Sample:
    name: str
    labels: Mapping[str, str]
    value: float


@dataclass
class Scrape:
    """All samples of one or more endpoints at one moment."""

    samples: list[Sample] = field(default_factory=list)
    up: dict[str, bool] = field(default_factory=dict)  # service -> its endpoint answered

    def total(self, name: str, **match: str) -> float:
        """Sum of the samples called ``name`` whose labels include ``match``."""
        return sum(s.value for s in self._matching(name, match))

    def by(self, name: str, label: str, **match: str) -> dict[str, float]:
        """``name`` summed per value of ``label``."""
        out: dict[str, float] = {}
        for s in self._matching(name, match):
            key = s.labels.get(label, "")
            out[key] = out.get(key, 0.0) + s.value
        return out

    def has(self, name: str) -> bool:
        return any(s.name == name for s in self.samples)

    def _matching(self, name: str, match: Mapping[str, str]) -> Iterable[Sample]:
        for s in self.samples:
            if s.name == name and all(s.labels.get(k) == v for k, v in match.items()):
                yield s


def parse(text: str) -> list[Sample]:
    """Samples of a Prometheus text exposition (counters keep their ``_total`` names)."""
    return [
        Sample(s.name, dict(s.labels), float(s.value))
        for family in text_string_to_metric_families(text)
        for s in family.samples
    ]


def scrape(ports: Mapping[str, int], host: str = "127.0.0.1", timeout_s: float = 1.0) -> Scrape:
    """Scrape every service's endpoint; a service that does not answer is marked down."""
    result = Scrape()
    for service, port in ports.items():
        try:
            with urllib.request.urlopen(f"http://{host}:{port}/metrics", timeout=timeout_s) as resp:
                result.samples += parse(resp.read().decode("utf-8", "replace"))
            result.up[service] = True
        except (OSError, ValueError):
            result.up[service] = False
    return result
