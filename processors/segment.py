"""Words, not substrings: is a matched term a word of the text, or part of a longer word?

A dictionary segmenter run over every text costs ~100 µs per 100 characters in pure
Python, most of it on words nobody asked about. Only the handful of matched terms
matter, so the check is done around them: a term does not count when the text around
it forms a longer word that *blocks* it (包 in 包工头 and 面包车, 刀 in 一刀切, 偷 in 偷排,
抢 in 抢修, 困 in 困难, 群体 in 弱势群体).

Which longer words block which terms is decided once, when the taxonomy is compiled
(:func:`blockers`): a general-lexicon word blocks a term it contains **unless it ends
with it** (Chinese compounds name their kind last: 菜刀 and 砍刀 are knives, 小偷 is a
thief, so they keep the term), and a word listed in the taxonomy's own lexicon blocks
every term it contains, wherever it sits (弱势群体, 严重威胁, 简直就是绑架). Words that are
themselves police or safety terms never block: 管制刀具 is a weapon too.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

# How many characters a general-lexicon word may extend a term by, on either side (the
# taxonomy's own words are listed on purpose and block a term anywhere inside them).
REACH = 3
# A term followed only by these is the same word in another aspect (拖走了 is 拖走).
_PARTICLES = frozenset("了着过的")
# Function characters usually begin the next word: a longer word that runs on into one
# (包被 in "包被人拿走", 刀把 in "拿刀把他砍了") is not trusted to block the term.
_FUNCTION = frozenset("被把给在了的着和跟与对向从让叫就都也还又")
# Marks a word of the taxonomy's own list in its set of blocked terms: always trusted.
LISTED = ""


def blockers(
    terms: Iterable[str],
    general: Iterable[str],
    listed: Iterable[str],
    never_block: frozenset[str],
    automaton_of: Any,
    spared: Mapping[str, frozenset[str]] | None = None,
) -> dict[str, frozenset[str]]:
    """word -> the terms it blocks.

    ``terms`` are the words to protect against (police, safety and danger words);
    ``general`` the general lexicon's words (block a contained term unless they end
    with it); ``listed`` the taxonomy's own words (block every contained term);
    ``never_block`` words that are terms themselves; ``spared`` a listed word's terms
    it leaves alone. ``automaton_of`` builds an Aho-Corasick automaton from a list of
    words (injected: this module stays pure).
    """
    spared = spared or {}
    term_set = sorted(set(terms))
    if not term_set:
        return {}
    auto = automaton_of(term_set)
    out: dict[str, set[str]] = {}

    def scan(word: str, suffix_keeps: bool) -> None:
        if not suffix_keeps:
            out.setdefault(word, set()).add(LISTED)
        if word in never_block:
            return
        for end, term in auto.iter(word):
            if len(term) >= len(word):
                continue
            start = end - len(term) + 1
            if suffix_keeps:
                if end == len(word) - 1:
                    continue  # 菜刀 ends with 刀: a knife; 小偷 ends with 偷: a thief
                if start > REACH or len(word) - 1 - end > REACH:
                    continue
            if start == 0 and set(word[end + 1 :]) <= _PARTICLES:
                continue  # 拖走了, 打伤的: the term itself
            if term in spared.get(word, ()):
                continue  # a listed word that is a general word too spares it in both scans
            out.setdefault(word, set()).add(term)

    for word in general:
        scan(word, suffix_keeps=True)
    for word in listed:
        scan(word, suffix_keeps=False)
    return {w: frozenset(ts) for w, ts in out.items() if ts - {LISTED}}


def shapes(words: Mapping[str, frozenset[str]]) -> dict[str, tuple[tuple[int, int], ...]]:
    """term -> the (characters before, characters after) of the words that may block it.

    Computed once, so that a match looks up only the few slices that can be a blocking
    word instead of every slice around it.
    """
    out: dict[str, set[tuple[int, int]]] = {}
    for word, terms in words.items():
        for term in terms - {LISTED}:
            at = word.find(term)
            while at >= 0:
                out.setdefault(term, set()).add((at, len(word) - at - len(term)))
                at = word.find(term, at + 1)
    return {t: tuple(sorted(s)) for t, s in out.items()}


def a_not_a(text: str, start: int) -> bool:
    """不 at ``start`` between a verb and its repeat (会不会动手, 能不能打起来): the question
    form, which is modal, not the denial a word such as 不会动手 ("we will not fight") is."""
    return text[start] == "不" and 0 < start < len(text) - 1 and text[start - 1] == text[start + 1]


def blocked_by(
    text: str,
    start: int,
    end: int,
    words: Mapping[str, frozenset[str]],
    around: tuple[tuple[int, int], ...] | None = None,
) -> str | None:
    """The longer word of ``text`` around ``text[start:end]`` that blocks that term, if any.

    ``around`` is the term's entry of :func:`shapes` (all slices within reach if None).
    """
    if not words:
        return None
    term = text[start:end]
    if around is None:
        lo = max(0, start - REACH)
        hi = min(len(text), end + REACH)
        around = tuple(
            (start - a, b - end)
            for a in range(start, lo - 1, -1)
            for b in range(end, hi + 1)
            if (a, b) != (start, end)
        )
    n = len(text)
    for left, right in around:
        a, b = start - left, end + right
        if a >= 0 and b <= n:
            terms = words.get(text[a:b])
            if terms is not None and term in terms:
                if b > end and text[end] in _FUNCTION and LISTED not in terms:
                    continue  # 包|被人, 刀|把他
                if a_not_a(text, a):
                    continue  # 会|不会动手: a question, not the word 不会动手
                return text[a:b]
    return None
