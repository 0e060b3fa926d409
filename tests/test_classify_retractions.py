"""Taxonomy zj-2026.12.10 (the negators in the taxonomy since zj-2026.12.11): danger words the caller does not mean, and the insistence beside
them that must stay police. Examples written here, not copied from a labelled set.

The families, from the fifth blind test (a southern call-taker's non-police calls kept as
police): a figure taken back in the same breath (气话, 讲笑); Cantonese negation (冇, 唔系)
and "doesn't look like" (不像是); a danger the caller only thought there was (以为); anger
as an explosion (嬲到爆炸, 想爆炸).
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fenliu.processors.modality import RETRACTED, Clauses, Cue, modality
from tests.classify_support import run, shipped, signs


@pytest.mark.parametrize(
    "text",
    [
        "楼上天天蹦迪，吵到我想跳楼——讲笑㗎，你哋派人嚟讲下啦",
        "邻居装修又吵又脏，我气得要杀人，气话啦，就是想让社区管一管",
        "装修吵得我想跳楼，说说而已，麻烦城管去看看",
    ],
)
def test_a_figure_taken_back_is_a_doubt_not_a_danger(text: str) -> None:
    c = run(text)
    assert not signs(c) and not c.is_police_matter
    assert any(d.startswith("danger_modal:figurative:") for d in c.doubts)


@pytest.mark.parametrize(
    "text",
    [
        "他在门口说要杀了我全家，不是开玩笑的，手里还拿着刀",
        "他说要杀了我，还说不是气话",
        "我老公喝了酒说要打死我，他说是开玩笑的，但是一直拿刀在我面前晃",
        "佢话要杀咗我，唔系讲笑，而家喺楼下等紧我",
    ],
)
def test_an_insistence_or_a_threat_beside_the_joke_stays_police(text: str) -> None:
    c = run(text)
    assert c.is_police_matter and signs(c)


@pytest.mark.parametrize(
    ("text", "negated"),
    [
        ("冇人受伤，就系两架车擦花咗，想问下点处理", "safety:injury"),
        ("钱包应该是落在奶茶店柜台了，不像是被偷", "safety:theft"),
        ("我唔系话俾人偷咗，系我自己唔记得放喺边", "safety:theft"),
    ],
)
def test_cantonese_and_not_like_negations_negate(text: str, negated: str) -> None:
    c = run(text)
    assert negated not in signs(c)
    assert any(d.startswith("danger_negated:") for d in c.doubts) or any(
        e.kind == "negated" and e.rule_id == negated for e in c.evidence
    )


@pytest.mark.parametrize(
    "text",
    [
        "我部手机俾人偷咗，就喺啱啱地铁上面",
        "我唔知边个偷咗我架单车，啱啱仲喺度",
        "有人受伤，冇人理，快啲嚟",
    ],
)
def test_cantonese_reports_of_harm_stay_police(text: str) -> None:
    assert run(text).is_police_matter and signs(run(text))


def test_a_fire_only_thought_of_is_no_sign_and_a_real_one_beside_it_is() -> None:
    # Until zj-2026.12.249 the mistaken fire was a hypothetical doubt; the mask 以为着火 (59 train
    # and dev calls, none police) leaves it no evidence at all.
    drill = run("物业搞消防演练放烟，老人家以为着火了，吓坏了")
    assert "safety:fire" not in signs(drill)
    assert not any(e.rule_id == "safety:fire" for e in drill.evidence), drill.evidence
    real = run("楼下着火了，我还以为是谁家做饭，现在烟好大")
    assert "safety:fire" in signs(real)


def test_anger_as_an_explosion_is_no_explosion() -> None:
    for text in ("隔壁KTV天天唱到半夜，成个人想爆炸", "老细拖咗三个月人工，我嬲到爆炸"):
        assert "safety:explosion" not in signs(run(text))
    assert "safety:explosion" in signs(run("小区门口的煤气罐要爆炸了，一直在冒气"))


def _cues(text: str, word: str) -> list[Cue]:
    start = text.index(word)
    return [Cue(start, start + len(word), RETRACTED)]


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(
    before=st.text(alphabet="他说要打人", max_size=6),
    gap=st.sampled_from(["", "啊", "啦", "，", "啊，", "——"]),
    negation=st.sampled_from(["不是", "唔系", "没", "并非"]),
)
def test_a_negated_retraction_never_governs(before: str, gap: str, negation: str) -> None:
    """Pure: whatever precedes it, "杀人" followed by a negated retraction is present (with
    the shipped taxonomy's negators; without them the same retraction governs)."""
    chars = shipped().modal_chars
    text = f"{before}杀人{gap}{negation}气话"
    start = text.index("杀人", len(before))
    clauses = Clauses(text, "，")
    assert modality("杀人", start, start + 2, _cues(text, "气话"), clauses, chars) is None
    assert modality("杀人", start, start + 2, _cues(text, "气话"), clauses) == "figurative"
    plain = f"{before}杀人{gap}气话"
    start = plain.index("杀人", len(before))
    governed = modality("杀人", start, start + 2, _cues(plain, "气话"), Clauses(plain, "，"), chars)
    assert governed == "figurative"
