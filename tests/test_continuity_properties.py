"""processors/continuity.py: a gap is exactly a commit past the last applied record + 1.

Hypothesis plays the worker: records applied one by one, commits that may lag (at-least-once)
or run ahead (the failure the check exists for); resuming at what the check says must read
every record exactly from where it stopped applying, whatever happened."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from fenliu.processors.continuity import Gap, find_gaps

TOPICS = st.sampled_from(["fenliu.decisions", "fenliu.orders", "fenliu.lifecycle"])
PARTS = st.tuples(TOPICS, st.integers(0, 5))
OFFSETS = st.integers(0, 10_000)


@given(st.dictionaries(PARTS, OFFSETS), st.dictionaries(PARTS, st.none() | OFFSETS))
def test_a_gap_is_a_commit_past_the_last_applied_record_plus_one(applied, committed) -> None:
    gaps = find_gaps(applied, committed)
    expected = {
        tp
        for tp, offset in committed.items()
        if offset is not None and tp in applied and offset > applied[tp] + 1
    }
    assert {(g.topic, g.partition) for g in gaps} == expected
    assert [(g.topic, g.partition) for g in gaps] == sorted(expected)  # deterministic order
    for g in gaps:
        assert g.last_applied == applied[(g.topic, g.partition)]
        assert g.committed == committed[(g.topic, g.partition)]
        assert g.skipped >= 1
        assert g.first_skipped + g.skipped == g.committed


@given(PARTS, OFFSETS, st.integers(-50, 50))
def test_resuming_where_the_check_says_never_skips_and_rereads_only_at_least_once(
    tp, last_applied, ahead
) -> None:
    """Whatever the commit (behind, at, or ahead of the applied record), the resume offset
    is never past the first record not applied yet."""
    committed = max(0, last_applied + 1 + ahead)
    gaps = find_gaps({tp: last_applied}, {tp: committed})
    resume = gaps[0].first_skipped if gaps else committed
    assert resume == min(committed, last_applied + 1)  # nothing skipped, no more re-read


@given(PARTS, st.none() | OFFSETS)
def test_no_baseline_is_no_gap(tp, committed) -> None:
    assert find_gaps({}, {tp: committed}) == []


@given(PARTS, OFFSETS)
def test_a_partition_never_committed_is_no_gap(tp, applied) -> None:
    assert find_gaps({tp: applied}, {tp: None}) == []


def test_the_records_in_between_are_the_skipped_ones() -> None:
    [gap] = find_gaps({("t", 1): 9}, {("t", 1): 15, ("t", 2): 3})
    assert gap == Gap("t", 1, 9, 15)
    assert (gap.first_skipped, gap.skipped) == (10, 5)  # offsets 10..14
