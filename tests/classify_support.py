"""The shipped taxonomy and one-line classification for the danger-family tests."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from fenliu.processors.classify import classify
from fenliu.processors.model import CaseEvent, Classification, Location, Source
from fenliu.processors.taxonomy import Taxonomy
from fenliu.refdata.taxonomy import load_taxonomy

TAXONOMY_FILE = Path(__file__).resolve().parent.parent / "data" / "taxonomy.yaml"


@lru_cache(maxsize=1)
def shipped() -> Taxonomy:
    return load_taxonomy(TAXONOMY_FILE)


def run(text: str, source: str = "110") -> Classification:
    """``text`` classified as a call (or ticket) of ``source`` with the shipped taxonomy."""
    ev = CaseEvent(Source(source), "t", 0, "", None, Location(), text, "phone")
    return classify(ev, shipped())


def signs(c: Classification) -> set[str]:
    """The safety signs that fired."""
    return {e.rule_id for e in c.evidence if e.kind == "safety"}


def fired(c: Classification) -> set[str]:
    """The safety signs and the situations that fired: what a call is kept or placed on."""
    return signs(c) | {e.rule_id for e in c.evidence if e.kind == "situation"}
