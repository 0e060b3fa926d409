"""Metrics of a classifier against a labelled set: the safety figure first.

Police recall (true police calls that stayed with the police) is the number that
must be 1.0; the diversion rate (true non-police calls that were diverted) is what
the reform is for; accuracy and per-class precision/recall/F1 show where the
recognisers are weak. Pure: takes pairs of labels, returns numbers.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from .model import ListName


@dataclass(frozen=True, slots=True)
class Outcome:
    """One labelled call and what the classifier said about it."""

    id: str
    expected_list: ListName
    expected_class: str
    predicted_list: ListName
    predicted_class: str
    expected_situation: str | None = None
    predicted_situation: str | None = None


@dataclass(frozen=True, slots=True)
class ClassScore:
    """Precision, recall and F1 of one class (support = true calls of that class)."""

    code: str
    support: int
    predicted: int
    correct: int

    @property
    def precision(self) -> float:
        return self.correct / self.predicted if self.predicted else 0.0

    @property
    def recall(self) -> float:
        return self.correct / self.support if self.support else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass(frozen=True, slots=True)
class Report:
    """Everything ``fenliu evaluate`` prints."""

    total: int
    police_total: int
    police_kept: int
    non_police_total: int
    non_police_diverted: int
    list_correct: int
    class_correct: int
    non_police_class_correct: int  # true non-police calls diverted to the right class
    situation_labelled: int
    situation_correct: int
    per_class: tuple[ClassScore, ...]
    list_confusion: dict[tuple[str, str], int]  # (true list, predicted list) -> count
    class_confusions: tuple[tuple[str, str, int], ...]  # (true, predicted, count), worst first
    missed_police: tuple[str, ...]  # ids of police calls that were diverted

    @property
    def police_recall(self) -> float:
        return self.police_kept / self.police_total if self.police_total else 1.0

    @property
    def diversion_rate(self) -> float:
        return self.non_police_diverted / self.non_police_total if self.non_police_total else 0.0

    @property
    def list_accuracy(self) -> float:
        return self.list_correct / self.total if self.total else 0.0

    @property
    def class_accuracy(self) -> float:
        return self.class_correct / self.total if self.total else 0.0

    @property
    def non_police_class_accuracy(self) -> float:
        total = self.non_police_total
        return self.non_police_class_correct / total if total else 0.0

    @property
    def situation_accuracy(self) -> float:
        labelled = self.situation_labelled
        return self.situation_correct / labelled if labelled else 0.0


def evaluate(outcomes: Iterable[Outcome], top_confusions: int = 10) -> Report:
    """Compute the report; classes are ordered by code, confusions by count then codes."""
    rows = list(outcomes)
    police = [o for o in rows if o.expected_list is ListName.POLICE]
    non_police = [o for o in rows if o.expected_list is ListName.NON_POLICE]
    support = Counter(o.expected_class for o in rows)
    predicted = Counter(o.predicted_class for o in rows)
    correct = Counter(o.expected_class for o in rows if o.expected_class == o.predicted_class)
    codes = sorted(set(support) | set(predicted))
    per_class = tuple(ClassScore(c, support[c], predicted[c], correct[c]) for c in codes)
    confusion = Counter((o.expected_list.value, o.predicted_list.value) for o in rows)
    wrong = Counter(
        (o.expected_class, o.predicted_class) for o in rows if o.expected_class != o.predicted_class
    )
    worst = sorted(wrong.items(), key=lambda kv: (-kv[1], kv[0]))[:top_confusions]
    labelled = [o for o in rows if o.expected_situation]
    return Report(
        total=len(rows),
        police_total=len(police),
        police_kept=sum(o.predicted_list is ListName.POLICE for o in police),
        non_police_total=len(non_police),
        non_police_diverted=sum(o.predicted_list is ListName.NON_POLICE for o in non_police),
        list_correct=sum(o.expected_list is o.predicted_list for o in rows),
        class_correct=sum(correct.values()),
        non_police_class_correct=sum(o.expected_class == o.predicted_class for o in non_police),
        situation_labelled=len(labelled),
        situation_correct=sum(o.expected_situation == o.predicted_situation for o in labelled),
        per_class=per_class,
        list_confusion=dict(sorted(confusion.items())),
        class_confusions=tuple((t, p, n) for (t, p), n in worst),
        missed_police=tuple(
            sorted(o.id for o in police if o.predicted_list is not ListName.POLICE)
        ),
    )


# --- Outcomes (issue 11) -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OutcomeRow:
    """One labelled call or ticket and how the whole decision ended."""

    id: str
    source: str  # "110" or "12345"
    expected_police: bool
    outcome: str  # an Outcome value
    expected_level1: str | None = None  # level-1 name
    predicted_level1: str | None = None


KEPT = frozenset({"KEEP", "TO_POLICE"})


@dataclass(frozen=True, slots=True)
class OutcomeReport:
    """The issue's targets on one set: police recall first."""

    total: int
    police_total: int
    police_kept: int  # ended KEEP or TO_POLICE; a SUGGEST or REVIEW is a miss
    np110_total: int
    np110_divert: int
    np110_suggest: int
    t12345_total: int
    t12345_counts: dict[str, int]
    level1_labelled: int
    level1_agree: int
    missed_police: tuple[tuple[str, str], ...]  # (id, outcome)
    np110_kept: tuple[str, ...]  # non-police 110 calls the police kept

    @property
    def police_recall(self) -> float:
        return self.police_kept / self.police_total if self.police_total else 1.0

    @property
    def divert_or_suggest(self) -> float:
        n = self.np110_total
        return (self.np110_divert + self.np110_suggest) / n if n else 0.0

    @property
    def divert_alone(self) -> float:
        return self.np110_divert / self.np110_total if self.np110_total else 0.0

    def share_12345(self, outcome: str) -> float:
        n = self.t12345_total
        return self.t12345_counts.get(outcome, 0) / n if n else 0.0

    @property
    def level1_agreement(self) -> float:
        return self.level1_agree / self.level1_labelled if self.level1_labelled else 0.0


def evaluate_outcomes(rows: Iterable[OutcomeRow]) -> OutcomeReport:
    """Count the outcome figures of a labelled set."""
    rs = list(rows)
    police = [r for r in rs if r.expected_police]
    np110 = [r for r in rs if r.source == "110" and not r.expected_police]
    t12345 = [r for r in rs if r.source == "12345"]
    labelled = [r for r in rs if r.expected_level1]
    return OutcomeReport(
        total=len(rs),
        police_total=len(police),
        police_kept=sum(r.outcome in KEPT for r in police),
        np110_total=len(np110),
        np110_divert=sum(r.outcome == "DIVERT" for r in np110),
        np110_suggest=sum(r.outcome == "SUGGEST" for r in np110),
        t12345_total=len(t12345),
        t12345_counts=dict(sorted(Counter(r.outcome for r in t12345).items())),
        level1_labelled=len(labelled),
        level1_agree=sum(r.expected_level1 == r.predicted_level1 for r in labelled),
        missed_police=tuple(sorted((r.id, r.outcome) for r in police if r.outcome not in KEPT)),
        np110_kept=tuple(sorted(r.id for r in np110 if r.outcome in KEPT)),
    )
