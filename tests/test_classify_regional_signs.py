"""Taxonomy zj-2026.12.15: danger told in the words of the twelfth fresh split's voices (Wu,
Lanyin, Tianjin speech) and the families it showed again: despair by a river, a threat that
names the child's school, a document held with the person, a stroke told plainly, a missing
in-law. Examples written here, not copied from a labelled set; each sign beside the same
words without the danger, which must not fire it.
"""

from __future__ import annotations

import pytest

from tests.classify_support import run, signs


@pytest.mark.parametrize(
    ("text", "sign"),
    [
        ("厂子倒了，欠的钱都还不上，我这会儿一个人在黄河边上坐着", "safety:despair_high_place"),
        ("老婆走了，我在海河边儿上呢，活着也没嘛意思", "safety:self_harm"),
        ("那个包工头讲伊晓得侬屋里小囡读哪只学堂，叫我当心点", "safety:threat_home"),
        ("中介把我弟的身份证扣了，不让他走，说要干满半年", "safety:document_withheld_held"),
        ("我爸刚才打电话说话不清楚，半边身子动不了，家里就他一个", "safety:injury"),
        ("我丈母娘早上出去买菜，天都黑了还没回来，她有点糊涂", "safety:unreachable"),
        ("隔壁老房子墙倒了，阿婆压辣下头，快来人", "safety:danger"),
    ],
)
def test_the_danger_is_read_and_kept(text: str, sign: str) -> None:
    c = run(text)
    assert sign in signs(c), sorted(signs(c))
    assert c.is_police_matter


@pytest.mark.parametrize(
    "text",
    [
        "我想在黄河边上摆个小吃摊，要去哪里办手续",
        "老板说我扣的身份证复印件要还给我，问一下离职手续",
        "我晓得侬屋里装修，能不能中午别敲墙",
        "我婆婆跟我吵了一架，说话很难听",
    ],
)
def test_the_same_words_without_the_danger_are_no_sign(text: str) -> None:
    assert not signs(run(text))
