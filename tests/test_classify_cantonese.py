"""Taxonomy zj-2026.12.25 and the Cantonese fold, from the nineteenth fresh split once dev
(a Guangzhou/Foshan writer whose police calls the rules did not read): written Cantonese
function words read as their Mandarin character (唔 不, 冇 没, 佢 他, 咗 了, 喺 在, 嚟 来 …),
so 唔见咗 is 不见了 and 冇人郁手 a negated fight, and a few Cantonese words of danger (打交,
打紧交, 开片, 斩人, 郁手; 斩你, 要你好看). Examples written here, not copied from a labelled
set; each beside a counterpart that must not fire."""

from __future__ import annotations

import pytest

from tests.classify_support import run, signs


@pytest.mark.parametrize(
    ("text", "sign"),
    [
        ("街市门口有几个后生仔打紧交，有人拎住张凳", "safety:violence"),
        ("嗰班人喺停车场开片，十几个人", "safety:violence"),
        ("佢话今晚要斩我，而家喺楼下等紧", "safety:threat"),
        ("我细佬喺学校门口唔见咗，搵咗成个钟都搵唔到", "safety:missing"),
        ("我阿嫲今朝出去买餸，到而家都冇返，佢冇带电话", "safety:unreachable"),
    ],
)
def test_danger_told_in_cantonese_keeps_the_call(text: str, sign: str) -> None:
    c = run(text)
    assert sign in signs(c), sorted(signs(c))
    assert c.is_police_matter


@pytest.mark.parametrize(
    "text",
    [
        "我同隔篱屋为咗晾衫嘅事嗌交，冇人郁手，想有人嚟调解",  # the fight word negated
        "我同呢间公司打交道好多年，佢哋而家拖住货款唔俾",  # 打交道 is doing business
        "我阿婆锁匙唔见咗，入唔到屋，想搵开锁师傅",  # a key gone, not a person
    ],
)
def test_ordinary_matters_in_cantonese_keep_no_sign(text: str) -> None:
    c = run(text)
    assert not signs(c), sorted(signs(c))


def test_a_folded_character_is_pointed_at_as_written() -> None:
    text = "我个仔喺商场唔见咗，搵唔到"
    c = run(text)
    ev = next(e for e in c.evidence if e.term == "不见了")
    assert text[ev.start : ev.end] == "唔见咗"
