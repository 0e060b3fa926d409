"""One raw record to one ``Decision``: normalise → classify → outcome → place → route → deadlines.

Split in two so the router can ask Redis for the nearest teams of a whole batch in one
round trip between the halves: ``prepare`` does everything that needs no team, and
``finish`` completes the decision once the team (or the failure to find one) is known.
Pure: every input is an argument, including the clock (``now_ms``, the record's time).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any
from zoneinfo import ZoneInfo

from fenliu.processors.categories import CategorySystem
from fenliu.processors.classify import classify
from fenliu.processors.jurisdiction import Jurisdiction, Place
from fenliu.processors.model import CaseEvent, Classification, Decision, Source
from fenliu.processors.normalise import NormaliseContext, normalise_call110, normalise_ticket12345
from fenliu.processors.outcome import OutcomePolicy, with_outcome
from fenliu.processors.route import TeamPick, TeamQuery, route, team_query
from fenliu.processors.sla_policy import SlaPolicy, deadlines_for
from fenliu.processors.taxonomy import Taxonomy
from fenliu.processors.text_model import TextOpinion

_NORMALISERS: dict[Source, Callable[[Mapping[str, Any], NormaliseContext], CaseEvent]] = {
    Source.CALL_110: normalise_call110,
    Source.TICKET_12345: normalise_ticket12345,
}


@dataclass(frozen=True, slots=True)
class Prepared:
    """A record normalised and classified, waiting for its team lookup."""

    event: CaseEvent
    classification: Classification
    place: Place
    team_query: TeamQuery | None

    @property
    def needs_team(self) -> bool:
        return self.team_query is not None


def decision_id(
    event: CaseEvent,
    taxonomy_version: str,
    routing_version: str,
    sla_version: str,
    model_version: str | None = None,
    categories_version: str | None = None,
) -> str:
    """Same event and same data versions give the same id, on any replica, in any re-run.

    The text model's and the category file's versions join the basis when they were used
    (a decision without them keeps the id it had before issue 11).
    """
    parts = [event.source.value, event.source_id, taxonomy_version, routing_version, sla_version]
    if model_version is not None or categories_version is not None:
        parts += [f"model={model_version or ''}", f"categories={categories_version or ''}"]
    basis = "|".join(parts)
    return "dc_" + hashlib.sha256(basis.encode("utf-8")).hexdigest()[:32]


def case_key(town_code: str, class_code: str) -> str:
    """The partition key: one town's cases of one class meet on one partition.

    Every merge rule compares cases of the same class in the same place (see
    docs/partitioning.md); a caller who calls about two towns is two keys.
    """
    return f"{town_code}:{class_code}"


@dataclass(frozen=True)
class Decider:
    """The reference data a decision depends on, and the two halves of deciding."""

    taxonomy: Taxonomy
    jurisdiction: Jurisdiction
    sla_policy: SlaPolicy
    tz: ZoneInfo
    normalise: NormaliseContext  # ``now_ms`` is replaced per record
    # The learned second opinion and the 12345 categories (issue 11); with no policy the
    # classification is the rules' alone and carries no outcome.
    opinion: TextOpinion | None = None
    categories: CategorySystem | None = None
    outcome_policy: OutcomePolicy | None = None

    def classify(self, event: CaseEvent) -> Classification:
        """The rules, then the learned opinion and the category: the outcome of one event."""
        cls = classify(event, self.taxonomy)
        if self.outcome_policy is None:
            return cls
        return with_outcome(cls, event, self.opinion, self.categories, self.outcome_policy)

    def prepare(self, raw: Mapping[str, Any], source: Source, *, now_ms: int) -> Prepared:
        """Normalise and classify; raises ``InvalidEvent`` for what cannot be a call."""
        event = _NORMALISERS[source](raw, replace(self.normalise, now_ms=now_ms))
        cls = self.classify(event)
        place = self.jurisdiction.locate(event.location)
        return Prepared(event, cls, place, team_query(event, cls, self.jurisdiction, place))

    def finish(self, p: Prepared, team: TeamPick | None, *, team_lookup_failed: bool) -> Decision:
        """Route, attach deadlines, name the decision."""
        rt = route(
            p.event,
            p.classification,
            self.jurisdiction,
            team,
            team_lookup_failed=team_lookup_failed,
            place=p.place,
        )
        return Decision(
            decision_id=decision_id(
                p.event,
                self.taxonomy.version,
                rt.routing_version,
                self.sla_policy.version,
                p.classification.model_version,
                p.classification.categories_version,
            ),
            case_key=case_key(rt.town_code, p.classification.class_code),
            event=p.event,
            classification=p.classification,
            route=rt,
            deadlines=deadlines_for(
                p.classification, rt, p.event.received_at_ms, self.sla_policy, self.tz
            ),
            sla_policy_version=self.sla_policy.version,
        )

    def decide(
        self,
        raw: Mapping[str, Any],
        source: Source,
        *,
        now_ms: int,
        team: TeamPick | None = None,
        team_lookup_failed: bool = False,
    ) -> Decision:
        """Both halves at once (replay, ``fenliu classify``, tests)."""
        prepared = self.prepare(raw, source, now_ms=now_ms)
        return self.finish(
            prepared,
            team if prepared.needs_team else None,
            team_lookup_failed=team_lookup_failed and prepared.needs_team,
        )
