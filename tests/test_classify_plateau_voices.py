"""Taxonomy zj-2026.12.23 and the variant fold, from the seventeenth fresh split once dev
(Guizhou, Hebei and Lhasa callers): a debtor's figure said twice, a company called a
kidnapper or a swindler, a towed car, 哪个 (谁) between a denial and the deed, a person word
before 质疑, and 飚车 written for 飙车. Examples written here, not copied from a labelled set;
each beside a counterpart that must still fire."""

from __future__ import annotations

import pytest

from tests.classify_support import run, signs


@pytest.mark.parametrize(
    "text",
    [
        "装修队的老板讲你就是杀了我我都拿不出钱，我们几个工钱咋个办",  # the figure, said twice
        "小卖部老板打死也不给换，说拆了包装就不算",
        "物业拿停水来逼我们交费，等于拿水绑架业主嘛",
        "这家培训班收了钱不上课，简直是骗子，想问教育局管不管",
        "停了十分钟就被拖车把我车拖走了，拖车场要三百",
        "报警人质疑超市秤不准，要求市场监管复称",  # 人 + 质疑, not 人质
        "上回差点吵起来，这回没得哪个动手，就想喊社区评个理",  # 哪个 is 谁
    ],
)
def test_figures_towed_cars_and_denials_keep_no_sign(text: str) -> None:
    c = run(text)
    assert not signs(c), sorted(signs(c))


@pytest.mark.parametrize(
    ("text", "sign"),
    [
        ("他拿着刀说今天杀了我，人还在门口", "safety:threat"),
        ("三个男的把我拖走塞进车里，我偷偷打的电话", "safety:taken_away"),
        ("他们劫持了人质在银行里面", "safety:detention"),
        ("刚才哪个把我打了一顿，头在流血", "safety:violence"),  # 哪个 without a denial
    ],
)
def test_the_danger_beside_them_still_fires(text: str, sign: str) -> None:
    c = run(text)
    assert sign in signs(c), sorted(signs(c))
    assert c.is_police_matter


@pytest.mark.parametrize("written", ["飚车", "飈车"])
def test_a_variant_character_reads_as_the_standard_one(written: str) -> None:
    text = f"每天半夜有几辆改装车在大桥上{written}，轰得人睡不着"
    c = run(text)
    assert c.situation_code == run(text.replace(written, "飙车")).situation_code
    assert c.is_police_matter
    # evidence points at the characters as written
    ev = next(e for e in c.evidence if e.term == "飙车")
    assert text[ev.start : ev.end] == written
