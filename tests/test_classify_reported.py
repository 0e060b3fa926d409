"""Taxonomy zj-2026.12.14: a danger word in something shown or told, not lived (a drama, a
programme, the news) is a doubt; a danger heard while watching stays police. Examples
written here, not copied from a labelled set.
"""

from __future__ import annotations

import pytest

from fenliu.processors.modality import REPORTED, Clauses, Cue, SingleChars, modality
from tests.classify_support import run, signs


@pytest.mark.parametrize(
    "text",
    [
        "我家宽带老是断，昨晚正看电视剧，剧里刚演到有人持刀抢劫就卡住了，想投诉一下运营商",
        "我想咨询一下，电视上说正当防卫把人打伤了也要赔钱，是不是真的",
    ],
)
def test_a_danger_in_a_drama_or_the_news_is_a_doubt(text: str) -> None:
    c = run(text)
    assert not signs(c)  # no sign of a present danger (with no other word: "unsure")
    assert any(":reported:" in d for d in c.doubts)


@pytest.mark.parametrize("cue", ["新闻里说", "看新闻讲", "电视上讲"])
def test_the_same_words_are_a_sign_only_without_the_cue(cue: str) -> None:
    told = "有人在银行门口抢劫，我想问问我们小区能不能多装几个监控"
    assert signs(run(told))
    assert not signs(run(cue + told))


@pytest.mark.parametrize(
    "text",
    [
        "我在家看电视，突然听到隔壁有人喊救命",
        "我正在看电视剧，楼下有人拿刀砍人了",
        "电视上天天讲反诈，我还是被骗了两万，对方冒充客服",
    ],
)
def test_a_danger_beside_the_television_stays_police(text: str) -> None:
    c = run(text)
    assert c.is_police_matter and signs(c)


def test_the_cue_governs_only_words_after_it_in_its_clause() -> None:
    text = "有人打架，电视上说的"
    clauses = Clauses(text, "，")
    cue = Cue(text.index("电视上"), text.index("电视上") + 3, REPORTED)
    fight = text.index("打架")
    assert modality("打架", fight, fight + 2, [cue], clauses) is None
    text2 = "电视上说有人打架"
    cue2 = Cue(0, 3, REPORTED)
    at = text2.index("打架")
    assert modality("打架", at, at + 2, [cue2], Clauses(text2, "，")) == REPORTED


def _reach(text: str, word: str, breaks: frozenset[str] = frozenset()) -> str | None:
    cue_at = text.index("看战争片")
    cue = Cue(cue_at, cue_at + 4, REPORTED)
    at = text.index(word)
    return modality(
        word, at, at + len(word), [cue], Clauses(text, "，"), SingleChars(reported_breaks=breaks)
    )


def test_the_cue_reaches_two_clauses_on_unless_one_on_the_way_breaks_it() -> None:
    """zj-2026.12.42: a programme named in a clause before carries into the next two."""
    text = "天天看战争片，枪声不断，炸弹轰轰，半夜还有枪声"
    assert _reach(text, "枪声") == REPORTED  # the clause after
    assert _reach(text, "炸弹") == REPORTED  # two clauses after
    last = text.rindex("枪声")
    cue = Cue(text.index("看战争片"), text.index("看战争片") + 4, REPORTED)
    assert modality("枪声", last, last + 2, [cue], Clauses(text, "，")) is None  # three: too far
    broken = "天天看战争片，突然有人砸门，拿着刀"
    assert _reach(broken, "刀", frozenset({"突然", "有人"})) is None  # broken on the way
    assert _reach(broken, "刀") == REPORTED  # the same clauses with nothing that breaks
