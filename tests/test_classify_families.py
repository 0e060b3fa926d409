"""Danger families added in taxonomy zj-2026.12.2, each with an example written here
(not copied from a labelled set) and the harmless wording beside it that must stay clear.

The families: a demand with harm if refused; pay first, then the other side vanishes;
paid and blocked; something given by a stranger and a body out of control; a drone at a
window; property attacked to intimidate; locked in and unable to get out; drinking and
about to drive; fuel and a flame carried together; despair in a high or watery place.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.classify_support import run


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("隔壁班几个男生天天问我女儿要零花钱，不给就揍她", "safety:coerced_payment"),
        ("两个纹身的来我理发店说每个月交两千，不交就砸店", "safety:coerced_payment"),
        ("网上应聘客服，对方让先交了八百体检费，第二天再打电话已经关机", "safety:job_fee_fraud"),
        ("闲鱼上买二手相机，对方收了钱就把我拉黑了", "safety:paid_blocked"),
        ("我同事喝了陌生人给的饮料，现在迷迷糊糊站不稳", "safety:spiked"),
        ("晚上有架无人机一直停在我家卧室窗户外面", "safety:drone_window"),
        ("早上下楼发现车窗被砸碎了，门上还被人写了字", "safety:vandalised"),
        ("他们把仓库门锁了，我们三个人在里面出不去", "safety:locked_in"),
        ("对面那桌喝了两斤白酒，说要自己开车回家", "safety:drunk_driving"),
        ("超市门口有个男的身上一股汽油味，手里攥着打火机", "safety:arson_ready"),
        ("我哥生意赔光了，刚打电话说对不起我们，现在在水库边", "safety:despair_high_place"),
    ],
)
def test_new_danger_families_keep_the_call(text: str, rule: str) -> None:
    c = run(text)
    assert c.is_police_matter, (c.rule_id, c.situation_code, [e.term for e in c.evidence])
    assert c.rule_id == rule


@pytest.mark.parametrize(
    "text",
    [
        "物业说不交物业费就不给办停车卡",  # a refusal with no harm
        "我家狗走丢了，是一只黄色的柯基",  # an animal went missing, not a person
        "车钥匙锁在车里了，车里没人",  # keys locked in, nobody inside
        "卖家发货慢，我付了钱等了十天",  # paid, nobody vanished
        "老人把门反锁了，人没事，在里面跟我说话",  # locked by the person inside
        "报警人称包是自己遗落的，并非被盗，想请人帮忙找",  # 并非 negates
    ],
)
def test_harmless_wording_beside_the_families_stays_clear(text: str) -> None:
    c = run(text)
    safety = [e.term for e in c.evidence if e.kind == "safety"]
    assert not safety, (c.rule_id, safety)


REFUSALS = st.sampled_from(["不交就", "不给就", "不给钱就", "不还钱就"])
HARMS = st.sampled_from(["打你", "砸了你的店", "找人收拾你", "叫人来", "让你开不下去"])
FILLER = st.sampled_from(["", "他说", "那几个人讲", "昨天晚上又来了，"])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(FILLER, REFUSALS, HARMS, st.sampled_from(["110", "12345"]))
def test_a_refusal_with_harm_is_always_police(filler: str, refusal: str, harm: str,
                                              source: str) -> None:  # fmt: skip
    c = run(f"{filler}{refusal}{harm}", source)
    assert c.is_police_matter, (c.rule_id, [e.term for e in c.evidence])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(["狗", "猫", "宠物"]), st.sampled_from(["走丢了", "丢了", "不见了"]),
       st.sampled_from(["", "早上遛的时候", "昨天"]))  # fmt: skip
def test_a_lost_pet_is_never_a_missing_person(pet: str, gone: str, when: str) -> None:
    c = run(f"{when}我家{pet}{gone}，有人看到吗")
    assert c.rule_id != "safety:missing"


def test_a_dated_event_in_a_written_complaint_is_past() -> None:
    c = run("2017年11月30日物业保安殴打业主，至今没有说法，请求处理物业问题", "12345")
    assert not c.is_police_matter, (c.rule_id, [e.term for e in c.evidence])
    assert any(d.startswith("danger_modal:past:") for d in c.doubts), c.doubts
    # ... unless the clause says it is happening now
    now = run("2026年12月2日现在楼下有人在殴打一个老人", "110")
    assert now.is_police_matter


@given(st.integers(1990, 2030), st.integers(1, 12), st.integers(1, 28),
       st.sampled_from(["殴打", "起火", "被盗"]))  # fmt: skip
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_a_date_before_a_danger_word_makes_it_past(year: int, month: int, day: int,
                                                   word: str) -> None:  # fmt: skip
    c = run(f"{year}年{month}月{day}日小区里{word}的事情，希望有关部门给个答复", "12345")
    assert not c.is_police_matter, (c.rule_id, c.doubts)


def test_a_lone_modal_part_of_a_police_situation_is_no_doubt() -> None:
    # 工资 is one part of 讨薪人员聚集 (工资 + 聚集): alone, under 如果, it doubts nothing.
    c = run("如果这个月工资还不发，我想问问劳动监察怎么投诉", "12345")
    assert not [d for d in c.doubts if d.startswith("police_term_modal")], c.doubts


def test_a_transcript_pause_ends_a_clause_but_a_stray_space_does_not() -> None:
    from fenliu.processors.textnorm import normalise

    assert normalise("把我们单元门口堵了 车主电话打了三遍不接").text.count(",") == 1
    assert normalise("他 打 人了").text == "他打人了"
    # the pause keeps "把我们" away from "打" in the next clause
    c = run("有辆车把我们单元门口堵了 车主电话打了三遍不接 想找人联系车主挪车")
    assert c.rule_id != "safety:violence", [e.term for e in c.evidence]


def test_a_dash_sets_off_a_clause_of_its_own() -> None:
    """zj-2026.12.44: an aside between dashes is its own clause, so a denial inside it ("不是被
    偷，是我自己掉的") and the words around it are read apart."""
    from fenliu.processors.textnorm import normalise

    assert normalise("钱包不见了——不是被偷").text == "钱包不见了,不是被偷"
    assert normalise("钱包不见了–不是被偷").text == "钱包不见了,不是被偷"
    assert normalise("20-30人").text.count(",") == 0  # a range of numbers is no clause


def test_wu_negation_reads_as_mandarin() -> None:
    """勿 is 不 as Wu speakers write it (zj-2026.12.48), as 弗 and Cantonese 唔 already were."""
    from fenliu.processors.textnorm import normalise

    assert normalise("勿是漏气").text == "不是漏气"
    assert normalise("请勿吸烟").text == "请不吸烟"  # still a negation
