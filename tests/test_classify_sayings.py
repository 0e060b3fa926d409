"""Taxonomy zj-2026.12.32, from the twenty-fifth fresh split once dev (Huangshan, Yulin and
Yiwu callers whose ordinary disputes were KEPT): sayings that hold a danger word — 救命钱
(money to live on), 玩失踪 (a debtor who hides), 踢皮球 (passing the buck) — and a cold store
that is only where the goods are. Examples written here, not copied from a labelled set;
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
    "text",
    [
        "救命啊，有个男的拿着棍子在追我，我躲在超市仓库里",
        "我女儿放学到现在没回家，三个小时了，电话也打不通，她才九岁",
        "门从外面锁上了，我被关在冷库里出不去，零下十几度",
    ],
)
def test_the_danger_itself_still_keeps_the_call(text: str) -> None:
    c = run(text)
    assert c.is_police_matter, (c.rule_id, sorted(signs(c)))
