"""The taxonomy: two lists of classes and situations, safety signs, and their matchers.

``compile_taxonomy`` turns the mapping read from ``data/taxonomy.yaml`` (or a city's
own file) into an immutable :class:`Taxonomy`: it checks the structure and names
the path of every bad entry, then builds the Aho-Corasick automata once, so that
classifying an event is a few passes of C code over the normalised text.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import ahocorasick
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from . import modality as mod
from .model import ListName
from .segment import blockers as find_blockers
from .segment import shapes
from .textnorm import NormalisedText, normalise, normalise_term

# --- The file's structure (validated with pydantic; errors name the path) --------------


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RecognisersSpec(_Spec):
    terms: list[str] = []
    all_of: list[list[str]] = []
    hotline_categories: list[str] = []
    alarm_types: list[str] = []


class SituationSpec(_Spec):
    code: str = Field(min_length=1)
    name: str = Field(min_length=1)
    department: str | None = None
    priority: int | None = Field(None, ge=1, le=4)
    sla_class: str | None = None
    recognisers: RecognisersSpec


class ClassSpec(_Spec):
    code: str = Field(min_length=1)
    name: str = Field(min_length=1)
    department: str = Field(min_length=1)
    priority: int | None = Field(None, ge=1, le=4)
    sla_class: str | None = None
    situations: list[SituationSpec] = Field(min_length=1)


class ListSpec(_Spec):
    name: str
    description: str = ""
    classes: list[ClassSpec] = Field(min_length=1)


class SafetyGroupSpec(_Spec):
    id: str = Field(min_length=1)
    name: str
    situation: str
    terms: list[str] = []
    all_of: list[list[str]] = []  # one term of each group within ``within_clauses`` clauses
    parts: list[str] = []  # names of ``danger.parts``: more all_of groups, shared by signs
    # Bounded so a sign stays one event; 12 lets a fee fraud told at length meet (zj-2026.12.195).
    within_clauses: int = Field(1, ge=1, le=12)


class CrowdCountSpec(_Spec):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    group: str
    min_people: int = Field(ge=2)
    # A head-count is a crowd only when its clause has one of these (empty: always).
    with_words: list[str] = Field([], alias="with")
    # ... and never right after one of these: the members of a chat group (群里几十个人都是这样).
    not_after: list[str] = []


class SafetySpec(_Spec):
    groups: list[SafetyGroupSpec] = Field(min_length=1)
    exclude: list[str] = []
    crowd_count: CrowdCountSpec | None = None


class NegationSpec(_Spec):
    window: int = Field(4, ge=0, le=20)
    cues: list[str] = []
    not_cues: list[str] = []
    bridges: list[str] = []
    # A cue anywhere before a term in its clause negates it when the term is followed by
    # one of these ("没有发生过打人的情况"): the clause is about the absence of a kind.
    clause_tails: list[str] = []


class ModalitySpec(_Spec):
    hypothetical: list[str] = []
    hypothetical_after: list[str] = []
    figurative_open: list[str] = []
    figurative_close: list[str] = []
    descriptive: list[str] = []
    degree: list[str] = []
    intensifier: list[str] = []
    past: list[str] = []
    continuing: list[str] = []
    settled: list[str] = []
    procedure: list[str] = []
    retracted: list[str] = []
    reported: list[str] = []
    referred: list[str] = []
    immediate: list[str] = []
    reported_breaks: list[str] = []
    referral_openers: list[str] = []
    # The safety signs and police classes a referral may govern (hazards, not crimes).
    referable: list[str] = []
    # Noise cues (唱歌, 划拳, 扰民) and the safety signs they may govern (the crowd sign).
    noisy: list[str] = []
    noisy_governs: list[str] = []
    # Water through a ceiling (楼上漏水, 往下淌) and the signs it may govern (the cry for help).
    leaking: list[str] = []
    leaking_governs: list[str] = []
    # A nuisance that recurs (每天半夜, 经常), on a 12345 ticket: what it may govern (street
    # racing), and the words that make it present anyway (今晚, 正在).
    recurring: list[str] = []
    recurring_governs: list[str] = []
    recurring_breaks: list[str] = []
    # A person still not found (还没找到, 下落不明): a settled cue (案件进展) governs nothing.
    settled_breaks: list[str] = []
    # One character just before a retraction that makes it an insistence (不是开玩笑的).
    retraction_negators: list[str] = []


class LexiconSpec(_Spec):
    # General-lexicon words rarer than this are not trusted to block a term.
    min_frequency: int = Field(20, ge=1)
    # The taxonomy's own words that block every police or safety term inside them.
    words: list[str] = []
    # A listed word's terms it leaves alone (撞到人家的 blocks 撞到人, not the 撞 of a hit).
    spare: dict[str, list[str]] = {}


class DangerSpec(_Spec):
    parts: dict[str, list[str]] = {}


class DecisionSpec(_Spec):
    min_score: float = Field(1.0, gt=0)
    margin: float = Field(0.5, ge=0)
    category_weight: float = Field(0.75, ge=0)
    all_of_bonus: float = Field(0.5, ge=0)
    safety_bonus: float = Field(2.0, gt=0)
    term_weight_base: float = Field(1.0, gt=0)
    term_weight_per_char: float = Field(0.25, ge=0)
    term_weight_max: float = Field(2.0, gt=0)
    term_weight_min: float = Field(0.5, gt=0)
    police_term_factor: float = Field(1.0, gt=0)


class FallbackSpec(_Spec):
    class_code: str
    class_name: str
    situation_code: str
    situation_name: str
    department: str
    priority: int = Field(ge=1, le=4)
    sla_class: str


class TaxonomySpec(_Spec):
    version: str = Field(min_length=1)
    name: str
    description: str = ""
    sla_classes: list[str] = Field(min_length=1)
    decision: DecisionSpec = DecisionSpec()
    negation: NegationSpec = NegationSpec()
    modality: ModalitySpec = ModalitySpec()
    lexicon: LexiconSpec = LexiconSpec()
    danger: DangerSpec = DangerSpec()
    safety: SafetySpec
    fallback: FallbackSpec
    fallback_12345: FallbackSpec | None = None  # no evidence on a 12345 ticket: not police
    lists: dict[ListName, ListSpec]


# --- The compiled taxonomy -------------------------------------------------------------


class TaxonomyError(ValueError):
    """A taxonomy file that cannot be used; the message names every bad path."""

    def __init__(self, problems: Iterable[str]) -> None:
        self.problems = tuple(problems)
        super().__init__("invalid taxonomy:\n  " + "\n  ".join(self.problems))


@dataclass(frozen=True, slots=True)
class Situation:
    """One situation (情形): where it goes and what recognises it (terms already normalised)."""

    code: str
    name: str
    class_code: str
    class_name: str
    list_name: ListName
    department: str
    priority: int
    sla_class: str
    terms: tuple[str, ...]
    all_of: tuple[tuple[str, ...], ...]
    alarm_types: tuple[str, ...]
    hotline_categories: tuple[str, ...]
    order: int  # position in the file: the last tie-breaker, so results are deterministic
    is_police: bool  # list_name is POLICE (a field: it is read on the hot path)


@dataclass(frozen=True, slots=True)
class TaxonomyClass:
    """One class (类) of a list and its situations."""

    code: str
    name: str
    list_name: ListName
    department: str
    situations: tuple[Situation, ...]


@dataclass(frozen=True, slots=True)
class SafetyGroup:
    """A kind of safety sign; any unnegated one keeps the case with the police."""

    id: str
    name: str
    situation_code: str  # the police situation used when no police situation matched better
    terms: tuple[str, ...]
    all_of: tuple[tuple[str, ...], ...]  # one term of each within ``within_clauses`` clauses
    within_clauses: int
    rank: int  # lower = more serious; the most serious sign names the deciding rule


@dataclass(frozen=True, slots=True)
class NegationRules:
    """Cue words that negate a following term within ``window`` bridged characters."""

    window: int
    cues: tuple[str, ...]
    not_cues: tuple[str, ...]  # words that contain a cue but negate nothing: 无故, 未成年, 没想到
    bridges: frozenset[str]  # words allowed between a cue and the term it governs
    max_bridge: int
    clause_tails: tuple[str, ...] = ()  # "…的情况": a cue anywhere before in the clause


@dataclass(frozen=True, slots=True)
class DecisionRules:
    """The weights and thresholds of scoring (see docs/taxonomy.md)."""

    min_score: float
    margin: float
    category_weight: float
    all_of_bonus: float
    safety_bonus: float
    term_weight_base: float
    term_weight_per_char: float
    term_weight_max: float
    term_weight_min: float
    police_term_factor: float  # police situations' words weigh more: unsure means police

    def term_weight(self, term: str, in_group: bool = False) -> float:
        """Longer terms are more specific and weigh more.

        A plain term was chosen as evidence on its own and weighs at least the base;
        the generic words of ``all_of`` groups (单字 like 吵, 店) may weigh less.
        """
        weight = self.term_weight_base + (len(term) - 2) * self.term_weight_per_char
        floor = self.term_weight_min if in_group else self.term_weight_base
        return max(floor, min(self.term_weight_max, weight))


@dataclass(frozen=True, eq=False)
class Taxonomy:
    """A compiled, immutable taxonomy. Build it with :func:`compile_taxonomy`."""

    version: str
    name: str
    description: str
    sla_classes: tuple[str, ...]
    classes: tuple[TaxonomyClass, ...]
    situations: tuple[Situation, ...]  # all of them, in file order; index = Situation.order
    fallback: Situation
    safety_groups: tuple[SafetyGroup, ...]
    negation: NegationRules
    decision: DecisionRules
    crowd_group: int | None  # index of the safety group a large head-count belongs to
    crowd_min_people: int
    crowd_with: tuple[str, ...]  # a head-count's clause must have one of these (empty: any)
    crowd_not_after: tuple[str, ...]  # a head-count right after one of these is no gathering
    fallback_12345: Situation | None  # no evidence on a 12345 ticket (None: the police one)
    # word -> police/safety terms it blocks (processors/segment.py)
    blockers: Mapping[str, frozenset[str]]
    modal_chars: mod.SingleChars  # one-character modality cues (跟, 像, 热 ...)
    # One Aho-Corasick automaton over every word, built once and only read afterwards:
    # word -> (word, safety refs, situation refs, negation) where
    #   safety refs: None (not a safety word), () (an exclusion word) or ((group, slot), ...)
    #   situation refs: ((situation index, slot, weight), ...), slot -1 = plain terms
    #   negation: None, True (a cue) or False (a word that only looks like one: 无故)
    #   modal: None or a modality cue role (processors/modality.py)
    #   shapes: None, or where longer words that may block this police/safety word sit
    matcher: Any
    to_simplified: Callable[[str], str] | None
    _by_code: Mapping[str, Situation]
    _class_by_code: Mapping[str, TaxonomyClass]
    # What a request to a named unit (modality ``referred``) may govern: hazards, not crimes
    # (safety group indexes, police class or situation codes; taxonomy ``modality.referable``).
    referable_groups: frozenset[int] = frozenset()
    referable_classes: frozenset[str] = frozenset()
    # What each governing cue (``modality.GOVERNING``: noise, a leak, a recurrence) may govern, from taxonomy
    # ``modality.<role>_governs``: safety group indexes (the crowd sign; the cry for help) and
    # police class or situation codes (P06-05, whose own word 救命 is) or police words (飙车).
    governed_groups: Mapping[str, frozenset[int]] = field(
        default_factory=lambda: MappingProxyType({})
    )
    governed_classes: Mapping[str, frozenset[str]] = field(
        default_factory=lambda: MappingProxyType({})
    )

    def normalise(self, text: str) -> NormalisedText:
        """Normalise text the way the matchers' terms were normalised."""
        return normalise(text, self.to_simplified)

    def situation(self, code: str) -> Situation:
        """The situation with this code (the fallback included); KeyError if unknown."""
        return self._by_code[code]

    def taxonomy_class(self, code: str) -> TaxonomyClass:
        """The class with this code; KeyError if unknown."""
        return self._class_by_code[code]

    def counts(self, list_name: ListName) -> tuple[int, int]:
        """(classes, situations) on one list, the fallback not counted."""
        classes = [c for c in self.classes if c.list_name is list_name]
        return len(classes), sum(len(c.situations) for c in classes)


def _pydantic_problems(exc: ValidationError) -> list[str]:
    problems = []
    for err in exc.errors():
        path = ""
        for part in err["loc"]:
            path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
        problems.append(f"{path or '<root>'}: {err['msg']}")
    return problems


def _norm_terms(
    raw: Iterable[str], path: str, problems: list[str], simplify: Callable[[str], str] | None
) -> tuple[str, ...]:
    out: list[str] = []
    for i, term in enumerate(raw):
        norm = normalise_term(term, simplify)
        if not norm:
            problems.append(f"{path}[{i}]: term {term!r} is empty after normalisation")
        elif norm not in out:
            out.append(norm)
    return tuple(out)


def _spared_terms(
    spare: Mapping[str, list[str]],
    listed: tuple[str, ...],
    guarded: set[str],
    problems: list[str],
    simplify: Callable[[str], str] | None,
) -> dict[str, frozenset[str]]:
    """``lexicon.spare`` normalised; a spared term that is not a police or safety term
    inside a listed word would spare nothing, silently, so it is a problem."""
    out: dict[str, frozenset[str]] = {}
    for raw_word, raw_terms in spare.items():
        word = normalise_term(raw_word, simplify)
        path = f"lexicon.spare.{raw_word}"
        if word not in listed:
            problems.append(f"{path}: {raw_word!r} is not one of lexicon.words")
            continue
        terms = _norm_terms(raw_terms, path, problems, simplify)
        for term in terms:
            if term not in word or term not in guarded:
                problems.append(f"{path}: {term!r} is no police or safety term inside the word")
        out[word] = frozenset(terms)
    return out


def _automaton(entries: Mapping[str, Any]) -> Any:
    auto = ahocorasick.Automaton(ahocorasick.STORE_ANY)
    for key in sorted(entries):
        auto.add_word(key, (key, *entries[key]))
    if entries:
        auto.make_automaton()
    return auto


def compile_taxonomy(
    mapping: Mapping[str, Any],
    to_simplified: Callable[[str], str] | None = None,
    lexicon: Mapping[str, int] | None = None,
) -> Taxonomy:
    """Validate a taxonomy mapping and build its matchers.

    ``to_simplified`` is an optional traditional→simplified converter applied to terms
    and texts alike; ``lexicon`` a general word list with frequencies (jieba's, from
    ``fenliu.refdata.lexicon``) used to tell words from substrings. Raises
    :class:`TaxonomyError` naming the path of each problem.
    """
    try:
        spec = TaxonomySpec.model_validate(mapping)
    except ValidationError as exc:
        raise TaxonomyError(_pydantic_problems(exc)) from None
    return _build(spec, to_simplified, lexicon or {})


def _fallback_situation(fb: FallbackSpec, list_name: ListName, order: int) -> Situation:
    return Situation(
        code=fb.situation_code,
        name=fb.situation_name,
        class_code=fb.class_code,
        class_name=fb.class_name,
        list_name=list_name,
        department=fb.department,
        priority=fb.priority,
        sla_class=fb.sla_class,
        terms=(),
        all_of=(),
        alarm_types=(),
        hotline_categories=(),
        order=order,
        is_police=list_name is ListName.POLICE,
    )


def _words_automaton(words: list[str]) -> Any:
    auto = ahocorasick.Automaton(ahocorasick.STORE_ANY)
    for w in words:
        auto.add_word(w, w)
    auto.make_automaton()
    return auto


def _build(
    spec: TaxonomySpec, simplify: Callable[[str], str] | None, lexicon: Mapping[str, int]
) -> Taxonomy:
    problems: list[str] = []
    known_sla = set(spec.sla_classes)
    seen_codes: dict[str, str] = {}
    classes: list[TaxonomyClass] = []
    situations: list[Situation] = []

    def claim(code: str, path: str) -> None:
        if code in seen_codes:
            problems.append(f"{path}: duplicate code {code!r} (first at {seen_codes[code]})")
        else:
            seen_codes[code] = path

    for list_name in (ListName.NON_POLICE, ListName.POLICE):
        list_spec = spec.lists.get(list_name)
        if list_spec is None:
            problems.append(f"lists.{list_name.value}: missing")
            continue
        for ci, cls in enumerate(list_spec.classes):
            cpath = f"lists.{list_name.value}.classes[{ci}]"
            claim(cls.code, f"{cpath}.code")
            members: list[Situation] = []
            for si, sit in enumerate(cls.situations):
                spath = f"{cpath}.situations[{si}]"
                claim(sit.code, f"{spath}.code")
                if not sit.code.startswith(cls.code + "-"):
                    problems.append(f"{spath}.code: {sit.code!r} does not start with {cls.code}-")
                sla = sit.sla_class or cls.sla_class
                priority = sit.priority or cls.priority
                if sla is None:
                    problems.append(f"{spath}.sla_class: missing (no class default either)")
                elif sla not in known_sla:
                    problems.append(f"{spath}.sla_class: unknown SLA class {sla!r}")
                if priority is None:
                    problems.append(f"{spath}.priority: missing (no class default either)")
                rec = sit.recognisers
                terms = _norm_terms(rec.terms, f"{spath}.recognisers.terms", problems, simplify)
                all_of = tuple(
                    _norm_terms(g, f"{spath}.recognisers.all_of[{gi}]", problems, simplify)
                    for gi, g in enumerate(rec.all_of)
                )
                if any(not g for g in all_of):
                    problems.append(f"{spath}.recognisers.all_of: a group has no term")
                if not terms and not all_of:
                    problems.append(f"{spath}.recognisers: no terms and no all_of groups")
                members.append(
                    Situation(
                        code=sit.code,
                        name=sit.name,
                        class_code=cls.code,
                        class_name=cls.name,
                        list_name=list_name,
                        department=sit.department or cls.department,
                        priority=priority or 4,
                        sla_class=sla or "",
                        terms=terms,
                        all_of=all_of,
                        alarm_types=tuple(rec.alarm_types),
                        hotline_categories=tuple(rec.hotline_categories),
                        order=len(situations) + len(members),
                        is_police=list_name is ListName.POLICE,
                    )
                )
            situations.extend(members)
            classes.append(
                TaxonomyClass(cls.code, cls.name, list_name, cls.department, tuple(members))
            )

    fb = spec.fallback
    claim(fb.class_code, "fallback.class_code")
    claim(fb.situation_code, "fallback.situation_code")
    if fb.sla_class not in known_sla:
        problems.append(f"fallback.sla_class: unknown SLA class {fb.sla_class!r}")
    fallback = _fallback_situation(fb, ListName.POLICE, len(situations))
    fallback_12345 = None
    if spec.fallback_12345 is not None:
        fb2 = spec.fallback_12345
        claim(fb2.class_code, "fallback_12345.class_code")
        claim(fb2.situation_code, "fallback_12345.situation_code")
        if fb2.sla_class not in known_sla:
            problems.append(f"fallback_12345.sla_class: unknown SLA class {fb2.sla_class!r}")
        fallback_12345 = _fallback_situation(fb2, ListName.NON_POLICE, len(situations) + 1)
    by_code = {s.code: s for s in situations}
    parts = {
        name: _norm_terms(words, f"danger.parts.{name}", problems, simplify)
        for name, words in spec.danger.parts.items()
    }
    for name, part_words in parts.items():
        if not part_words:
            problems.append(f"danger.parts.{name}: no words")

    groups: list[SafetyGroup] = []
    seen_groups: set[str] = set()
    for gi, grp in enumerate(spec.safety.groups):
        gpath = f"safety.groups[{gi}]"
        if grp.id in seen_groups:
            problems.append(f"{gpath}.id: duplicate safety group {grp.id!r}")
        seen_groups.add(grp.id)
        target = by_code.get(grp.situation)
        if target is None:
            problems.append(f"{gpath}.situation: unknown situation {grp.situation!r}")
        elif not target.is_police:
            problems.append(f"{gpath}.situation: {grp.situation!r} is not on the POLICE list")
        terms = _norm_terms(grp.terms, f"{gpath}.terms", problems, simplify)
        co = tuple(
            _norm_terms(g, f"{gpath}.all_of[{ci}]", problems, simplify)
            for ci, g in enumerate(grp.all_of)
        )
        for pi, part in enumerate(grp.parts):
            if part not in parts:
                problems.append(f"{gpath}.parts[{pi}]: unknown danger part {part!r}")
            else:
                co += (parts[part],)
        if not terms and not co:
            problems.append(f"{gpath}: no terms and no all_of groups")
        if any(not g for g in co):
            problems.append(f"{gpath}.all_of: a group has no term")
        groups.append(
            SafetyGroup(grp.id, grp.name, grp.situation, terms, co, grp.within_clauses, gi)
        )

    crowd_group = None
    if spec.safety.crowd_count is not None:
        ids = [g.id for g in groups]
        if spec.safety.crowd_count.group not in ids:
            problems.append(
                f"safety.crowd_count.group: unknown safety group {spec.safety.crowd_count.group!r}"
            )
        else:
            crowd_group = ids.index(spec.safety.crowd_count.group)

    excludes = _norm_terms(spec.safety.exclude, "safety.exclude", problems, simplify)
    neg = spec.negation
    cues = _norm_terms(neg.cues, "negation.cues", problems, simplify)
    not_cues = _norm_terms(neg.not_cues, "negation.not_cues", problems, simplify)
    bridges = _norm_terms(neg.bridges, "negation.bridges", problems, simplify)
    for word in set(cues) & set(not_cues):
        problems.append(f"negation: {word!r} is both a cue and a not_cue")
    tails = _norm_terms(neg.clause_tails, "negation.clause_tails", problems, simplify)
    modal_entries: dict[str, str] = {}
    single: dict[str, set[str]] = {mod.FIGURATIVE_OPEN: set(), mod.INTENSIFIER: set()}
    for role in mod.ROLES:
        for word in _norm_terms(
            getattr(spec.modality, role), f"modality.{role}", problems, simplify
        ):
            if len(word) == 1 and role in single:
                single[role].add(word)  # looked up beside a word, not matched everywhere
                continue
            if word in modal_entries and modal_entries[word] != role:
                problems.append(f"modality.{role}: {word!r} is already a {modal_entries[word]} cue")
            modal_entries.setdefault(word, role)

    safety_entries: dict[str, tuple[tuple[int, int], ...]] = {}
    for idx, grp_c in enumerate(groups):
        slots = [(t, -1) for t in grp_c.terms]
        slots += [(t, ci) for ci, co_terms in enumerate(grp_c.all_of) for t in co_terms]
        for term, slot in slots:
            safety_entries[term] = safety_entries.get(term, ()) + ((idx, slot),)
    for word in excludes:
        if word in safety_entries:
            problems.append(f"safety.exclude: {word!r} is also a safety term")
        else:
            safety_entries[word] = ()

    if problems:
        raise TaxonomyError(problems)

    dec = spec.decision
    rules = DecisionRules(**dec.model_dump())
    # Each reference carries its weight, computed once here rather than per event.
    situation_entries: dict[str, tuple[tuple[int, int, float], ...]] = {}
    for sit_c in situations:
        refs = [(t, -1) for t in sit_c.terms]
        refs += [(t, gi) for gi, grp_terms in enumerate(sit_c.all_of) for t in grp_terms]
        factor = rules.police_term_factor if sit_c.is_police else 1.0
        for term, slot in refs:
            ref = (sit_c.order, slot, rules.term_weight(term, slot >= 0) * factor)
            situation_entries[term] = situation_entries.get(term, ()) + (ref,)

    negation_entries = dict.fromkeys(cues, True) | dict.fromkeys(not_cues, False)
    all_words = (
        set(safety_entries) | set(situation_entries) | set(negation_entries) | set(modal_entries)
    )
    # Police and safety words must be words of the text, not parts of longer words.
    police_words = {
        w
        for w, refs in situation_entries.items()
        if any(situations[o].is_police for o, _, _ in refs)
    }
    guarded = {w for w, refs in safety_entries.items() if refs} | police_words
    np_terms = {w for w in situation_entries if w not in police_words}
    listed = _norm_terms(spec.lexicon.words, "lexicon.words", problems, simplify)
    spared = _spared_terms(spec.lexicon.spare, listed, guarded, problems, simplify)
    # What each governing cue may govern: safety signs by index, police classes or situations
    # by code, or a police word itself. A name that is none of them would govern nothing,
    # silently.
    group_index = {g.id: i for i, g in enumerate(groups)}
    codes = {c.code for c in classes} | {s.code for s in situations} | police_words
    governs = {role: getattr(spec.modality, f"{role}_governs") for role in mod.GOVERNING}
    for role, names in governs.items():
        for name in names:
            if name not in group_index and name not in codes:
                problems.append(
                    f"modality.{role}_governs: {name!r} is no safety sign, class, situation"
                    " or police word"
                )
    if problems:
        raise TaxonomyError(problems)
    general = [w for w, f in lexicon.items() if f >= spec.lexicon.min_frequency]
    blocking = find_blockers(
        guarded,
        general + sorted(np_terms),
        list(listed) + list(excludes),
        frozenset(guarded),
        _words_automaton,
        spared,
    )
    block_shapes = shapes(blocking)
    matcher_entries = {
        w: (
            safety_entries.get(w),
            situation_entries.get(w, ()),
            negation_entries.get(w),
            modal_entries.get(w),
            block_shapes.get(w),  # only words some longer word blocks need the check
        )
        for w in all_words
    }
    crowd_min = spec.safety.crowd_count.min_people if spec.safety.crowd_count else 0
    return Taxonomy(
        version=spec.version,
        name=spec.name,
        description=spec.description,
        sla_classes=tuple(spec.sla_classes),
        classes=tuple(classes),
        situations=tuple(situations),
        fallback=fallback,
        safety_groups=tuple(groups),
        negation=NegationRules(
            window=neg.window,
            cues=cues,
            not_cues=not_cues,
            bridges=frozenset(bridges),
            max_bridge=max((len(b) for b in bridges), default=0),
            clause_tails=tails,
        ),
        decision=rules,
        crowd_group=crowd_group,
        referable_groups=frozenset(
            i for i, g in enumerate(groups) if g.id in set(spec.modality.referable)
        ),
        referable_classes=frozenset(
            code for code in spec.modality.referable if not any(g.id == code for g in groups)
        ),
        governed_groups=MappingProxyType(
            {
                role: frozenset(group_index[n] for n in names if n in group_index)
                for role, names in governs.items()
            }
        ),
        governed_classes=MappingProxyType(
            {
                role: frozenset(n for n in names if n not in group_index)
                for role, names in governs.items()
            }
        ),
        crowd_min_people=crowd_min,
        crowd_with=_norm_terms(
            spec.safety.crowd_count.with_words if spec.safety.crowd_count else (),
            "safety.crowd_count.with",
            [],
            simplify,
        ),
        crowd_not_after=_norm_terms(
            spec.safety.crowd_count.not_after if spec.safety.crowd_count else (),
            "safety.crowd_count.not_after",
            [],
            simplify,
        ),
        fallback_12345=fallback_12345,
        blockers=MappingProxyType(blocking),
        modal_chars=mod.SingleChars(
            frozenset(single[mod.FIGURATIVE_OPEN]),
            frozenset(single[mod.INTENSIFIER]),
            frozenset(spec.modality.retraction_negators),
            frozenset(spec.modality.referral_openers),
            frozenset(spec.modality.immediate),
            frozenset(spec.modality.reported_breaks),
            frozenset(spec.modality.recurring_breaks),
            frozenset(spec.modality.settled_breaks),
        ),
        matcher=_automaton(matcher_entries),
        to_simplified=simplify,
        _by_code=MappingProxyType(
            by_code
            | {fallback.code: fallback}
            | ({fallback_12345.code: fallback_12345} if fallback_12345 else {})
        ),
        _class_by_code=MappingProxyType({c.code: c for c in classes}),
    )


__all__ = [
    "DecisionRules",
    "NegationRules",
    "SafetyGroup",
    "Situation",
    "Taxonomy",
    "TaxonomyClass",
    "TaxonomyError",
    "compile_taxonomy",
]
