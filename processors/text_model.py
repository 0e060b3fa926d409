"""The learned second opinion, scored in pure Python.

``fenliu train`` fits character n-gram TF-IDF features with logistic regression in
scikit-learn and writes the pruned vocabulary, IDF and weights into a JSON artifact.
This module scores a text with those numbers alone, so the router needs no
scikit-learn: sublinear TF (1 + ln count) × IDF, L2-normalised over the vocabulary,
then a dot product with the weights. ``char_ngrams`` is the analyzer the trainer gives
the vectoriser, so both sides cut the text the same way by construction.
Pure: an artifact mapping in, numbers out.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

_SPACE = re.compile(r"\s+")
ARTIFACT_FORMAT = "fenliu-text-model/1"


def normalise_text(text: str) -> str:
    """NFKC (full-width digits and letters to ASCII), lower case, runs of space to one."""
    return _SPACE.sub(" ", unicodedata.normalize("NFKC", text).lower()).strip()


def char_ngrams(text: str, lo: int = 1, hi: int = 3) -> list[str]:
    """Every character n-gram of the normalised text, lo..hi characters long."""
    t = normalise_text(text)
    n = len(t)
    return [t[i : i + k] for k in range(lo, hi + 1) for i in range(n - k + 1)]


class ModelError(ValueError):
    """An artifact that cannot be used (wrong format, inconsistent arrays)."""


@dataclass(frozen=True, slots=True)
class LinearTextModel:
    """One linear model over TF-IDF character n-grams: binary (one class) or multinomial."""

    classes: tuple[str, ...]  # binary: (negative, positive); multinomial: every label
    ngram: tuple[int, int]
    index: Mapping[str, int]  # n-gram -> feature number
    idf: tuple[float, ...]
    weights: tuple[tuple[float, ...], ...]  # per feature: one weight (binary) or one per class
    intercepts: tuple[float, ...]

    @property
    def binary(self) -> bool:
        return len(self.intercepts) == 1

    def features(self, text: str) -> dict[int, float]:
        """Feature number -> L2-normalised TF-IDF value."""
        counts: dict[int, int] = {}
        index = self.index
        for g in char_ngrams(text, *self.ngram):
            f = index.get(g)
            if f is not None:
                counts[f] = counts.get(f, 0) + 1
        idf = self.idf
        values = {f: (1.0 + math.log(c)) * idf[f] for f, c in counts.items()}
        norm = math.sqrt(sum(v * v for v in values.values()))
        return {f: v / norm for f, v in values.items()} if norm > 0 else {}

    def decision(self, text: str) -> tuple[float, ...]:
        """The raw linear scores (one for binary, one per class otherwise)."""
        scores = list(self.intercepts)
        w = self.weights
        k = len(scores)
        for f, v in self.features(text).items():
            row = w[f]
            for j in range(k):
                scores[j] += row[j] * v
        return tuple(scores)

    def probabilities(self, text: str) -> dict[str, float]:
        """Class -> probability (sigmoid for binary, softmax for multinomial)."""
        scores = self.decision(text)
        if self.binary:
            p = _sigmoid(scores[0])
            return {self.classes[0]: 1.0 - p, self.classes[1]: p}
        top = max(scores)
        exps = [math.exp(s - top) for s in scores]
        total = sum(exps)
        return {c: e / total for c, e in zip(self.classes, exps)}

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


@dataclass(frozen=True, slots=True)
class TextOpinion:
    """A loaded artifact: the police model, the optional 12345 level-1 model, its metadata."""

    version: str
    police: LinearTextModel
    level1: LinearTextModel | None
    thresholds: Mapping[str, Any]
    meta: Mapping[str, Any]

    def police_probability(self, text: str) -> float:
        return self.police.probabilities(text)[self.police.classes[1]]

    def level1_probabilities(self, text: str) -> dict[str, float] | None:
        return self.level1.probabilities(text) if self.level1 is not None else None


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
    return TextOpinion(
        version=version,
        police=LinearTextModel.from_json(models["police"]),
        level1=LinearTextModel.from_json(level1) if level1 else None,
        thresholds=dict(obj.get("thresholds") or {}),
        meta={k: v for k, v in obj.items() if k != "models"},
    )

