"""The learned second opinion, scored in pure Python.

``fenliu train`` fits character n-gram TF-IDF features with logistic regression in
scikit-learn and writes the pruned vocabulary, IDF and weights into a JSON artifact.
This module scores a text with those numbers alone, so the router needs no
scikit-learn: binary TF × IDF, L2-normalised over the vocabulary, then a dot product
with the weights. ``char_ngrams`` is the analyzer the trainer gives
the vectoriser, so both sides cut the text the same way by construction.
Pure: an artifact mapping in, numbers out.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from operator import add, itemgetter
from typing import Any

import ahocorasick
import numpy as np

ARTIFACT_FORMAT = "fenliu-text-model/1"


def normalise_text(text: str) -> str:
    """NFKC (full-width digits and letters to ASCII), lower case, runs of space to one."""
    if not unicodedata.is_normalized("NFKC", text):  # a fast check; most text is already
        text = unicodedata.normalize("NFKC", text)
    return " ".join(text.lower().split())


def char_ngrams(text: str, lo: int = 1, hi: int = 3) -> list[str]:
    """Every character n-gram of the normalised text, lo..hi characters long."""
    t = normalise_text(text)
    n = len(t)
    return [t[i : i + k] for k in range(lo, hi + 1) for i in range(n - k + 1)]


def ngram_set(text: str, lo: int = 1, hi: int = 3) -> set[str]:
    """The set of ``char_ngrams(text, lo, hi)``, built with C loops (the run-time path)."""
    t = normalise_text(text)
    grams: set[str] = set()
    prev = list(t)  # n-grams of length k, built from those of length k - 1
    for k in range(1, hi + 1):
        if k > 1:
            prev = list(map(add, prev, t[k - 1 :]))
        if k >= lo:
            grams.update(prev)
    return grams


class ModelError(ValueError):
    """An artifact that cannot be used (wrong format, inconsistent arrays)."""


class LinearTextModel:
    """One linear model over binary TF-IDF character n-grams: binary or multinomial.

    A text's features are the set of its n-grams in the vocabulary, each worth its IDF,
    L2-normalised: score_j = b_j + Σ idf·w_j / √(Σ idf²). One dict lookup per n-gram
    and sums over ``map``/``filter`` (C loops) keep a 30-character call near 20 µs.
    """

    __slots__ = ("classes", "ngram", "index", "idf", "weights", "intercepts", "_tab", "_m")

    def __init__(self, classes: tuple[str, ...], ngram: tuple[int, int], index: Mapping[str, int],
                 idf: tuple[float, ...], weights: tuple[tuple[float, ...], ...],
                 intercepts: tuple[float, ...]) -> None:  # fmt: skip
        self.classes = classes  # binary: (negative, positive); multinomial: every label
        self.ngram = ngram
        self.index = dict(index)  # n-gram -> feature number
        self.idf = idf
        self.weights = weights  # per feature: one weight (binary) or one per class
        self.intercepts = intercepts
        # One lookup per n-gram of the text: gram -> (idf², idf·w) for a binary model,
        # gram -> (idf², row) for a multinomial one, whose rows are a numpy matrix of idf·w
        # (numpy is already a run-time dependency, through shapely).
        k = len(intercepts)
        self._m = None
        if k == 1:
            self._tab = {
                g: (idf[f] * idf[f], idf[f] * weights[f][0]) for g, f in self.index.items()
            }
        else:
            self._tab = {g: (idf[f] * idf[f], f) for g, f in self.index.items()}
            self._m = np.array(weights, dtype=np.float64).reshape(len(idf), k) * np.array(
                idf, dtype=np.float64
            ).reshape(-1, 1)

    @property
    def binary(self) -> bool:
        return len(self.intercepts) == 1

    def features(self, text: str) -> dict[int, float]:
        """Feature number -> L2-normalised TF-IDF value (for tests and explanations)."""
        present = {g for g in char_ngrams(text, *self.ngram) if g in self.index}
        norm = math.sqrt(sum(self.idf[self.index[g]] ** 2 for g in present))
        return {self.index[g]: self.idf[self.index[g]] / norm for g in present} if norm else {}

    def decision(self, text: str, grams: set[str] | None = None) -> tuple[float, ...]:
        """The raw linear scores (one for binary, one per class otherwise).

        ``grams``: the text's ``ngram_set`` when the caller has it already (shared by models).
        """
        if grams is None:
            grams = ngram_set(text, *self.ngram)
        present = list(filter(None, map(self._tab.get, grams)))
        if not present:
            return self.intercepts
        squares, values = zip(*present)
        norm = math.sqrt(sum(squares))
        if self._m is None:
            return (self.intercepts[0] + sum(values) / norm,)
        rows = self._m[list(values)].sum(axis=0) / norm
        return tuple(map(add, self.intercepts, rows.tolist()))

    def probabilities(self, text: str, grams: set[str] | None = None) -> dict[str, float]:
        """Class -> probability (sigmoid for binary, softmax for multinomial)."""
        scores = self.decision(text, grams)
        return _probabilities(self.classes, scores)

    def to_json(self) -> dict[str, Any]:
        grams = sorted(self.index, key=self.index.__getitem__)
        return {
            "classes": list(self.classes),
            "ngram": list(self.ngram),
            "features": grams,
            "idf": list(self.idf),
            "weights": [list(r) for r in self.weights],
            "intercepts": list(self.intercepts),
        }

    @classmethod
    def from_json(cls, obj: Mapping[str, Any]) -> LinearTextModel:
        try:
            grams = list(obj["features"])
            idf = tuple(float(x) for x in obj["idf"])
            weights = tuple(tuple(float(x) for x in r) for r in obj["weights"])
            intercepts = tuple(float(x) for x in obj["intercepts"])
            classes = tuple(str(c) for c in obj["classes"])
            lo, hi = (int(x) for x in obj["ngram"])
        except (KeyError, TypeError, ValueError) as exc:
            raise ModelError(f"bad model section: {exc}") from None
        k = len(intercepts)
        if not (len(grams) == len(idf) == len(weights)) or any(len(r) != k for r in weights):
            raise ModelError("features, idf and weights differ in length")
        if (k == 1 and len(classes) != 2) or (k > 1 and len(classes) != k):
            raise ModelError("classes do not match the intercepts")
        return cls(classes, (lo, hi), {g: i for i, g in enumerate(grams)}, idf, weights, intercepts)


def _sigmoid(x: float) -> float:
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


def _probabilities(classes: tuple[str, ...], scores: tuple[float, ...]) -> dict[str, float]:
    """Class -> probability: sigmoid for one score (binary), softmax otherwise."""
    if len(scores) == 1:
        p = _sigmoid(scores[0])
        return {classes[0]: 1.0 - p, classes[1]: p}
    top = max(scores)
    exps = [math.exp(s - top) for s in scores]
    total = sum(exps)
    return {c: e / total for c, e in zip(classes, exps)}


_VALUE = itemgetter(1)  # (end, value) of an automaton hit -> value


class JointScorer:
    """The police and level-1 models over one pass of the text: the run-time path.

    ``LinearTextModel.decision`` cuts every n-gram of the text (a new string each) and
    looks each up in its model's table. Here both vocabularies go into one Aho-Corasick
    automaton that reports, in C, every vocabulary n-gram present in the normalised text,
    as a number: only the n-grams a model knows are ever touched, and both models read
    the same numbers. Every entry of a model's vocabulary is an n-gram of its own length
    range (entries outside it are left out, as the reference can never meet them), so
    the numbers found are exactly the features of the reference, and the scores are the
    same sums (``tests/test_text_model.py`` checks it against the reference).
    Per number: the police model's idf² and idf·w (0.0 for n-grams it does not know:
    adding 0.0 changes no sum), and a row of the level-1 matrix (idf·w per class, then
    idf², zero for n-grams it does not know), summed by numpy.
    """

    __slots__ = ("_auto", "_police_sq", "_police_val", "_police_b", "_l1", "_l1_b", "_l1_classes")

    def __init__(self, police: LinearTextModel, level1: LinearTextModel | None) -> None:
        number: dict[str, int] = {}
        models = [police] if level1 is None else [police, level1]
        for m in models:
            lo, hi = m.ngram
            for g in m.index:
                if lo <= len(g) <= hi:
                    number.setdefault(g, len(number))
        n = len(number)
        self._auto: Any = None  # no vocabulary at all: nothing to find
        if n:
            self._auto = ahocorasick.Automaton(ahocorasick.STORE_INTS)
            for g, j in number.items():
                self._auto.add_word(g, j)
            self._auto.make_automaton()
        sq, val = [0.0] * n, [0.0] * n
        lo, hi = police.ngram
        idf = police.idf
        for g, f in police.index.items():
            if lo <= len(g) <= hi:
                sq[number[g]], val[number[g]] = idf[f] * idf[f], idf[f] * police.weights[f][0]
        self._police_sq, self._police_val = sq, val
        self._police_b = police.intercepts[0]
        self._l1: Any = None  # numpy (n, classes + 1): idf·w per class, then idf²
        self._l1_b: tuple[float, ...] = ()
        self._l1_classes: tuple[str, ...] = ()
        if level1 is not None:
            k = len(level1.intercepts)
            rows = np.zeros((n, k + 1), dtype=np.float64)
            lo, hi = level1.ngram
            idf = level1.idf
            for g, f in level1.index.items():
                if lo <= len(g) <= hi:
                    rows[number[g], :k] = np.array(level1.weights[f], dtype=np.float64) * idf[f]
                    rows[number[g], k] = idf[f] * idf[f]
            self._l1, self._l1_b, self._l1_classes = rows, level1.intercepts, level1.classes

    def present(self, text: str) -> list[int]:
        """The numbers of the vocabulary n-grams in the normalised text, each once."""
        t = normalise_text(text)
        if not t or self._auto is None:
            return []
        return list(set(map(_VALUE, self._auto.iter(t))))

    def police_probability(self, present: list[int]) -> float:
        squares = sum(map(self._police_sq.__getitem__, present))
        if not squares:  # no n-gram the police model knows: its intercept alone
            return _sigmoid(self._police_b)
        values = sum(map(self._police_val.__getitem__, present))
        return _sigmoid(self._police_b + values / math.sqrt(squares))

    def level1_probabilities(self, present: list[int]) -> dict[str, float] | None:
        if self._l1 is None:
            return None
        if not present:
            return _probabilities(self._l1_classes, self._l1_b)
        sums: list[float] = self._l1.take(present, axis=0).sum(axis=0).tolist()
        squares = sums.pop()
        if not squares:  # no n-gram the level-1 model knows: its intercepts alone
            return _probabilities(self._l1_classes, self._l1_b)
        norm = math.sqrt(squares)
        return _probabilities(
            self._l1_classes, tuple(b + s / norm for b, s in zip(self._l1_b, sums))
        )


@dataclass(frozen=True, slots=True)
class TextOpinion:
    """A loaded artifact: the police model, the optional 12345 level-1 model, its metadata."""

    version: str
    police: LinearTextModel
    level1: LinearTextModel | None
    thresholds: Mapping[str, Any]
    meta: Mapping[str, Any]
    # Both models over one pass of the text (the router's path); built from the two above.
    scorer: JointScorer = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "scorer", JointScorer(self.police, self.level1))

    def police_probability(self, text: str) -> float:
        """P(police); the model's positive class is the second, as scikit-learn sorts them."""
        return self.scorer.police_probability(self.scorer.present(text))

    def level1_probabilities(self, text: str) -> dict[str, float] | None:
        """Level-1 id -> probability, or None without a level-1 model."""
        return self.scorer.level1_probabilities(self.scorer.present(text))


def load_opinion(obj: Mapping[str, Any]) -> TextOpinion:
    """Build the scorer from a parsed artifact; ModelError names what is wrong."""
    if obj.get("format") != ARTIFACT_FORMAT:
        raise ModelError(f"not a {ARTIFACT_FORMAT} artifact (format={obj.get('format')!r})")
    version = obj.get("version")
    if not isinstance(version, str) or not version:
        raise ModelError("artifact has no version")
    models = obj.get("models") or {}
    if "police" not in models:
        raise ModelError("artifact has no police model")
    level1 = models.get("level1")
    police = LinearTextModel.from_json(models["police"])
    if not police.binary or police.classes[1] != "POLICE":
        raise ModelError(
            f"the police model must be binary with POLICE second, not {police.classes}"
        )
    return TextOpinion(
        version=version,
        police=police,
        level1=LinearTextModel.from_json(level1) if level1 else None,
        thresholds=dict(obj.get("thresholds") or {}),
        meta={k: v for k, v in obj.items() if k != "models"},
    )
