"""Chinese text normalisation for matching, with a map back to the caller's text.

Callers' words reach us typed by call-takers, pasted from apps and SMS: full-width
digits and letters, stray spaces, quotes and emoji, now and then traditional
characters. The matchers run on a normalised copy; every normalised character
keeps the span of the original characters it came from, so evidence can point
at the words exactly as they were written.

Steps, in order: traditional → simplified (OpenCC ``t2s``, only when the result
keeps the length, so offsets stay one-to-one), a few variant characters that step
leaves (飚 → 飙), Unicode NFKC (full-width → half-width), lower case, then
punctuation and spaces are removed, except that a
run of clause punctuation (，。！？；：、 and line breaks) becomes one
:data:`BOUNDARY` so that a negation never reaches across a clause, and a run of
other punctuation between two digits ("20-30", "3.6", "1 916") becomes one
:data:`NUMBER_SEP`, so that two numbers are never read as one.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass

BOUNDARY = ","
# Kept between two digit runs that punctuation or spaces separated: "20-30人" must not
# become 2030 people. Not a word character, so no term ever contains it.
NUMBER_SEP = "~"

# After NFKC: ，→,  ！→!  ？→?  ；→;  ：→:  while 。、… stay as they are.
# A dash sets off an aside or a correction ("银包唔见咗——唔系畀人偷"): a clause of its own.
_CLAUSE_CHARS = frozenset(",.!?;:。、…\n\r\t|—–")
_NOISE_RUN = re.compile(r"[\W_]+")
# Full-width ASCII and the ideographic space, which is what NFKC does to them.
_FULL_TO_HALF = {c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}
# Variant characters typed for a standard one that the traditional-to-simplified step
# leaves alone (飚车 is written as often as 飙车; Min speakers write 伓 for 不: 叫伊伓醒,
# 电话打伓通; Wu speakers 弗 and 勿: 弗交, 勿是漏气), one character to one. Written Cantonese (and
# Hakka) function words with one Mandarin character each, so the rules read 佢唔见咗 as
# 他不见了 and 冇人郁手 as negated:
# 唔 不, 冇 没, 佢 他, 咗 了, 喺 在, 嚟 来, 嘅 的, 哋 们, 睇 看, 搵 找, 嗰 那. Left alone: 系 and
# 呢 (Mandarin words too), 啲 (some, of: no one Mandarin character).
_VARIANTS = {
    ord(variant): ord(standard)
    for variant, standard in (
        ("飚", "飙"),
        ("飈", "飙"),
        ("伓", "不"),
        ("弗", "不"),
        ("勿", "不"),  # Wu speakers write 勿 too (勿是漏气, 勿晓得); 请勿 stays a negation
        ("唔", "不"),
        ("冇", "没"),
        ("佢", "他"),
        ("咗", "了"),
        ("喺", "在"),
        ("嚟", "来"),
        ("嘅", "的"),
        ("哋", "们"),
        ("睇", "看"),
        ("搵", "找"),
        ("嗰", "那"),
    )
}
_FOLD_TABLE = _FULL_TO_HALF | _VARIANTS
# Characters NFKC may compose with their neighbour: combining marks, Hangul jamo.
_COMPOSING = re.compile(
    r"[\u0300-\u036f\u1100-\u11ff\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\u3099\u309a\ufe20-\ufe2f]"
)

_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
    "几": 2,
}
_UNITS = {"十": 10, "百": 100, "千": 1000, "万": 10000}

_PERSONS = (
    r"(?:人(?!民)|工人|村民|业主|员工|家长|学生|农民工|群众|老人|会员|学员|顾客|商户|租户|小伙子"
    r"|投资人|家属|职工|工友|债主|学员家长|骑手|司机|外卖员|快递员|受害者|受害人"
    # 十来个后生 (southern young men), 六七十口子人 (Shandong's measure for people)
    r"|后生|汉子|小伙|口子人)"
)
# "<number>(多|来|余|几)?(个|名|位)?<person>" as callers count people; "上百人" too.
# Digits need a measure word before anything but 人 ("30多名业主", "140人"): digits
# right before a person are a room or house number ("1702业主", "137号"). A range
# "20-30人" (normalised "20~30人") is read at its lower bound. 号 counts people only
# after a Chinese numeral ("几十号人"). 人民币 is not a person.
_PEOPLE_COUNT = re.compile(
    r"(?<![0-9~])(?:([0-9]+)(?:~[0-9]+)?(?:(?:多|来|余)?(?:个|名|位)"
    + _PERSONS
    + r"|(?:多|余)?人(?!民))"
    r"|(上百|上千|[零〇一二两三四五六七八九十百千万几]+)(?:多|来|余|几)?(?:个|名|位|号)?"
    + _PERSONS
    + r")"
)


@dataclass(frozen=True, slots=True)
class NormalisedText:
    """The normalised text and a map from its characters back to the original.

    The map is a list of segments, each either one-to-one (a run of characters copied
    through) or collapsed (a clause boundary standing for a run of punctuation, or the
    pieces of one expanded character): a few entries per text instead of one per
    character, because only the handful of matched terms are ever mapped back.
    """

    text: str
    seg_starts: tuple[int, ...]  # normalised offset where each segment begins
    segs: tuple[tuple[int, int, bool], ...]  # (original start, original end, one-to-one)

    def _locate(self, i: int) -> tuple[int, int]:
        k = bisect_right(self.seg_starts, i) - 1
        o_start, o_end, one_to_one = self.segs[k]
        if one_to_one:
            o = o_start + (i - self.seg_starts[k])
            return o, o + 1
        return o_start, o_end

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """Original ``[start, end)`` offsets of the normalised slice ``[start, end)``."""
        if not 0 <= start < end <= len(self.text):
            raise ValueError(f"bad slice {start}:{end} of {len(self.text)} characters")
        return self._locate(start)[0], self._locate(end - 1)[1]


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


def _fold(text: str) -> tuple[str, list[tuple[int, int]] | None]:
    """NFKC + lower case; the original span of each output character, or None if 1:1.

    Full-width forms and Chinese punctuation fold one character to one, so the common
    case is one C call and no per-character map; only texts with expanding or
    composing characters (㈱, ½, combining accents) take the slow path.
    """
    half = text.translate(_FOLD_TABLE)  # the usual case, one character to one
    if unicodedata.is_normalized("NFKC", half):
        lowered = half.lower()
        if len(lowered) == len(text):
            return lowered, None
    folded = unicodedata.normalize("NFKC", half).lower()
    if len(folded) == len(text) and not _COMPOSING.search(text):
        return folded, None
    pieces: list[str] = []
    spans: list[tuple[int, int]] = []
    for i, ch in enumerate(half):  # one character to one with text
        piece = unicodedata.normalize("NFKC", ch).lower()
        pieces.append(piece)
        spans.extend([(i, i + 1)] * len(piece))
    return "".join(pieces), spans


def _cjk(chars: str) -> bool:
    """Exactly two characters, both common Chinese characters."""
    return len(chars) == 2 and all("\u4e00" <= ch <= "\u9fff" for ch in chars)


def normalise(text: str, to_simplified: Callable[[str], str] | None = None) -> NormalisedText:
    """Normalise ``text`` for matching; ``to_simplified`` is an optional t2s converter."""
    folded, spans = _fold(_simplify(text, to_simplified))
    out: list[str] = []
    seg_starts: list[int] = []
    segs: list[tuple[int, int, bool]] = []
    length = 0

    def keep(a: int, b: int) -> None:
        nonlocal length
        out.append(folded[a:b])
        if spans is None:
            seg_starts.append(length)
            segs.append((a, b, True))
        else:
            for k in range(a, b):
                seg_starts.append(length + k - a)
                segs.append((spans[k][0], spans[k][1], False))
        length += b - a

    pos = 0
    for run in _NOISE_RUN.finditer(folded):
        a, b = run.span()
        if a > pos:
            keep(pos, a)
        mark = ""
        if (
            out
            and out[-1][-1:] != BOUNDARY
            and (
                not _CLAUSE_CHARS.isdisjoint(run.group())
                # A spoken transcript pauses with a space: between two runs of Chinese (two
                # characters or more each side) it ends a clause ("把我们单元门口堵了 车主电话
                # 打了三遍不接"); a stray space inside a word ("打 人") does not.
                or (run.group().isspace() and _cjk(folded[a - 2 : a]) and _cjk(folded[b : b + 2]))
            )
        ):
            mark = BOUNDARY
        if out and out[-1][-1:].isdigit() and folded[b : b + 1].isdigit():
            mark = NUMBER_SEP  # "20-30", "3.6", "1 916": two digit runs stay apart
        if mark:
            out.append(mark)
            seg_starts.append(length)
            first, last = (a, b - 1) if spans is None else (spans[a][0], spans[b - 1][0])
            segs.append((first, last + 1, False))
            length += 1
        pos = b
    if pos < len(folded):
        keep(pos, len(folded))
    return NormalisedText("".join(out), tuple(seg_starts), tuple(segs))


def normalise_term(term: str, to_simplified: Callable[[str], str] | None = None) -> str:
    """A recogniser term in the form the matchers see (no boundary characters kept)."""
    return normalise(term, to_simplified).text.replace(BOUNDARY, "").replace(NUMBER_SEP, "")


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
        value = chinese_number(m.group(1) or m.group(2))
        if value is not None:
            found.append((value, m.start(), m.end()))
    return found
