"""Load the learned second opinion (model artifact) and the 12345 category file.

The shipped artifact is package data: ``fenliu.data/models/current.yaml`` names it and
``importlib.resources`` reads it, so an installed package finds it as a checkout does.
A missing or unreadable artifact is an error that says how to train one or how to run
without it (``FENLIU_OPINION_ENABLED=false``).
"""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from fenliu.processors.categories import CategorySystem, compile_categories
from fenliu.processors.classify import classify
from fenliu.processors.model import CaseEvent, Classification
from fenliu.processors.outcome import OutcomePolicy, with_outcome
from fenliu.processors.taxonomy import Taxonomy
from fenliu.processors.text_model import ModelError, TextOpinion, load_opinion, normalise_text
from fenliu.refdata.taxonomy import traditional_to_simplified
from fenliu.settings import Settings


class OpinionMissing(ModelError):
    """No artifact where one was expected."""


def shipped_artifact_name() -> str:
    """The artifact file named by ``data/models/current.yaml``."""
    ref = resources.files("fenliu.data").joinpath("models", "current.yaml")
    try:
        current = yaml.safe_load(ref.read_text(encoding="utf-8")) or {}
    except FileNotFoundError:
        raise OpinionMissing(
            "no shipped model: data/models/current.yaml is missing; run `fenliu train --install` "
            "or set FENLIU_OPINION_ENABLED=false"
        ) from None
    return str(current["artifact"])


def read_artifact(path: Path | None = None) -> dict[str, Any]:
    """The parsed artifact (gzip'd JSON) at ``path``, or the shipped one."""
    try:
        if path is None:
            name = shipped_artifact_name()
            data = resources.files("fenliu.data").joinpath("models", name).read_bytes()
        else:
            data = Path(path).read_bytes()
    except FileNotFoundError as exc:
        raise OpinionMissing(
            f"model artifact not found ({exc.filename or path}); run `fenliu train --install` "
            "or set FENLIU_OPINION_ENABLED=false"
        ) from None
    try:
        obj = json.loads(gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data)
    except (OSError, ValueError) as exc:
        raise ModelError(f"model artifact unreadable: {exc}") from None
    if not isinstance(obj, dict):
        raise ModelError("model artifact must be a JSON object")
    return obj


def load_text_opinion(settings: Settings) -> TextOpinion | None:
    """The scorer the settings ask for; None when the opinion is switched off."""
    if not settings.refdata.opinion_enabled:
        return None
    return load_opinion(read_artifact(settings.refdata.opinion_file))


def outcome_policy(opinion: TextOpinion | None, settings: Settings,
                   categories: CategorySystem | None = None) -> OutcomePolicy:  # fmt: skip
    """Thresholds from the artifact, overridden by settings where they are set."""
    th = dict(opinion.thresholds) if opinion is not None else {}
    divert = settings.refdata.opinion_divert_below
    route = settings.refdata.opinion_route_below
    return OutcomePolicy(
        divert_below=float(divert if divert is not None else th.get("divert_below", 0.5)),
        keep_above=None if th.get("keep_above") is None else float(th["keep_above"]),
        to_police_above=(
            None if th.get("to_police_above") is None else float(th["to_police_above"])
        ),
        fallback_suggest_below=(
            None
            if th.get("fallback_suggest_below") is None
            else float(th["fallback_suggest_below"])
        ),
        route_below=float(route if route is not None else th.get("route_below", 0.5)),
        to_police_veto_below=(
            settings.refdata.opinion_to_police_veto_below
            if settings.refdata.opinion_to_police_veto_below is not None
            else th.get("to_police_veto_below")
        ),
        model_version=opinion.version if opinion is not None else None,
        categories_version=categories.version if categories is not None else None,
        review_department=categories.fallback_department if categories else "12345热线",
    )


def load_categories(path: Path | str, *, fold_traditional: bool = False) -> CategorySystem:
    """Read and compile a 12345 category file.

    Traditional characters are not folded by default: OpenCC costs ~25 µs a ticket, 12345
    tickets are written in simplified characters, and the level-1 model still reads the
    rest. ``fold_traditional=True`` folds them like the taxonomy does.
    """
    with Path(path).open(encoding="utf-8") as fh:
        mapping = yaml.load(fh, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    if not isinstance(mapping, dict):
        raise ValueError(f"{path}: the top level must be a mapping")
    t2s = traditional_to_simplified() if fold_traditional else None

    def norm(text: str) -> str:
        return normalise_text(t2s(text) if t2s is not None else text)

    try:
        return compile_categories(mapping, norm)
    except ValueError as exc:
        raise ValueError(f"{path}: {exc}") from None


@dataclass(frozen=True)
class Judge:
    """The rules, the learned opinion and the categories: an event's whole classification.

    ``fenliu classify`` and ``fenliu evaluate`` use it; the router's ``Decider`` does the
    same through ``Decider.classify``.
    """

    taxonomy: Taxonomy
    opinion: TextOpinion | None
    categories: CategorySystem | None
    policy: OutcomePolicy

    def classify(self, event: CaseEvent) -> Classification:
        return with_outcome(classify(event, self.taxonomy), event, self.opinion, self.categories,
                            self.policy)  # fmt: skip


def load_judge(settings: Settings, *, taxonomy_file: Path | None = None,
               opinion_file: Path | None = None) -> Judge:  # fmt: skip
    """Everything a classification needs, from the settings (with overrides for the CLI)."""
    from fenliu.refdata.taxonomy import load_taxonomy

    if opinion_file is not None:
        settings = settings.replace(refdata={"opinion_file": opinion_file})
    taxonomy = load_taxonomy(taxonomy_file or settings.refdata.taxonomy_file)
    opinion = load_text_opinion(settings)
    categories = load_categories(settings.refdata.categories_file)
    return Judge(taxonomy, opinion, categories, outcome_policy(opinion, settings, categories))
