"""12345 categories: which level-3 class of the category file a ticket is about.

The category file (``data/categories_12345.yaml``, docs/categories.md) has three levels;
every level-3 entry names its department and the words that recognise it. Words match
as words, not substrings: all recognisers go into one Aho-Corasick automaton and a hit
inside a longer hit is dropped (规划 inside 规划许可证, 工资 inside 工资条), which is the
simple boundary check this needs. A level-3 entry with one of its ``not_words`` in the
text is out. Level 1 is chosen first (word scores summed per level 1, subject-line words
counting more, plus the learned level-1 opinion), then the best level-3 inside it; with
no words, the model's level 1 stands alone when it is sure enough. Pure: the compiled
system is built from a mapping.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import ahocorasick

from .text_model import normalise_text


class CategoryError(ValueError):
    """A category file that cannot be used; names every problem."""


@dataclass(frozen=True, slots=True)
class Category:
    """One node of the tree (level 1, 2 or 3)."""

    id: str
    name: str
    level: int
    department: str
    parent: str | None
    police: bool = False
    words: tuple[str, ...] = ()
    not_words: tuple[str, ...] = ()
    # A generic entry (建议, 感谢, 12345, a 户口 in passing) counts only when no specific
    # entry has a word in the text: it says how a citizen writes, not what about.
    generic: bool = False


@dataclass(frozen=True, slots=True)
class CategoryMatch:
    """The category of one ticket and why."""

    id: str
    path: tuple[str, ...]  # names, level 1 first
    department: str
    police: bool  # a police matter by the category file (a crime)
    method: str  # "words", "words+model", "model"
    words: tuple[str, ...]  # the recognisers that matched (empty for "model")
    score: float

    @property
    def level1_id(self) -> str:
        return self.id.split("-", 1)[0]


@dataclass(frozen=True, slots=True)
class CategoryPolicy:
    """How the words and the level-1 model are combined.

    Chosen on dev: with generic entries (建议, 感谢, 12345, 户口 in passing) counting only
    when nothing specific is found, a model weight of 10 gives 74.5% level-1 agreement on
    the real dev labels (5: 72.8%, 20: 73.5%, 40: 69%) and keeps the hand-written dev sets
    level."""

    model_weight: float = 10.0  # added to a level-1 score: weight * P(that level 1)
    # The words are sure (the level-1 model is not run, saving its cost) when the best
    # level 1 leads the next by this much; the model on real text rarely gives one level
    # more than 0.5 over another, so a lead of half its weight is seldom overturned.
    sure_lead: float = 5.0
    model_alone: float = 0.1  # with no words, the model's level 1 stands alone above this
    subject_weight: float = 2.0  # words in the subject line (the first line) count more
    subject_max: int = 80  # a first line longer than this is not a subject


def _hit_weight(word: str) -> float:
    # Longer words say more; 2 characters = 1.0, 4+ = 1.5.
    return 1.0 + 0.25 * min(2, max(0, len(word) - 2))


class CategorySystem:
    """The compiled category file."""

    def __init__(
        self,
        version: str,
        nodes: Mapping[str, Category],
        fallback_department: str,
        normalise: Callable[[str], str] = normalise_text,
    ) -> None:
        self.version = version
        self.nodes = dict(nodes)
        self.fallback_department = fallback_department
        self._normalise = normalise
        self.leaves = tuple(n for n in self.nodes.values() if n.level == 3)
        self.level1 = tuple(n for n in self.nodes.values() if n.level == 1)
        auto = ahocorasick.Automaton()
        table: dict[str, list[tuple[str, bool]]] = {}
        for leaf in self.leaves:
            for w in leaf.words:
                table.setdefault(normalise(w), []).append((leaf.id, True))
            for w in leaf.not_words:
                table.setdefault(normalise(w), []).append((leaf.id, False))
        for word, refs in table.items():
            if word:
                auto.add_word(word, (word, tuple(refs)))
        self._empty = not table
        if table:
            auto.make_automaton()
        self._auto = auto

    def path(self, node_id: str) -> tuple[str, ...]:
        names: list[str] = []
        cur: str | None = node_id
        while cur is not None:
            node = self.nodes[cur]
            names.append(node.name)
            cur = node.parent
        return tuple(reversed(names))

    def word_scores(self, text: str) -> tuple[dict[str, float], dict[str, list[str]]]:
        """Level-3 id -> score, and the words behind each, for one text."""
        norm = self._normalise(text)
        if self._empty or not norm:
            return {}, {}
        hits = [(end - len(w) + 1, end + 1, w, refs) for end, (w, refs) in self._auto.iter(norm)]
        # Boundary check: a hit strictly inside a longer hit is part of that word.
        kept = [
            h for h in hits
            if not any(o[0] <= h[0] and h[1] <= o[1] and (o[1] - o[0]) > (h[1] - h[0]) for o in hits)
        ]  # fmt: skip
        scores: dict[str, float] = {}
        words: dict[str, list[str]] = {}
        banned: set[str] = set()
        seen: set[tuple[str, str]] = set()
        for _, _, w, refs in kept:
            for leaf_id, positive in refs:
                if not positive:
                    banned.add(leaf_id)
                elif (leaf_id, w) not in seen:  # a word counts once per entry
                    seen.add((leaf_id, w))
                    scores[leaf_id] = scores.get(leaf_id, 0.0) + _hit_weight(w)
                    words.setdefault(leaf_id, []).append(w)
        for leaf_id in banned:
            scores.pop(leaf_id, None)
            words.pop(leaf_id, None)
        if any(not self.nodes[i].generic for i in scores):
            for leaf_id in [i for i in scores if self.nodes[i].generic]:
                del scores[leaf_id]
                del words[leaf_id]
        return scores, words

    def match(
        self,
        text: str,
        level1_probabilities: Mapping[str, float]
        | Callable[[], Mapping[str, float] | None]
        | None = None,
        policy: CategoryPolicy = CategoryPolicy(),
    ) -> CategoryMatch | None:
        """The best category, or None when neither the words nor the model place it.

        Level 1 first: the sum of its level-3 word scores (words in the subject line
        count ``subject_weight`` times more) plus ``model_weight`` × the model's
        probability; then the best level-3 inside it. With no word inside the chosen
        level 1, the answer is that level 1 alone (method "model"). The probabilities may
        be a function: it is called only when the words leave level 1 open (no words, or
        the two best level-1 scores closer than ``sure_lead``), which saves the model's
        cost on most tickets.
        """
        first, sep, rest = text.partition("\n")
        if sep and len(first) <= policy.subject_max:
            # The subject line and the rest are scanned apart; subject words count more.
            scores, words = self.word_scores(rest)
            s_scores, s_words = self.word_scores(first)
            for leaf_id, v in s_scores.items():
                scores[leaf_id] = scores.get(leaf_id, 0.0) + (1.0 + policy.subject_weight) * v
                words[leaf_id] = list(dict.fromkeys(s_words[leaf_id] + words.get(leaf_id, [])))
        else:
            scores, words = self.word_scores(text)
        totals: dict[str, float] = {}
        for leaf_id, v in scores.items():
            l1 = leaf_id.split("-", 1)[0]
            totals[l1] = totals.get(l1, 0.0) + v
        if callable(level1_probabilities):
            ranked = sorted(totals.values(), reverse=True) + [0.0, 0.0]
            open_question = not totals or ranked[0] - ranked[1] < policy.sure_lead
            probs = dict((level1_probabilities() or {}) if open_question else {})
        else:
            probs = dict(level1_probabilities or {})
        if not totals:
            top_l1, top_p = max(probs.items(), key=lambda kv: (kv[1], kv[0]), default=(None, 0.0))
            if top_l1 is None or top_p < policy.model_alone or top_l1 not in self.nodes:
                return None
            node = self.nodes[top_l1]
            return CategoryMatch(node.id, self.path(node.id), node.department, node.police,
                                 "model", (), round(top_p, 4))  # fmt: skip
        for l1, p in probs.items():
            if l1 in totals or p >= policy.model_alone:
                totals[l1] = totals.get(l1, 0.0) + policy.model_weight * p
        best_l1 = min(totals, key=lambda k: (-totals[k], k))
        inside = [i for i in scores if i.startswith(best_l1 + "-")]
        if not inside:
            node = self.nodes[best_l1]
            return CategoryMatch(node.id, self.path(node.id), node.department, node.police,
                                 "model", (), round(totals[best_l1], 4))  # fmt: skip
        pick = min(inside, key=lambda i: (-scores[i], i))
        leaf = self.nodes[pick]
        return CategoryMatch(
            leaf.id, self.path(leaf.id), leaf.department, leaf.police,
            "words+model" if probs else "words", tuple(words[pick]), round(totals[best_l1], 4),
        )  # fmt: skip


def _strings(value: Any, where: str, problems: list[str]) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        problems.append(f"{where}: must be a list of non-empty strings")
        return ()
    return tuple(value)


def compile_categories(
    mapping: Mapping[str, Any], normalise: Callable[[str], str] = normalise_text
) -> CategorySystem:
    """Validate and compile a parsed category file; raises CategoryError with every problem."""
    problems: list[str] = []
    version = mapping.get("version")
    if not isinstance(version, str) or not version:
        problems.append("version: required")
    fallback = mapping.get("fallback") or {}
    fallback_department = str(fallback.get("department") or "12345热线")
    nodes: dict[str, Category] = {}

    def walk(items: Any, level: int, parent: Category | None, where: str) -> None:
        if not isinstance(items, list):
            problems.append(f"{where}: must be a list")
            return
        for i, item in enumerate(items):
            here = f"{where}[{i}]"
            if not isinstance(item, dict) or not item.get("id") or not item.get("name"):
                problems.append(f"{here}: needs id and name")
                continue
            cid, name = str(item["id"]), str(item["name"])
            if cid in nodes:
                problems.append(f"{here}: duplicate id {cid}")
                continue
            dept = item.get("department") or (parent.department if parent else None)
            if not dept:
                problems.append(f"{here}: no department")
                dept = ""
            police = bool(item.get("police", parent.police if parent else False))
            generic = bool(item.get("generic", parent.generic if parent else False))
            words = _strings(item.get("words"), f"{here}.words", problems)
            not_words = _strings(item.get("not_words"), f"{here}.not_words", problems)
            node = Category(cid, name, level, str(dept), parent.id if parent else None,
                            police, words, not_words, generic)  # fmt: skip
            nodes[cid] = node
            children = item.get("children")
            if level < 3:
                if children is None:
                    problems.append(f"{here}: level {level} needs children")
                else:
                    walk(children, level + 1, node, f"{here}.children")
            elif children:
                problems.append(f"{here}: level 3 has no children")

    walk(mapping.get("categories"), 1, None, "categories")
    if problems:
        raise CategoryError("; ".join(problems))
    return CategorySystem(str(version), nodes, fallback_department, normalise)
