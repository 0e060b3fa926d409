"""Build the router's ``Decider`` from the reference files the settings name."""

from __future__ import annotations

import time

from fenliu.processors.decide import Decider
from fenliu.refdata.opinion import load_categories, load_text_opinion, outcome_policy
from fenliu.refdata.routing import load_routing, normalise_context
from fenliu.refdata.taxonomy import load_taxonomy
from fenliu.settings import Settings


def build_decider(settings: Settings, *, taxonomy_file=None, jurisdiction_file=None) -> Decider:
    """Load taxonomy, jurisdiction, SLA policy, opinion and categories once; overrides serve replay and audits."""
    if jurisdiction_file is not None:
        settings = settings.replace(refdata={"jurisdiction_file": jurisdiction_file})
    routing = load_routing(settings)
    taxonomy = load_taxonomy(taxonomy_file or settings.refdata.taxonomy_file)
    opinion = load_text_opinion(settings)  # OpinionMissing: train one or switch it off
    categories = load_categories(settings.refdata.categories_file)
    return Decider(
        taxonomy=taxonomy,
        jurisdiction=routing.jurisdiction,
        sla_policy=routing.sla_policy,
        tz=routing.tz,
        normalise=normalise_context(settings, now_ms=int(time.time() * 1000)),
        opinion=opinion,
        categories=categories,
        outcome_policy=outcome_policy(opinion, settings, categories),
    )
