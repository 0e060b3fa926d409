"""A province's traffic: independent counties merged in event time (fenliu.traffic.province)."""

from __future__ import annotations

import itertools

import pytest

from fenliu.settings import Settings
from fenliu.traffic.feed import load_traffic_model
from fenliu.traffic.generator import TrafficGenerator
from fenliu.traffic.province import counties, county_seeds

START_MS = 1_795_000_000_000
DAY_MS = 86_400_000


@pytest.fixture(scope="module")
def model():
    return load_traffic_model(Settings())


def test_seeds_give_distinct_run_ids():
    seeds = county_seeds(7, 300, START_MS)
    assert len(set(seeds)) == 300
    assert len({TrafficGenerator.run_id(s, START_MS) for s in seeds}) == 300


def test_each_county_is_a_lone_generator_and_the_merge_is_in_time_order(model):
    n = 4
    merged = list(
        itertools.takewhile(
            lambda x: x[1].at_ms < START_MS + DAY_MS,
            counties(model, n, seed=11, start_ms=START_MS),
        )
    )
    assert [e.at_ms for _, e in merged] == sorted(e.at_ms for _, e in merged)
    for i, s in enumerate(county_seeds(11, n, START_MS)):
        alone = itertools.takewhile(
            lambda e: e.at_ms < START_MS + DAY_MS,
            TrafficGenerator(model, seed=s, start_ms=START_MS),
        )
        assert [e.key for e in alone] == [e.key for c, e in merged if c == i]
    # every county at the county's own volume, so n counties make about n times the calls
    per_county = [sum(1 for c, _ in merged if c == i) for i in range(n)]
    assert all(
        0.7 * model.mix.calls_per_day < k < 1.3 * model.mix.calls_per_day for k in per_county
    )
    assert len({e.key for _, e in merged}) == len(merged)
