"""Compare a replayed decision with the one recorded at the time, and count the differences.

Pure: the Kafka reading and writing live in ``streams/replay/run.py``. An audit asks two
questions of every event: did the pipeline decide the same way again, and if not, what
changed and why (which rule, which data version). A decision's id and its version fields
change whenever a data file gets a new version even if nothing else does, so outcomes
separate "only the versions differ" from a change anyone would act on. A police matter
that the replay would divert is the dangerous direction and is always listed first.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any

from fenliu.processors.model import Decision, Source


class Outcome(StrEnum):
    SAME = "SAME"  # every field equal (``byte_identical`` says whether the bytes are too)
    VERSIONS_ONLY = "VERSIONS_ONLY"  # only decision id and data versions differ
    CHANGED = "CHANGED"  # something a person would act on differs
    NOT_RECORDED = "NOT_RECORDED"  # decided now, but no decision was recorded at the time
    NOW_REJECTED = "NOW_REJECTED"  # a decision was recorded, the replay rejects the record
    REJECTED = "REJECTED"  # rejected now and nothing recorded (a dead letter then and now)
    UNDECODABLE = "UNDECODABLE"  # the raw bytes cannot be read (a dead letter)


class Direction(StrEnum):
    POLICE_TO_DIVERTED = "POLICE_TO_DIVERTED"  # the one error that must not happen
    DIVERTED_TO_POLICE = "DIVERTED_TO_POLICE"
    NONE = "NONE"


# Aspects in the order a reader cares about them: the list first, timings last.
ASPECTS = (
    "list",
    "outcome",
    "class",
    "situation",
    "rule",
    "unit",
    "department",
    "priority",
    "sla_class",
    "place",
    "team",
    "deadlines",
    "evidence",
    "confidence",
    "event",
    "names",
)


@dataclass(frozen=True, slots=True)
class Side:
    """What one decision said, in the terms an auditor reads."""

    decision_id: str
    is_police_matter: bool
    list_name: str
    class_code: str
    class_name: str
    situation_code: str
    situation_name: str
    rule_id: str
    unit_id: str
    unit_name: str
    unit_kind: str
    town_code: str
    team_method: str
    taxonomy_version: str
    routing_version: str
    sla_policy_version: str
    decision_outcome: str = (
        ""  # KEEP, DIVERT, SUGGEST, ROUTE, REVIEW, TO_POLICE ("" before outcomes)
    )
    model_version: str = ""  # the text model's version ("" when none was used)
    categories_version: str = ""  # the 12345 category file's version ("" on 110)

    @classmethod
    def of(cls, d: Decision) -> Side:
        c, r = d.classification, d.route
        return cls(
            d.decision_id,
            c.is_police_matter,
            c.list_name.value,
            c.class_code,
            c.class_name,
            c.situation_code,
            c.situation_name,
            c.rule_id,
            r.unit_id,
            r.unit_name,
            r.unit_kind,
            r.town_code,
            r.team_method,
            c.taxonomy_version,
            r.routing_version,
            d.sla_policy_version,
            c.outcome.value if c.outcome is not None else "",
            c.model_version or "",
            c.categories_version or "",
        )


@dataclass(frozen=True, slots=True)
class Comparison:
    """The verdict for one raw record."""

    source: str
    source_id: str
    outcome: Outcome
    direction: Direction = Direction.NONE
    aspects: tuple[str, ...] = ()
    before: Side | None = None
    after: Side | None = None
    received_at_ms: int | None = None
    text: str = ""
    byte_identical: bool = False
    reason: str | None = None  # rejections: the named reason
    where: str | None = None  # undecodable: topic/partition@offset

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _aspects(a: Decision, b: Decision) -> tuple[str, ...]:
    """Which parts of two decisions about the same event differ, ignoring ids and versions."""
    ca, cb, ra, rb = a.classification, b.classification, a.route, b.route
    differs = {
        "list": ca.is_police_matter != cb.is_police_matter or ca.list_name != cb.list_name,
        "outcome": ca.outcome != cb.outcome,
        "class": ca.class_code != cb.class_code,
        "situation": ca.situation_code != cb.situation_code,
        "rule": ca.rule_id != cb.rule_id,
        "unit": (ra.unit_id, ra.unit_kind) != (rb.unit_id, rb.unit_kind),
        "department": (ca.department, ra.department) != (cb.department, rb.department),
        "priority": ca.priority != cb.priority,
        "sla_class": ca.sla_class != cb.sla_class,
        "place": (ra.town_code, ra.grid_code, ra.place_method)
        != (rb.town_code, rb.grid_code, rb.place_method),
        "team": (ra.team_id, ra.team_method) != (rb.team_id, rb.team_method),
        "deadlines": a.deadlines != b.deadlines,
        "evidence": ca.evidence != cb.evidence,
        "confidence": ca.confidence != cb.confidence,
        "event": a.event != b.event,
        "names": (ca.class_name, ca.situation_name, ra.unit_name, ra.town_name)
        != (cb.class_name, cb.situation_name, rb.unit_name, rb.town_name),
    }
    return tuple(name for name in ASPECTS if differs[name])


def _direction(before: Decision, after: Decision) -> Direction:
    was, now = before.classification.is_police_matter, after.classification.is_police_matter
    if was and not now:
        return Direction.POLICE_TO_DIVERTED
    if now and not was:
        return Direction.DIVERTED_TO_POLICE
    return Direction.NONE


def _versions(d: Decision) -> tuple[str, ...]:
    return (
        d.decision_id,
        d.case_key,
        d.classification.taxonomy_version,
        d.route.routing_version,
        d.sla_policy_version,
        d.classification.model_version or "",
        d.classification.categories_version or "",
    )


def compare(
    recorded: Decision | None,
    recorded_bytes: bytes | None,
    replayed: Decision,
    replayed_bytes: bytes,
    *,
    text_chars: int = 80,
) -> Comparison:
    """The verdict for a record the replay decided."""
    e = replayed.event
    common: dict[str, Any] = {
        "source": e.source.value,
        "source_id": e.source_id,
        "received_at_ms": e.received_at_ms,
        "text": e.text[:text_chars],
        "after": Side.of(replayed),
    }
    if recorded is None:
        return Comparison(outcome=Outcome.NOT_RECORDED, **common)
    aspects = _aspects(recorded, replayed)
    if aspects:
        outcome = Outcome.CHANGED
    elif _versions(recorded) != _versions(replayed):
        outcome = Outcome.VERSIONS_ONLY
    else:
        outcome = Outcome.SAME
    return Comparison(
        outcome=outcome,
        direction=_direction(recorded, replayed),
        aspects=aspects,
        before=Side.of(recorded),
        byte_identical=recorded_bytes == replayed_bytes,
        **common,
    )


def identical(replayed: Decision, *, text_chars: int = 80) -> Comparison:
    """The verdict when the recorded bytes equal the replayed ones (no need to decode them)."""
    e, side = replayed.event, Side.of(replayed)
    return Comparison(
        source=e.source.value,
        source_id=e.source_id,
        outcome=Outcome.SAME,
        before=side,
        after=side,
        received_at_ms=e.received_at_ms,
        text=e.text[:text_chars],
        byte_identical=True,
    )


def rejected(
    source: Source,
    source_id: str | None,
    reason: str,
    recorded: Decision | None,
    *,
    where: str | None = None,
    undecodable: bool = False,
) -> Comparison:
    """The verdict for a record the replay could not decide."""
    if undecodable:
        outcome = Outcome.UNDECODABLE
    else:
        outcome = Outcome.NOW_REJECTED if recorded is not None else Outcome.REJECTED
    return Comparison(
        source=source.value,
        source_id=source_id or "",
        outcome=outcome,
        reason=reason,
        where=where,
        before=Side.of(recorded) if recorded is not None else None,
        received_at_ms=recorded.event.received_at_ms if recorded is not None else None,
        text=recorded.event.text[:80] if recorded is not None else "",
    )


# The report's sections, dangerous direction first.
SECTIONS = (
    "police_to_diverted",
    "diverted_to_police",
    "changed",
    "now_rejected",
    "not_recorded",
    "rejected",
    "undecodable",
)


def section_of(c: Comparison) -> str | None:
    """Which list of the report a verdict belongs to; None for the unremarkable ones."""
    if c.direction is Direction.POLICE_TO_DIVERTED:
        return "police_to_diverted"
    if c.direction is Direction.DIVERTED_TO_POLICE:
        return "diverted_to_police"
    return {
        Outcome.CHANGED: "changed",
        Outcome.NOW_REJECTED: "now_rejected",
        Outcome.NOT_RECORDED: "not_recorded",
        Outcome.REJECTED: "rejected",
        Outcome.UNDECODABLE: "undecodable",
    }.get(c.outcome)


@dataclass
class Tally:
    """Counts over a whole replay, and the remarkable verdicts (up to ``max_rows`` per section)."""

    max_rows: int = 5000
    outcomes: Counter[str] = field(default_factory=Counter)
    byte_identical: int = 0
    lists: Counter[tuple[str, str]] = field(default_factory=Counter)  # (side, list)
    decision_outcomes: Counter[tuple[str, str]] = field(default_factory=Counter)  # (side, outcome)
    classes: Counter[tuple[str, str]] = field(default_factory=Counter)  # (side, class_code)
    units: Counter[tuple[str, str]] = field(default_factory=Counter)  # (side, unit_id)
    aspects: Counter[str] = field(default_factory=Counter)
    transitions: Counter[tuple[str, str]] = field(default_factory=Counter)  # class before -> after
    rules: Counter[tuple[str, str]] = field(default_factory=Counter)  # changed only
    # the two directions, grouped: (section, class before, rule before, class after, rule after)
    flips: Counter[tuple[str, str, str, str, str]] = field(default_factory=Counter)
    versions: Counter[tuple[str, str, str, str, str, str]] = field(default_factory=Counter)
    names: dict[str, str] = field(default_factory=dict)  # class code / unit id -> name
    rows: dict[str, list[Comparison]] = field(default_factory=lambda: {s: [] for s in SECTIONS})
    omitted: Counter[str] = field(default_factory=Counter)

    def add(self, c: Comparison) -> None:
        self.outcomes[c.outcome.value] += 1
        self.byte_identical += c.byte_identical
        for side, s in (("before", c.before), ("after", c.after)):
            if s is None:
                continue
            self.lists[(side, s.list_name)] += 1
            self.decision_outcomes[(side, s.decision_outcome or "none")] += 1
            self.classes[(side, s.class_code)] += 1
            self.units[(side, s.unit_id)] += 1
            self.names.setdefault(s.class_code, s.class_name)
            self.names.setdefault(s.unit_id, s.unit_name)
        if c.before is not None and c.after is not None:
            b, a = c.before, c.after
            self.versions[
                (
                    b.taxonomy_version,
                    a.taxonomy_version,
                    b.routing_version,
                    a.routing_version,
                    b.sla_policy_version,
                    a.sla_policy_version,
                )
            ] += 1
            if c.outcome is Outcome.CHANGED:
                self.transitions[(b.class_code, a.class_code)] += 1
                self.rules[(b.rule_id, a.rule_id)] += 1
                self.aspects.update(c.aspects)
        section = section_of(c)
        if section in ("police_to_diverted", "diverted_to_police") and c.before and c.after:
            b, a = c.before, c.after
            self.flips[(section, b.class_code, b.rule_id, a.class_code, a.rule_id)] += 1
        if section is not None:
            rows = self.rows[section]
            rows.append(c)
            if len(rows) >= 2 * self.max_rows:
                self._trim(section)

    def _trim(self, section: str) -> None:
        """Keep the first ``max_rows`` rows in report order, whatever order they came in: so a
        replay split over processes keeps the very rows a single process keeps."""
        rows = sorted(self.rows[section], key=_row_order)
        self.omitted[section] += max(0, len(rows) - self.max_rows)
        self.rows[section] = rows[: self.max_rows]

    def merge(self, other: Tally) -> None:
        """Add another part of the same replay (another process's partitions)."""
        for name in (
            "outcomes",
            "lists",
            "classes",
            "units",
            "aspects",
            "transitions",
            "rules",
            "flips",
            "versions",
            "omitted",
        ):
            getattr(self, name).update(getattr(other, name))
        self.byte_identical += other.byte_identical
        for key, name in other.names.items():
            self.names.setdefault(key, name)
        for section, rows in other.rows.items():
            self.rows.setdefault(section, []).extend(rows)
            self._trim(section)

    def to_dict(self) -> dict[str, Any]:
        """The JSON-able summary: counts, tables and the sections, each sorted the same way always."""

        def by(counter: Counter[tuple[str, str]], label: str) -> list[dict[str, Any]]:
            keys = sorted({k for _, k in counter})
            rows = [
                {
                    label: k,
                    "name": self.names.get(k, k),
                    "before": counter[("before", k)],
                    "after": counter[("after", k)],
                }
                for k in keys
            ]
            return sorted(rows, key=lambda r: (-max(r["before"], r["after"]), r[label]))

        version_keys = (
            "taxonomy_before",
            "taxonomy_after",
            "routing_before",
            "routing_after",
            "sla_before",
            "sla_after",
        )
        return {
            "outcomes": {o.value: self.outcomes[o.value] for o in Outcome},
            "total": sum(self.outcomes.values()),
            "byte_identical": self.byte_identical,
            "police_to_diverted": len(self.rows["police_to_diverted"])
            + self.omitted["police_to_diverted"],
            "diverted_to_police": len(self.rows["diverted_to_police"])
            + self.omitted["diverted_to_police"],
            "by_list": by(self.lists, "list"),
            "by_outcome": by(self.decision_outcomes, "outcome"),
            "by_class": by(self.classes, "class_code"),
            "by_unit": by(self.units, "unit_id"),
            "aspects": dict(sorted(self.aspects.items(), key=lambda kv: (-kv[1], kv[0]))),
            "transitions": [
                {
                    "before": b,
                    "after": a,
                    "before_name": self.names.get(b, b),
                    "after_name": self.names.get(a, a),
                    "count": n,
                }
                for (b, a), n in sorted(self.transitions.items(), key=lambda kv: (-kv[1], kv[0]))
            ],
            "rules": [
                {"before": b, "after": a, "count": n}
                for (b, a), n in sorted(self.rules.items(), key=lambda kv: (-kv[1], kv[0]))
            ],
            "flips": {
                section: [
                    {
                        "before": bc,
                        "before_name": self.names.get(bc, bc),
                        "before_rule": br,
                        "after": ac,
                        "after_name": self.names.get(ac, ac),
                        "after_rule": ar,
                        "count": n,
                    }
                    for (sec, bc, br, ac, ar), n in sorted(
                        self.flips.items(), key=lambda kv: (-kv[1], kv[0])
                    )
                    if sec == section
                ]
                for section in ("police_to_diverted", "diverted_to_police")
            },
            "versions": [
                dict(zip(version_keys, k), count=n) for k, n in sorted(self.versions.items())
            ],
            "sections": {
                s: [c.to_dict() for c in sorted(self.rows[s], key=_row_order)[: self.max_rows]]
                for s in SECTIONS
            },
            "omitted": {
                s: self.omitted[s] + max(0, len(self.rows[s]) - self.max_rows) for s in SECTIONS
            },
        }


def _row_order(c: Comparison) -> tuple[Any, ...]:
    return (c.received_at_ms or 0, c.source, c.source_id, c.where or "")
