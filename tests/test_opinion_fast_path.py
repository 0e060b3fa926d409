"""The router's fast path of the learned opinion gives the decisions of a plain reference.

``JointScorer`` finds both models' n-grams in one automaton pass and sums precomputed
numbers; ``decide_outcome`` copies a Classification without ``dataclasses.replace``.
Both were made for speed (docs/evaluation.md, "Speed of the opinion"); these tests keep
the straightforward versions here and ask for the same numbers and the same decisions.
"""

from __future__ import annotations

import math
from dataclasses import fields, replace
from functools import cache
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from fenliu.processors.categories import CategorySystem
from fenliu.processors.classify import classify
from fenliu.processors.model import CaseEvent, Classification, ListName, Location, Outcome, Source
from fenliu.processors.outcome import _replace, decide_outcome, with_outcome
from fenliu.processors.text_model import (
    LinearTextModel,
    TextOpinion,
    char_ngrams,
    load_opinion,
)
from fenliu.refdata.opinion import load_judge, read_artifact
from fenliu.settings import Settings
from tests.labelled_sample import hash_sample


def reference_scores(model: LinearTextModel, text: str) -> list[float]:
    """The textbook scorer: binary TF × IDF over the vocabulary, L2-normalised, dot product."""
    present = {g for g in char_ngrams(text, *model.ngram) if g in model.index}
    norm = math.sqrt(sum(model.idf[model.index[g]] ** 2 for g in present))
    return [
        b
        + (
            sum(model.idf[model.index[g]] * model.weights[model.index[g]][j] for g in present)
            / norm
            if norm
            else 0.0
        )
        for j, b in enumerate(model.intercepts)
    ]


def reference_probabilities(model: LinearTextModel, text: str) -> dict[str, float]:
    scores = reference_scores(model, text)
    if model.binary:
        p = 1.0 / (1.0 + math.exp(-scores[0]))
        return {model.classes[0]: 1.0 - p, model.classes[1]: p}
    exps = [math.exp(s - max(scores)) for s in scores]
    return {c: e / sum(exps) for c, e in zip(model.classes, exps)}


def assert_same_scores(opinion: TextOpinion, text: str) -> None:
    present = opinion.scorer.present(text)
    want = reference_probabilities(opinion.police, text)["POLICE"]
    assert math.isclose(opinion.scorer.police_probability(present), want, abs_tol=1e-12)
    got = opinion.scorer.level1_probabilities(present)
    if opinion.level1 is None:
        assert got is None
        return
    ref = reference_probabilities(opinion.level1, text)
    assert got is not None and list(got) == list(ref)
    assert all(math.isclose(got[c], ref[c], abs_tol=1e-12) for c in ref)


@cache
def shipped() -> TextOpinion:
    return load_opinion(read_artifact())


@cache
def vocabulary_characters() -> str:
    return "".join(sorted({c for g in shipped().police.index for c in g}))


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_the_joint_scorer_equals_the_reference_on_random_texts(data: st.DataObject) -> None:
    # Mostly characters the models know (so n-grams match), with unknown ones, full-width
    # forms, line breaks, runs of space and emoji in between.
    alphabet = st.one_of(
        st.sampled_from(vocabulary_characters()),
        st.sampled_from("　 \n\tＡＢ１２３абв😀\u0301"),
        st.characters(),
    )
    assert_same_scores(shipped(), data.draw(st.text(alphabet, max_size=60)))


SAMPLE_ROWS = 12_000


@cache
def labelled_sample() -> tuple[dict[str, Any], ...]:
    """``SAMPLE_ROWS`` train and dev rows, the same ones every run (tests/labelled_sample.py)."""
    return tuple(hash_sample(("train", "dev"), SAMPLE_ROWS))


def test_the_sample_spans_the_labelled_sets() -> None:
    sets = {row["set"] for row in labelled_sample()}
    assert len(labelled_sample()) == SAMPLE_ROWS and len(sets) > 500, len(sets)


def test_the_joint_scorer_equals_the_reference_on_the_labelled_sets() -> None:
    for row in labelled_sample():
        assert_same_scores(shipped(), row["text"])


def tiny(classes: tuple[str, ...], ngram: tuple[int, int], grams: list[str]) -> LinearTextModel:
    k = 1 if len(classes) == 2 else len(classes)
    return LinearTextModel(
        classes,
        ngram,
        {g: i for i, g in enumerate(grams)},
        tuple(1.0 + 0.25 * i for i in range(len(grams))),
        tuple(tuple(0.5 - 0.3 * ((i + j) % 4) for j in range(k)) for i in range(len(grams))),
        tuple(0.1 * j - 0.2 for j in range(k)),
    )


@given(st.text(st.sampled_from("有人拿刀砍停水了 ab"), max_size=20))
def test_vocabularies_that_differ_in_entries_and_ranges(text: str) -> None:
    """An entry outside its model's n-gram range never counts, as in the reference."""
    police = tiny(("NON_POLICE", "POLICE"), (1, 3), ["刀", "砍人", "有人拿刀", "停水", " a"])
    level1 = tiny(("C01", "C02", "C03"), (2, 4), ["停水", "有人拿刀", "刀", "水了", "ab"])
    for lv in (level1, None, tiny(("A", "B"), (1, 2), ["水", "刀砍"])):
        opinion = TextOpinion("tm-tiny", police, lv, {}, {})
        present = opinion.scorer.present(text)
        assert math.isclose(
            opinion.scorer.police_probability(present),
            reference_probabilities(police, text)["POLICE"],
            abs_tol=1e-12,
        )
        got = opinion.scorer.level1_probabilities(present)
        if lv is None:
            assert got is None
        else:
            ref = reference_probabilities(lv, text)
            assert got is not None and list(got) == list(ref)
            assert all(math.isclose(got[c], ref[c], abs_tol=1e-12) for c in ref)
    empty = TextOpinion("tm-empty", tiny(("NON_POLICE", "POLICE"), (1, 3), []), None, {}, {})
    assert math.isclose(
        empty.scorer.police_probability(empty.scorer.present(text)),
        reference_probabilities(empty.police, text)["POLICE"],
        abs_tol=1e-12,
    )


def reference_outcome(
    cls: Classification,
    source: Source,
    text: str,
    opinion: TextOpinion,
    categories: CategorySystem,
    judge_policy: Any,
) -> Classification:
    """``with_outcome`` with the reference scorer and ``dataclasses.replace``."""
    p = reference_probabilities(opinion.police, text)["POLICE"]
    category = None
    if source is Source.TICKET_12345:
        level1 = opinion.level1
        assert level1 is not None
        category = categories.match(text, lambda: reference_probabilities(level1, text))
    fast = decide_outcome(cls, source, p, category, judge_policy)
    # decide_outcome's own copy, redone with dataclasses.replace
    changed = {f.name: getattr(fast, f.name) for f in fields(fast)}
    return replace(cls, **changed)


def test_whole_outcomes_equal_the_reference_on_the_labelled_sets() -> None:
    """Each sampled labelled text, as a 110 call and as a 12345 ticket: the same Classification."""
    judge = load_judge(Settings())
    assert judge.opinion is not None and judge.categories is not None
    outcomes: set[Outcome | None] = set()
    for row in labelled_sample():
        for source in (Source.CALL_110, Source.TICKET_12345):
            ev = CaseEvent(source, "t", 0, "", None, Location(), row["text"], "phone")
            rules = classify(ev, judge.taxonomy)
            got = with_outcome(rules, ev, judge.opinion, judge.categories, judge.policy)
            want = reference_outcome(
                rules, source, ev.text or "", judge.opinion, judge.categories, judge.policy
            )
            assert got == want, row["id"]
            outcomes.add(got.outcome)
    assert outcomes >= {Outcome.KEEP, Outcome.DIVERT, Outcome.SUGGEST, Outcome.ROUTE}


CLS = Classification(
    is_police_matter=False, list_name=ListName.NON_POLICE, class_code="NP02",
    class_name="c", situation_code="NP02-02", situation_name="s", department="矛调中心",
    priority=3, sla_class="X", confidence=0.8, rule_id="situation:NP02-02", evidence=(),
    taxonomy_version="t",
)  # fmt: skip
VALUES: dict[str, Any] = {
    "is_police_matter": True, "outcome": Outcome.ROUTE, "outcome_rule": "why",
    "rules_is_police": False, "model_police_probability": 0.25, "model_version": "tm-x",
    "category_path": ("a", "b"), "category_id": "C01", "categories_version": "cat-1",
    "department": "住建局", "doubts": ("low_margin",), "confidence": 0.5,
}  # fmt: skip


@given(st.sets(st.sampled_from(sorted(VALUES))))
def test_the_fast_copy_is_dataclasses_replace(names: set[str]) -> None:
    changes = {n: VALUES[n] for n in names}
    assert _replace(CLS, dict(changes)) == replace(CLS, **changes)
