"""The pure parts of the case audit: which ids a record carries, and what a seed reaches."""

from __future__ import annotations

from itertools import pairwise

from hypothesis import given
from hypothesis import strategies as st

from fenliu.processors.audit_trail import connected, ids_in, masked
from fenliu.settings import Settings


def test_ids_are_found_at_any_depth_and_only_case_parts_are_followed():
    record = {
        "update_id": "u1",
        "case_id": "cs1",
        "current_order_id": "o2",
        "related_case_id": "cs9",
        "unit_id": "u-dc",
        "team_id": "t-1",
        "case_key": "331099001:NP02",
        "caller_key": "ck_1",
        "event": {"source_id": "C7", "text": "…"},
        "merged_decision_ids": ["dc_a", "dc_b"],
        "evidence": [{"rule_id": "situation:NP02-02"}],
    }
    assert ids_in(record) == {"cs1", "o2", "C7", "dc_a", "dc_b"}


chains = st.lists(st.text("abcdef", min_size=1, max_size=4), min_size=2, max_size=8, unique=True)


@given(chains, chains)
def test_a_seed_reaches_its_chain_and_nothing_of_another(a, b):
    b = [f"x{v}" for v in b]  # a second case with ids of its own
    links = [frozenset(p) for chain in (a, b) for p in pairwise(chain)]
    reached = connected(a[0], links)
    assert {i for p in reached for i in links[p]} == set(a)
    assert connected("nobody", links) == []


def test_masking_replaces_the_number_by_the_caller_key_and_scrubs_free_text_only():
    settings = Settings()
    raw = {
        "call_id": "A1",
        "caller_phone": "13812345678",
        "content": "请回电13812345678",
        "decision_id": "dc_1aebf02468411f49",
    }
    out = masked(
        raw,
        settings.intake.phone_hmac_key.get_secret_value().encode(),
        settings.intake.phone_default_area_code,
    )
    assert "13812345678" not in str(out) and out["caller_key"].startswith("ck_")
    assert out["decision_id"] == "dc_1aebf02468411f49"  # ids keep their digits


def test_the_trail_shows_the_outcome_and_the_call_takers_answer():
    from fenliu.processors.audit_trail import describe
    from fenliu.topics import catalogue as topics

    decision = {
        "outcome": "SUGGEST",
        "outcome_rule": "rules:doubt (low_margin)",
        "list": "NON_POLICE",
        "class_code": "NP01",
        "class_name": "劳资",
        "situation_name": "欠薪",
        "route": {"unit_name": "劳动监察"},
        "rule_id": "situation:NP01-01",
        "taxonomy_version": "t1",
    }
    _, kind, summary = describe(topics.DECISIONS, decision, 5)
    assert kind == "decision" and summary.startswith(
        "SUGGEST (rules:doubt (low_margin)) NON_POLICE"
    )
    verdict = {"decision_id": "dc_1", "verdict": "EXPIRED", "by": "fenliu-worker", "at": 7}
    at, kind, summary = describe(topics.VERDICTS, verdict, None)
    assert (at, kind) == (7, "call-taker EXPIRED") and "police keep" in summary
    assert ids_in({**verdict, "source_id": "", "case_key": ""}) == {"dc_1"}
