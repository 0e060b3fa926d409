"""Danger families added in taxonomy zj-2026.12.6, each with examples written here (not
copied from a labelled set) and the harmless wording beside it that must stay clear.

The families: theft told by what the thief did (a lock cut, a bike ridden or pushed
away by someone); identity fraud found in a record (a person or a card in one's name
that one never had); an identity document withheld until money is paid; a crowd told by
its vehicles (scores of taxis or lorries parked in protest, blocking); a victim who
reports the sum lost to a fraud; personal-data crimes (tapping, selling citizens' data).
"""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fenliu.processors.model import Outcome, Source
from fenliu.processors.outcome import OutcomePolicy, decide_outcome
from tests.classify_support import run, signs


@pytest.mark.parametrize(
    ("text", "sign"),
    [
        ("我的自行车停在超市门口，出来就看见一个男的骑走了", "safety:carried_off"),
        ("有人把我家门口的两箱牛奶拎走了，就刚刚", "safety:carried_off"),
        ("放在楼道的婴儿车不知道被谁推走了", "safety:carried_off"),
        ("我的电瓶车锁被剪断了，车没了", "safety:theft"),
        ("早上起来发现车棚里好几辆车的锁被撬了", "safety:theft"),
        ("我名下突然多了两张电话卡，不是我办的", "safety:identity_record"),
        ("去派出所开证明才知道户口上多出一个人，我根本不认识", "safety:identity_record"),
        ("有人冒用我的身份在外地开了公司", "safety:identity_fraud"),
        ("老板扣着我的身份证不给我，说要交五千块钱才还", "safety:document_ransom"),
        ("中介把我们的护照收走了，说不交两万违约金就不还", "safety:document_withheld"),
        (
            "五十多辆货车停在高速收费站口不走了，司机们说要讨说法，车都过不去",
            "safety:vehicle_crowd",
        ),
        ("上百辆电动车骑手聚集在平台公司楼下抗议，把路口堵死了", "safety:vehicle_crowd"),
        ("我妈在网上买理财被骗了八万多，对方现在联系不上", "safety:fraud_victim"),
    ],
)
def test_new_families_keep_the_call(text: str, sign: str) -> None:
    c = run(text)
    assert c.is_police_matter, (c.rule_id, [e.term for e in c.evidence])
    assert sign in signs(c), (c.rule_id, signs(c))


@pytest.mark.parametrize(
    "text",
    [
        "城管把我摆摊的三轮车推走了，我想问问怎么拿回来",  # an authority took it, not someone
        "物业把楼道里的电动车都搬走了，说是消防检查",
        "家里的旧家具让收废品的搬走了，他给了五十块钱",
        "我的自行车锁坏了，想找个修锁的",
        "驾驶证被交警扣了12分，要交罚款吗",  # a traffic penalty, not a document held for money
        "身份证丢了，补办要交多少钱",
        "我想把户口迁到我老公家，户口本上要加一个人，需要什么材料",
        "几十辆共享单车停满了人行道，走路都走不了",  # vehicles blocking, nobody protesting
        "小区门口几十辆车乱停，把消防通道堵住了",
        "开发商涉嫌诈骗业主，承诺的学位至今没有兑现",  # 诈骗 as a figure, no loss and sum
    ],
)
def test_harmless_neighbours_stay_clear(text: str) -> None:
    c = run(text)
    new = signs(c) & {"safety:carried_off", "safety:identity_record", "safety:identity_fraud",
                      "safety:document_ransom", "safety:document_withheld",
                      "safety:vehicle_crowd", "safety:fraud_victim"}  # fmt: skip
    assert not new, (c.rule_id, new)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(["电动车", "自行车", "电瓶车", "摩托车"]),
    st.sampled_from(["被人推走了", "被人骑走了", "不知道被谁骑走了", "锁被剪了", "锁被剪断了"]),
    st.sampled_from(["", "刚才", "十分钟前，", "我下楼拿个快递，"]),
    st.sampled_from(["110", "12345"]),
)
def test_a_vehicle_taken_by_someone_is_theft(vehicle: str, taken: str, when: str,
                                              source: str) -> None:  # fmt: skip
    c = run(f"{when}停在楼下的{vehicle}{taken}", source)
    assert c.is_police_matter, (c.rule_id, [e.term for e in c.evidence])


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(["护照", "身份证", "港澳通行证"]),
       st.sampled_from(["扣着", "扣下了", "收走了"]),
       st.sampled_from(["交三万违约金才给", "拿钱来才还", "说要交五千块钱"]))  # fmt: skip
def test_a_document_held_for_money_is_police(doc: str, held: str, money: str) -> None:
    c = run(f"公司把我的{doc}{held}，{money}")
    assert c.is_police_matter, (c.rule_id, [e.term for e in c.evidence])


def test_a_fraud_victim_with_the_sum_is_never_vetoed_but_a_figure_of_speech_is() -> None:
    """On 12345 a danger rule the model finds very unlikely goes to REVIEW; a victim's
    report of the sum lost to a fraud does not (the model has seen only short tickets)."""
    policy = OutcomePolicy(to_police_veto_below=0.1, model_version="tm-test")
    victim = run("我父亲在一个理财平台被骗了二十多万元，至今没有追回，请求立案", "12345")
    assert "safety:fraud_victim" in signs(victim)
    decided = decide_outcome(victim, Source.TICKET_12345, 0.01, None, policy)
    assert decided.outcome is Outcome.TO_POLICE
    figure = run("这家商场搞促销就是诈骗消费者，请市场监管部门查处", "12345")
    assert "safety:fraud_victim" not in signs(figure)
    if figure.is_police_matter:  # a fraud word alone is still vetoed by a sure model
        assert decide_outcome(figure, Source.TICKET_12345, 0.01, None, policy).outcome is (
            Outcome.REVIEW
        )
    # A modal fraud_victim (only talked about) exempts nothing.
    modal = replace(victim, evidence=tuple(
        replace(e, kind="modal") if e.rule_id == "safety:fraud_victim" else e
        for e in victim.evidence
    ))  # fmt: skip
    if modal.situation_code not in policy.veto_exempt:
        assert decide_outcome(modal, Source.TICKET_12345, 0.01, None, policy).outcome is (
            Outcome.REVIEW
        )


def test_a_personal_data_crime_is_a_crime_tip() -> None:
    c = run("举报某科技公司长期电话窃听，还倒卖公民信息", "12345")
    assert c.is_police_matter and c.situation_code == "P08-03", c.rule_id
