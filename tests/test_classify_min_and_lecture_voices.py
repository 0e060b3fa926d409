"""Taxonomy zj-2026.12.24 and the variant fold of 伓, from the eighteenth fresh split once
dev (Yanbian, Xishuangbanna/Dehong and Min Dong callers): an old man gone from sight told
as a loss (溜达丢, 没影), a threat to set a house alight (点我家房子), someone who will not
wake and gas told by its smell, a health-lecture scheme that vanished with the old's money,
and 伓 written for 不. Examples written here, not copied from a labelled set; each beside a
counterpart that must not fire."""

from __future__ import annotations

import pytest

from tests.classify_support import run, signs


@pytest.mark.parametrize(
    ("text", "sign"),
    [
        ("我家老爷子下午溜达丢了，到现在还没影，手机也没带", "safety:missing"),
        ("我爸有点糊涂，我家老爷子早上出门，现在家门都认不着了", "safety:confused_elder"),
        ("楼上那个人讲今晚要来点我家房子，我跟孩子在家不敢睡", "safety:threat"),
        ("我外婆早上一直喊不醒，呼吸很轻", "safety:injury"),
        ("一进门屋里一股煤气臭味，灶台上的火是灭的", "safety:gas"),
        ("我爸去听免费的养生讲座，买了六万块的保健品，现在那个店人去楼空", "safety:elder_scheme"),
    ],
)
def test_dangers_told_in_these_words_keep_the_call(text: str, sign: str) -> None:
    c = run(text)
    assert sign in signs(c), sorted(signs(c))
    assert c.is_police_matter


@pytest.mark.parametrize(
    "text",
    [
        "我家老爷子的老花镜丢了，想问公交站有没有人捡到",  # a thing lost, not the man
        "社区组织的养生讲座什么时候开，我想报名",  # a lecture without money taken
        "垃圾站一股臭味，夏天苍蝇多，请环卫来清一下",  # a smell without gas
        "我想点个外卖送到我家房子那边，地址填哪里",  # 点 as ordering, no threat word
    ],
)
def test_ordinary_matters_in_the_same_words_keep_no_sign(text: str) -> None:
    c = run(text)
    assert not signs(c), sorted(signs(c))


def test_min_negation_reads_as_the_standard_one() -> None:
    """伓 is 不: a negated leak is no leak, and "叫伊伓醒" is someone who will not wake."""
    assert "safety:gas" not in signs(run("燃气停了两天，讲伓是漏气，就是没气，煮饭都没办法"))
    text = "依嬷困在床上，叫伊伓醒，我要怎么办"
    c = run(text)
    assert "safety:injury" in signs(c), sorted(signs(c))
    ev = next(e for e in c.evidence if e.term == "叫伊不醒")
    assert text[ev.start : ev.end] == "叫伊伓醒"  # evidence points at the text as written
