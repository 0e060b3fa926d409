"""Pure properties behind the split replay and dead letters in the trail (no broker)."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from fenliu.processors.audit_trail import dead_letter_detail, dead_letter_ids, position_id
from fenliu.processors.model import Source
from fenliu.processors.replay_compare import Tally, rejected

ROWS = st.lists(
    st.tuples(
        st.sampled_from(list(Source)),
        st.text("ab12", min_size=1, max_size=4),
        st.sampled_from(["EMPTY_CALL", "FUTURE_TIME"]),
        st.booleans(),
    ),
    max_size=40,
)


def _tally(rows, max_rows):  # type: ignore[no-untyped-def]
    t = Tally(max_rows=max_rows)
    for n, (source, sid, reason, undecodable) in rows:
        t.add(rejected(source, sid, reason, None, where=f"t/0@{n}", undecodable=undecodable))
    return t


@given(ROWS, st.integers(1, 5), st.lists(st.integers(0, 3), max_size=40))
def test_a_tally_split_any_way_and_merged_is_the_single_tally(rows, max_rows, owners):
    """However the records are shared out and in whatever order, the merged report is the same."""
    rows = list(enumerate(rows))  # each record has its position, whoever replays it
    whole = _tally(rows, max_rows)
    parts: dict[int, list] = {}
    for n, row in rows:
        parts.setdefault(owners[n] if n < len(owners) else 0, []).append((n, row))
    merged = Tally(max_rows=max_rows)
    for key in sorted(parts, reverse=True):
        merged.merge(_tally(list(reversed(parts[key])), max_rows))
    assert json.dumps(merged.to_dict(), sort_keys=True) == json.dumps(
        whole.to_dict(), sort_keys=True
    )


DEAD = st.fixed_dictionaries(
    {
        "topic": st.sampled_from(["fenliu.raw.110", "fenliu.orders"]),
        "partition": st.integers(0, 5),
        "offset": st.integers(0, 10**9),
        "stage": st.just("normalise"),
        "reason": st.just("EMPTY_CALL"),
        "service": st.just("router"),
        "error": st.just("call me on 13812345678"),
        "value": st.binary(max_size=20),
        "value_sha256": st.text("0123456789abcdef", min_size=64, max_size=64),
    }
)


@given(
    DEAD,
    st.one_of(st.none(), st.just({"call_id": "C1", "caller_phone": "13812345678"})),
    st.one_of(st.none(), st.just("ck_1")),
    st.sampled_from(["", "ck_1", "C1"]),
)
def test_a_dead_letter_links_by_its_original_and_never_leaks_the_number(dead, original, key, seed):
    ids = dead_letter_ids(dead, original, key, seed)
    assert position_id(dead["topic"], dead["partition"], dead["offset"]) in ids
    assert ("C1" in ids) == (original is not None)
    assert ("ck_1" in ids) == (key is not None and seed == "ck_1")  # a caller key: seed only
    text = json.dumps(dead_letter_detail(dead, original, b"k", None), ensure_ascii=False)
    assert "13812345678" not in text and 'value"' not in text.replace("value_sha256", "")
