"""Is a danger word said of something happening now, or only talked about?

"一旦发生火灾", "吵得跟打仗似的", "去年家里被盗", "补办身份证需要什么材料": the danger
word is there, the danger is not. Each cue is a word of the taxonomy's ``modality``
section found by the same automaton pass as every other word; this module only
decides, by clause, which matched danger words a cue governs. A governed word is not
evidence of a present danger: the classifier records it as a *doubt* instead.

Kinds and their scope (a clause is the text between two boundaries):

- ``hypothetical``: a cue before the word in its clause (如果, 万一, 一旦, 以防, 容易),
  or an ``hypothetical_after`` cue after it (隐患, 风险: "存在火灾隐患");
- ``figurative``: the word between an opener (跟, 像, 如同) and a closer (似的, 一样)
  of its clause, a closer right after it, a degree phrase after it (得要命), or an
  ``intensifier`` adjective right before a word that starts with 死 (热死了, 吵死人了), or
  with 得 or 得要 between them (臭得要死人了);
- ``retracted``: a retraction after it, in its clause or the next ("吵到我想跳楼——讲笑㗎",
  "气得要杀人啊——气话"), unless the retraction is itself negated ("不是开玩笑的"): a
  figure of speech the caller takes back in the same breath;
- ``past``: a past cue before it in its clause (去年, 之前, 曾经), or a date (2019年,
  8月28日: a written complaint dates the events it reports), unless the clause also
  says it goes on (又, 还在, 一直, 现在);
- ``settled``: a settled cue in its clause or a later one (已经处理, 已解决, 申请补贴), unless
  the text says a person is still not found (``modality.settled_breaks``: 还没找到, 下落不明);
- ``procedure``: a question about procedure in its clause or a neighbouring one
  (怎么办理, 需要什么材料, 在哪里办);
- ``reported``: a cue of something shown or told, not lived, before it in its clause
  (电视剧里, 电视上说, 看新闻讲, 刚演到): "电视上说见义勇为把坏人打伤了还得赔钱"; or in one
  of the two clauses before, when no clause from there to the word's holds a
  ``reported_breaks`` word (a person, 听到, 突然, 现在): "天天看抗日剧，机枪突突突" is the
  programme's sound.
  Watching television is not a cue (看电视 时 听到有人喊救命 is a present danger).
- ``referred``: the text asks a named non-police unit to inspect or repair, in the word's
  clause or a later one ("……一个多月了，请公路部门尽快修复", "请环保部门晚上来测一下"):
  a standing condition reported for that unit, not a danger happening now. A department
  counts only with a request word in the few characters before it
  (``modality.referral_openers``: 请, 希望, 麻烦 ...), and not when the word's own clause
  says it is happening this moment (``immediate``: 正在, 刚才).
- ``noisy``: a noise cue (唱歌, 划拳, 广场舞, 噪音, 扰民) in the word's clause or a neighbouring
  one: "天天夜里一群人喝酒唱歌到两三点" counts people making noise, not a crowd gathering. It
  governs only what ``modality.noisy_governs`` names (the crowd sign); the classifier ignores
  it for every other word.
- ``leaking``: water coming through a ceiling (楼上漏水, 往下淌, 水管爆了) in the word's clause or
  a neighbouring one: "救命啊，楼上水管爆了，水从吊灯往下淌" is a flat being soaked, not a person
  crying for help. Like ``noisy`` it governs only what ``modality.leaking_governs`` names (the
  cry for help and P06-05, whose own word 救命 is); a person trapped by the water is still told
  by the other signs.
- ``recurring``: a nuisance told as one that recurs (每天半夜, 每到周末, 经常) anywhere in the text
  (a ticket tells its nuisance as a whole), on a **12345 ticket only** (``TICKET_ONLY``): "每晚都有改装摩托在滨河路上飙车，
  吵得睡不着，希望交警多巡查" asks a unit to deal with a standing nuisance; a 110 call is made while it
  happens, so there the same words are a present danger. It governs only what
  ``modality.recurring_governs`` names (飙车: street racing, not drunk driving), and not when the ticket says it is
  going on now anywhere in its text (``modality.recurring_breaks``: 今晚, 正在, 刚才).

A governing role is read only for a word it may govern: the classifier passes those roles
(``governing``), so a noise cue beside a street race does not hide the recurrence.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass

# Cue roles, as stored in the matcher.
HYPOTHETICAL = "hypothetical"
HYPOTHETICAL_AFTER = "hypothetical_after"
FIGURATIVE_OPEN = "figurative_open"
FIGURATIVE_CLOSE = "figurative_close"
DESCRIPTIVE = "descriptive"
DEGREE = "degree"
INTENSIFIER = "intensifier"
PAST = "past"
CONTINUING = "continuing"
SETTLED = "settled"
PROCEDURE = "procedure"
RETRACTED = "retracted"
REPORTED = "reported"
REFERRED = "referred"
NOISY = "noisy"
LEAKING = "leaking"
RECURRING = "recurring"

ROLES = (
    HYPOTHETICAL,
    HYPOTHETICAL_AFTER,
    FIGURATIVE_OPEN,
    FIGURATIVE_CLOSE,
    DESCRIPTIVE,
    DEGREE,
    INTENSIFIER,
    PAST,
    CONTINUING,
    SETTLED,
    PROCEDURE,
    RETRACTED,
    REPORTED,
    REFERRED,
    NOISY,
    LEAKING,
    RECURRING,
)

#: Roles that govern only the signs the taxonomy names for them (``modality.<role>_governs``);
#: the classifier ignores them for every other word.
GOVERNING = (NOISY, LEAKING, RECURRING)

#: Governing roles read on a 12345 ticket only: a 110 call is made while the thing happens.
TICKET_ONLY = frozenset({RECURRING})

#: How many clauses after it a ``reported`` cue reaches ("看抗日剧，机枪突突突、炸弹轰轰的").
REPORTED_REACH = 2

#: How far before a department a request word may stand ("请市环保部门", "希望有关的质监部门").
REFERRAL_REACH = 5

# A year or a day of a month, in digits as normalised text has them ("2019年", "8月28日").
DATE = re.compile(r"\d{4}年|\d{1,2}月\d{1,2}[日号]")


@dataclass(frozen=True, slots=True)
class Cue:
    """One modality cue found in a normalised text."""

    start: int
    end: int
    role: str


class Clauses:
    """Clause numbers of positions in a normalised text (boundaries found once)."""

    __slots__ = ("bounds", "text")

    def __init__(self, text: str, boundary: str) -> None:
        self.text = text
        self.bounds = [i for i, ch in enumerate(text) if ch == boundary]

    def of(self, pos: int) -> int:
        return bisect_right(self.bounds, pos)

    def clause_at(self, pos: int) -> str:
        """The text of the clause around ``pos``."""
        return self.clause_text(bisect_right(self.bounds, pos))

    def clause_text(self, k: int) -> str:
        """The text of clause number ``k``."""
        start = self.bounds[k - 1] + 1 if k else 0
        end = self.bounds[k] if k < len(self.bounds) else len(self.text)
        return self.text[start:end]

    def start_of(self, pos: int) -> int:
        """Where the clause around ``pos`` begins."""
        k = bisect_right(self.bounds, pos)
        return self.bounds[k - 1] + 1 if k else 0


@dataclass(frozen=True, slots=True)
class SingleChars:
    """One-character cues, looked up next to a word instead of matched everywhere.

    A single character such as 跟, 像 or 热 occurs in almost every text; finding each
    occurrence would cost more than the rest of the scan, and only its neighbours matter.
    """

    openers: frozenset[str] = frozenset()
    intensifiers: frozenset[str] = frozenset()
    # In the two characters before a retraction, these make it an insistence instead
    # ("不是开玩笑的", "唔系讲笑"): taxonomy ``modality.retraction_negators``.
    retraction_negators: frozenset[str] = frozenset()
    # A department (``referred`` cue) asks for something only after one of these
    # (taxonomy ``modality.referral_openers``): "请环保部门来测", not "环保部门说没问题".
    referral_openers: frozenset[str] = frozenset()
    # ... and a referral does not govern a word whose own clause holds one of these
    # (taxonomy ``modality.immediate``: 正在, 刚才): "正在冒烟，请环保部门来" is happening.
    immediate: frozenset[str] = frozenset()
    # A ``reported`` cue reaches ``REPORTED_REACH`` clauses after its own, unless a clause on
    # the way holds one of these (taxonomy ``modality.reported_breaks``: a person, 听到, 现在).
    reported_breaks: frozenset[str] = frozenset()
    # A ``recurring`` cue governs nothing when the text says anywhere that it is going on now
    # (taxonomy ``modality.recurring_breaks``: 今晚, 正在, 刚才): "每晚都飙车……今晚又来了".
    recurring_breaks: frozenset[str] = frozenset()
    # A ``settled`` cue governs nothing when the text says a person is still not found
    # (taxonomy ``modality.settled_breaks``: 还没找到, 下落不明): "孩子下午走丢了，到现在还没找到，
    # 案件进展怎么样" asks after a case while the child is still missing.
    settled_breaks: frozenset[str] = frozenset()


def _asked(before: str, chars: SingleChars) -> bool:
    """A request word in the characters before a department."""
    return any(opener in before for opener in chars.referral_openers)


def _intensified(text: str, start: int, intensifiers: frozenset[str]) -> bool:
    """An intensifier adjective right before ``start``, or with 得 or 得要 between (臭得要死人了:
    a stench, not a death; zj-2026.12.244)."""
    for gap in ("", "得", "得要"):
        at = start - len(gap)
        if at > 0 and text[at:start] == gap and text[at - 1] in intensifiers:
            return True
    return False


def modality(
    term: str,
    start: int,
    end: int,
    cues: Sequence[Cue],
    clauses: Clauses,
    chars: SingleChars = SingleChars(),
    governing: Sequence[str] = GOVERNING,
) -> str | None:
    """The kind of modality governing ``term`` at ``[start, end)``, or None if it is present.

    ``cues`` are all the text's cues in order of position; ``chars`` the one-character
    cues, looked up in ``clauses.text`` around the word; ``governing`` the governing roles
    (``GOVERNING``) that may govern this word, on this line.
    """
    if term[:1] == "死" and _intensified(clauses.text, start, chars.intensifiers):
        return "figurative"  # 热死人了, 吵死了, 臭得要死人了
    dated = DATE.search(clauses.text, clauses.start_of(start), start) is not None
    # A cue inside the word itself (理赔 in 快递理赔) governs nothing.
    cues = [c for c in cues if c.end <= start or c.start >= end]
    if not cues:
        return PAST if dated else None
    clause = clauses.of(start)
    same = [c for c in cues if clauses.of(c.start) == clause]
    before = [c for c in same if c.end <= start]
    after = [c for c in same if c.start >= end]
    # Asked of a named unit first: a feared or past danger the text asks a unit to inspect
    # ("担心哪天塌了，请交通部门来看看") is that unit's standing condition (zj-2026.12.63).
    if any(
        c.role == REFERRED
        and clauses.of(c.start) >= clause
        and _asked(clauses.text[max(0, c.start - REFERRAL_REACH) : c.start], chars)
        for c in cues
    ) and not any(word in clauses.clause_at(start) for word in chars.immediate):
        return REFERRED
    if any(c.role == HYPOTHETICAL for c in before) or any(
        c.role == HYPOTHETICAL_AFTER for c in after
    ):
        return HYPOTHETICAL
    if any(c.role == REPORTED for c in before):
        return REPORTED
    # A programme named in a clause before carries into the next ones ("天天看抗日剧，机枪突突突、
    # 炸弹轰轰的"), unless a clause on the way turns to a person or to what the caller
    # perceives now (听到, 突然, 我).
    if any(
        c.role == REPORTED
        and 0 < clause - clauses.of(c.start) <= REPORTED_REACH
        and not any(
            word in clauses.clause_text(k)
            for k in range(clauses.of(c.start) + 1, clause + 1)
            for word in chars.reported_breaks
        )
        for c in cues
    ):
        return REPORTED
    # "雷管一样的东西" describes a thing; only the other closers make a figure of speech.
    described = {c.start for c in after if c.role == DESCRIPTIVE}
    closers = [c for c in after if c.role == FIGURATIVE_CLOSE and c.start not in described]
    if closers and (
        any(c.role == FIGURATIVE_OPEN for c in before)
        or closers[0].start - end <= 1
        or not chars.openers.isdisjoint(clauses.text[clauses.start_of(start) : start])
    ):
        return "figurative"
    if any(c.role == DEGREE and c.start - end <= 1 for c in after):
        return "figurative"
    if any(
        c.role == RETRACTED
        and c.start >= end
        and 0 <= clauses.of(c.start) - clause <= 1
        and chars.retraction_negators.isdisjoint(clauses.text[max(0, c.start - 2) : c.start])
        for c in cues
    ):
        return "figurative"
    if term[:1] == "死" and any(c.role == INTENSIFIER and c.end == start for c in before):
        return "figurative"
    if (dated or any(c.role == PAST for c in before)) and not any(
        c.role == CONTINUING for c in same
    ):
        return PAST
    if any(c.role == SETTLED and clauses.of(c.start) >= clause for c in cues) and not any(
        word in clauses.text for word in chars.settled_breaks
    ):
        return SETTLED
    if any(c.role == PROCEDURE and abs(clauses.of(c.start) - clause) <= 1 for c in cues):
        return PROCEDURE
    for role in governing:
        if role == RECURRING:
            # A ticket tells its nuisance as a whole: the cue reaches every clause of it.
            if any(c.role == RECURRING for c in cues) and not any(
                word in clauses.text for word in chars.recurring_breaks
            ):
                return role
        elif any(c.role == role and abs(clauses.of(c.start) - clause) <= 1 for c in cues):
            return role
    return None
