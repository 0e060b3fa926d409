"""Classification examples: safety first, negation that governs, evidence that points back."""

from __future__ import annotations

import copy
from functools import lru_cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from fenliu.processors.classify import FALLBACK_RULE, classify
from fenliu.processors.model import CaseEvent, Classification, ListName, Location, Source
from fenliu.processors.taxonomy import Taxonomy, compile_taxonomy
from fenliu.processors.textnorm import chinese_number, normalise, normalise_term, people_counts
from fenliu.refdata.taxonomy import load_taxonomy, traditional_to_simplified

TAXONOMY_FILE = Path(__file__).resolve().parent.parent / "data" / "taxonomy.yaml"


@lru_cache(maxsize=1)
def shipped() -> Taxonomy:
    return load_taxonomy(TAXONOMY_FILE)


def event(text: str, source: str = "110", category: str | None = None) -> CaseEvent:
    return CaseEvent(
        source=Source(source),
        source_id="t-1",
        received_at_ms=1_700_000_000_000,
        received_local="2026-11-23T11:12:00+08:00",
        caller_key=None,
        location=Location(text="椒江区"),
        text=text,
        channel="phone",
        source_category=category,
    )


def run(text: str, taxonomy: Taxonomy | None = None, **kw: Any) -> Classification:
    return classify(event(text, **kw), taxonomy or shipped())


def kinds(c: Classification, kind: str) -> list[str]:
    return [e.term for e in c.evidence if e.kind == kind]


def test_wage_arrears_go_to_labour_inspection() -> None:
    c = run("工地包工头拖欠我们三个月工资不给")
    assert not c.is_police_matter
    assert c.list_name is ListName.NON_POLICE
    assert c.situation_code == "NP01-01"
    assert c.department == "人力社保局/劳动监察"
    assert c.sla_class == "DISPUTE_MEDIATION_7D"
    assert c.rule_id == "situation:NP01-01"
    assert 0.0 < c.confidence <= 1.0
    assert c.taxonomy_version == shipped().version


def test_wage_dispute_with_a_knife_stays_with_police() -> None:
    c = run("来要工资的，老板不给，他手下拿了把菜刀出来吓唬我们")
    assert c.is_police_matter
    assert c.rule_id == "safety:armed"  # a knife in someone's hand (拿 + 菜刀)
    assert c.class_code == "P01"
    assert "菜刀" in kinds(c, "safety")


def test_wage_dispute_with_a_crowd_is_a_mass_incident() -> None:
    c = run("几十号农民工在项目部门口拉横幅讨要工资")
    assert c.is_police_matter
    assert c.rule_id == "safety:crowd"
    assert c.situation_code == "P03-01"  # the police situation whose own words matched


def test_head_count_makes_a_crowd_and_a_small_group_does_not() -> None:
    assert run("门口聚了二三十个工人").rule_id == "safety:crowd"
    small = run("我们三个工人工资没发")
    assert not small.is_police_matter


def test_family_violence_is_domestic_violence() -> None:
    c = run("我老公喝了酒又打我了")
    assert c.is_police_matter and c.situation_code == "P01-05"


@pytest.mark.parametrize(
    "text",
    [
        "双方没有动手，就是邻居吵架",
        "跟邻居吵起来了，没人受伤，就是吵",
        "邻居之间口角，现场无人员受伤",
        "夫妻吵架，并没有发生肢体冲突",
        "和邻居争执，他没打我",
    ],
)
def test_negated_signs_do_not_make_it_police(text: str) -> None:
    c = run(text)
    assert not c.rule_id.startswith("safety:")
    assert kinds(c, "negated"), "the negated sign is kept as evidence"
    assert not c.is_police_matter


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("打人了没有人管", "safety:violence"),  # the cue comes after the term
        ("他没钱还打人", "safety:violence"),  # the cue governs 钱, not 打人
        ("没想到他会动手", "safety:violence"),  # 没想到 negates nothing
        ("未成年人被打了", "safety:violence"),  # 未成年 is not a negation
        ("没有打人，但是他手里拿着刀", "safety:armed"),  # a clause boundary stops the cue
        ("不是吵架，是我女儿说要跳楼", "safety:self_harm"),
    ],
)
def test_negation_must_govern_the_term(text: str, rule: str) -> None:
    c = run(text)
    assert c.is_police_matter
    assert c.rule_id == rule


def test_part_of_a_negated_sign_is_negated_too() -> None:
    c = run("邻居吵架，没有拳打脚踢")
    assert not c.rule_id.startswith("safety:")
    assert "拳打脚踢" in kinds(c, "negated")


def _with(**changes: Any) -> Taxonomy:
    with TAXONOMY_FILE.open(encoding="utf-8") as fh:
        mapping = yaml.safe_load(fh)
    mapping = copy.deepcopy(mapping)
    for key, value in changes.items():
        section, field = key.split("__")
        mapping[section][field] = value
    return compile_taxonomy(mapping)


def test_negation_window_is_configurable() -> None:
    text = "邻居吵架，没有人受伤"  # cue 没有, one bridge character (人), then the term
    assert not run(text).rule_id.startswith("safety:")
    narrow = _with(negation__window=0)
    assert run(text, narrow).rule_id == "safety:injury"
    assert not run("邻居吵架，没受伤", narrow).rule_id.startswith("safety:")


def test_only_bridge_words_may_stand_between_cue_and_term() -> None:
    no_bridges = _with(negation__bridges=[])
    assert not run("没有受伤", no_bridges).rule_id.startswith("safety:")
    assert run("没有人受伤", no_bridges).rule_id == "safety:injury"


@pytest.mark.parametrize(
    "text",
    [
        "我妈上个月在医院动手术，手术后一直发烧，觉得医院有责任",
        "商场跳楼价清仓，结账价格跟标价不一样，多收了我两百",
        "一直打他电话叫他挪车他也不接，车挡住我的车了",
        "停电十个小时了，供电公司说在抢修",
        "我一个人把三个孩子拉扯大，现在老了他们谁都不管我",
    ],
)
def test_words_that_only_look_like_signs(text: str) -> None:
    c = run(text)
    assert not c.is_police_matter, c
    assert not kinds(c, "safety")


def test_no_evidence_means_police_review_with_low_confidence() -> None:
    c = run("你好，我想问一下")
    assert c.is_police_matter
    assert c.situation_code == shipped().fallback.code
    assert c.rule_id == FALLBACK_RULE
    assert c.confidence < 0.2
    assert [e.kind for e in c.evidence] == ["default"]


def test_empty_text_is_the_fallback() -> None:
    c = run("")
    assert c.rule_id == FALLBACK_RULE and c.is_police_matter


def test_police_words_beat_weak_non_police_words() -> None:
    c = run("我们小区地下室每天晚上都有人聚赌，进进出出的")
    assert c.is_police_matter and c.situation_code == "P07-01"


def test_equal_evidence_on_both_lists_goes_to_police() -> None:
    even = _with(decision__police_term_factor=1.0, decision__margin=0.0)
    # 宠物 (NON_POLICE) and 赌博 (POLICE) weigh the same: a tie is police.
    c = run("宠物赌博", even)
    assert [e.term for e in c.evidence] == ["赌博"]
    assert c.is_police_matter and c.situation_code == "P07-01"


def test_category_supports_but_never_decides_alone() -> None:
    alone = run("请处理", category="0601")
    assert alone.rule_id == FALLBACK_RULE
    backed = run("厂里工资没发", category="0601")
    assert not backed.is_police_matter
    assert "source_category" in [e.kind for e in backed.evidence]
    other = run("厂里工资没发", source="12345", category="0601")  # 0601 is a 110 code
    assert "source_category" not in [e.kind for e in other.evidence]


def test_evidence_spans_point_at_the_original_text() -> None:
    text = "樓上 衛生間“漏水”！！滴到我家客廳了，老板欠我３个月工资"
    c = run(text)
    assert c.evidence
    for e in c.evidence:
        if e.start >= 0:
            assert normalise_term(text[e.start : e.end], traditional_to_simplified()) == e.term


def test_traditional_characters_are_understood() -> None:
    assert run("他們在樓下打人，快點來").rule_id == "safety:violence"
    assert run("健身房關門了，我辦的年卡還有８個月").situation_code == "NP04-01"


def test_classification_is_deterministic() -> None:
    text = "楼上漏水，天花板电线冒烟了，邻居还威胁我"
    first = run(text)
    again = run(text)
    recompiled = run(text, load_taxonomy(TAXONOMY_FILE))
    assert first == again == recompiled
    starts = [(e.start < 0, e.start, e.end) for e in first.evidence]
    assert starts == sorted(starts)


def test_most_serious_sign_names_the_rule() -> None:
    c = run("楼上漏水，天花板电线起火了，邻居还威胁我")
    assert c.rule_id == "safety:fire"
    assert {"起火", "威胁我"} <= set(kinds(c, "safety"))
    assert c.confidence > 0.9  # two kinds of sign


def test_normalise_keeps_offsets() -> None:
    n = normalise("ＡＢ  打 人！！没有")
    assert n.text == "ab打人,没有"
    assert n.original_span(2, 4) == (4, 7)  # "打 人" in the original


@pytest.mark.parametrize(
    ("token", "value"),
    [("2000", 2000), ("两千", 2000), ("三十五", 35), ("十几", 11), ("几十", 20), ("上百", 100),
     ("一百零五", 105), ("二三十", 20), ("块", None)],
)  # fmt: skip
def test_chinese_numbers(token: str, value: int | None) -> None:
    assert chinese_number(token) == value


def test_people_counts() -> None:
    counts = [
        c for c, _, _ in people_counts(normalise("门口有两百名业主和30多个工人，还有三个人").text)
    ]
    assert counts == [200, 30, 3]


@pytest.mark.parametrize(
    "text",
    [
        "一辆面包车把路人撞了以后加速跑了",  # found by the traffic generator: was NP11-03
        "电动车把一个老人撞倒在路边，人躺着没动",
        "货车撞了人就开走了，往东边去了",
    ],
)
def test_a_vehicle_hitting_a_person_stays_with_police(text: str) -> None:
    c = run(text)
    assert c.is_police_matter and c.class_code == "P05", (c.situation_code, c.rule_id)


def test_a_scrape_between_cars_is_still_diverted() -> None:
    c = run("我的车停路边被人刮了一下，对方愿意赔修车钱")
    assert not c.is_police_matter and c.situation_code == "NP11-03"
