"""Callers and their numbers for generated traffic, written every way a switch writes them.

A caller owns one number (a mobile, a landline of the area code, or none known); each
call writes it in one of the formats of ``mix.yaml`` ``phones``, mostly the same way as
last time. The router must turn every spelling of one number into one caller key, which
is what lets repeat calls merge. Numbers are made up: mobile ranges are real prefixes
with random subscriber digits, landlines are 8-digit numbers of the configured area.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass

MOBILE_PREFIXES = (
    "130",
    "131",
    "132",
    "133",
    "135",
    "136",
    "137",
    "138",
    "139",
    "150",
    "151",
    "152",
    "155",
    "156",
    "157",
    "158",
    "159",
    "166",
    "176",
    "177",
    "178",
    "180",
    "181",
    "182",
    "183",
    "186",
    "187",
    "188",
    "189",
    "198",
    "199",
)
UNKNOWN_WORDS = ("未知", "匿名")


def _blocks(n: str) -> str:
    return f"{n[:3]} {n[3:7]} {n[7:]}"


# format name -> (kind of number it writes, how)
FORMATS: dict[str, tuple[str, Callable[[str, str], str]]] = {
    "mobile_plain": ("mobile", lambda n, _a: n),
    "mobile_plus86": ("mobile", lambda n, _a: f"+86{n}"),
    "mobile_spaced": ("mobile", lambda n, _a: f"+86 {_blocks(n)}"),
    "mobile_0086": ("mobile", lambda n, _a: f"0086{n}"),
    "mobile_dashed": ("mobile", lambda n, _a: f"{n[:3]}-{n[3:7]}-{n[7:]}"),
    "mobile_blocks": ("mobile", lambda n, _a: _blocks(n)),
    "landline_dashed": ("landline", lambda n, a: f"{a}-{n}"),
    "landline_plain": ("landline", lambda n, a: f"{a}{n}"),
    "landline_brackets": ("landline", lambda n, a: f"({a}){n}"),
    "landline_local": ("landline", lambda n, _a: n),
    "unknown_null": ("unknown", lambda _n, _a: ""),
    "unknown_word": ("unknown", lambda _n, _a: ""),
}


@dataclass(frozen=True, slots=True)
class Caller:
    """A person who calls; ``number`` is national digits (None when the switch never knows it)."""

    id: str | None
    kind: str  # mobile, landline, unknown
    number: str | None
    usual_format: str


class PhoneBook:
    """Makes callers and writes their numbers; all randomness from the generator's ``rng``."""

    def __init__(
        self, weights: Mapping[str, float], area_code: str, same_format_again: float
    ) -> None:
        unknown = sorted(set(weights) - set(FORMATS))
        if unknown:
            raise ValueError(f"unknown phone format(s) {unknown}; known: {sorted(FORMATS)}")
        self.names = [n for n in FORMATS if weights.get(n, 0) > 0]
        self.weights = [weights[n] for n in self.names]
        self.area_code = area_code
        self.same_format_again = same_format_again
        self._count = 0

    def new_caller(self, rng: random.Random, *, known: bool = False) -> Caller:
        """A new caller; ``known`` forces a number (long-standing callers are known by theirs)."""
        names, weights = self.names, self.weights
        if known:
            pairs = [(n, w) for n, w in zip(names, weights) if FORMATS[n][0] != "unknown"]
            names, weights = [p[0] for p in pairs], [p[1] for p in pairs]
        fmt = rng.choices(names, weights)[0]
        kind = FORMATS[fmt][0]
        if kind == "unknown":
            return Caller(None, kind, None, fmt)
        self._count += 1
        if kind == "mobile":
            number = rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"
        else:
            number = f"{rng.randint(2, 8)}{rng.randrange(10**7):07d}"
        return Caller(f"caller-{self._count}", kind, number, fmt)

    def format(self, rng: random.Random, caller: Caller) -> str | None:
        """This call's spelling of the caller's number; None or a word when it is unknown."""
        if caller.number is None:
            return None if caller.usual_format == "unknown_null" else rng.choice(UNKNOWN_WORDS)
        fmt = caller.usual_format
        if rng.random() >= self.same_format_again:
            same_kind = [n for n in self.names if FORMATS[n][0] == caller.kind]
            fmt = rng.choice(same_kind)
        return FORMATS[fmt][1](caller.number, self.area_code)
