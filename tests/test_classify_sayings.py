"""Taxonomy zj-2026.12.32, from the twenty-fifth fresh split once dev (Huangshan, Yulin and
Yiwu callers whose ordinary disputes were KEPT): sayings that hold a danger word — 救命钱
(money to live on), 玩失踪 (a debtor who hides), 踢皮球 (passing the buck) — and a cold store
that is only where the goods are; and (zj-2026.12.33, from the non-police calls of train/dev
KEPT by a rule) a theft the caller is accused of, a price called robbery, a thing left behind,
a fight denied (也不打我, 没有打架斗殴, 我们不打架); and (zj-2026.12.34) a gate that keeps a car
out, a lift that keeps the old upstairs, a floor shaken by a bar, crops trampled by cattle, an
injury in a ward whose care is disputed; and (zj-2026.12.36, .38) Xuzhou 木动手, bricks round a
manhole cover, a bundle, knives bought, a stray animal.
Examples written here, not copied from a labelled set;
each beside a counterpart that must go the other way."""

from __future__ import annotations

import pytest

from tests.classify_support import run, signs


@pytest.mark.parametrize(
    ("text", "sign"),
    [
        ("工地老板欠了我们半年工钱，这是一家人的救命钱，到底该找哪个部门", "safety:cry_for_help"),
        ("借了我三万块说月底还，现在电话不接，跟我玩失踪", "safety:missing"),
        ("医保报销的事社保局跟医院互相踢皮球，跑了五趟也没办成", "safety:violence"),
        ("又停电了，冷库里两吨虾要化了，供电所电话没人接", "safety:danger"),
    ],
)
def test_a_saying_or_a_store_is_not_the_danger_its_word_names(text: str, sign: str) -> None:
    c = run(text)
    assert sign not in signs(c), sorted(signs(c))
    assert not c.is_police_matter, c.rule_id


@pytest.mark.parametrize(
    ("text", "sign"),
    [
        # zj-2026.12.33: accused of a theft in a quarrel; a price called robbery
        ("隔壁大婶在楼道里骂了一上午，说我家偷了她晒的腊肉，我根本没拿", "safety:theft"),
        ("抢钱啊！停车半小时收八十，牌子上写的五块", "safety:theft"),
        # a thing left behind, not taken
        ("钱包不见了，想了想应该是打车的时候落在后座了，想问问怎么找", "safety:theft"),
        # a denial of a fight, with 也不 and a coordinated 没有打架斗殴
        ("我男人又喝多了，在电话里吵了几句，他也不打我，就是不着家", "safety:violence"),
        ("楼下烧烤店吵到半夜，没有打架斗殴，就是太吵，想叫执法的来测噪音", "safety:violence"),
        ("两家为地界吵了好几年，我们不打架，就是想请乡里来量清楚", "safety:violence"),
        # zj-2026.12.34: a gate that keeps a car out, a lift that keeps the old upstairs
        ("小区换了车牌识别，我的车录不进去，天天被拦在门外", "safety:crowd"),
        ("电梯坏了十来天，我妈八十了住二十楼，困在楼上下不来，物业说等配件", "safety:danger"),
        # a floor shaken by a bar, crops trampled by cattle
        ("楼下酒吧低音炮开到半夜两点，楼都快被他们震塌了", "safety:danger"),
        ("邻村放的牛群踩踏了我家半亩麦子，双方为赔偿吵了几天", "safety:danger"),
        # an injury whose care is disputed
        ("我爸住院的时候从床上摔下来骨折了，我们认为是护理不当，医院不承认", "safety:injury"),
        # zj-2026.12.36: Xuzhou 木 for 没; bricks round a manhole; a bundle; knives bought
        ("俺跟隔壁为占车位吵了几句，木动手，就是想找人评评理", "safety:violence"),
        ("路口井盖缺了个角，俺已经拿砖头围上了，恁赶紧叫人来换", "safety:weapon"),
        ("办宽带送的电视看不了，又要另交钱，这不是叫套餐绑架了嘛", "safety:detention"),
        ("在集上买了一套刀具，说是不锈钢，用了两回就生锈了", "safety:weapon"),
        # zj-2026.12.38: a stray animal; a bought knife whose edge curled
        ("早上在地头拴住一只走失的牛，不晓得是哪家的，你们帮忙问问", "safety:missing"),
        ("超市买的菜刀切了两回肉刀刃就卷了，商家不给换", "safety:weapon"),
    ],
)
def test_these_words_name_no_danger(text: str, sign: str) -> None:
    found = signs(run(text))
    assert sign not in found, sorted(found)


@pytest.mark.parametrize(
    "text",
    [
        "救命啊，有个男的拿着棍子在追我，我躲在超市仓库里",
        "我女儿放学到现在没回家，三个小时了，电话也打不通，她才九岁",
        "门从外面锁上了，我被关在冷库里出不去，零下十几度",
        "他又不是第一次打我了，今天又拿皮带抽，我躲在邻居家",
        "手机刚放桌上就被一个男的拿走了，他往地铁口跑了",
        "超市保安说我偷东西，把我关在小屋里两个小时不让走",
        "二十多个人把我拦在路中间不让走，还推我，说不给钱就别想走",
        "广场上看烟花的人太多了，前面有人摔倒被踩踏，后面还在往前挤",
        "我被关在楼上的房间里，他把门锁了不让我出去",
    ],
)
def test_the_danger_itself_still_keeps_the_call(text: str) -> None:
    c = run(text)
    assert c.is_police_matter, (c.rule_id, sorted(signs(c)))


def test_a_child_gone_astray_is_still_missing() -> None:
    c = run("我孙子在集上走失了，六岁，穿红衣服，找了一个钟头了")
    assert "safety:missing" in signs(c), sorted(signs(c))
    assert c.is_police_matter
