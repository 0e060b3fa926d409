"""一类事预警: places, sliding event-time windows, one warning per window."""

from __future__ import annotations

import json
from itertools import pairwise

from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from fenliu.processors.hotspot import (
    HotspotRules,
    PlaceCounter,
    expires_at,
    geo_cell,
    observe,
    place_key,
    warning_id,
)

T0 = 1_795_000_000_000
HOUR = 3_600_000
RULES = HotspotRules(window_ms=24 * HOUR, threshold=3)


def fresh() -> PlaceCounter:
    return PlaceCounter("331099001", "NP05", "grid:G01")


def feed(times, counter=None, rules=RULES, situation="S1"):
    counter = counter or fresh()
    warnings = []
    for i, at in enumerate(times):
        counter, w = observe(counter, f"cs_{i}", at, situation, rules)
        if w is not None:
            warnings.append(w)
    return counter, warnings


def test_the_place_is_the_grid_then_a_geo_cell_then_the_address():
    assert place_key("G01", 121.0, 28.0, "金城路8号", 100) == "grid:G01"
    assert place_key(None, 121.0, 28.0, "金城路8号", 100).startswith("cell100:")
    assert place_key(None, None, None, "金城路8号", 100) == "addr:金城路8号"
    assert place_key(None, None, None, None, 100) is None


def test_geo_cells_are_about_the_asked_size():
    base = geo_cell(121.056, 28.860, 100)
    assert geo_cell(121.056, 28.860 + 0.5 / 111_320, 100) in (base, geo_cell(121.056, 28.861, 100))
    rows = {geo_cell(121.056, 28.860 + i * 10 / 111_320, 100).split(":")[0] for i in range(100)}
    assert 9 <= len(rows) <= 11  # 1 km of latitude crosses ten 100 m rows


def test_three_cases_in_the_window_raise_one_warning_with_the_cases_behind_it():
    _, warnings = feed([T0, T0 + HOUR, T0 + 2 * HOUR])
    (w,) = warnings
    assert w.case_ids == ("cs_0", "cs_1", "cs_2") and w.count == 3 and w.threshold == 3
    assert w.window_end_ms == T0 + 2 * HOUR and w.window_start_ms == w.window_end_ms - 24 * HOUR
    assert w.situation_code == "S1" and w.place_key == "grid:G01"
    assert w.warning_id == warning_id("NP05", "grid:G01", w.window_start_ms)


def test_cases_spread_wider_than_the_window_do_not_warn():
    assert feed([T0, T0 + 13 * HOUR, T0 + 26 * HOUR, T0 + 39 * HOUR])[1] == []


def test_one_warning_per_window_then_a_new_one_for_new_cases():
    _, warnings = feed(
        [T0 + i * HOUR for i in range(6)] + [T0 + 30 * HOUR + i * HOUR for i in range(3)]
    )
    assert len(warnings) == 2
    assert set(warnings[0].case_ids).isdisjoint(warnings[1].case_ids)


def test_a_redelivered_trigger_gives_the_same_warning_and_others_nothing():
    counter, (w,) = feed([T0, T0 + 1, T0 + 2])
    assert observe(counter, "cs_2", T0 + 2, "S1", RULES) == (counter, w)
    assert observe(counter, "cs_0", T0, "S1", RULES) == (counter, None)


def test_mixed_situations_leave_the_situation_open():
    counter = fresh()
    for i, s in enumerate(["S1", "S2", "S1"]):
        counter, w = observe(counter, f"cs_{i}", T0 + i, s, RULES)
    assert w is not None and w.situation_code is None


def test_old_cases_are_forgotten_and_the_counter_expires_by_event_time():
    counter, _ = feed([T0, T0 + 30 * HOUR])
    assert [s.case_id for s in counter.seen] == ["cs_1"]
    assert expires_at(counter, RULES) == T0 + 54 * HOUR


def test_the_counter_survives_json():
    counter, _ = feed([T0, T0 + 1, T0 + 2, T0 + 3])
    assert PlaceCounter.from_dict(json.loads(json.dumps(counter.to_dict()))) == counter


@given(
    st.lists(st.integers(0, 10 * 24 * HOUR), min_size=1, max_size=40),
    st.integers(2, 5),
    st.integers(1, 48),
)
@hsettings(max_examples=200, deadline=None)
def test_warnings_name_disjoint_sets_of_enough_cases_inside_their_window(offsets, threshold, hours):
    rules = HotspotRules(window_ms=hours * HOUR, threshold=threshold)
    _, warnings = feed(sorted(T0 + o for o in offsets), rules=rules)
    named: set[str] = set()
    for w in warnings:
        assert w.count == len(w.case_ids) >= threshold
        assert named.isdisjoint(w.case_ids)
        named.update(w.case_ids)
        assert w.window_end_ms - w.window_start_ms == rules.window_ms
    for a, b in pairwise(warnings):
        assert b.window_end_ms >= a.window_end_ms + rules.window_ms
