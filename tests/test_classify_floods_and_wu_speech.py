"""Taxonomy zj-2026.12.27, from the twenty-first fresh split once dev (Hulunbuir and
Zhoushan callers): stranded by rising water told as cars that cannot get out, a fallen wire
told by the water it lies in, Wu 弗 read as 不, and two figures of complaints (杀人不见血 about
a fee, 简直是绑架 about a contract). Examples written here, not copied from a labelled set;
each beside a counterpart that must not fire."""

from __future__ import annotations

import pytest

from tests.classify_support import run, signs


@pytest.mark.parametrize(
    "text",
    [
        "河里涨水了，我们的帐篷都泡了，车开不出去，孩子还在车上",
        "台风刮断了电线，电线掉在水里，就在学校门口那条路上",
    ],
)
def test_these_dangers_keep_the_call(text: str) -> None:
    c = run(text)
    assert c.is_police_matter, (c.rule_id, sorted(signs(c)))


@pytest.mark.parametrize(
    "text",
    [
        "这个物业简直是杀人弗见血，停车费一年涨两回",  # a fee, not a killing (弗 is 不)
        "驾校简直是绑架学员，不交补考费就不给约考",  # a contract, not a kidnapping
    ],
)
def test_figures_of_a_fee_or_a_contract_keep_no_sign(text: str) -> None:
    c = run(text)
    assert not signs(c), sorted(signs(c))


def test_wu_negation_reads_as_the_standard_one() -> None:
    """弗是 is 不是, a negation cue: a denied leak is no leak (bare 不, like bare 弗, is none)."""
    text = "燃气停了两天，弗是漏气，就是没气，饭也烧弗了"
    c = run(text)
    assert "safety:gas" not in signs(c), sorted(signs(c))
    assert any(e.kind == "negated" for e in c.evidence), c.evidence
