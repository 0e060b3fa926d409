"""Is it police work, and if not, which situation of the non-police list?

Safety first: any safety sign that is not negated keeps the case with the police,
whatever else the text says. Otherwise situations are scored on the evidence they
have (terms, satisfied ``all_of`` groups, the source's own category code) and a
non-police situation wins only with enough positive evidence *and* a margin over
the best police situation. No evidence at all means the police keep the call for
a call-taker to review. Pure and deterministic: same event and taxonomy, same
result, evidence order included.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass

from .modality import GOVERNING, REFERRED, TICKET_ONLY, Clauses, Cue, modality
from .model import CaseEvent, Classification, Evidence, Source
from .segment import a_not_a, blocked_by
from .taxonomy import Situation, Taxonomy
from .textnorm import BOUNDARY, NormalisedText, people_counts

FALLBACK_RULE = "default:unclassified"
FALLBACK_RULE_12345 = "default:unclassified_12345"
# A NON_POLICE verdict that beats the best police situation by less than this many
# decision margins is not clean: the call-taker confirms it ("low_margin"). Which
# non-police class it is does not make it police, so a close non-police runner-up is
# no doubt.
LOW_MARGIN = 2.0


@dataclass(frozen=True, slots=True)
class _Hit:
    start: int  # offsets in the normalised text
    end: int
    term: str


def _cues(spans: list[tuple[int, int]], blocked: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Negation cues that are not inside a pseudo-negation word (无故, 没想到)."""
    if not blocked:
        return spans
    return [c for c in spans if not any(b[0] <= c[0] and c[1] <= b[1] for b in blocked)]


def _bridged(gap: str, bridges: frozenset[str], longest: int) -> bool:
    """Can ``gap`` be cut into bridge words? (small dynamic programme; gaps are short)"""
    if not gap:
        return True
    reach = [True] + [False] * len(gap)
    for i in range(len(gap)):
        if reach[i]:
            for j in range(i + 1, min(len(gap), i + longest) + 1):
                if gap[i:j] in bridges:
                    reach[j] = True
    return reach[-1]


def _negation_start(text: str, start: int, cues: list[tuple[int, int]], taxonomy: Taxonomy) -> int:
    """Where the cue governing a term at ``start`` begins, or -1 if none governs it.

    A cue governs a term that follows it in the same clause, at most ``window``
    characters away, with only bridge words in between.
    """
    rules = taxonomy.negation
    for cue_start, cue_end in cues:
        if cue_end > start or start - cue_end > rules.window:
            continue
        gap = text[cue_end:start]
        if BOUNDARY not in gap and _bridged(gap, rules.bridges, rules.max_bridge):
            return cue_start
    return -1


def _clause_negation_start(
    text: str, hit: _Hit, cues: list[tuple[int, int]], clauses: Clauses, taxonomy: Taxonomy
) -> int:
    """A cue anywhere before ``hit`` in its clause, when the clause is about an absence.

    "没有发生过打人的情况", "未发现有人员被困的迹象": the term is followed by one of
    ``negation.clause_tails``, so the cue negates the whole kind, however far away it is.
    """
    tails = taxonomy.negation.clause_tails
    if not tails:
        return -1
    after = text[hit.end : hit.end + 4]
    if not any(after.startswith((t, "的" + t)) for t in tails):
        return -1
    clause = clauses.of(hit.start)
    for cue_start, cue_end in cues:
        if cue_end <= hit.start and clauses.of(cue_start) == clause:
            return cue_start
    return -1


def _clause_has(
    text: str,
    pos: int,
    words: tuple[str, ...],
    unnegated: Callable[[int], bool],
    reach: int = 2,
) -> bool:
    """Does the clause around ``pos``, or one of ``reach`` each side, have an unnegated word?"""
    a = pos
    for _ in range(reach + 1):
        a = text.rfind(BOUNDARY, 0, a) if a > 0 else -1
        if a < 0:
            break
    b = pos
    for _ in range(reach + 1):
        b = text.find(BOUNDARY, b + 1)
        if b < 0:
            break
    lo, hi = a + 1, b if b >= 0 else len(text)
    for w in words:
        at = text.find(w, lo, hi)
        while at >= 0:
            if unnegated(at):
                return True
            at = text.find(w, at + 1, hi)
    return False


def _negated(text: str, start: int, cues: list[tuple[int, int]], taxonomy: Taxonomy) -> bool:
    """Is a term starting at ``start`` governed by a cue before it in the same clause?"""
    return _negation_start(text, start, cues, taxonomy) >= 0


def _inside(hit_start: int, hit_end: int, spans: list[tuple[int, int]]) -> bool:
    return any(a <= hit_start and hit_end <= b and (a, b) != (hit_start, hit_end) for a, b in spans)


def _starts_inside(hit_start: int, hit_end: int, spans: list[tuple[int, int]]) -> bool:
    """Inside a span, or begun inside one and run past its end: 偷了 in 说我偷了 (exclusion 说我偷).

    A police situation word that starts within an exclusion phrase belongs to that phrase's
    reading; without this each exclusion needed a copy for every longer word it cut into.
    """
    return _inside(hit_start, hit_end, spans) or any(a < hit_start < b < hit_end for a, b in spans)


def _line_roles(source: Source) -> tuple[str, ...]:
    """The governing modality roles read on this line (a recurring nuisance: 12345 only)."""
    if source is Source.TICKET_12345:
        return GOVERNING
    return tuple(role for role in GOVERNING if role not in TICKET_ONLY)


class _Scan:
    """Every match in one normalised text, sorted into present, negated and modal evidence."""

    def __init__(self, norm: NormalisedText, event: CaseEvent, taxonomy: Taxonomy) -> None:
        self.taxonomy = taxonomy
        text = norm.text
        self.signs: dict[int, list[_Hit]] = {}  # safety group index -> hits
        self.negated: list[tuple[str, _Hit]] = []  # (rule id, hit)
        self.modal: list[tuple[str, _Hit]] = []  # (rule id, hit)
        self.doubts: list[str] = []  # why a NON_POLICE verdict would not be clean
        # situation order -> (slot, hit, weight)
        self.situation_hits: dict[int, list[tuple[int, _Hit, float]]] = {}
        excluded: list[tuple[int, int]] = []
        raw_signs: list[tuple[_Hit, tuple[tuple[int, int], ...]]] = []
        word_hits: list[tuple[_Hit, tuple[tuple[int, int, float], ...], bool]] = []
        cue_spans: list[tuple[int, int]] = []
        blocked: list[tuple[int, int]] = []
        modal_cues: list[Cue] = []
        blockers = taxonomy.blockers
        # One pass of the automaton; the words are sorted into their roles afterwards.
        for end, (term, safety, situation_refs, negation, modal, around) in (
            taxonomy.matcher.iter(text) if text else ()
        ):
            hit = _Hit(end - len(term) + 1, end + 1, term)
            # A police or safety word inside a longer word (包 in 包工头) is not that word.
            part_of_word = (
                around is not None
                and blocked_by(text, hit.start, hit.end, blockers, around) is not None
            )
            if safety is not None and not part_of_word:
                if safety:
                    raw_signs.append((hit, safety))
                elif not a_not_a(text, hit.start):
                    excluded.append((hit.start, hit.end))
            if situation_refs:
                word_hits.append((hit, situation_refs, part_of_word))
            if negation is not None and not part_of_word:
                (cue_spans if negation else blocked).append((hit.start, hit.end))
            if modal is not None:
                modal_cues.append(Cue(hit.start, hit.end, modal))
        cues = _cues(cue_spans, blocked)
        clauses = Clauses(text, BOUNDARY)
        chars = taxonomy.modal_chars
        line_roles = _line_roles(event.source)
        governed_groups = taxonomy.governed_groups
        # The governing roles a head-count may fall under (the crowd sign's): the same for every count.
        crowd_roles = tuple(
            r for r in line_roles if taxonomy.crowd_group in governed_groups.get(r, frozenset())
        )
        self.clauses = clauses
        modal_cues.sort(key=lambda c: (c.start, c.end))
        negated_spans: list[tuple[int, int]] = []
        co_hits: dict[tuple[int, int], list[_Hit]] = {}  # (group, slot) -> hits
        doubtful_co: dict[tuple[int, int], list[_Hit]] = {}  # negated or modal slot hits
        kept = [
            (h, r) for h, r in raw_signs if not (excluded and _inside(h.start, h.end, excluded))
        ]
        scopes: list[tuple[int, int]] = []  # cue start .. end of the sign it negates
        if cues:
            for h, _ in kept:
                cue_start = _negation_start(text, h.start, cues, taxonomy)
                if cue_start < 0:
                    cue_start = _clause_negation_start(text, h, cues, clauses, taxonomy)
                if cue_start >= 0:
                    negated_spans.append((h.start, h.end))
                    scopes.append((cue_start, h.end))
        for hit, refs in kept:
            # Negated itself, or inside a negated phrase ("没有拳打脚踢" negates 脚踢 too).
            if scopes and any(a <= hit.start and hit.end <= b for a, b in scopes):
                self._set_aside(self.negated, f"danger_negated:{hit.term}", hit, refs, doubtful_co)
                continue
            roles = tuple(
                r
                for r in line_roles
                if any(g in governed_groups.get(r, frozenset()) for g, _ in refs)
            )
            kind = modality(hit.term, hit.start, hit.end, modal_cues, clauses, chars, roles)
            if kind == REFERRED and not all(g in taxonomy.referable_groups for g, _ in refs):
                kind = None  # a crime reported to a regulator is still a crime
            governs = taxonomy.governed_groups.get(kind) if kind else None
            if governs is not None and not all(g in governs for g, _ in refs):
                # Noise governs the crowd sign only, a leak the cry for help: a blow is a
                # blow. A word the governed sign shares with another (围住) is dropped from
                # the governed sign, kept for the other.
                governed = tuple((g, s) for g, s in refs if g in governs)
                self._set_aside(
                    self.modal, f"danger_modal:{kind}:{hit.term}", hit, governed, doubtful_co
                )
                refs = tuple((g, s) for g, s in refs if g not in governs)
                kind = None
            if kind is not None:
                self._set_aside(
                    self.modal, f"danger_modal:{kind}:{hit.term}", hit, refs, doubtful_co
                )
                continue
            for g, slot in refs:
                if slot < 0:
                    self.signs.setdefault(g, []).append(hit)
                else:
                    co_hits.setdefault((g, slot), []).append(hit)
        if co_hits:
            self.signs_from_parts(text, co_hits, self.signs)
        if doubtful_co:
            # A sign that only its negated or modal words would make is a doubt.
            merged: dict[tuple[int, int], list[_Hit]] = {}
            for key in set(co_hits) | set(doubtful_co):
                merged[key] = co_hits.get(key, []) + doubtful_co.get(key, [])
            would: dict[int, list[_Hit]] = {}
            self.signs_from_parts(text, merged, would)
            for g, hits in sorted(would.items()):
                if g in self.signs:
                    continue
                for hit in hits:
                    slots = range(len(taxonomy.safety_groups[g].all_of))
                    if any(hit in doubtful_co.get((g, s), []) for s in slots):
                        self.doubts.append(f"danger_part:{taxonomy.safety_groups[g].id}:{hit.term}")
        if taxonomy.crowd_group is not None:
            for count, start, end in people_counts(text):
                if count < taxonomy.crowd_min_people:
                    continue
                if any(text.endswith(w, 0, start) for w in taxonomy.crowd_not_after):
                    continue  # "群里几十个人都是这样": a chat group's members, not a gathering
                if taxonomy.crowd_with and not _clause_has(
                    text,
                    start,
                    taxonomy.crowd_with,
                    lambda at: (
                        not (
                            any(a <= at < b for a, b in scopes)
                            or (cues and _negated(text, at, cues, taxonomy))
                        )
                    ),
                ):
                    continue  # "受害者已有1000多人": a count, not a gathering
                hit = _Hit(start, end, text[start:end])
                negated = any(a <= start and end <= b for a, b in scopes) or (
                    bool(cues) and _negated(text, start, cues, taxonomy)
                )
                kind = (
                    None
                    if negated
                    else modality(hit.term, start, end, modal_cues, clauses, chars, crowd_roles)
                )
                if kind == REFERRED and taxonomy.crowd_group not in taxonomy.referable_groups:
                    kind = None
                governs = taxonomy.governed_groups.get(kind) if kind else None
                if governs is not None and taxonomy.crowd_group not in governs:
                    kind = None
                if negated:
                    self.doubts.append(f"danger_negated:{hit.term}")
                elif kind is not None:
                    self.doubts.append(f"danger_modal:{kind}:{hit.term}")
                else:
                    self.signs.setdefault(taxonomy.crowd_group, []).append(hit)
        situations = taxonomy.situations
        # A negated or modal word of a police situation's all_of group is a doubt only when
        # it would have completed the situation ("一旦发生火灾" is; a lone 业主 under 如果
        # is not: it is one part of 业主 + 聚集).
        held_back: dict[int, list[tuple[int, str]]] = {}
        for hit, sit_refs, part_of_word in word_hits:
            kind = None
            checked_kind = False
            for order, slot, weight in sit_refs:
                sit = situations[order]
                if sit.is_police:
                    if part_of_word:
                        continue
                    # Police terms obey negation, exclusions and modality like safety signs do.
                    if excluded and _starts_inside(hit.start, hit.end, excluded):
                        continue
                    if any(a < hit.end and hit.start < b for a, b in negated_spans):
                        continue
                    if cues and _negated(text, hit.start, cues, taxonomy):
                        self.negated.append((f"situation:{sit.code}", hit))
                        doubt = f"police_term_negated:{hit.term}"
                        if slot < 0:
                            self.doubts.append(doubt)
                        else:
                            held_back.setdefault(order, []).append((slot, doubt))
                        continue
                    if not checked_kind:
                        # What a governing role may name: the word's police classes and
                        # situations, or the police word itself (飙车 of P05-03, not 酒驾).
                        codes = {hit.term} | {
                            c
                            for o, _, _ in sit_refs
                            if situations[o].is_police
                            for c in (situations[o].class_code, situations[o].code)
                        }
                        roles = tuple(
                            r
                            for r in line_roles
                            if not taxonomy.governed_classes.get(r, frozenset()).isdisjoint(codes)
                        )
                        kind = modality(
                            hit.term, hit.start, hit.end, modal_cues, clauses, chars, roles
                        )
                        checked_kind = True
                    if (
                        kind is not None
                        and not (
                            kind == REFERRED
                            and sit.class_code not in taxonomy.referable_classes
                            and sit.code not in taxonomy.referable_classes
                        )
                        and not (
                            kind in GOVERNING
                            and taxonomy.governed_classes.get(kind, frozenset()).isdisjoint(
                                (sit.class_code, sit.code, hit.term)
                            )
                        )
                    ):
                        self.modal.append((f"situation:{sit.code}", hit))
                        doubt = f"police_term_modal:{kind}:{hit.term}"
                        if slot < 0:
                            self.doubts.append(doubt)
                        else:
                            held_back.setdefault(order, []).append((slot, doubt))
                        continue
                self.situation_hits.setdefault(order, []).append((slot, hit, weight))
        for order, doubtful in held_back.items():
            groups = {s for s, _, _ in self.situation_hits.get(order, []) if s >= 0}
            groups |= {s for s, _ in doubtful}
            if len(groups) == len(situations[order].all_of):
                self.doubts.extend(d for _, d in doubtful)
        self.category = event.source_category or ""
        self.source = event.source

    def _set_aside(
        self,
        kept_in: list[tuple[str, _Hit]],
        doubt: str,
        hit: _Hit,
        refs: tuple[tuple[int, int], ...],
        doubtful_co: dict[tuple[int, int], list[_Hit]],
    ) -> None:
        """A negated or modal sign word is no sign: its evidence is kept, a whole-sign word
        becomes a named doubt, a part waits to see whether it would have completed a sign."""
        for g in sorted({g for g, _ in refs}):
            kept_in.append((f"safety:{self.taxonomy.safety_groups[g].id}", hit))
        for g, slot in refs:
            if slot < 0:
                self.doubts.append(doubt)
            else:
                doubtful_co.setdefault((g, slot), []).append(hit)

    def signs_from_parts(
        self,
        text: str,
        co_hits: dict[tuple[int, int], list[_Hit]],
        signs: dict[int, list[_Hit]],
    ) -> None:
        """Signs made of ``all_of`` groups: one term of every group inside a clause window."""
        bounds = self.clauses.bounds
        for g in sorted({g for g, _ in co_hits}):
            group = self.taxonomy.safety_groups[g]
            placed = [
                (bisect_right(bounds, hit.start), slot, hit)
                for (gi, slot), hits in co_hits.items()
                if gi == g
                for hit in hits
            ]
            # Clause windows [c, c + within): a sign if every slot has a hit inside one.
            found: set[_Hit] = set()
            for first in sorted({c for c, _, _ in placed}):
                inside = [
                    (slot, hit)
                    for c, slot, hit in placed
                    if first <= c < first + group.within_clauses
                ]
                if len({slot for slot, _ in inside}) == len(group.all_of):
                    found.update(hit for _, hit in inside)
            if found:
                hits_sorted = sorted(found, key=lambda h: (h.start, h.end, h.term))
                signs.setdefault(g, []).extend(hits_sorted)

    def category_supports(self, sit: Situation) -> str | None:
        """The situation's category code that the event's own category starts with."""
        if not self.category:
            return None
        codes = sit.alarm_types if self.source is Source.CALL_110 else sit.hotline_categories
        for code in codes:
            if self.category.startswith(code):
                return code
        return None


@dataclass(frozen=True, slots=True)
class _Score:
    score: float
    situation: Situation
    hits: tuple[_Hit, ...]
    category_code: str | None


def _score(scan: _Scan, sit: Situation) -> _Score | None:
    rules = scan.taxonomy.decision
    hits = scan.situation_hits.get(sit.order, [])
    plain: dict[str, float] = {}
    best_in_group: dict[int, float] = {}
    for slot, hit, weight in hits:
        if slot < 0:
            plain[hit.term] = weight
        else:
            best_in_group[slot] = max(best_in_group.get(slot, 0.0), weight)
    score = sum(plain.values())
    used = [h for s, h, _ in hits if s < 0]
    if sit.all_of and len(best_in_group) == len(sit.all_of):
        score += sum(best_in_group.values()) + rules.all_of_bonus
        used += [h for s, h, _ in hits if s >= 0]
    code = scan.category_supports(sit)
    if code is not None:
        score += rules.category_weight
    if score <= 0:
        return None
    return _Score(score, sit, tuple(used), code)


def _best(scores: list[_Score]) -> _Score | None:
    return min(scores, key=lambda s: (-s.score, s.situation.order), default=None)


def _confidence(best: float, runner_up: float) -> float:
    """Grows with the evidence, shrinks when the runner-up is close. Always in [0, 1]."""
    strength = 1.0 - math.exp(-best / 2.0)
    separation = max(0.0, best - runner_up) / best if best > 0 else 0.0
    return round(strength * (0.5 + 0.5 * separation), 4)


def _evidence_key(e: Evidence) -> tuple[bool, int, int, str, str, str]:
    return (e.start < 0, e.start, e.end, e.kind, e.rule_id, e.term)


def _result(
    taxonomy: Taxonomy,
    norm: NormalisedText,
    scan: _Scan,
    sit: Situation,
    rule_id: str,
    confidence: float,
    extra: list[Evidence],
    chosen: _Score | None,
    doubts: tuple[str, ...] = (),
) -> Classification:
    evidence = list(extra)
    if chosen is not None:
        for hit in chosen.hits:
            start, end = norm.original_span(hit.start, hit.end)
            evidence.append(Evidence(f"situation:{sit.code}", hit.term, "situation", start, end))
        if chosen.category_code is not None:
            evidence.append(
                Evidence(f"category:{chosen.category_code}", scan.category, "source_category")
            )
    for rid, hit in scan.negated:
        start, end = norm.original_span(hit.start, hit.end)
        evidence.append(Evidence(rid, hit.term, "negated", start, end))
    for rid, hit in scan.modal:
        start, end = norm.original_span(hit.start, hit.end)
        evidence.append(Evidence(rid, hit.term, "modal", start, end))
    return Classification(
        is_police_matter=sit.is_police,
        list_name=sit.list_name,
        class_code=sit.class_code,
        class_name=sit.class_name,
        situation_code=sit.code,
        situation_name=sit.name,
        department=sit.department,
        priority=sit.priority,
        sla_class=sit.sla_class,
        confidence=max(0.0, min(1.0, confidence)),
        rule_id=rule_id,
        evidence=tuple(sorted(set(evidence), key=_evidence_key)),
        taxonomy_version=taxonomy.version,
        doubts=() if sit.is_police else tuple(dict.fromkeys(doubts)),
    )


def classify(event: CaseEvent, taxonomy: Taxonomy) -> Classification:
    """Classify one event against one taxonomy."""
    norm = taxonomy.normalise(event.text or "")
    scan = _Scan(norm, event, taxonomy)
    # Only situations with a matched word, or backed by the event's own category, can score.
    orders = set(scan.situation_hits)
    if scan.category:
        orders.update(s.order for s in taxonomy.situations if scan.category_supports(s))
    situations = taxonomy.situations
    scores = [s for o in sorted(orders) if (s := _score(scan, situations[o])) is not None]
    police = [s for s in scores if s.situation.is_police]
    rules = taxonomy.decision

    if scan.signs:
        return _safety_decision(taxonomy, norm, scan, police)

    non_police = [s for s in scores if not s.situation.is_police]
    best_np, best_p = _best(non_police), _best(police)
    police_score = best_p.score if best_p else 0.0
    if best_np and best_np.score >= rules.min_score and best_np.score > police_score + rules.margin:
        others = [s.score for s in scores if s.situation.class_code != best_np.situation.class_code]
        runner_up = max(others, default=0.0)
        conf = _confidence(best_np.score, runner_up)
        rule = f"situation:{best_np.situation.code}"
        doubts = list(scan.doubts)
        if best_p is not None:
            doubts.append("police_term_outside_class")
        if best_p is not None and best_np.score - police_score < LOW_MARGIN * rules.margin:
            doubts.append("low_margin")  # police evidence close behind the winner
        return _result(
            taxonomy, norm, scan, best_np.situation, rule, conf, [], best_np, tuple(doubts)
        )
    if best_p and best_p.score >= rules.min_score:
        others = [s.score for s in scores if s is not best_p]
        conf = _confidence(best_p.score, max(others, default=0.0))
        rule = f"situation:{best_p.situation.code}"
        return _result(taxonomy, norm, scan, best_p.situation, rule, conf, [], best_p)
    # No sure answer either way. On 110 the police keep it and a call-taker reviews it;
    # a 12345 ticket with no evidence of police work is not police work (12345 reviews it).
    runner = best_np.score if best_np else 0.0
    conf = round(0.1 * (1.0 - min(1.0, runner / rules.min_score) / 2), 4)
    fallback, rule = taxonomy.fallback, FALLBACK_RULE
    if scan.source is Source.TICKET_12345 and taxonomy.fallback_12345 is not None:
        fallback, rule = taxonomy.fallback_12345, FALLBACK_RULE_12345
    default: list[Evidence] = [Evidence(rule, "", "default")]
    if best_np is not None:  # what little there was, so the call-taker sees it
        default += _weak_evidence(norm, best_np)
    fallback_doubts = ("no_evidence", *scan.doubts)
    return _result(taxonomy, norm, scan, fallback, rule, conf, default, None, fallback_doubts)


def _weak_evidence(norm: NormalisedText, weak: _Score) -> list[Evidence]:
    rule = f"situation:{weak.situation.code}"
    out = []
    for hit in weak.hits:
        start, end = norm.original_span(hit.start, hit.end)
        out.append(Evidence(rule, hit.term, "situation", start, end))
    return out


def _safety_decision(
    taxonomy: Taxonomy, norm: NormalisedText, scan: _Scan, police: list[_Score]
) -> Classification:
    """Police, with the best police situation; the most serious sign names the rule."""
    by_order = {s.situation.order: s for s in police}
    bonus = taxonomy.decision.safety_bonus
    top = min(scan.signs)
    top_spans = [(h.start, h.end) for h in scan.signs[top]]
    # The most serious sign decides the rule; the situation is its default, unless a
    # police situation whose own words are among those signs describes the case better
    # (wage words + 聚集 -> 讨薪聚集; 老公 + 打我 -> 家庭暴力).
    default = taxonomy.situation(taxonomy.safety_groups[top].situation_code)
    base = by_order.get(default.order)
    candidates = [
        _Score((base.score if base else 0.0) + bonus, default, base.hits if base else (), None)
    ]
    for sc in police:
        if sc.situation.order != default.order and any(
            (a <= h.start and h.end <= b) or (h.start <= a and b <= h.end)
            for h in sc.hits
            for a, b in top_spans
        ):
            candidates.append(_Score(sc.score + bonus, sc.situation, sc.hits, None))
    chosen = _best(candidates)
    assert chosen is not None
    rule_id = f"safety:{taxonomy.safety_groups[top].id}"
    signs: list[Evidence] = []
    for g, hits in scan.signs.items():
        gid = taxonomy.safety_groups[g].id
        for hit in hits:
            start, end = norm.original_span(hit.start, hit.end)
            signs.append(Evidence(f"safety:{gid}", hit.term, "safety", start, end))
    confidence = round(1.0 - 0.1 / len(scan.signs), 4)
    situation_hits = by_order.get(chosen.situation.order)
    return _result(
        taxonomy, norm, scan, chosen.situation, rule_id, confidence, signs, situation_hits
    )
