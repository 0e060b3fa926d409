"""processors/rates_expiry.py: entries expire by each partition's event time, never by wall clock."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from fenliu.processors.rates_expiry import ExpiryIndex

NOW = 1_795_000_000_000
TTL = 1_000


def test_an_entry_is_due_once_its_partition_clock_passes_the_bound() -> None:
    index = ExpiryIndex(ttl_ms=TTL)
    index.touch(0, "a", NOW)
    index.advance(0, NOW + TTL - 1, now_ms=NOW)
    assert index.pop_due(0, 10) == []
    index.advance(0, NOW + TTL, now_ms=NOW + TTL)
    assert index.pop_due(0, 10) == ["a"]
    assert index.size() == 0


def test_other_partitions_keep_their_own_clock() -> None:
    index = ExpiryIndex(ttl_ms=TTL)
    index.touch(0, "a", NOW)
    index.touch(1, "b", NOW)
    index.advance(1, NOW + 10 * TTL, now_ms=NOW + 10 * TTL)
    assert index.pop_due(0, 10) == [] and index.pop_due(1, 10) == ["b"]


def test_a_touch_renews_and_a_forget_removes() -> None:
    index = ExpiryIndex(ttl_ms=TTL)
    index.touch(0, "a", NOW)
    index.touch(0, "a", NOW + 500)
    index.touch(0, "b", NOW)
    index.forget(0, "b")
    index.advance(0, NOW + TTL, now_ms=NOW + TTL)
    assert index.pop_due(0, 10) == []
    index.advance(0, NOW + TTL + 500, now_ms=NOW + TTL)
    assert index.pop_due(0, 10) == ["a"]


def test_a_clock_never_runs_back_nor_far_ahead_of_now() -> None:
    index = ExpiryIndex(ttl_ms=TTL, max_skew_ms=100)
    index.touch(0, "a", NOW)
    index.advance(0, NOW + 10**9, now_ms=NOW)  # a broken reporter clock in 2059
    assert index.clock(0) == NOW + 100 and index.pop_due(0, 10) == []
    index.advance(0, NOW - 5, now_ms=NOW)
    assert index.clock(0) == NOW + 100


def test_a_timer_with_its_own_time_judges_by_it_not_by_the_clock() -> None:
    """The held suggestions' ticks carry their time (a control clock may go back to an
    earlier tick); an entry not yet due stays for a later one."""
    index = ExpiryIndex(ttl_ms=0)
    index.touch(0, "a", NOW)
    index.touch(0, "b", NOW + 10)
    assert index.clock(0) is None
    assert index.pop_due(0, 10, now_ms=NOW - 1) == []
    assert index.pop_due(0, 10, now_ms=NOW) == ["a"]
    assert index.pop_due(0, 10, now_ms=NOW + 5) == []
    assert index.pop_due(1, 10, now_ms=NOW + 10) == []  # another partition's keys stay
    assert index.pop_due(0, index.size(0), now_ms=NOW + 10) == ["b"]
    assert index.size() == 0


def test_pop_due_respects_its_limit() -> None:
    index = ExpiryIndex(ttl_ms=TTL)
    for i in range(5):
        index.touch(0, f"k{i}", NOW + i)
    index.advance(0, NOW + 2 * TTL, now_ms=NOW + 2 * TTL)
    assert index.pop_due(0, 2) == ["k0", "k1"]
    assert index.pop_due(0, 10) == ["k2", "k3", "k4"]


ops = st.lists(
    st.one_of(
        st.tuples(
            st.just("touch"), st.integers(0, 2), st.sampled_from("abcdef"), st.integers(0, 5000)
        ),
        st.tuples(st.just("advance"), st.integers(0, 2), st.just(""), st.integers(0, 8000)),
    ),
    max_size=60,
)


@settings(max_examples=300, deadline=None)
@given(ops)
def test_exactly_the_keys_whose_latest_touch_is_ttl_old_are_due(
    script: list[tuple[str, int, str, int]],
) -> None:
    index = ExpiryIndex(ttl_ms=TTL, max_skew_ms=10**9)
    latest: dict[tuple[int, str], int] = {}
    clock: dict[int, int] = {}
    for op, p, key, t in script:
        if op == "touch":
            index.touch(p, key, NOW + t)
            latest[(p, key)] = NOW + t
        else:
            index.advance(p, NOW + t, now_ms=NOW)
            clock[p] = max(clock.get(p, NOW + t), NOW + t)
    for p in (0, 1, 2):
        due = set(index.pop_due(p, 1000))
        expected = {
            k for (q, k), t in latest.items() if q == p and p in clock and t + TTL <= clock[p]
        }
        assert due == expected


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 2), st.sampled_from("abcdef"), st.integers(0, 5000)), max_size=30
    ),
    st.integers(0, 8000),
)
def test_a_rebuild_from_the_table_gives_the_same_due_keys(
    touches: list[tuple[int, str, int]], until: int
) -> None:
    live, rebuilt = ExpiryIndex(ttl_ms=TTL), ExpiryIndex(ttl_ms=TTL)
    table: dict[tuple[int, str], int] = {}
    for p, key, t in touches:
        live.touch(p, key, NOW + t)
        table[(p, key)] = NOW + t  # the table keeps only the latest write
    rebuilt.rebuild((p, key, t) for (p, key), t in table.items())
    for index in (live, rebuilt):
        for p in (0, 1, 2):
            index.advance(p, NOW + until, now_ms=NOW + until)
    for p in (0, 1, 2):
        assert sorted(live.pop_due(p, 1000)) == sorted(rebuilt.pop_due(p, 1000))
