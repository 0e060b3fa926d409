"""Taxonomy zj-2026.12.29, from the twenty-third fresh split once dev (a Lanzhou 12345
writer's hazards, Beijing and Dali callers): a hazard reported with a request that a named
unit inspect or repair it (modality ``referred``) is a condition for that unit, not a danger
happening now; a crime reported to a regulator is still a crime; a lift holding people;
a vehicle gone from where it was left. Examples written here, not copied from a labelled
set; each beside a counterpart that must go the other way."""

from __future__ import annotations

from functools import cache

import pytest

from fenliu.processors.classify import classify
from fenliu.processors.model import CaseEvent, Location, Outcome, Source
from fenliu.processors.outcome import with_outcome
from fenliu.refdata.opinion import load_judge
from fenliu.settings import Settings
from tests.classify_support import run, signs


@cache
def _judge():  # type: ignore[no-untyped-def]
    return load_judge(Settings())


def ticket(text: str) -> Outcome | None:
    judge = _judge()
    ev = CaseEvent(Source.TICKET_12345, "t", 0, "", None, Location(), text, "web")
    got = with_outcome(classify(ev, judge.taxonomy), ev, judge.opinion, judge.categories,
                       judge.policy)  # fmt: skip
    return got.outcome


@pytest.mark.parametrize(
    "text",
    [
        "路口那段护栏被车撞歪了，半个多月没人管，旁边就是河沟，请公路部门尽快修一下",
        "小区后面空地堆了十几个化学品桶，有的在漏，味道很冲，请环保部门来处理",
        "饭店门口摆了一排液化气罐晒太阳，离居民楼很近，希望安监部门查一查",
    ],
)
def test_a_hazard_referred_to_a_named_unit_is_not_sent_to_the_police(text: str) -> None:
    assert ticket(text) is not Outcome.TO_POLICE


@pytest.mark.parametrize(
    "text",
    [
        "化工厂那边刚才一声巨响，正在冒黑烟着火，请环保部门也来看看",  # happening now
        "有人在网上拉老人投钱搞非法集资，已经骗了几十万，请金融监管部门查处",  # a crime
    ],
)
def test_a_danger_now_or_a_crime_still_goes_to_the_police(text: str) -> None:
    assert ticket(text) is Outcome.TO_POLICE


def test_a_crime_word_only_asked_about_is_reviewed_not_sent() -> None:
    text = "楼里几个老人投了一个养老项目，说一年返百分之十二，这是不是非法集资？"
    assert ticket(text) is Outcome.REVIEW


@pytest.mark.parametrize(
    ("text", "sign"),
    [
        ("商场电梯困人，里面有个孕妇和两个小孩，维修的半小时了还没到", "safety:lift_holds_people"),
        ("电瓶车钥匙插起的，我去买个东西，回来车就没得了，前后五分钟", "safety:theft"),
        ("我小孙子在村口儿玩儿，一会儿工夫就没影儿了，喊也不应", "safety:missing"),
    ],
)
def test_dangers_told_in_these_words_keep_the_call(text: str, sign: str) -> None:
    c = run(text)
    assert sign in signs(c), sorted(signs(c))
    assert c.is_police_matter


@pytest.mark.parametrize(
    "text",
    [
        "我们楼电梯这个月已经困人两次了，物业老是拖着不修",  # counting stoppages
        "想问一下特困人员供养怎么申请，我弟弟残疾",  # 特困人员 is not 困人
    ],
)
def test_the_same_words_without_the_danger_keep_no_lift_sign(text: str) -> None:
    assert "safety:lift_holds_people" not in signs(run(text))
    assert "safety:danger" not in signs(run(text))


def test_a_car_gone_because_it_was_towed_is_not_a_theft() -> None:
    c = run("回来发现车不见了，一问是被拖车拖走了，拖车费要三百")
    assert "safety:theft" not in signs(c)


@pytest.mark.parametrize(
    "text",
    [
        # zj-2026.12.35: a case already filed, asked about; a drill told as such
        "来电人称今年五月在网上被人以刷单返利骗走三万多元，当时已在派出所报案并立案，"
        "至今没有任何消息，询问案件办理进展。",
        "今天上午区图书馆突然响起火警警报，有人拿喇叭喊大家疏散，后来才知道是消防演练，"
        "建议以后提前张贴告示。",
    ],
)
def test_a_filed_case_or_a_drill_is_not_sent_to_the_police(text: str) -> None:
    assert ticket(text) is not Outcome.TO_POLICE


def test_a_fraud_happening_now_still_goes_to_the_police() -> None:
    text = "我妈现在正在银行柜台要给一个自称公安的人转账五十万，说是安全账户，快拦住她"
    assert ticket(text) is Outcome.TO_POLICE


@pytest.mark.parametrize(
    "text",
    [
        # zj-2026.12.37: a crowd word in a noise complaint (modality noisy)
        "小区门口那家烧烤店，每天晚上一群人喝酒划拳到凌晨两点，吵得孩子睡不着",
        "广场上每天晚上几拨人跳广场舞，音响开得老大，聚了上百人，一直闹到十点多",
    ],
)
def test_a_crowd_making_noise_is_routed_not_sent_to_the_police(text: str) -> None:
    assert ticket(text) is Outcome.ROUTE


@pytest.mark.parametrize(
    "text",
    [
        "广场舞那帮人天天把小区门口围住了跳，音响吵得很，晚上十点还不停",
        "夜市摊贩把路口围住了，吆喝声吵得很，半夜还在闹",
        "楼下那群人天天在小区门口拉横幅吵吵闹闹，喇叭声吵得人睡不着",
    ],
)
def test_noise_governs_a_crowd_word_the_crowd_shares_with_another_sign(text: str) -> None:
    """围住 and 拉横幅 are parts of the vehicle-crowd sign too; that used to let them
    escape the noise cue and make a crowd of a noise complaint."""
    c = run(text)
    assert "safety:crowd" not in signs(c), sorted(signs(c))
    assert ticket(text) is Outcome.ROUTE


def test_a_shared_crowd_word_under_noise_still_completes_the_other_sign() -> None:
    c = run("几十辆渣土车停在路口拉横幅，把路口围住了，喇叭按得吵死人")
    assert c.is_police_matter and "safety:vehicle_crowd" in signs(c), sorted(signs(c))


def test_a_crowd_word_beside_noise_does_not_hide_a_fight() -> None:
    c = run("楼下烧烤摊一群人喝酒喝多了，现在打起来了，有人拿酒瓶砸人")
    assert c.is_police_matter
    assert "safety:violence" in signs(c) or "safety:weapon" in signs(c), sorted(signs(c))


@pytest.mark.parametrize(
    "text",
    [
        # zj-2026.12.167: 救命 over water through the ceiling (modality leaking)
        "救命啊，楼上水管爆了，水从我家灯那儿往下淌，楼上没人，电话也不接",
        # (救命呀: 救命哦 is masked as exasperation since zj-2026.12.261, so it leaves no doubt)
        "救命呀，楼上卫生间漏水，我床上都湿透了，找他几回都不管",
        # zj-2026.12.174: told in Cantonese
        "救命啊！水由天花一路滴落嚟，张床湿晒，楼上又冇人应门",
    ],
)
def test_a_cry_for_help_over_water_through_the_ceiling_is_a_doubt(text: str) -> None:
    """Eleven writers' ordinary calls cried 救命 over a soaked flat; the leak governs the cry
    (and P06-05's own word for it), which becomes a doubt: suggested on 110, not kept."""
    c = run(text)
    assert "safety:cry_for_help" not in signs(c), sorted(signs(c))
    assert any(d.startswith("danger_modal:leaking:") for d in c.doubts), c.doubts
    assert not c.is_police_matter
    assert ticket(text) is not Outcome.TO_POLICE


@pytest.mark.parametrize(
    ("text", "sign"),
    [
        ("救命啊，水管爆了，水淹进屋，我奶奶困在里屋出不来", "safety:danger"),
        ("救命，楼上漏水，我去敲门，他家男的拿刀出来要砍我", "safety:armed"),
    ],
)
def test_a_leak_does_not_hide_a_person_in_danger(text: str, sign: str) -> None:
    c = run(text)
    assert c.is_police_matter and sign in signs(c), sorted(signs(c))


def test_a_cry_for_help_clauses_away_from_a_leak_is_still_one() -> None:
    c = run("楼上漏水一个多月了没人管，我上楼去找物业，刚走到三楼，听到楼道里有个女的喊救命")
    assert c.is_police_matter and "safety:cry_for_help" in signs(c), sorted(signs(c))
