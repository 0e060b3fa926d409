"""A province's traffic: many independent copies of the demo county, merged in event time.

A province has more places, not busier ones: its open cases grow with its counties, while
each county keeps its own volume, callers, long-standing repeat callers and flow-backs. So
``counties`` runs one ``TrafficGenerator`` per county (its own seed, at the county's own
``calls_per_day``) and merges their streams in event-time order, each event tagged with
the county it came from. The material (towns, polygons, place words) is the demo county's
for every copy, because the router can only place a call inside the jurisdiction it knows;
a consumer that needs the copies apart (a benchmark of the worker) relabels the decisions
by the county index (``bench.bench_worker_state.county_copy``).

Pure, like the generator: the same model, seed, start time and number of counties give
the same stream, and county ``i``'s events are exactly those of a lone generator with
``county_seeds(seed, n)[i]``.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterator

from fenliu.traffic.generator import GeneratedEvent, TrafficGenerator, TrafficModel


def county_seeds(seed: int, n: int, start_ms: int) -> list[int]:
    """``n`` seeds from ``seed`` whose generators' run ids differ (record ids contain the
    run id and a sequence number, so two counties with one run id would repeat ids)."""
    seeds: list[int] = []
    runs: set[str] = set()
    candidate = seed
    while len(seeds) < n:
        run = TrafficGenerator.run_id(candidate, start_ms)
        if run not in runs:
            runs.add(run)
            seeds.append(candidate)
        candidate += 1
    return seeds


def counties(
    model: TrafficModel,
    n: int,
    *,
    seed: int,
    start_ms: int,
    calls_per_day: float | None = None,
    flat: bool = False,
) -> Iterator[tuple[int, GeneratedEvent]]:
    """(county index, event) of ``n`` counties, each at ``calls_per_day`` (the mix's volume
    by default), in event-time order (ties: the lower county first)."""
    gens = [
        TrafficGenerator(model, seed=s, start_ms=start_ms, calls_per_day=calls_per_day, flat=flat)
        for s in county_seeds(seed, n, start_ms)
    ]

    def tagged(i: int, gen: TrafficGenerator) -> Iterator[tuple[int, int, GeneratedEvent]]:
        for event in gen:
            yield event.at_ms, i, event

    for _, i, event in heapq.merge(*(tagged(i, g) for i, g in enumerate(gens))):
        yield i, event
