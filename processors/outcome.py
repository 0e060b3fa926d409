"""How a decision ends: the rules' verdict, the learned opinion and the category, combined.

110: rules POLICE → KEEP, except the no-evidence fallback when the model finds the call
clearly not police (P(police) below ``fallback_suggest_below``): then SUGGEST, the police
still hold it until a call-taker confirms; a police probability at or above ``keep_above`` → KEEP too
(the model alone may keep, never divert). Rules NON_POLICE with nothing left unexplained (no doubts)
and a police probability below the dev-chosen threshold → DIVERT. Anything else →
SUGGEST: the call-taker confirms, the police hold the call meanwhile.
12345: TO_POLICE only for a present danger or a crime: a police verdict on a danger or
crime rule (never on a fallback, never on a police-service question such as moving a
户口; vetoed to REVIEW when the model finds it very unlikely), or a crime category of
the category file recognised by its words. ROUTE when a category is found, the model agrees
(probability below the threshold) and nothing is in doubt. Anything else → REVIEW by
12345's own dispatchers.
``is_police_matter`` becomes the system's verdict: true only for KEEP and TO_POLICE.
Pure: every input is an argument.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from operator import attrgetter

from .categories import CategoryMatch, CategorySystem
from .model import CaseEvent, Classification, Outcome, Source
from .text_model import TextOpinion

POLICE_OUTCOMES = frozenset({Outcome.KEEP, Outcome.TO_POLICE})

# Every field of a Classification, in order: ``_replace`` reads them all in one C call.
_FIELD_NAMES = tuple(f.name for f in fields(Classification))
_ALL_FIELDS = attrgetter(*_FIELD_NAMES)
_FIELD_AT = {name: i for i, name in enumerate(_FIELD_NAMES)}


def _replace(cls: Classification, changes: dict[str, object]) -> Classification:
    """``dataclasses.replace(cls, **changes)`` at half its cost (it runs once per decision).

    Every field of a Classification is an init field, so the generic checks of
    ``dataclasses.replace`` have nothing to check; a name that is no field raises KeyError.
    """
    values = list(_ALL_FIELDS(cls))
    for name, value in changes.items():
        values[_FIELD_AT[name]] = value
    return Classification(*values)


@dataclass(frozen=True, slots=True)
class OutcomePolicy:
    """Thresholds chosen on the dev split (stored in the model artifact), plus overrides."""

    divert_below: float = 0.5  # 110: DIVERT only when P(police) is below this
    # 110: the model alone keeps a call the rules cleared when P(police) is at least this
    # (None: never). A SUGGEST for a police call is a miss, so this is where the opinion
    # adds recall; chosen on dev with a bounded cost in non-police calls kept.
    keep_above: float | None = None
    # 110: a call kept only by the no-evidence fallback is SUGGESTed (held by the police
    # until a call-taker confirms) when P(police) is below this (None: always KEEP).
    # Chosen on dev below every police call that ends in the fallback.
    fallback_suggest_below: float | None = None
    route_below: float = 0.5  # 12345: ROUTE only when P(police) is below this
    # 12345: a danger/crime rule whose ticket the model finds this unlikely to be police
    # goes to REVIEW (a person) instead of TO_POLICE. None: off (the shipped default).
    to_police_veto_below: float | None = None
    # Named crimes (gambling, drugs, prostitution, crime tips such as 传销/非法集资, street
    # racing) are police work whatever the model, trained on short hand-written tickets,
    # makes of a long written report: never vetoed.
    veto_exempt: frozenset[str] = frozenset({"P05-03", "P07-01", "P07-02", "P07-03", "P08-03"})
    # Signs (evidence rule ids) that are never vetoed either: a victim reporting the sum
    # they lost to a fraud ("被骗24万元") writes at length, in the board's register, which
    # the model trained on short tickets finds unlike police work; the sign is specific
    # enough (a loss and its amount in one clause) that the model need not second-guess it.
    # A gas leak told by its smell or leak (``safety:gas``, zj-2026.12.9) is present and
    # specific too; an explosion word (``safety:explosion``) is not exempt.
    veto_exempt_signs: frozenset[str] = frozenset({"safety:fraud_victim", "safety:gas"})
    # 12345: the model alone sends a ticket the rules did not to the police when P(police)
    # is at least this (None: never); chosen on dev at a bounded cost in non-police tickets.
    to_police_above: float | None = None
    model_version: str | None = None
    categories_version: str | None = None  # the category file's version, for 12345 decisions
    # Rule ids that are fallbacks (no evidence): never a reason for TO_POLICE.
    fallback_prefix: str = "default:"
    # Police situations (or classes) that are services, not emergencies (户口, ID cards):
    # on 12345 they are ordinary tickets.
    service_codes: frozenset[str] = frozenset({"P08-01"})
    review_department: str = "12345热线"  # who reviews a 12345 ticket nobody could place
    # Doubts about the 110 taxonomy's class, not about danger: on 12345 the category file
    # places the ticket, so these do not stop a ROUTE (a modal or negated danger does).
    route_ignores_doubts: frozenset[str] = frozenset({"no_evidence", "low_margin"})
    # A danger word only under a request that a named unit inspect or repair it
    # (modality ``referred``: "请公路部门尽快修复") is a condition reported for that unit:
    # on 12345 it does not stop a ROUTE either (zj-2026.12.29); nor does a crowd word in a
    # noise complaint (modality ``noisy``: 一群人喝酒唱歌到半夜, zj-2026.12.37), nor a cry for help
    # over water through the ceiling (modality ``leaking``, zj-2026.12.167), nor street racing
    # told as a nuisance that recurs (modality ``recurring``, 12345 only, zj-2026.12.253).
    route_ignores_modal: frozenset[str] = frozenset({"referred", "noisy", "leaking", "recurring"})


def _is_police_rule(cls: Classification, rules_police: bool, policy: OutcomePolicy) -> bool:
    """A police verdict on a danger or crime rule (not the no-evidence fallback)."""
    return (
        rules_police
        and not cls.rule_id.startswith(policy.fallback_prefix)
        and cls.situation_code not in policy.service_codes
        and cls.class_code not in policy.service_codes
    )


def _route_ignores(doubt: str, policy: OutcomePolicy) -> bool:
    """A doubt that does not stop a 12345 ROUTE ("no_evidence:…", "danger_modal:referred:…")."""
    kind, _, rest = doubt.partition(":")
    if kind in policy.route_ignores_doubts:
        return True
    return kind.endswith("_modal") and rest.partition(":")[0] in policy.route_ignores_modal


def _fmt(p: float) -> str:
    return f"{p:.3f}"


def _outcome_110(cls: Classification, rules_police: bool, p: float | None,
                 policy: OutcomePolicy) -> tuple[Outcome, str]:  # fmt: skip
    if rules_police:
        fb = policy.fallback_suggest_below
        if (
            cls.rule_id.startswith(policy.fallback_prefix)
            and fb is not None
            and p is not None
            and p < fb
        ):
            return (
                Outcome.SUGGEST,
                f"rules:no-evidence ({cls.rule_id}) and model p={_fmt(p)} < {_fmt(fb)}",
            )
        return Outcome.KEEP, f"rules:police ({cls.rule_id})"
    if p is not None and policy.keep_above is not None and p >= policy.keep_above:
        return Outcome.KEEP, f"model:police-probability {_fmt(p)} >= keep {_fmt(policy.keep_above)}"
    if cls.doubts:
        return Outcome.SUGGEST, "rules:doubt (" + ", ".join(cls.doubts) + ")"
    if p is None:
        return Outcome.SUGGEST, "model:absent (no second opinion, a person confirms)"
    if p >= policy.divert_below:
        return Outcome.SUGGEST, f"model:police-probability {_fmt(p)} >= {_fmt(policy.divert_below)}"
    return (
        Outcome.DIVERT,
        f"rules+model agree ({cls.rule_id}; p={_fmt(p)} < {_fmt(policy.divert_below)})",
    )


def _outcome_12345(cls: Classification, rules_police: bool, p: float | None,
                   category: CategoryMatch | None, policy: OutcomePolicy) -> tuple[Outcome, str]:  # fmt: skip
    if _is_police_rule(cls, rules_police, policy):
        veto = policy.to_police_veto_below
        if (
            veto is not None
            and p is not None
            and p < veto
            and cls.situation_code not in policy.veto_exempt
            and not any(
                e.kind == "safety" and e.rule_id in policy.veto_exempt_signs for e in cls.evidence
            )
        ):
            return (
                Outcome.REVIEW,
                f"rules:danger-or-crime ({cls.rule_id}) but model p={_fmt(p)} < {_fmt(veto)}",
            )
        return Outcome.TO_POLICE, f"rules:danger-or-crime ({cls.rule_id})"
    above = policy.to_police_above
    if above is not None and p is not None and p >= above:
        return Outcome.TO_POLICE, f"model:police-probability {_fmt(p)} >= {_fmt(above)}"
    if category is None:
        return Outcome.REVIEW, "category:none (no recogniser and no sure model placed it)"
    if category.police and category.words:
        # A crime named by the category file's own recognisers (赌博, 传销, 卖淫 ... as whole
        # words, its not_words excluded): the file says such a ticket is police work, unless
        # the rules found that very word negated or modal ("查一下这是不是非法集资": asked,
        # not told) — then a dispatcher decides.
        asked = [w for w in category.words if any(d.endswith(":" + w) for d in cls.doubts)]
        if asked:
            return Outcome.REVIEW, f"category:crime {category.id} but in doubt ({', '.join(asked)})"
        return Outcome.TO_POLICE, f"category:crime {category.id} ({', '.join(category.words)})"
    if category.police:
        return Outcome.REVIEW, f"category:police-matter {category.id} by the model alone"
    doubts = [d for d in cls.doubts if not _route_ignores(d, policy)]
    if doubts:
        return Outcome.REVIEW, "rules:doubt (" + ", ".join(doubts) + ")"
    if p is None:
        return Outcome.REVIEW, "model:absent (no second opinion, a dispatcher confirms)"
    if p >= policy.route_below:
        return Outcome.REVIEW, f"model:police-probability {_fmt(p)} >= {_fmt(policy.route_below)}"
    return (
        Outcome.ROUTE,
        f"category {category.id} ({category.method}); p={_fmt(p)} < {_fmt(policy.route_below)}",
    )


def decide_outcome(
    cls: Classification,
    source: Source,
    police_probability: float | None,
    category: CategoryMatch | None,
    policy: OutcomePolicy,
) -> Classification:
    """The classification with its outcome, the rules' verdict, the model's view and category."""
    rules_police = cls.rules_is_police if cls.rules_is_police is not None else cls.is_police_matter
    if source is Source.CALL_110:
        outcome, why = _outcome_110(cls, rules_police, police_probability, policy)
        extra: dict[str, object] = {"category_path": (), "category_id": None,
                                    "categories_version": None}  # fmt: skip
    else:
        outcome, why = _outcome_12345(cls, rules_police, police_probability, category, policy)
        if category is not None:
            extra = {"category_path": category.path, "category_id": category.id,
                     "categories_version": policy.categories_version}  # fmt: skip
            if outcome is not Outcome.TO_POLICE:
                extra["department"] = category.department
        else:
            extra = {"category_path": (), "category_id": None,
                     "categories_version": policy.categories_version}  # fmt: skip
            if outcome is not Outcome.TO_POLICE:
                extra["department"] = policy.review_department
    extra["rules_is_police"] = rules_police
    extra["is_police_matter"] = outcome in POLICE_OUTCOMES
    extra["outcome"] = outcome
    extra["outcome_rule"] = why
    extra["model_police_probability"] = (
        None if police_probability is None else round(police_probability, 4)
    )
    extra["model_version"] = policy.model_version if police_probability is not None else None
    return _replace(cls, extra)


def with_outcome(
    cls: Classification,
    event: CaseEvent,
    opinion: TextOpinion | None,
    categories: CategorySystem | None,
    policy: OutcomePolicy,
) -> Classification:
    """Score the text with the learned opinion, place a 12345 ticket, decide the outcome."""
    text = event.text or ""
    p = None
    category = None
    present: list[int] = []
    if opinion is not None:
        present = opinion.scorer.present(text)  # found once, read by both models
        p = opinion.scorer.police_probability(present)
    if event.source is Source.TICKET_12345 and categories is not None:
        model = opinion  # bound for the closure: the level-1 model runs only when needed
        category = categories.match(
            text,
            (lambda: model.scorer.level1_probabilities(present)) if model is not None else None,
        )
    return decide_outcome(cls, event.source, p, category, policy)
