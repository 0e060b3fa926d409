"""Outcomes: how the rules' verdict, the model's probability and the category combine."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import given
from hypothesis import strategies as st

from fenliu.processors.categories import CategoryMatch
from fenliu.processors.model import Classification, ListName, Outcome, Source
from fenliu.processors.outcome import POLICE_OUTCOMES, OutcomePolicy, decide_outcome

POLICY = OutcomePolicy(divert_below=0.3, keep_above=0.8, route_below=0.4, model_version="tm-test")
NO_KEEP = replace(POLICY, keep_above=None)
CATEGORY = CategoryMatch("C01-01-01", ("城乡建设", "城乡规划与违法建设", "违章建筑"), "综合行政执法局",
                         False, "words", ("违建",), 2.5)  # fmt: skip
POLICE_CATEGORY = replace(CATEGORY, id="C08-03-01", police=True, department="公安局")


def cls(police: bool, rule: str = "situation:NP02-02", doubts: tuple[str, ...] = (),
        situation: str = "NP02-02") -> Classification:  # fmt: skip
    return Classification(
        is_police_matter=police, list_name=ListName.POLICE if police else ListName.NON_POLICE,
        class_code=situation.split("-")[0], class_name="c", situation_code=situation,
        situation_name="s", department="矛调中心", priority=3, sla_class="X", confidence=0.8,
        rule_id=rule, evidence=(), taxonomy_version="t", doubts=doubts,
    )  # fmt: skip


def outcome(c: Classification, source: Source, p: float | None,
            cat: CategoryMatch | None = None, policy: OutcomePolicy = POLICY) -> Classification:  # fmt: skip
    return decide_outcome(c, source, p, cat, policy)


def test_110_police_rules_keep_whatever_the_model_says() -> None:
    out = outcome(cls(True, "safety:weapon", situation="P01-01"), Source.CALL_110, 0.01)
    assert out.outcome is Outcome.KEEP and out.is_police_matter and out.rules_is_police
    assert out.model_police_probability == 0.01 and out.model_version == "tm-test"


def test_110_divert_only_when_clean_and_the_model_agrees() -> None:
    divert = outcome(cls(False), Source.CALL_110, 0.1)
    assert divert.outcome is Outcome.DIVERT and not divert.is_police_matter
    assert divert.rules_is_police is False and "agree" in divert.outcome_rule
    doubt = outcome(cls(False, doubts=("modal:万一",)), Source.CALL_110, 0.1)
    assert doubt.outcome is Outcome.SUGGEST and "modal:万一" in doubt.outcome_rule
    unsure = outcome(cls(False), Source.CALL_110, 0.5)
    assert unsure.outcome is Outcome.SUGGEST and not unsure.is_police_matter
    no_model = outcome(cls(False), Source.CALL_110, None)
    assert no_model.outcome is Outcome.SUGGEST and no_model.model_version is None


def test_110_a_sure_model_keeps_a_call_the_rules_cleared() -> None:
    kept = outcome(cls(False), Source.CALL_110, 0.9)
    assert kept.outcome is Outcome.KEEP and kept.is_police_matter and kept.rules_is_police is False
    assert outcome(cls(False), Source.CALL_110, 0.9, policy=NO_KEEP).outcome is Outcome.SUGGEST


def test_110_no_evidence_is_suggested_when_the_model_finds_it_clearly_not_police() -> None:
    policy = replace(POLICY, fallback_suggest_below=0.3)
    fb = cls(True, "default:unclassified", situation="P00-00")
    low = outcome(fb, Source.CALL_110, 0.1, policy=policy)
    assert low.outcome is Outcome.SUGGEST and not low.is_police_matter and low.rules_is_police
    assert "no-evidence" in low.outcome_rule
    assert outcome(fb, Source.CALL_110, 0.3, policy=policy).outcome is Outcome.KEEP
    assert outcome(fb, Source.CALL_110, None, policy=policy).outcome is Outcome.KEEP
    assert outcome(fb, Source.CALL_110, 0.1).outcome is Outcome.KEEP  # off by default
    # a real police rule is never SUGGESTed, however low the probability
    sure = cls(True, "safety:weapon", situation="P01-03")
    assert outcome(sure, Source.CALL_110, 0.0, policy=policy).outcome is Outcome.KEEP


def test_12345_a_sure_model_sends_to_the_police_and_named_crimes_are_never_vetoed() -> None:
    policy = replace(POLICY, to_police_above=0.8, to_police_veto_below=0.1)
    sure = outcome(cls(False), Source.TICKET_12345, 0.9, CATEGORY, policy)
    assert sure.outcome is Outcome.TO_POLICE and "model" in sure.outcome_rule
    assert (
        outcome(cls(False), Source.TICKET_12345, 0.79, CATEGORY, policy).outcome
        is not Outcome.TO_POLICE
    )
    gambling = cls(True, "situation:P07-01", situation="P07-01")
    assert outcome(gambling, Source.TICKET_12345, 0.01, None, policy).outcome is Outcome.TO_POLICE
    fight = cls(True, "safety:violence", situation="P01-02")
    assert outcome(fight, Source.TICKET_12345, 0.01, None, policy).outcome is Outcome.REVIEW


def test_12345_to_police_only_on_a_danger_or_crime_rule() -> None:
    danger = outcome(
        cls(True, "safety:weapon", situation="P01-01"), Source.TICKET_12345, 0.0, CATEGORY
    )
    assert danger.outcome is Outcome.TO_POLICE and danger.is_police_matter
    assert danger.department == "矛调中心"  # the rules' department, not the category's
    fallback = outcome(
        cls(True, "default:unclassified", situation="P00-00"), Source.TICKET_12345, 0.1, CATEGORY
    )
    assert fallback.outcome is Outcome.ROUTE and not fallback.is_police_matter
    service = outcome(
        cls(True, "situation:P08-01", situation="P08-01"), Source.TICKET_12345, 0.1, CATEGORY
    )
    assert service.outcome is Outcome.ROUTE


def test_12345_route_needs_a_category_agreement_and_no_doubt() -> None:
    routed = outcome(cls(False), Source.TICKET_12345, 0.1, CATEGORY)
    assert routed.outcome is Outcome.ROUTE and routed.department == "综合行政执法局"
    assert routed.category_path == CATEGORY.path and routed.category_id == "C01-01-01"
    assert outcome(cls(False), Source.TICKET_12345, 0.1, None).outcome is Outcome.REVIEW
    assert outcome(cls(False), Source.TICKET_12345, 0.5, CATEGORY).outcome is Outcome.REVIEW
    assert outcome(cls(False), Source.TICKET_12345, None, CATEGORY).outcome is Outcome.REVIEW
    doubt = outcome(
        cls(False, doubts=("danger_modal:hypothetical:火灾",)), Source.TICKET_12345, 0.1, CATEGORY
    )
    assert doubt.outcome is Outcome.REVIEW and "danger_modal" in doubt.outcome_rule
    # "no evidence" for the 110 taxonomy's class: the category file placed it, so it routes.
    unplaced = outcome(
        cls(False, doubts=("no_evidence", "low_margin")), Source.TICKET_12345, 0.1, CATEGORY
    )
    assert unplaced.outcome is Outcome.ROUTE
    crime_words = outcome(cls(False), Source.TICKET_12345, 0.1, POLICE_CATEGORY)
    assert crime_words.outcome is Outcome.TO_POLICE and "category:crime" in crime_words.outcome_rule
    by_model = outcome(
        cls(False), Source.TICKET_12345, 0.1, replace(POLICE_CATEGORY, words=(), method="model")
    )
    assert by_model.outcome is Outcome.REVIEW
    nobody = outcome(cls(False), Source.TICKET_12345, 0.1, None)
    assert nobody.department == POLICY.review_department and nobody.category_path == ()


RULES = st.sampled_from(["safety:weapon", "situation:P02-01", "situation:NP01-01",
                         "default:unclassified", "default:unclassified_12345", "situation:P08-01"])  # fmt: skip


@st.composite
def cases(
    draw: st.DrawFn,
) -> tuple[Classification, Source, float | None, CategoryMatch | None, OutcomePolicy]:
    rule = draw(RULES)
    situation = rule.split(":", 1)[1] if rule.startswith("situation:") else "P01-01"
    c = cls(draw(st.booleans()), rule, tuple(draw(st.lists(st.sampled_from(["modal", "low_margin", "no_evidence"]), max_size=2))),
            situation)  # fmt: skip
    p = draw(st.none() | st.floats(0, 1))
    cat = draw(st.none() | st.just(CATEGORY) | st.just(POLICE_CATEGORY))
    lo = draw(st.floats(0, 1))
    keep = draw(st.none() | st.floats(lo, 1))
    policy = OutcomePolicy(divert_below=lo, keep_above=keep, route_below=draw(st.floats(0, 1)),
                           fallback_suggest_below=draw(st.none() | st.floats(0, 1)),
                           to_police_above=draw(st.none() | st.floats(0.5, 1)),
                           to_police_veto_below=draw(st.none() | st.floats(0, 0.2)))  # fmt: skip
    return c, draw(st.sampled_from(list(Source))), p, cat, policy


@given(cases())
def test_outcome_properties(case: tuple) -> None:  # type: ignore[type-arg]
    c, source, p, cat, policy = case
    out = decide_outcome(c, source, p, cat, policy)
    assert out.is_police_matter == (out.outcome in POLICE_OUTCOMES)
    assert out.rules_is_police == c.is_police_matter and out.outcome_rule
    if source is Source.CALL_110:
        assert out.outcome in (Outcome.KEEP, Outcome.DIVERT, Outcome.SUGGEST)
        if c.is_police_matter and not c.rule_id.startswith("default:"):
            assert out.outcome is Outcome.KEEP
        if c.is_police_matter and out.outcome is not Outcome.KEEP:  # only the fallback, unsure
            fb = policy.fallback_suggest_below
            assert out.outcome is Outcome.SUGGEST and fb is not None and p is not None and p < fb
        assert out.category_path == () and out.department == c.department
    else:
        assert out.outcome in (Outcome.ROUTE, Outcome.REVIEW, Outcome.TO_POLICE)
        if out.outcome is Outcome.TO_POLICE:
            crime_words = cat is not None and cat.police and bool(cat.words)
            sure = (
                policy.to_police_above is not None and p is not None and p >= policy.to_police_above
            )
            assert (
                crime_words or sure or (c.is_police_matter and not c.rule_id.startswith("default:"))
            )
    if out.outcome is Outcome.DIVERT:
        assert not c.doubts
    if out.outcome is Outcome.ROUTE:
        assert set(c.doubts) <= policy.route_ignores_doubts
    if out.outcome in (Outcome.DIVERT, Outcome.ROUTE):
        assert p is not None
        assert p < (policy.divert_below if source is Source.CALL_110 else policy.route_below)
    if out.outcome is Outcome.ROUTE:
        assert cat is not None and not cat.police and out.department == cat.department
    # Deciding again changes nothing: the rules' own verdict is kept, not the system's.
    assert decide_outcome(out, source, p, cat, policy) == out


def test_the_decider_without_an_opinion_diverts_nothing() -> None:
    from fenliu.refdata.decider import build_decider
    from fenliu.settings import Settings
    from tests.factories import call110

    settings = Settings().replace(refdata={"opinion_enabled": False})
    decider = build_decider(settings)
    assert decider.opinion is None and decider.outcome_policy is not None
    d = decider.decide(
        call110("c1", "楼上漏水，天花板都泡坏了"),
        Source.CALL_110,
        now_ms=call110("x", "")["received_at"],
    )
    assert d.classification.outcome is Outcome.SUGGEST and not d.classification.is_police_matter
    assert d.classification.model_version is None


def test_evaluate_reports_outcomes_on_a_small_set(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import json
    import subprocess
    import sys
    from pathlib import Path

    from fenliu.outcome_eval import real_report
    from fenliu.refdata.opinion import load_judge
    from fenliu.settings import Settings

    rows = [
        {"id": "p1", "source": "110", "text": "有人拿刀在门口砍人", "expected_list": "POLICE"},
        {"id": "n1", "source": "110", "text": "楼上漏水，天花板都泡坏了", "expected_list": "NON_POLICE"},
        {"id": "t1", "source": "12345", "text": "小区门口有人违章搭建彩钢棚", "expected_list": "NON_POLICE",
         "expected_category_l1": "城乡建设"},
    ]  # fmt: skip
    path = tmp_path / "small.jsonl"
    path.write_text(
        "\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", encoding="utf-8"
    )
    exe = Path(sys.executable).with_name("fenliu")
    done = subprocess.run([str(exe), "evaluate", "--set", str(path), "--json"], capture_output=True,
                          text=True, timeout=120, check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["police_recall"] == 1.0 and report["police_total"] == 1
    assert report["non_police_110"] == 1 and report["tickets_12345"] == 1
    assert report["level1_labelled"] == 1 and report["level1_agreement"] == 1.0
    assert report["outcomes_12345"] == {"ROUTE": 1}
    assert real_report(load_judge(Settings()), real_dir=tmp_path / "absent") is None


def test_every_decision_names_the_versions_that_made_it() -> None:
    """An audit reproduces a decision from the taxonomy, model and category versions."""
    from fenliu.processors.decide import decision_id
    from fenliu.processors.records import decision_from_record, decision_record
    from fenliu.refdata.decider import build_decider
    from fenliu.settings import Settings
    from tests.factories import ticket12345

    decider = build_decider(Settings())
    assert decider.opinion is not None and decider.categories is not None
    raw = ticket12345("t1", "小区门口有人违章搭建彩钢棚")
    d = decider.decide(raw, Source.TICKET_12345, now_ms=raw["created_at"])
    c = d.classification
    assert c.taxonomy_version == decider.taxonomy.version
    assert c.model_version == decider.opinion.version
    assert c.categories_version == decider.categories.version
    assert decision_from_record(decision_record(d)).classification.categories_version == (
        decider.categories.version
    )
    # the id moves with each version used, and stays as it was without them
    base = decision_id(d.event, "t", "r", "s")
    with_model = decision_id(d.event, "t", "r", "s", "m1")
    with_both = decision_id(d.event, "t", "r", "s", "m1", "c1")
    assert len({base, with_model, with_both}) == 3
    assert base == decision_id(d.event, "t", "r", "s", None, None)
