"""Call texts for generated traffic, composed from the phrase material of ``data/traffic``.

Pure: the caller passes the ``random.Random`` it draws from, so the same seed gives the
same words. A text is an opener, a situation's template with its ``{slots}`` filled, and
a closer; then the small disorders of real call records are added: fillers and
particles where a caller would say them, the address, a typed-in callback number, and
the slips of a hurried keyboard (的/得, 在/再, full-width digits).
"""

from __future__ import annotations

import random
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field

_SLOT = re.compile(r"\{(\w+)\}")
_FULL_WIDTH_DIGITS = str.maketrans("0123456789", "０１２３４５６７８９")
PLACE_KINDS = ("home", "street", "shop", "site", "village", "workplace", "any")


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SituationPhrasesSpec(_Spec):
    place: str = "any"
    texts: list[str] = Field(min_length=1)
    slots: dict[str, list[str]] = {}


class PhrasesSpec(_Spec):
    """The structure of ``phrases.yaml``."""

    version: str
    fillers: dict[str, list[str]]
    repeat_prefixes: list[str] = Field(min_length=1)
    long_standing_prefixes: list[str] = Field(min_length=1)
    flow_back_prefixes: list[str] = Field(min_length=1)
    multi_reporter_prefixes: list[str] = Field(min_length=1)
    titles_12345: list[str] = Field(min_length=1)
    typos: dict[str, list[str]] = {}
    slots: dict[str, list[str]] = {}
    situations: dict[str, SituationPhrasesSpec]


class TextRates(_Spec):
    """How often each disorder is added (``mix.yaml`` ``text``)."""

    summary_style: float = Field(0.45, ge=0, le=1)
    mention_address: float = Field(0.35, ge=0, le=1)
    filler: float = Field(0.18, ge=0, le=1)
    particle: float = Field(0.22, ge=0, le=1)
    typo: float = Field(0.25, ge=0, le=1)
    callback_number: float = Field(0.03, ge=0, le=1)


REQUIRED_FILLERS = (
    "openers_110",
    "summary_110",
    "closers_110",
    "summary_closers_110",
    "openers_12345",
    "closers_12345",
    "clause_fillers",
    "particles",
    "address_lead",
    "address_tail",
    "callback",
)


@dataclass(frozen=True, slots=True)
class Phrases:
    """Compiled phrase material; every slot a template names is known."""

    version: str
    spec: PhrasesSpec

    def situation(self, code: str) -> SituationPhrasesSpec:
        return self.spec.situations[code]

    @property
    def situation_codes(self) -> tuple[str, ...]:
        return tuple(self.spec.situations)


def parse_phrases(doc: object) -> Phrases:
    """Validate ``phrases.yaml``; raise ``ValueError`` naming unknown slots or fillers."""
    spec = PhrasesSpec.model_validate(doc)
    problems = [
        f"fillers.{name} missing" for name in REQUIRED_FILLERS if not spec.fillers.get(name)
    ]
    for code, sit in spec.situations.items():
        if sit.place not in PLACE_KINDS:
            problems.append(f"situations.{code}.place: {sit.place!r} not one of {PLACE_KINDS}")
        for text in sit.texts:
            unknown = [s for s in _SLOT.findall(text) if s not in sit.slots and s not in spec.slots]
            if unknown:
                problems.append(f"situations.{code}: unknown slot(s) {unknown} in {text!r}")
    if problems:
        raise ValueError("invalid phrases:\n  " + "\n  ".join(problems))
    return Phrases(spec.version, spec)


def fill(template: str, rng: random.Random, slots: Sequence[Mapping[str, Sequence[str]]]) -> str:
    """``template`` with each ``{slot}`` replaced by a fresh draw from the first table naming it."""

    def one(match: re.Match[str]) -> str:
        name = match.group(1)
        for table in slots:
            if name in table:
                return rng.choice(table[name])
        return match.group(0)  # not a slot of ours (an address-less {address}): left for later

    return _SLOT.sub(one, template)


class TextComposer:
    """Bodies, 110 call summaries and 12345 ticket texts from the phrase material."""

    def __init__(self, phrases: Phrases, rates: TextRates) -> None:
        self.phrases = phrases
        self.rates = rates
        self._fillers = phrases.spec.fillers
        self._typo_keys = sorted(phrases.spec.typos)

    def body(self, rng: random.Random, situation_code: str) -> str:
        """One template of the situation with its slots drawn."""
        sit = self.phrases.situation(situation_code)
        return fill(rng.choice(sit.texts), rng, (sit.slots, self.phrases.spec.slots))

    def prefix(self, rng: random.Random, kind: str) -> str:
        """The words a caller who calls again puts first (repeat, long_standing, flow_back, multi)."""
        return rng.choice(getattr(self.phrases.spec, f"{kind}_prefixes"))

    def call110(
        self, rng: random.Random, body: str, *, prefix: str, address: str | None, phone: str | None
    ) -> str:
        """The CAD's 报警内容: the caller's words, or the call-taker's summary of them."""
        summary = rng.random() < self.rates.summary_style
        text = prefix + (body if summary else self._spoken(rng, body))
        text = self._typos(rng, text)
        if address and rng.random() < self.rates.mention_address:
            text = self._pick("address_lead", rng).replace("{address}", address) + text
        if summary:
            text = self._pick("summary_110", rng) + text + self._pick("summary_closers_110", rng)
        else:
            closer = self._pick("closers_110", rng)
            text = self._pick("openers_110", rng) + text + ("，" + closer if closer else "")
        return self._callback(rng, text, phone)

    def ticket12345(
        self,
        rng: random.Random,
        body: str,
        *,
        prefix: str,
        situation_name: str,
        address: str | None,
        phone: str | None,
    ) -> tuple[str, str]:
        """A hotline ticket's (title, content), written by the hotline operator."""
        title = rng.choice(self.phrases.spec.titles_12345).replace("{name}", situation_name)
        content = self._typos(rng, prefix + body)
        if address and rng.random() < self.rates.mention_address:
            content += self._pick("address_tail", rng).replace("{address}", address)
        content = self._callback(rng, content, phone)
        return title, self._pick("openers_12345", rng) + content + self._pick("closers_12345", rng)

    # --- disorders -----------------------------------------------------------------------
    def _pick(self, name: str, rng: random.Random) -> str:
        return rng.choice(self._fillers[name])

    def _spoken(self, rng: random.Random, body: str) -> str:
        """Fillers at clause starts and particles at clause ends, as people speak."""
        clauses = body.split("，")
        out = []
        for clause in clauses:
            if clause and rng.random() < self.rates.filler:
                clause = self._pick("clause_fillers", rng) + "，" + clause
            if clause and rng.random() < self.rates.particle:
                clause = clause + self._pick("particles", rng)
            out.append(clause)
        return "，".join(out)

    def _typos(self, rng: random.Random, text: str) -> str:
        """One or two slips (homophones, full-width digits) in a share of texts."""
        if rng.random() >= self.rates.typo:
            return text
        for _ in range(rng.choice((1, 1, 2))):
            present = [k for k in self._typo_keys if k in text]
            if any(ch.isascii() and ch.isdigit() for ch in text) and rng.random() < 0.25:
                text = text.translate(_FULL_WIDTH_DIGITS)
            elif present:
                word = rng.choice(present)
                at = _nth_occurrence(text, word, rng.randrange(text.count(word)))
                text = (
                    text[:at] + rng.choice(self.phrases.spec.typos[word]) + text[at + len(word) :]
                )
        return text

    def _callback(self, rng: random.Random, text: str, phone: str | None) -> str:
        if phone and rng.random() < self.rates.callback_number:
            return text + self._pick("callback", rng).replace("{phone}", phone)
        return text


def _nth_occurrence(text: str, word: str, n: int) -> int:
    at = -1
    for _ in range(n + 1):
        at = text.index(word, at + 1)
    return at
