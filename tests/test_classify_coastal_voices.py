"""Taxonomies zj-2026.12.18 to .22, from the fifteenth fresh split once dev (Chaoshan, Wenzhou and
Dalian callers): dangers told in dialect or by what happens (沉落去, 没归, a meter that hisses,
a throat swelling, a drunk man knocking to be let in), and alarming words that are requests,
figures, mistakes or things already over. Examples written here, not copied from a labelled
set; each kind beside its counterpart."""

from __future__ import annotations

import pytest

from tests.classify_support import run, signs


@pytest.mark.parametrize(
    ("text", "sign"),
    [
        ("阿弟同人去水库游水，伊沉落去到今还无浮起来", "safety:danger"),
        ("阮囡儿放学没归，五点就该到厝了，今六点半", "safety:missing"),
        ("我儿子在小区玩，邻居讲看见他跟一个陌生人走了", "safety:missing"),
        ("厨房的燃气表一直嘶嘶地响，我们要不要出去", "safety:gas"),
        ("煤气灶那边味道越来越大，灶没开", "safety:gas"),
        ("我老公吃了海鲜过敏，嗓子肿了，上不来气", "safety:injury"),
        ("对门喝醉的男人一直踹俺家门非要进来，说是他家", "safety:intruder"),
    ],
)
def test_the_danger_is_read_and_kept(text: str, sign: str) -> None:
    c = run(text)
    assert sign in signs(c), sorted(signs(c))
    assert c.is_police_matter


@pytest.mark.parametrize(
    "text",
    [
        "公园的秋千链子松了，能不能叫人来修一下",  # a request, not calling in heavies
        "厨房里有只老鼠，想叫人来捉",
        "欠我货款的老板讲杀了我也没钱，我想问怎么起诉他",  # a debtor's figure
        "这家的海鲜价钱简直是抢钱，物价部门管不管",
        "我还当是煤气漏了，结果是垃圾桶里的烂菜味",  # a mistaken fear
        "两个小孩吵架，一个说我要打死你，是闹着玩的，家长想调解一下",  # taken back
        "俺隔壁两口子天天吵，没听着动手，就是吵得睡不着",  # 听着 bridges the denial
        "我爷爷下午走丢了一阵，已经找到了，想问社区有没有防走失手环",  # already found
        "承包的山上被砍了几株杉树，是跟邻村划界的老纠纷",  # trees, not a person
        "邻居加盖一层，我家窗户阳光照不进来了",  # light, not an intruder
    ],
)
def test_the_same_words_without_the_danger_keep_no_sign(text: str) -> None:
    assert not signs(run(text)), sorted(signs(run(text)))


@pytest.mark.parametrize(
    "text",
    [
        "有人在我家门口说要叫人来收拾我",  # the threat itself still fires
        "他拿着刀说杀了我，现在还在楼下",
        "我爷爷下午走丢了，到现在都没找到",
    ],
)
def test_the_threat_and_the_missing_person_still_fire(text: str) -> None:
    c = run(text)
    assert signs(c), c.rule_id
    assert c.is_police_matter


@pytest.mark.parametrize(
    ("text", "situation"),
    [
        ("我出门唔记得带锁匙，门关住了，屋里没人，入唔去", "situation:NP15-02"),  # 锁匙: a key
        ("隔壁搭了个彩钢棚，把我家的日头都挡了", "situation:NP02-06"),  # 日头: sunlight
        ("阿公过身了，留下一间祖屋，几个叔伯为分屋吵", "situation:NP07-05"),
        ("有台车堵在我家门口，车上电话没人接，帮我叫一下车主", "situation:NP02-05"),
        ("我在车站拾着一个手机，想交给你们", "situation:NP15-05"),  # 拾着: found
    ],
)
def test_ordinary_matters_in_dialect_words_are_diverted_or_suggested(
    text: str, situation: str
) -> None:
    c = run(text)
    assert c.rule_id == situation
    assert not c.is_police_matter


def test_a_found_bag_full_of_other_peoples_cards_is_not_a_lost_property_matter() -> None:
    c = run("我在路边捡了一个包，里面有二三十张不同人的身份证跟银行卡，这不正常吧")
    assert c.rule_id != "situation:NP15-05"


@pytest.mark.parametrize(
    "text",
    [
        "跟对门婆姨吵了半天，骂得难听，倒么动手，想叫社区来断一断",  # 么: 没 (northwest)
        "钱包可能落在出租车上了，不确定是否被盗，想开个遗失证明",
        "邻居家的猫天天翻墙来偷吃我养的鱼",  # an animal at the fish
        "阳台上结了个马蜂窝，有拳头那么大，想找人来摘",
        "停个车收五十，这跟抢钱有什么区别",  # a price called robbery
    ],
)
def test_northwestern_denials_and_figures_are_no_sign(text: str) -> None:
    assert not signs(run(text)), sorted(signs(run(text)))


@pytest.mark.parametrize(
    "text",
    ["他们怎么还在打人，快来人", "那个男的为什么拿刀追着我老公"],  # 怎么, 什么: no denial
)
def test_words_that_contain_mo_deny_nothing(text: str) -> None:
    c = run(text)
    assert signs(c)
    assert c.is_police_matter


@pytest.mark.parametrize(
    "text",
    [
        "我老公在工地摔伤腰住了一个月院，老板不给认定工伤",  # an injury being claimed for
        "路口井盖没了，晚上黑，怕有人掉进去",  # a fear, not a fall
        "理发店充的卡老板跑了，这算不算诈骗",  # fraud asked about as a category
        "我们火烧坪村村口的路灯坏了一个多礼拜，晚上黑",  # a place name
        "电梯又停了，好在么得人关在里面，就是老人爬不上楼",  # 么得: 没有
        "灶上的火苗很小，没有味道，是气压不够",
    ],
)
def test_claims_fears_questions_and_names_are_no_sign(text: str) -> None:
    assert not signs(run(text)), sorted(signs(run(text)))


@pytest.mark.parametrize(
    "text",
    [
        "工地上有人从架子上摔下来了，流了好多血，快来",
        "井盖没了，刚才有个小孩掉进去了",
    ],
)
def test_the_fall_itself_still_fires(text: str) -> None:
    c = run(text)
    assert signs(c)
    assert c.is_police_matter


def test_an_old_woman_alone_who_has_not_answered_all_day_is_kept() -> None:
    c = run("我外婆一个人住，电话打了一天都不接，门从里头反锁了，能不能帮我开个门")  # 都不接
    assert "safety:unreachable" in signs(c)
    assert c.is_police_matter


def test_mode_denies_in_chongqing_speech() -> None:
    assert not signs(run("两个人吵了几句，莫得人动手，就是想找社区调解一下"))  # 莫得: 没有
