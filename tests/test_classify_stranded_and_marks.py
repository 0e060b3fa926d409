"""Taxonomy zj-2026.12.16, from the fourteenth fresh split's police calls once dev: water
told by its depth and its rise (没过膝盖, 仍在上涨) around people who cannot get out
(行动不便, 无法撤离), and strangers chalking marks on doors (画记号). Examples written here,
not copied from a labelled set; each beside the same words without the danger."""

from __future__ import annotations

import pytest

from tests.classify_support import run, signs


@pytest.mark.parametrize(
    ("text", "situation_or_sign"),
    [
        (
            "我外婆家院子里的水已经没过膝盖了，还在上涨，她腿脚行动不便，一个人在屋里",
            "safety:trapped_by_water",
        ),
        ("报警人称：村里水位上涨，养殖场里三个工人无法撤离", "safety:trapped_by_water"),
        ("楼道里有两个陌生人挨个看门牌，还在几户人家门上画了记号", "safety:door_marks"),
    ],
)
def test_the_danger_is_read_and_kept(text: str, situation_or_sign: str) -> None:
    c = run(text)
    fired = signs(c) | {c.rule_id}
    assert situation_or_sign in fired, sorted(fired)
    assert c.is_police_matter


@pytest.mark.parametrize(
    "text",
    [
        "小区门口下雨就积水，没过脚面，麻烦市政来疏通一下下水道",
        "我妈行动不便，想问一下残疾证在哪里办",
        "物业在车位上画记号，说是重新划线，我的车位被划小了",
    ],
)
def test_the_same_words_without_the_danger_keep_no_police_rule(text: str) -> None:
    c = run(text)
    assert not signs(c)
    assert c.rule_id != "situation:P07-06"


@pytest.mark.parametrize(
    "text",
    [
        "我冇同佢动手，就系想有人来评下理",  # zj-2026.12.17: 同 / 佢 between 冇 and the term
        "钱包落在出租车上了，不是叫人偷了，是我自己忘拿",  # 叫 as the passive 被
    ],
)
def test_a_denial_across_dialect_words_is_no_sign(text: str) -> None:
    assert not signs(run(text))


def test_the_passive_without_a_denial_is_still_a_theft() -> None:
    c = run("我的电动车刚才在楼下叫人偷了")
    assert "safety:theft" in signs(c)
    assert c.is_police_matter
