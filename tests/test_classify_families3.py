"""Danger families added in taxonomy zj-2026.12.7, each with examples written here (not
copied from a labelled set) and the harmless wording beside it that must stay clear.

The families, from the kinds of police call a blind-written test found missing: a threat
told by a deed (something left at the door) or in writing; harm announced with a weapon
to bring; people trapped by water who cry for help; an unattended box or bag where people
gather; identity misused for loans or a company; forged documents sold; ransomware;
crops or stock destroyed on purpose; goods sold off by someone who then vanished; money
taken by a planned flight (prepaid schemes, fake landlords); taking seen on camera and
an employee's embezzlement; a gambling room; drug plants; and on 12345, hazardous waste
dumped or trees felled while the caller watches.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fenliu.processors.model import Outcome, Source
from fenliu.processors.outcome import OutcomePolicy, decide_outcome
from tests.classify_support import run, signs

NEW_SIGNS = frozenset(
    "safety:" + s
    for s in [
        "threat_left",
        "threat_dead_animal",
        "dropped_parcel",
        "threat_written",
        "weapon_announced",
        "trapped_by_water",
        "unattended_object",
        "identity_misused",
        "forgery_sold",
        "ransomware",
        "crops_destroyed",
        "malicious_damage",
        "goods_sold_off",
        "paid_then_fled",
        "impostor_fraud",
        "taken_on_camera",
        "sublet_fraud",
        "gambling_room",
        "drug_plants",
        "pollution_now",
        "logging_now",
    ]
)


@pytest.mark.parametrize(
    ("text", "sign"),
    [
        ("早上开门看见门口摆着一只死老鼠，旁边压着张纸条", "safety:threat_dead_animal"),
        ("我车窗上被人挂了一串纸钱，这是第二回了", "safety:threat_left"),
        ("有人往我信箱里塞纸条，写着下一个就是你", "safety:threat_written"),
        ("我儿子跟我说同桌讲周一要带把刀子到班上找欺负他的人", "safety:weapon_announced"),
        ("他在群里发消息说明天带砍刀去厂里找组长算账", "safety:weapon_announced"),
        ("村里涨水了，水已经到一楼窗户，我爸妈爬到屋顶上下不来", "safety:trapped_by_water"),
        ("河堤那边被水围住了，有个老人困在树上", "safety:trapped_by_water"),
        ("地铁站出口放着一个黑色双肩包，一直没人拿，里面在滴答响", "safety:unattended_object"),
        ("商场门口有个男的把一个编织袋放下就走了，鬼鬼祟祟的", "safety:dropped_parcel"),
        ("广场长椅下有个来历不明的铁盒子，上面缠着电线", "safety:unattended_object"),
        (
            "银行打电话催我还网贷，可是这个贷款不是我借的，有人拿我的身份证去借的",
            "safety:identity_misused",
        ),
        (
            "税务局说我是一家公司的法人，我毫不知情，身份证借给过以前的老板",
            "safety:identity_misused",
        ),
        ("天桥底下有人在卖假文凭，还说能查得到", "safety:forgery_sold"),
        ("我们店的电脑中了勒索病毒，要我们转钱才给恢复", "safety:ransomware"),
        ("我家鱼塘的鱼昨晚全被人毒死了，肯定是有人故意的", "safety:crops_destroyed"),
        ("大棚里的黄瓜苗昨天半夜被人拔掉了，拔了一大片", "safety:crops_destroyed"),
        ("员工把仓库里的钢材偷偷拉走卖给了回收站，现在人联系不上", "safety:goods_sold_off"),
        (
            "那家理发店上礼拜还在劝大家充值，好几个人都交了钱，今天老板跑路了",
            "safety:paid_then_fled",
        ),
        ("我在网上找的房子，自称房东的人收了定金，到了才知道房子不是他的", "safety:impostor_fraud"),
        ("店里的会计这半年私吞货款，账对不上，她已经承认了", "safety:impostor_fraud"),
        ("交了半年房租，今天真房东来了说从没租给过那个人，那人电话关机了", "safety:sublet_fraud"),
        ("我调了小区监控，一个骑车的男的把我晾在外面的衣服拿走了", "safety:taken_on_camera"),
        ("楼上那户摆了好几张麻将桌，听说按局抽水", "safety:gambling_room"),
        ("后山有人成片种罂粟，开着红花", "safety:drug_plants"),
    ],
)
def test_new_families_keep_the_call(text: str, sign: str) -> None:
    c = run(text)
    assert c.is_police_matter, (c.rule_id, [e.term for e in c.evidence])
    assert sign in signs(c), (c.rule_id, signs(c))


@pytest.mark.parametrize(
    ("text", "sign"),
    [
        (
            "有一辆罐车正在往村口的河里倾倒废液，水变色了，现在还没走，请派人制止",
            "safety:pollution_now",
        ),
        ("后山现在有人拿油锯在砍伐公益林，已经放倒好几棵，请马上派人制止", "safety:logging_now"),
        ("村头的空地上现在有辆货车在倒化工废料，一桶一桶往下搬，车还没走", "safety:pollution_now"),
    ],
)
def test_crimes_in_progress_go_to_the_police_on_12345(text: str, sign: str) -> None:
    c = run(text, "12345")
    assert c.is_police_matter, (c.rule_id, [e.term for e in c.evidence])
    assert sign in signs(c), (c.rule_id, signs(c))


@pytest.mark.parametrize(
    ("text", "source"),
    [
        ("路边有只死猫，好几天了，臭得很，请环卫来处理", "12345"),  # a dead animal, no door
        ("我家门口有只死老鼠，不知道哪来的，物业也不清理", "110"),  # found, not placed
        ("我把旧冰箱卖给了收废品的，他说下午来拉，结果电话打不通", "110"),  # own sale
        ("我是二房东，真房东要提前收回房子，租客的押金谁来退", "110"),  # nobody gone
        ("合同到期了，二房东拖着不退押金，现在联系不上", "110"),  # a deposit dispute
        ("监控拍到邻居每天把垃圾放在我家门口，我让他拿走他不听", "110"),  # a request
        ("火车站候车厅有个行李箱没人管，我想交给工作人员", "110"),  # lost property
        ("我想给孩子买把削笔刀带到学校，学校让带吗", "110"),  # a tool, no harm
        ("小区地下室进水了，水已经漫到楼梯口，物业不管", "12345"),  # water, nobody stranded
        ("我在地铁站捡到一个双肩包，交给谁", "110"),  # a lost bag handed in
        ("楼道里堆着几个纸箱没人管，堵了消防通道", "110"),
        ("我用我的身份证办了信用卡，现在逾期了，银行天天催", "110"),  # one's own card
        ("身份证丢了，想补办，要带什么材料", "110"),
        ("我的电脑中病毒了，开不了机，哪里能修", "110"),
        ("物业把小区门口的几棵树砍倒了，说是要修路", "110"),  # an authority, no stealth
        ("租客搬走了，冰箱洗衣机都留着，就是欠了两个月房租", "110"),
        ("健身房关门了，老板电话打不通，我卡里还有两千块钱能退吗", "110"),  # one victim
        ("我想调一下楼道监控，看看是谁把我的快递挪到楼下了", "110"),
        ("楼下麻将馆的麻将机声音太吵了，天天到半夜", "110"),  # noise, no cut
        ("工厂的大烟囱天天冒黑烟，空气很差", "12345"),
        ("附近的化工厂每天排放废气，味道刺鼻，请环保部门检查", "12345"),  # pollution, not now
        ("每天晚上有渣土车在路边倒建筑垃圾，请城管管一管", "12345"),  # rubble, not hazardous
        ("小区要修剪树木，砍树需要找哪个部门审批", "12345"),
        ("钱包丢了，身上没钱，在火车站要求救助", "110"),
    ],
)
def test_harmless_neighbours_stay_clear(text: str, source: str) -> None:
    c = run(text, source)
    new = signs(c) & NEW_SIGNS
    assert not new, (c.rule_id, new)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(["水已经漫到二楼", "洪水涨上来了", "水淹到窗户了", "到处都是大水"]),
    st.sampled_from(["一家四口在屋顶上", "我们爬到屋顶了", "老人孩子困在楼上", "我们下不来"]),
    st.sampled_from(["", "，快来救人", "，求救", "，求求你们救救我们"]),
)
def test_any_household_stranded_by_water_is_police(water: str, where: str, cry: str) -> None:
    c = run(f"{water}，{where}{cry}")
    assert c.is_police_matter, (c.rule_id, [e.term for e in c.evidence])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(["有人用我的身份证", "别人拿我的身份证", "以我的名义"]),
    st.sampled_from(["办了三张信用卡", "在网上贷款", "注册了一家公司当法人"]),
    st.sampled_from(["，我根本不知道", "，我从来没去过那里", "，不是我办的"]),
)
def test_identity_used_by_someone_else_is_police(who: str, what: str, never: str) -> None:
    c = run(f"我查征信才发现，{who}{what}{never}")
    assert c.is_police_matter, (c.rule_id, [e.term for e in c.evidence])


@pytest.mark.parametrize(
    "text",
    [
        # a vulnerable person missing for hours, told inside a complaint
        "我要投诉这个护理院，我爸有老年痴呆，下午自己跑出去了，三个小时了还没找到",
        "托管班老师太不负责，我女儿放学没人接，到现在都没找到，电话也打不通",
        # a child beaten at school by older pupils
        "我儿子在厕所被几个初三的摁在墙上打，肚子疼得直不起腰",
        # a cry for help in any words
        "山上起大火了，我们五个人被烟堵在半山腰，求救",
    ],
)
def test_vulnerable_missing_beaten_or_crying_for_help_is_police(text: str) -> None:
    c = run(text)
    assert c.is_police_matter, (c.rule_id, [e.term for e in c.evidence])


@pytest.mark.parametrize(
    ("text", "keep"),
    [
        ("法院来电话说我欠了一笔网贷没还，我从来没借过，身份证去年丢过", True),
        ("银行说我有张信用卡逾期三个月，可我从没办过，不是我借的", True),
        ("我借了网贷还不上了，能不能申请延期还款", False),  # one's own loan
        ("我没借过钱，想问问怎么查自己的征信", False),  # a question, no debt found
    ],
)
def test_a_debt_one_never_took_is_police(text: str, keep: bool) -> None:
    c = run(text)
    assert ("safety:phantom_debt" in signs(c) or "safety:identity_misused" in signs(c)) is keep, (
        c.rule_id,
        signs(c),
    )


@pytest.mark.parametrize(
    ("text", "keep"),
    [
        ("镇上有人专门给人做假的结婚证，一本两千，好多人找他", True),
        ("有个店在卖假的毕业证，还能上网查", True),
        ("房产证上的名字写错了，怎么改", False),  # a real document, a clerical error
    ],
)
def test_forged_documents_sold(text: str, keep: bool) -> None:
    c = run(text)
    assert ("safety:forgery_sold" in signs(c)) is keep, (c.rule_id, signs(c))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(["一条大黑狗", "邻居家的狼狗", "一条疯狗", "村里的恶犬"]),
    st.sampled_from(["把放学的孩子咬伤了", "咬伤了两个过路的", "扑上来咬了我妈的腿"]),
    st.sampled_from(["现在在村口游荡", "挣脱了绳子跑了", "正往学校那边跑", "还没抓到"]),
)
def test_a_biting_animal_still_loose_is_police(animal: str, bite: str, loose: str) -> None:
    """zj-2026.12.8: the loose animal told by where it goes, not only by 还在/乱跑."""
    c = run(f"{animal}{bite}，{loose}")
    assert c.is_police_matter and "safety:animal_attack" in signs(c), (c.rule_id, signs(c))


@pytest.mark.parametrize(
    "text",
    [
        "小区里有只流浪狗一直在游荡，晚上叫得厉害，想找人抓走",
        "我家狗去年被隔壁的狗咬伤过，想问狂犬疫苗在哪里打",
        "邻居的猫老是窜到我家阳台上，能不能管一管",
    ],
)
def test_a_loose_animal_that_has_hurt_nobody_is_not_an_attack(text: str) -> None:
    assert "safety:animal_attack" not in signs(run(text))


@pytest.mark.parametrize(
    "text",
    [
        "小区楼道里燃气味很重，好像哪里漏气了，物业电话打不通",
        "来电人反映单元门口闻到煤气味，已经一个多小时了",
        "楼下饭店的液化气管子好像漏了，嘶嘶响",
    ],
)
def test_a_12345_gas_leak_is_never_vetoed(text: str) -> None:
    """zj-2026.12.9: a gas leak told by its smell or leak is present and specific; the 12345
    model veto (a danger rule the model finds very unlikely → REVIEW) leaves it alone."""
    policy = OutcomePolicy(to_police_veto_below=0.1, model_version="tm-test")
    leak = run(text, "12345")
    assert "safety:gas" in signs(leak), [e.term for e in leak.evidence]
    assert decide_outcome(leak, Source.TICKET_12345, 0.01, None, policy).outcome is (
        Outcome.TO_POLICE
    )


def test_an_explosion_word_in_a_long_complaint_stays_open_to_the_veto() -> None:
    """爆炸 and a gas cylinder are as often words in passing (a quarry's blasting): the
    ``explosion`` sign, not ``gas``, so a sure model still sends the ticket to REVIEW."""
    policy = OutcomePolicy(to_police_veto_below=0.1, model_version="tm-test")
    quarry = run("村后采石场天天放炮爆炸，震得房子开裂，灰尘很大，请环保部门查处", "12345")
    assert "safety:gas" not in signs(quarry)
    if quarry.is_police_matter:
        assert "safety:explosion" in signs(quarry)
        assert decide_outcome(quarry, Source.TICKET_12345, 0.01, None, policy).outcome is (
            Outcome.REVIEW
        )
