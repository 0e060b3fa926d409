"""Taxonomy zj-2026.12.28, from the twenty-second fresh split once dev (Taizhou and
Qiandongnan callers): a danger told by what is seen or heard, not named — a left bag that
ticks (滴滴地响), a driver after a scrape who smells of drink or slurs (``drunk_collision``).
Examples written here, not copied from a labelled set; each beside a counterpart that must
not fire."""

from __future__ import annotations

import pytest

from tests.classify_support import run, signs


@pytest.mark.parametrize(
    ("text", "sign"),
    [
        ("候车室椅子底下一个纸箱子，半天没人要，里面滴滴地响", "safety:weapon"),
        ("后面的车追尾了我，下来的司机一股酒气，站都站不稳", "safety:drunk_collision"),
    ],
)
def test_dangers_told_by_what_is_seen_keep_the_call(text: str, sign: str) -> None:
    c = run(text)
    assert sign in signs(c), sorted(signs(c))
    assert c.is_police_matter


@pytest.mark.parametrize(
    "text",
    [
        "楼下饭店天天有人喝醉了在门口唱歌，吵到半夜",  # drunk, no vehicle
        "停车场有车刮了我一下，对方态度很好，说走保险，想问定损去哪里",  # a scrape, sober
    ],
)
def test_the_same_words_without_the_danger_keep_no_sign(text: str) -> None:
    c = run(text)
    assert not signs(c), sorted(signs(c))
