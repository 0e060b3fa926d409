"""Properties of the classifier that must hold for any text, not just the examples."""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path

import yaml
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from fenliu.processors.classify import classify
from fenliu.processors.model import CaseEvent, Classification, Location, Source
from fenliu.processors.taxonomy import Taxonomy
from fenliu.processors.textnorm import normalise_term
from fenliu.refdata.taxonomy import load_taxonomy, traditional_to_simplified

ROOT = Path(__file__).resolve().parent.parent
TAXONOMY = load_taxonomy(ROOT / "data" / "taxonomy.yaml")
CLAUSE_END = re.compile(r"[，。！？；,.!?;]")


def run(text: str, taxonomy: Taxonomy = TAXONOMY) -> Classification:
    ev = CaseEvent(Source.CALL_110, "p", 0, "", None, Location(), text, "phone")
    return classify(ev, taxonomy)


@lru_cache(maxsize=1)
def _text_scoped_cues() -> tuple[str, ...]:
    """Modality cues that reach beyond their own clause (procedure, settled, referred, noisy,
    leaking)."""
    with (ROOT / "data" / "taxonomy.yaml").open(encoding="utf-8") as fh:
        modality = yaml.safe_load(fh).get("modality", {})
    return tuple(
        modality.get("procedure", [])
        + modality.get("settled", [])
        + modality.get("referred", [])
        + modality.get("noisy", [])
        + modality.get("leaking", [])
    )


@lru_cache(maxsize=1)
def diverted_texts() -> tuple[str, ...]:
    """Labelled non-police calls that the rules divert and that carry no sign at all.

    Texts that ask about a procedure, say the matter is settled or ask a named unit to
    inspect or repair are left out: a danger word put next to them is only talked about
    or reported for that unit (processors/modality.py).
    """
    out = []
    with (ROOT / "tests" / "eval" / "labelled_calls.jsonl").open(encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            if row["expected_list"] != "NON_POLICE":
                continue
            c = run(row["text"])
            if any(cue in row["text"] for cue in _text_scoped_cues()):
                continue
            if not c.is_police_matter and not any(
                e.kind in ("negated", "modal") for e in c.evidence
            ):
                out.append(row["text"])
    return tuple(out)


SAFETY_TERMS = sorted({t for g in TAXONOMY.safety_groups for t in g.terms})
_SPEC = yaml.safe_load((ROOT / "data" / "taxonomy.yaml").read_text(encoding="utf-8"))
# Words that are no safety term at all (不动手, 踢皮球), and the taxonomy's own words that
# block every term inside them (不想叫人来 holds 想叫人来, asking for someone to come and do
# a job): a cue + term that forms one of them leaves nothing to record as negated.
EXCLUDED = tuple(_SPEC["safety"]["exclude"]) + tuple(_SPEC["lexicon"]["words"])
CUES = list(TAXONOMY.negation.cues)
NOISE = st.text(alphabet="的了在我他有是这那个天楼工厂老板去说吗呢 ，。", max_size=12)


def boundaries(text: str) -> list[int]:
    """Places where a clause may be inserted: the start, the end, after clause punctuation."""
    return sorted({0, len(text)} | {m.end() for m in CLAUSE_END.finditer(text)})


@st.composite
def np_text_with_insert(draw: st.DrawFn, clause: st.SearchStrategy[str]) -> tuple[str, str, str]:
    base = draw(st.sampled_from(diverted_texts()))
    at = draw(st.sampled_from(boundaries(base)))
    inserted = draw(clause)
    return base, inserted, base[:at] + "，" + inserted + "，" + base[at:]


PROPERTY = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def test_there_are_diverted_texts_to_work_with() -> None:
    assert len(diverted_texts()) > 150


@PROPERTY
@given(np_text_with_insert(st.sampled_from(SAFETY_TERMS)))
def test_any_unnegated_safety_term_makes_it_police(case: tuple[str, str, str]) -> None:
    base, term, text = case
    assert not run(base).is_police_matter
    c = run(text)
    assert c.is_police_matter, (term, text)
    assert c.rule_id.startswith("safety:")
    assert term in [e.term for e in c.evidence if e.kind == "safety"]


@PROPERTY
@given(
    np_text_with_insert(
        st.tuples(st.sampled_from(CUES), st.sampled_from(SAFETY_TERMS)).map("".join)
    )
)
def test_a_negated_safety_term_alone_makes_no_safety_decision(case: tuple[str, str, str]) -> None:
    _, clause, text = case
    # A cue that forms a pseudo-negation with the term (没人 + 管制刀具 = 没人管…) is no cue.
    assume(not any(word in clause for word in TAXONOMY.negation.not_cues))
    c = run(text)
    assert not c.rule_id.startswith("safety:"), (clause, c.rule_id, c.evidence)
    assert any(e.kind == "negated" for e in c.evidence) or any(w in clause for w in EXCLUDED)


@PROPERTY
@given(
    st.lists(st.one_of(st.sampled_from(SAFETY_TERMS), st.sampled_from(CUES), NOISE), max_size=12)
)
def test_same_input_same_output(parts: list[str]) -> None:
    text = "".join(parts)
    assert run(text) == run(text)


@lru_cache(maxsize=1)
def _all_terms() -> list[str]:
    terms = set(SAFETY_TERMS)
    for sit in TAXONOMY.situations:
        terms.update(sit.terms)
        for group in sit.all_of:
            terms.update(group)
    return sorted(terms)


FULLWIDTH = str.maketrans({chr(c): chr(c + 0xFEE0) for c in range(0x21, 0x7F)})


@PROPERTY
@given(
    st.lists(
        st.one_of(
            st.sampled_from(_all_terms()),
            st.sampled_from(_all_terms()).map(lambda t: t.translate(FULLWIDTH).upper()),
            NOISE,
        ),
        min_size=1,
        max_size=10,
    )
)
def test_evidence_spans_point_at_the_term_in_the_original(parts: list[str]) -> None:
    text = "".join(parts)
    to_simplified = traditional_to_simplified()
    c = run(text)
    for e in c.evidence:
        if e.start >= 0:
            assert 0 <= e.start < e.end <= len(text)
            assert normalise_term(text[e.start : e.end], to_simplified) == e.term


@PROPERTY
@given(st.text(max_size=200))
def test_any_text_gets_a_valid_decision(text: str) -> None:
    c = run(text)
    assert 0.0 <= c.confidence <= 1.0
    assert c.is_police_matter == (c.list_name.value == "POLICE")
    assert TAXONOMY.situation(c.situation_code).class_code == c.class_code
    assert c.evidence, "every decision says why"
