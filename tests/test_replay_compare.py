"""The pure comparison of replayed and recorded decisions, and the tallies of a replay."""

from __future__ import annotations

from dataclasses import replace
from functools import lru_cache

from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from fenliu.processors.decide import Decider
from fenliu.processors.model import Deadline, Decision, Source
from fenliu.processors.records import decision_record
from fenliu.processors.replay_compare import (
    ASPECTS,
    SECTIONS,
    Direction,
    Outcome,
    Tally,
    compare,
    rejected,
)
from fenliu.refdata.decider import build_decider
from fenliu.schemas.serde import SingleObjectCodec
from fenliu.settings import Settings
from tests.factories import BASE_MS, call110, ticket12345

CODEC = SingleObjectCodec()
TEXTS = [
    "工地老板拖欠我们三个月工资，一直拖着不给",
    "楼上邻居家卫生间漏水，水从天花板滴下来，物业不管",
    "有人拿刀在小区门口砍人，地上有血",
    "健身房突然关门跑路了，我办的预付卡还有三千块没用",
    "小区门口夜宵摊每天晚上吵到凌晨两点，油烟也大",
    "我老公喝了酒又打我，我现在躲在邻居家，头上流血了",
]


@lru_cache(maxsize=1)
def decider() -> Decider:
    return build_decider(Settings())


def decide(i: int, text: str, ticket: bool = False) -> Decision:
    raw = ticket12345(f"T{i}", text) if ticket else call110(f"C{i}", text)
    return decider().decide(
        raw, Source.TICKET_12345 if ticket else Source.CALL_110, now_ms=BASE_MS + 1000
    )


def encoded(d: Decision) -> bytes:
    return CODEC.encode("Decision", decision_record(d))


decisions = st.builds(decide, st.integers(0, 50), st.sampled_from(TEXTS), st.booleans())


@hsettings(max_examples=40, deadline=None)
@given(decisions)
def test_a_decision_compared_with_itself_is_the_same_and_byte_identical(d):
    c = compare(d, encoded(d), d, encoded(d))
    assert (c.outcome, c.direction, c.aspects, c.byte_identical) == (
        Outcome.SAME,
        Direction.NONE,
        (),
        True,
    )


@hsettings(max_examples=40, deadline=None)
@given(decisions, st.sampled_from(["taxonomy", "routing", "sla"]))
def test_a_new_data_version_alone_is_versions_only(d, which):
    c, r = d.classification, d.route
    newer = {
        "taxonomy": lambda: replace(
            d, decision_id="dc_other", classification=replace(c, taxonomy_version="v9")
        ),
        "routing": lambda: replace(
            d, decision_id="dc_other", route=replace(r, routing_version="v9")
        ),
        "sla": lambda: replace(d, decision_id="dc_other", sla_policy_version="v9"),
    }[which]()
    v = compare(d, encoded(d), newer, encoded(newer))
    assert (v.outcome, v.aspects, v.byte_identical) == (Outcome.VERSIONS_ONLY, (), False)


@hsettings(max_examples=40, deadline=None)
@given(decisions, decisions)
def test_the_direction_follows_the_police_flag_and_a_list_change_is_always_reported(a, b):
    b = replace(b, event=a.event)  # the same event, decided two ways
    c = compare(a, encoded(a), b, encoded(b))
    was, now = a.classification.is_police_matter, b.classification.is_police_matter
    expected = {
        (True, False): Direction.POLICE_TO_DIVERTED,
        (False, True): Direction.DIVERTED_TO_POLICE,
    }
    assert c.direction == expected.get((was, now), Direction.NONE)
    assert ("list" in c.aspects) == (was != now)
    assert set(c.aspects) <= set(ASPECTS)
    assert (c.outcome is Outcome.CHANGED) == bool(c.aspects)


def test_each_aspect_is_named_for_what_changed():
    d = decide(1, TEXTS[0])
    later = replace(
        d, deadlines=tuple(Deadline(x.stage, x.due_at_ms + 60_000) for x in d.deadlines)
    )
    assert compare(d, None, later, b"").aspects == ("deadlines",)
    moved = replace(d, route=replace(d.route, team_id="team-9", team_method="REDIS_NEAREST"))
    assert compare(d, None, moved, b"").aspects == ("team",)
    reruled = replace(
        d, classification=replace(d.classification, rule_id="situation:other", confidence=0.1)
    )
    assert compare(d, None, reruled, b"").aspects == ("rule", "confidence")


def test_no_recorded_decision_and_rejections():
    d = decide(2, TEXTS[1])
    assert compare(None, None, d, encoded(d)).outcome is Outcome.NOT_RECORDED
    assert rejected(Source.CALL_110, "C2", "EMPTY_CALL", d).outcome is Outcome.NOW_REJECTED
    assert rejected(Source.CALL_110, "C2", "EMPTY_CALL", None).outcome is Outcome.REJECTED
    dead = rejected(Source.CALL_110, None, "UNDECODABLE", None, where="raw/0@5", undecodable=True)
    assert (dead.outcome, dead.where, dead.source_id) == (Outcome.UNDECODABLE, "raw/0@5", "")


def test_tally_counts_both_sides_and_puts_the_dangerous_direction_first():
    police, diverted = decide(3, TEXTS[2]), decide(4, TEXTS[0])
    assert police.classification.is_police_matter and not diverted.classification.is_police_matter
    flipped = replace(diverted, event=police.event)  # the police call, now diverted
    raised = replace(police, event=diverted.event)  # the wage call, now police
    tally = Tally(max_rows=1)
    tally.add(compare(police, encoded(police), flipped, encoded(flipped)))
    tally.add(compare(diverted, encoded(diverted), raised, encoded(raised)))
    tally.add(compare(diverted, encoded(diverted), diverted, encoded(diverted)))
    tally.add(rejected(Source.CALL_110, "C9", "EMPTY_CALL", None))
    tally.add(
        rejected(Source.CALL_110, "C10", "EMPTY_CALL", None)
    )  # over max_rows: counted, not listed
    out = tally.to_dict()
    assert (
        out["outcomes"]["CHANGED"] == 2
        and out["outcomes"]["SAME"] == 1
        and out["outcomes"]["REJECTED"] == 2
    )
    assert out["total"] == 5 and out["byte_identical"] == 1
    assert list(out["sections"]) == list(SECTIONS) and SECTIONS[0] == "police_to_diverted"
    assert [c["source_id"] for c in out["sections"]["police_to_diverted"]] == ["C3"]
    assert [c["source_id"] for c in out["sections"]["diverted_to_police"]] == ["C4"]
    (flip,) = out["flips"]["police_to_diverted"]
    assert (flip["before"], flip["before_rule"], flip["count"]) == (
        police.classification.class_code,
        police.classification.rule_id,
        1,
    )
    assert len(out["sections"]["rejected"]) == 1 and out["omitted"]["rejected"] == 1
    lists = {r["list"]: (r["before"], r["after"]) for r in out["by_list"]}
    assert lists == {"POLICE": (1, 1), "NON_POLICE": (2, 2)}
    assert {(t["before"], t["after"]) for t in out["transitions"]} == {
        (police.classification.class_code, diverted.classification.class_code),
        (diverted.classification.class_code, police.classification.class_code),
    }


@hsettings(max_examples=60, deadline=None)
@given(decisions)
def test_the_fast_event_key_reads_what_the_full_decode_reads(d):
    from fenliu.streams.replay.read import event_key

    data = encoded(d)
    assert event_key(data) == (d.event.source, d.event.source_id)
    assert event_key(data[:12]) is None  # cut short: decode it fully (and fail there)
    assert event_key(b"\x00" + data[1:]) is None  # not single-object framing


def test_the_decision_outcome_is_an_aspect_and_counted_per_side():
    """A replay that would hold for the call-taker what was diverted at once says so."""
    from fenliu.processors.model import Outcome as DecisionOutcome

    d = decide(5, TEXTS[0])
    assert d.classification.outcome is not None
    held = replace(d, classification=replace(d.classification, outcome=DecisionOutcome.SUGGEST))
    c = compare(d, None, held, b"")
    assert "outcome" in c.aspects and c.after is not None and c.after.decision_outcome == "SUGGEST"
    tally = Tally()
    tally.add(c)
    rows = {r["outcome"]: (r["before"], r["after"]) for r in tally.to_dict()["by_outcome"]}
    assert rows[d.classification.outcome.value] == (1, 0) and rows["SUGGEST"] == (0, 1)
