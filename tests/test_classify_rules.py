"""Issue 11's families of failure, one test each, and the properties that keep them fixed.

1 danger told by what happens, whatever the topic; 2 words, not substrings; 3 modality;
4 police-service questions are administration; 5 numbers are not joined; 6 no evidence
on a 12345 ticket is not police.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from fenliu.processors.classify import FALLBACK_RULE, FALLBACK_RULE_12345, classify
from fenliu.processors.model import CaseEvent, Classification, ListName, Location, Source
from fenliu.processors.segment import blocked_by, blockers, shapes
from fenliu.processors.taxonomy import Taxonomy
from fenliu.processors.taxonomy import _words_automaton as _automaton
from fenliu.processors.textnorm import normalise, people_counts
from fenliu.refdata.taxonomy import load_taxonomy

ROOT = Path(__file__).resolve().parent.parent
TAXONOMY_FILE = ROOT / "data" / "taxonomy.yaml"


@lru_cache(maxsize=1)
def shipped() -> Taxonomy:
    return load_taxonomy(TAXONOMY_FILE)


@lru_cache(maxsize=1)
def raw() -> dict:
    with TAXONOMY_FILE.open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def run(text: str, source: str = "110") -> Classification:
    ev = CaseEvent(Source(source), "t", 0, "", None, Location(), text, "phone")
    return classify(ev, shipped())


# --- 1. Danger first, whatever the topic ---------------------------------------------


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("我儿子被几个人从游戏厅里拽走了，拉上了一辆白色面包车", "safety:taken_away"),
        ("房东把我妈关在储藏室里了，说交了钱再放", "safety:confined"),
        ("前夫半夜用备用钥匙开门进来了，我躲在阳台上", "safety:intruder"),
        ("催收的发消息说知道我儿子在哪个学校，让我想清楚", "safety:threat_home"),
        ("有个人说不给他五千块，就把照片发给我单位", "safety:extortion"),
        ("我外婆早上出去买菜，到现在六个小时了，电话一直打不通", "safety:unreachable"),
        ("楼下有人一直在喊救命，声音是从地下室传出来的", "safety:cry_for_help"),
        ("村口一条大狼狗把放学的孩子咬伤了，狗现在还在路上乱跑", "safety:animal_attack"),
        ("一辆小货车把骑车的大姐刮倒了，司机停都没停就跑了", "safety:hit_and_run"),
        ("出租车司机不让我下车，车门锁着，一直往山里开", "safety:detention"),
        ("小区门口有个男的每天放学都在，一直盯着小女孩看", "safety:child_predator"),
    ],
)
def test_danger_is_told_by_what_happens(text: str, rule: str) -> None:
    c = run(text)
    assert c.is_police_matter, (c.rule_id, c.situation_code)
    assert c.rule_id == rule


@pytest.mark.parametrize("source", ["110", "12345"])
def test_a_setting_word_does_not_pull_danger_to_a_topic(source: str) -> None:
    # A school, a bus, a pet: the topic words of non-police classes.
    for text in (
        "学校门口有几个社会青年把我儿子拖走了，拉上了车",
        "公交车上一个男的一直往我女儿身上靠，还想摸她",
        "邻居家的藏獒把我爸扑倒咬了，狗还在楼道里",
    ):
        assert run(text, source).is_police_matter, text


# --- 2. Words, not substrings ----------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "包工头说工程款没到，我们的工资下个月再发",
        "小区停车一刀切收费，老业主意见很大",
        "河边那个厂晚上偷排污水，臭得不行",
        "停水一整天了，说是管道在抢修",
        "我家是低保困难户，想问问补助怎么申请",
        "这个政策对弱势群体不公平",
        "楼上装修打电钻吵得要死，热死了还不能开窗",
        "反映捞刀河大桥的红绿灯时间太短",
    ],
)
def test_words_inside_longer_words_do_not_fire(text: str) -> None:
    c = run(text, source="12345")
    assert not c.is_police_matter, (c.rule_id, [e.term for e in c.evidence])
    assert not [e for e in c.evidence if e.kind == "safety"]


def test_compounds_that_end_with_the_term_keep_it() -> None:
    # 菜刀 is a knife and 小偷 a thief: a word that ends with the term is that kind of thing.
    assert run("他手里拿着菜刀在楼道里追人").is_police_matter
    assert run("家里进小偷了，抽屉都被翻了").is_police_matter


def test_blocked_by_names_the_longer_word() -> None:
    tax = shipped()
    text = normalise("工地包工头不发工资").text
    at = text.index("包")
    assert blocked_by(text, at, at + 1, tax.blockers) in ("包工", "包工头")
    free = normalise("他的包被人拿走了").text
    at = free.index("包")
    assert blocked_by(free, at, at + 1, tax.blockers) is None  # 包被 is a word, but 包|被人


def _guarded_terms(tax: Taxonomy) -> set[str]:
    """The police and safety words a longer word may block."""
    terms = {t for g in tax.safety_groups for t in (*g.terms, *(t for o in g.all_of for t in o))}
    for sit in tax.situations:
        if sit.list_name is ListName.POLICE:
            terms |= {*sit.terms, *(t for group in sit.all_of for t in group)}
    return terms


def shipped_shapes(term: str) -> tuple[tuple[int, int], ...]:
    return shapes(shipped().blockers)[term]


def test_a_listed_word_blocks_a_term_however_far_inside_it_sits() -> None:
    """The taxonomy's own words are listed on purpose: before, a term more than three
    characters from either end (绑架 in 简直就是绑架, 救命 in 救命消防通道) was silently not
    blocked (20 of 378 listed words, zj-2026.12.266)."""
    far = blockers(["绑架"], [], ["简直就是绑架", "一二三四绑架五六七八"], frozenset(), _automaton)
    assert far == {"简直就是绑架": {"绑架", ""}, "一二三四绑架五六七八": {"绑架", ""}}
    # a general-lexicon word still reaches three characters and keeps its last word
    general = blockers(["绑架"], ["一二三四绑架五", "二三四绑架五"], [], frozenset(), _automaton)
    assert general == {"二三四绑架五": {"绑架"}}
    # a spared term stays free even when the listed word is a general word too
    spare = {"撞到人家": frozenset({"撞"})}
    both = blockers(["撞", "撞到人"], ["撞到人家"], ["撞到人家"], frozenset(), _automaton, spare)
    assert both == {"撞到人家": {"撞到人", ""}}
    text = normalise("这样逼我交钱简直就是绑架").text
    at = text.index("绑架")
    assert (
        blocked_by(text, at, at + 2, shipped().blockers, shipped_shapes("绑架")) == "简直就是绑架"
    )


def test_every_listed_word_blocks_the_police_and_safety_terms_inside_it() -> None:
    """No listed word is dead for a term it contains, except the term itself followed by an
    aspect particle (威胁着 is 威胁: the threat, told in another aspect) and the terms
    ``lexicon.spare`` names (撞到人家的 spares the 撞 of a hit)."""
    tax = shipped()
    guarded = _guarded_terms(tax)
    dead = []
    for word in raw()["lexicon"]["words"]:
        word = normalise(word).text
        inside = {t for t in guarded if t in word and t != word}
        if word in guarded or not inside:
            continue
        particle_forms = {
            t for t in inside if word.startswith(t) and set(word[len(t) :]) <= set("了着过的")
        }
        spared = {normalise(t).text for t in raw()["lexicon"].get("spare", {}).get(word, ())}
        missing = inside - set(tax.blockers.get(word, ())) - particle_forms - spared
        if missing:
            dead.append((word, sorted(missing)))
    assert not dead, dead


@lru_cache(maxsize=1)
def _blocking_pairs() -> list[tuple[str, str]]:
    """(longer word, a police or safety term inside it) from the taxonomy's own lexicon."""
    tax = shipped()
    pairs = []
    for word in raw()["lexicon"]["words"]:
        for term in tax.blockers.get(word, ()):
            pairs.append((word, term))
    return sorted(pairs)


PROPERTY = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
FILLER = st.text(alphabet="的了在我他有是这那个天楼工厂老板去说吗呢", max_size=6)


@PROPERTY
@given(st.sampled_from(_blocking_pairs()), FILLER, FILLER)
def test_a_term_inside_a_listed_longer_word_never_counts(
    pair: tuple[str, str], before: str, after: str
) -> None:
    word, term = pair
    # 去 + 不去闹事 reads 去不去闹事, the A-not-A question, which is modal and not the word.
    assume(not (word[0] == "不" and len(word) > 1 and before.endswith(word[1])))
    c = run(before + word + after)
    inside = [e for e in c.evidence if e.term == term and e.kind in ("safety", "situation")]
    # The same term may still be matched elsewhere in the filler text, never inside the word.
    start = len(before)
    assert not [e for e in inside if start <= e.start and e.end <= start + len(word)], c


# --- 3. Modality -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("楼道里堆满了纸箱，一旦发生火灾后果不堪设想", "hypothetical"),
        ("万一着火了人都跑不出去，请物业清理楼道", "hypothetical"),
        ("楼上的小孩天天跑跳，吵得跟打架似的", "figurative"),
        ("隔壁装修吵死人了，能不能管一管噪音", "figurative"),
        ("垃圾点天一热臭得要死人了，苍蝇一大堆", "figurative"),
        ("去年家里被盗了，现在想问能不能申请补贴", "past"),
        ("被盗以后开证明需要什么材料", "procedure"),
    ],
)
@pytest.mark.parametrize("source", ["110", "12345"])
def test_danger_only_talked_about_is_a_doubt(text: str, kind: str, source: str) -> None:
    c = run(text, source)
    assert not [e for e in c.evidence if e.kind == "safety"], c.evidence
    assert [e for e in c.evidence if e.kind == "modal"], c.evidence
    if not c.is_police_matter:  # a NON_POLICE verdict says why it is not clean
        wanted = (f"danger_modal:{kind}:", f"police_term_modal:{kind}:")
        assert any(d.startswith(wanted) for d in c.doubts), c.doubts
        assert c.list_name is ListName.NON_POLICE


@pytest.mark.parametrize(
    "text",
    [
        "邻居之间吵架，没有发生过打人的情况",
        "双方只是口角，现场未发现有人受伤的迹象",
    ],
)
def test_negation_by_clause(text: str) -> None:
    c = run(text)
    assert not c.rule_id.startswith("safety:"), c.rule_id
    assert any(d.startswith("danger_negated:") for d in c.doubts), c.doubts


def test_present_danger_beside_a_modal_one_still_counts() -> None:
    c = run("万一着火了怎么办，现在他拿着刀在门口")
    assert c.is_police_matter and c.rule_id == "safety:armed"


def test_a_thing_that_looks_like_a_weapon_is_not_a_figure_of_speech() -> None:
    c = run("垃圾桶旁边有个袋子，里面好像是几根雷管一样的东西")
    assert c.is_police_matter


@lru_cache(maxsize=1)
def _modal_prefixes() -> list[str]:
    m = raw()["modality"]
    return sorted(w for w in m["hypothetical"] if len(w) > 1) + ["去年", "以前"]


@lru_cache(maxsize=1)
def _safety_terms() -> list[str]:
    return sorted({t for g in shipped().safety_groups for t in g.terms if len(t) > 1})


@PROPERTY
@given(st.sampled_from(_modal_prefixes()), st.sampled_from(_safety_terms()))
def test_a_modal_prefix_never_makes_present_danger(prefix: str, term: str) -> None:
    # A clause that only supposes or remembers a danger is never a present sign.
    text = f"请问一下，{prefix}{term}"
    assume(not any(cue in term for cue in raw()["negation"]["cues"]))
    c = run(text)
    assert not [e for e in c.evidence if e.kind == "safety" and e.term == term], (text, c.rule_id)


def test_the_question_form_is_modal_where_the_denial_is_no_danger() -> None:
    # 不会动手 ("we will not fight") is excluded; 会不会动手 ("will they come to blows?") is
    # that word inside a question: hypothesis found it swallowed, no doubt left
    asked = run("楼上漏水把我家天花板泡坏了，会不会动手")
    assert not asked.is_police_matter and "danger_modal:hypothetical:动手" in asked.doubts
    denied = run("我们就是想量清楚地界，不会动手")
    assert not any(e.term == "动手" for e in denied.evidence), denied.evidence


@PROPERTY
@given(st.sampled_from(_modal_prefixes()), st.sampled_from(_safety_terms()))
def test_a_modal_danger_on_a_diverted_text_is_a_doubt(prefix: str, term: str) -> None:
    # unless the taxonomy names the whole phrase as no danger (a mask holding the cue and the
    # term: 怕有人掉进去, 一不小心就说等着 …, or a word of its own lexicon, which blocks every
    # term inside it: 想叫人来 in 气得人真想叫人来), which explains it without a doubt
    said = f"{prefix}{term}"
    explaining = [*raw()["safety"]["exclude"], *raw()["lexicon"]["words"]]
    assume(not any(term in m and m in said for m in explaining))
    c = run(f"楼上漏水把我家天花板泡坏了，{said}")
    assume(not c.is_police_matter)
    assert c.doubts, (prefix, term, c.rule_id)


# --- 4. Police services are administration ------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "我想把户口迁移到我老公那边，需要什么材料",
        "身份证丢了，补办身份证去哪里办",
        "开无犯罪记录证明要带什么",
    ],
)
def test_police_service_questions_are_consultations(text: str) -> None:
    c = run(text)
    assert not c.is_police_matter and c.situation_code == "NP15-03", (c.rule_id, c.situation_code)
    t = run(text, source="12345")
    assert not t.is_police_matter


def test_a_passing_mention_of_a_household_register_is_not_police() -> None:
    long = (
        "我们小区的物业一直不公示维修基金的使用情况，业主委员会成立了三年也没开过会，"
        "前几天我去社区办户口本上的地址变更，顺便问了一下，社区说这事归住建局管。"
    )
    assert not run(long, source="12345").is_police_matter


# --- 5. Numbers are not joined -----------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "counts"),
    [
        ("门口来了20-30人", [20]),
        ("我是3栋1702业主", []),
        ("137号的业主", []),
        ("赔了200人民币", []),
        ("工程款3.6万元，二三十个工人", [20]),
    ],
)
def test_numbers_across_punctuation_stay_apart(text: str, counts: list[int]) -> None:
    assert [c for c, _, _ in people_counts(normalise(text).text)] == counts


@given(st.integers(1, 999), st.sampled_from("-~.、/ "), st.integers(1, 999))
def test_two_numbers_never_become_one(a: int, sep: str, b: int) -> None:
    n = normalise(f"{a}{sep}{b}人").text
    assert str(a) + str(b) not in n.replace("~", "~") or sep == ""
    assert all(c <= max(a, b) for c, _, _ in people_counts(n))


# --- 6. No evidence on a 12345 ticket ----------------------------------------------------


def test_no_evidence_on_12345_is_not_police_but_a_doubt() -> None:
    c = run("你好，我想反映一个情况", source="12345")
    assert not c.is_police_matter
    assert c.rule_id == FALLBACK_RULE_12345
    assert "no_evidence" in c.doubts
    assert c.situation_code == shipped().fallback_12345.code  # type: ignore[union-attr]
    police = run("你好，我想反映一个情况", source="110")
    assert police.is_police_matter and police.rule_id == FALLBACK_RULE


def test_a_clean_diversion_has_no_doubts_and_police_verdicts_never_do() -> None:
    assert run("工地包工头拖欠我们三个月工资不给").doubts == ()
    assert run("他们在楼下打人，快点来").doubts == ()


def test_police_words_outside_the_winning_class_are_a_doubt() -> None:
    c = run("宠物店老板说我家狗的疫苗是假的，办的卡也不退，还说我赌博")
    if not c.is_police_matter:
        assert "police_term_outside_class" in c.doubts
