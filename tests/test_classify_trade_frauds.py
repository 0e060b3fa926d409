"""Taxonomy zj-2026.12.30, from the twenty-fourth fresh split once dev (Yangzhou and Shenyang
callers) and the police calls of dev/train that no rule read: a fraud told as a trade (paid
or goods sent, then the other side proves never to have existed, or asks for one more fee
again and again), a gambling parlour by its 上分下分, the street advert for forged papers,
fuel siphoned by night; and (zj-2026.12.31) crimes citizens report to 12345 by their street
names. Examples written here, not copied from a labelled set; each beside
a counterpart that must go the other way."""

from __future__ import annotations

import pytest

from tests.classify_support import run, signs


@pytest.mark.parametrize(
    ("text", "sign"),
    [
        ("网上订了两箱茶叶，货款付了三千，一直没发货，再打那个号码是空号", "safety:sham_trade"),
        (
            "我发了一车水泥给他们工地，说月底结账，今天去一看那个地址根本没这家公司",
            "safety:sham_trade",
        ),
        (
            "买二手挖机先付了两万定金，后来又说要补过户费、补保险，前后补了好几回，车影子都没见",
            "safety:fee_again",
        ),
        (
            "小区门口那个棋牌室，白天看着打牌，晚上上分下分，一晚上输赢好几万",
            "safety:gambling_room",
        ),
        ("路边贴的刻章办证小广告，我问了一下，说身份证驾照啥证都能办", "safety:forgery_sold"),
        ("停在服务区的货车油箱夜里给人抽走了两百多升", "safety:carried_off"),
    ],
)
def test_frauds_and_thefts_told_this_way_keep_the_call(text: str, sign: str) -> None:
    c = run(text)
    assert sign in signs(c), sorted(signs(c))
    assert c.is_police_matter


@pytest.mark.parametrize(
    "text",
    [
        "我发了货给一个老客户，他说资金紧张要下个月再付款，电话也接，就是拖着",  # a slow payer
        "小区旁边新开了个麻将馆，晚上吵得睡不着，希望管一管噪音",  # a parlour's noise
        "学校这学期交了住宿费，现在说还要交课后服务费，这合理吗",  # a fee asked again, no sham
        "帮人抽水抽了一下午，楼下地下室的积水总算没了",  # 抽水 by a helper, nothing taken
    ],
)
def test_the_same_words_without_the_crime_keep_no_such_sign(text: str) -> None:
    found = signs(run(text))
    assert not found & {
        "safety:sham_trade",
        "safety:fee_again",
        "safety:gambling_room",
        "safety:carried_off",
    }, sorted(found)


@pytest.mark.parametrize(
    ("text", "situation"),
    [
        ("火车站门口拉客的黑车司机找零用假钱，好几个旅客都收到了二十的假钱", "P08-03"),
        ("小区门口那家足浴店挂羊头卖狗肉，晚上严重涉黄，进进出出的人很多", "P07-03"),
        ("菜市场后面一排门面全是打鱼机，一晚上输赢好几千，早就该查了", "P07-01"),
        ("水库边这几天晚上有人放录音诱捕候鸟，网都拉好了", "P08-03"),
        ("楼下那个养老公司天天开会，骗取老年人的钱搞什么理财", "P02-03"),
    ],
)
def test_crimes_a_citizen_reports_to_12345_in_these_words_are_police_matters(
    text: str, situation: str
) -> None:
    c = run(text, source="12345")
    assert c.situation_code == situation, (c.situation_code, c.rule_id)
    assert c.is_police_matter


@pytest.mark.parametrize(
    "text",
    [
        "社区请银行的人来讲怎么识别假币，活动通知能不能早点发",
        "这家理财公司的产品月回报率是多少，正规吗，想咨询一下",
    ],
)
def test_the_same_subjects_asked_about_are_not_police_matters(text: str) -> None:
    assert not run(text, source="12345").is_police_matter


def test_fake_goods_from_a_street_seller_are_a_fraud() -> None:
    # zj-2026.12.36: no shop to go back to, and the goods proved false
    c = run("在路边买的野生灵芝，花了八百，回家一看是木头染色的，那人说他是山里采药的")
    assert "safety:street_fake" in signs(c), sorted(signs(c))
    assert c.is_police_matter


def test_a_shops_fake_is_no_street_fraud() -> None:
    c = run("在商场专柜买的羊毛衫，洗了一次就起球，一查成分根本不是羊毛，店里不给退")
    assert "safety:street_fake" not in signs(c)
