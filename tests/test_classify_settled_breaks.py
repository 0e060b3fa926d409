"""A settled cue (案件进展, 已经立案) does not govern a danger while the text says a person is
still not found now (``modality.settled_breaks``, zj-2026.12.280)."""

from __future__ import annotations

from fenliu.processors.modality import SETTLED, Clauses, Cue, SingleChars, modality

BREAKS = SingleChars(settled_breaks=frozenset({"现在还没找到"}))


def _settled_cue(text: str, word: str) -> Cue:
    at = text.index(word)
    return Cue(at, at + len(word), SETTLED)


def test_a_settled_cue_governs_a_danger_told_before_it() -> None:
    text = "孩子下午走丢了，后来找回来了，想问问案件进展"
    at = text.index("走丢")
    cues = [_settled_cue(text, "案件进展")]
    assert modality("走丢", at, at + 2, cues, Clauses(text, "，"), BREAKS) == SETTLED


def test_a_person_still_not_found_now_lifts_the_settled_cue() -> None:
    text = "孩子下午走丢了，到现在还没找到，想问问案件进展"
    at = text.index("走丢")
    cues = [_settled_cue(text, "案件进展")]
    assert modality("走丢", at, at + 2, cues, Clauses(text, "，"), BREAKS) is None
    # without the taxonomy's breaks the same cue governs the word, as before zj-2026.12.280
    assert modality("走丢", at, at + 2, cues, Clauses(text, "，")) == SETTLED
