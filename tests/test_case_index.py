"""The per-case book with its index decides exactly as the merge rules over a whole bucket."""

from __future__ import annotations

import gc
import json

from hypothesis import assume, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from fenliu.processors.case_index import CaseBook, Cells
from fenliu.processors.case_state import CaseBucket, Place, UpdateKind
from fenliu.processors.merge import (
    IncomingCall,
    MergeRules,
    Step,
    apply_call,
    apply_step,
    distance_m,
    place_from,
)

KEYS = ["331099001:NP01", "331099002:NP01"]
T0 = 1_795_000_000_000
PLACES = [(121.056, 28.860), (121.0562, 28.8601), (121.0569, 28.8604), (121.07, 28.87), None]
ADDRESSES = [None, "金城路8号", "银湖小区"]


def items(max_offset_ms: int):
    return st.lists(
        st.tuples(
            st.integers(0, max_offset_ms),
            st.sampled_from(["ck_a", "ck_b", "ck_c", None]),
            st.sampled_from(PLACES),
            st.sampled_from(ADDRESSES),
            st.booleans(),  # police
            st.integers(
                0, 4
            ),  # 1: close the case the call landed in, 2 or 3: return it, 4: keep it
            st.sampled_from(KEYS),
        ),
        min_size=1,
        max_size=30,
    )


def _compare(seq, rules: MergeRules) -> None:
    buckets = {k: CaseBucket(k) for k in KEYS}
    table: dict[str, dict] = {}
    book = CaseBook(rules, table.get)

    def store(writes):
        for w in writes:
            if w.entry is None:
                table.pop(w.case_id, None)
            else:
                table[w.case_id] = json.loads(json.dumps(w.entry))  # as the changelog stores it

    case_of: dict[str, str] = {}  # decision id -> the case it went to
    for i, (offset, caller, where, address, police, step, key) in enumerate(seq):
        lon, lat = where if where else (None, None)
        c = IncomingCall(
            f"dc_{key}_{i % 23}", key, T0 + offset, caller, place_from(address, lon, lat), police, 3
        )
        # Where the two differ by design: a decision applied again after a call on its key
        # made the bucket drop its expired case (merge.prune drops every expired case of
        # the bucket at each call); the book drops a case lazily and still answers
        # "duplicate" (test_a_decision_applied_again_after_its_case_expired_...).
        assume(c.decision_id not in case_of or buckets[key].find(case_of[c.decision_id]))
        old = apply_call(buckets[key], c, rules)
        case_of.setdefault(c.decision_id, old.case.case_id)
        buckets[key] = old.bucket
        new = book.apply_call(c)
        store(new.writes)
        assert (new.case.case_id, new.call, new.related_case_id, new.duplicate) == (
            old.case.case_id,
            old.call,
            old.related_case_id,
            old.duplicate,
        )
        if step:
            case = old.case
            kind = {1: UpdateKind.CLOSED, 4: UpdateKind.KEPT_BY_POLICE}.get(
                step, UpdateKind.RETURNED
            )
            s = Step(f"ev_{i}", case.case_id, case.current_order_id, kind, c.at_ms + 60_000)
            b_after, b_case, b_outcome = apply_step(buckets[key], s)
            buckets[key] = b_after
            n_case, n_outcome, writes = book.apply_step(s)
            store(writes)
            assert (n_case, n_outcome) == (b_case, b_outcome)
    held = {c.case_id: c for b in buckets.values() for c in b.cases}
    last = T0 + max(x[0] for x in seq)
    assert set(held) <= set(table)
    for case_id in table:  # the book keeps what the buckets keep, and expired cases
        if case_id in held:  # until the event-time expiry deletes them
            assert book.case(case_id) == held[case_id]
        else:
            assert book.due(case_id, last + 60_001)


@hsettings(max_examples=250, deadline=None)
@given(items(20 * 86_400_000))
def test_the_book_decides_as_the_bucket_on_calls_in_time_order(seq):
    _compare(sorted(seq, key=lambda x: x[0]), MergeRules(max_calls_per_case=50))


@hsettings(max_examples=250, deadline=None)
@given(items(5 * 86_400_000))
def test_the_book_decides_as_the_bucket_on_calls_out_of_order_within_the_windows(seq):
    # No case can expire within five days, so the bucket's pruning never differs.
    _compare(seq, MergeRules(max_calls_per_case=5))


@hsettings(max_examples=100, deadline=None)
@given(items(20 * 86_400_000))
def test_the_book_caps_cases_per_key_as_the_bucket_does(seq):
    _compare(sorted(seq, key=lambda x: x[0]), MergeRules(max_cases_per_key=2))


def test_a_decision_applied_again_after_its_case_expired_is_still_a_duplicate_in_the_book():
    """The one place the book and the bucket differ by design (found by hypothesis): a
    call on the key seven days later makes the bucket drop every expired case at once, so
    the first decision, delivered again, opens a new case there; the book drops cases
    lazily and keeps it a no-op, as a re-delivery should be."""
    rules = MergeRules()
    table: dict[str, dict] = {}
    book = CaseBook(rules, table.get)
    bucket = CaseBucket(KEYS[0])
    here = place_from(None, 121.056, 28.860)
    first = IncomingCall("dc_first", KEYS[0], T0, "ck_a", here, False, 3)
    later = IncomingCall(
        "dc_later", KEYS[0], T0 + 8 * 86_400_000, "ck_b", place_from(None, 121.07, 28.87), False, 3
    )
    opened = apply_call(bucket, first, rules)
    for w in book.apply_call(first).writes:
        table[w.case_id] = w.entry
    # its order is closed a minute later: the case is needed for the flow-back window only
    case = opened.case
    close = Step("ev_close", case.case_id, case.current_order_id, UpdateKind.CLOSED, T0 + 60_000)
    bucket, _, _ = apply_step(opened.bucket, close)
    for w in book.apply_step(close)[2]:
        table[w.case_id] = w.entry
    bucket = apply_call(bucket, later, rules).bucket  # past the window: the bucket prunes it
    for w in book.apply_call(later).writes:
        table[w.case_id] = w.entry
    assert bucket.find(case.case_id) is None and book.case(case.case_id) is not None
    again_bucket = apply_call(bucket, first, rules)
    again_book = book.apply_call(first)
    assert not again_bucket.duplicate  # the bucket forgot it with its expired case
    assert again_book.duplicate and not again_book.writes


def test_the_index_survives_a_rebuild_from_the_entries():
    table: dict[str, dict] = {}
    book = CaseBook(MergeRules(), table.get)
    for i in range(5):
        c = IncomingCall(
            f"dc_{i}",
            KEYS[0],
            T0 + i * 1000,
            f"ck_{i % 2}",
            place_from(None, 121.056, 28.860 + i),
            False,
            3,
        )
        for w in book.apply_call(c).writes:
            table[w.case_id] = w.entry
    again = CaseBook(MergeRules(), table.get)
    again.rebuild(table.items())
    c = IncomingCall("dc_x", KEYS[0], T0 + 9000, "ck_1", place_from(None, None, None), False, 3)
    assert again.apply_call(c).call == book.apply_call(c).call
    assert again.next_seq == book.next_seq


def test_the_index_leaves_nothing_per_case_for_the_collector_to_walk():
    """100 k open cases held as objects made every full collection of the worker walk
    them (docs/benchmarks.md, eleventh round): what the index holds per case and per token
    is plain tuples of strings and numbers, which CPython stops tracking."""
    table: dict[str, dict] = {}
    book = CaseBook(MergeRules(), table.get)
    for i in range(20):
        where = place_from(f"路{i % 3}号", 121.056, 28.860 + (i % 4) / 1000)
        c = IncomingCall(f"dc_{i}", KEYS[i % 2], T0 + i * 1000, f"ck_{i % 5}", where, False, 3)
        for w in book.apply_call(c).writes:
            table[w.case_id] = w.entry
    for _ in range(3):  # a pass untracks a tuple once what it holds is untracked: depth 3
        gc.collect()
    held = [book.meta(case_id) for case_id in table]
    assert all(m is not None and m.key in KEYS for m in held)
    assert book.postings and any(len(ids) > 1 for ids in book.postings.values())
    tracked = [
        v
        for v in (*book._meta.values(), *book.postings.values(), *book.postings)
        if gc.is_tracked(v)
    ]
    assert tracked == []


@given(st.floats(-60, 60), st.floats(-170, 170), st.floats(0, 360), st.floats(0, 1))
def test_a_point_within_the_radius_is_in_a_neighbouring_cell(lat, lon, bearing, share):
    cells = Cells(100.0)
    r = 100.0 * share
    dlat = r * __import__("math").cos(__import__("math").radians(bearing)) / 111_320
    dlon = (
        r
        * __import__("math").sin(__import__("math").radians(bearing))
        / (111_320 * __import__("math").cos(__import__("math").radians(lat)))
    )
    a, b = Place(None, lon, lat), Place(None, lon + dlon, lat + dlat)
    d = distance_m(a, b)
    assert d is not None
    if d <= 100.0:
        assert cells.of(b.lon, b.lat) in set(cells.around(a.lon, a.lat))


def test_a_callers_parts_combine_into_one_history():
    from fenliu.processors.caller_history import combine, observe

    a, _ = observe(None, "ck", "u1", "OPENED", "case-1", "NP01", T0)
    a, _ = observe(a, "ck", "u2", "REPEAT", "case-1", "NP01", T0 + 10)
    b, _ = observe(None, "ck", "u3", "FLOW_BACK", "case-2", "NP09", T0 + 5)
    both = combine([a, b])
    assert (both.calls, both.cases, both.repeats, both.flow_backs) == (3, 2, 1, 1)
    assert (both.first_seen_ms, both.last_seen_ms) == (T0, T0 + 10)
    assert both.classes == {"NP01": 2, "NP09": 1}
    assert set(both.recent_updates) == {"u1", "u2", "u3"}
