"""Chinese text normalisation for matching, with a map back to the caller's text.

Callers' words reach us typed by call-takers, pasted from apps and SMS: full-width
digits and letters, stray spaces, quotes and emoji, now and then traditional
characters. The matchers run on a normalised copy; every normalised character
keeps the span of the original characters it came from, so evidence can point
at the words exactly as they were written.

Steps, in order: traditional → simplified (OpenCC ``t2s``, only when the result
keeps the length, so offsets stay one-to-one), Unicode NFKC (full-width →
half-width), lower case, then punctuation and spaces are removed, except that a
run of clause punctuation (，。！？；：、 and line breaks) becomes one
:data:`BOUNDARY` so that a negation never reaches across a clause.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

BOUNDARY = ","

# After NFKC: ，→,  ！→!  ？→?  ；→;  ：→:  while 。、… stay as they are.
_CLAUSE_CHARS = frozenset(",.!?;:。、…\n\r\t|")
_NOISE_RUN = re.compile(r"[\W_]+")

_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4,
           "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "几": 2}
_UNITS = {"十": 10, "百": 100, "千": 1000, "万": 10000}

# "<number>(多|来|余|几)?(个|名|位)?<person>" as callers count people; "上百人" too.
_PEOPLE_COUNT = re.compile(
    r"(上百|上千|[0-9]+|[零〇一二两三四五六七八九十百千万几]+)"
    r"(?:多|来|余|几)?(?:个|名|位|号)?"
    r"(?:人|工人|村民|业主|员工|家长|学生|农民工|群众|老人|会员|学员|顾客|商户|租户|小伙子"
    r"|投资人|家属|职工|工友|债主|学员家长)"
)


@dataclass(frozen=True, slots=True)
class NormalisedText:
    """The normalised text and, per character, the span of the original it came from."""

    text: str
    starts: tuple[int, ...]
    ends: tuple[int, ...]

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """Original ``[start, end)`` offsets of the normalised slice ``[start, end)``."""
        if end <= start:
            raise ValueError(f"empty slice {start}:{end}")
        return self.starts[start], self.ends[end - 1]


def _simplify(text: str, to_simplified: Callable[[str], str] | None) -> str:
    """Traditional → simplified, keeping one output character per input character."""
    if to_simplified is None:
        return text
    converted = to_simplified(text)
    if len(converted) == len(text):
        return converted
    # A phrase rule changed the length: convert character by character instead.
    out = []
    for ch in text:
        conv = to_simplified(ch)
        out.append(conv if len(conv) == 1 else ch)
    return "".join(out)


def _fold(text: str) -> tuple[str, list[int], list[int]]:
    """NFKC + lower case, with each output character's original span."""
    folded = text.lower()
    if len(folded) == len(text) and unicodedata.is_normalized("NFKC", folded):
        idx = list(range(len(text)))
        return folded, idx, [i + 1 for i in idx]
    pieces: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    for i, ch in enumerate(text):
        piece = unicodedata.normalize("NFKC", ch).lower()
        pieces.append(piece)
        starts.extend([i] * len(piece))
        ends.extend([i + 1] * len(piece))
    return "".join(pieces), starts, ends


def normalise(text: str, to_simplified: Callable[[str], str] | None = None) -> NormalisedText:
    """Normalise ``text`` for matching; ``to_simplified`` is an optional t2s converter."""
    folded, fstarts, fends = _fold(_simplify(text, to_simplified))
    out: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    pos = 0
    for run in _NOISE_RUN.finditer(folded):
        a, b = run.span()
        if a > pos:
            out.append(folded[pos:a])
            starts.extend(fstarts[pos:a])
            ends.extend(fends[pos:a])
        if out and not _CLAUSE_CHARS.isdisjoint(run.group()):
            if out[-1][-1:] != BOUNDARY:
                out.append(BOUNDARY)
                starts.append(fstarts[a])
                ends.append(fends[b - 1])
        pos = b
    if pos < len(folded):
        out.append(folded[pos:])
        starts.extend(fstarts[pos:])
        ends.extend(fends[pos:])
    return NormalisedText("".join(out), tuple(starts), tuple(ends))


def normalise_term(term: str, to_simplified: Callable[[str], str] | None = None) -> str:
    """A recogniser term in the form the matchers see (no boundary characters kept)."""
    return normalise(term, to_simplified).text.replace(BOUNDARY, "")


def chinese_number(token: str) -> int | None:
    """The value of an Arabic or Chinese numeral as callers say it: 2000, 两千, 三十五, 十几, 上百.

    Vague forms are read near their lower bound (几十 → 20, 十几 → 11, 上百 → 100) because
    they are used for thresholds that must not be over-read. ``None`` if not a number.
    """
    if not token:
        return None
    if token.isdigit() and token.isascii():
        return int(token)
    if token in ("上百", "上千"):
        return 100 if token == "上百" else 1000
    total = 0
    section = 0
    digit: int | None = None
    for ch in token:
        if ch in ("零", "〇"):
            continue  # a place holder: 一百零五
        if ch in _DIGITS:
            digit = _DIGITS[ch] if digit is None else digit  # 二三十 → read 二
        elif ch in _UNITS:
            unit = _UNITS[ch]
            if unit == 10000:
                total += (section + (digit or 0)) * unit
                section = 0
            else:
                section += (1 if digit is None else digit) * unit
            digit = None
        else:
            return None
    if token.endswith("几"):
        digit = 1
    return total + section + (digit or 0)


def people_counts(normalised: str) -> list[tuple[int, int, int]]:
    """``(count, start, end)`` for every "N people" phrase in a normalised text."""
    found = []
    for m in _PEOPLE_COUNT.finditer(normalised):
        value = chinese_number(m.group(1))
        if value is not None:
            found.append((value, m.start(), m.end()))
    return found
