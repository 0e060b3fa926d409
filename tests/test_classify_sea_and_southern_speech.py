"""Taxonomy zj-2026.12.26, from the twentieth fresh split once dev (Zhanjiang/Maoming and
Xi'an callers): a boat overdue at sea with the weather turning (``overdue_at_sea``), a
threat said with southern 讲 or Cantonese 话 (讲要/话要 + harm, 斩 among the harms), a face of
blood, a blow on the head with a tool. Examples written here, not copied from a
labelled set; each beside a counterpart that must not fire."""

from __future__ import annotations

import pytest

from tests.classify_support import run, signs


@pytest.mark.parametrize(
    ("text", "sign"),
    [
        ("我爸一早开渔船出海收网，到现在还没回来，海上风大，电话也打不通", "safety:overdue_at_sea"),
        ("前夫天天发信息讲要烧我的店，我不敢开门", "safety:threat_said"),
        ("佢话要斩死我屋企人，而家仲喺门口", "safety:threat_said"),
        ("对面几个人拿铁锹过来，我叔被拍在头上，流了一脸血", "safety:violence"),
    ],
)
def test_these_dangers_keep_the_call(text: str, sign: str) -> None:
    c = run(text)
    assert sign in signs(c), sorted(signs(c))
    assert c.is_police_matter


@pytest.mark.parametrize(
    "text",
    [
        "我老公出海打鱼三个月没回来过，家里老人孩子都是我一个人管，想问低保怎么申请",
        "我讲要退货，老板不肯，衣服都没穿过",  # 讲要 with no harm
        "牌局打到半夜，隔壁两边还在打牌，吵得睡不着",  # still playing cards, not fighting
    ],
)
def test_the_same_words_without_danger_keep_no_sign(text: str) -> None:
    c = run(text)
    assert not signs(c), sorted(signs(c))
