"""``fenliu evaluate``'s outcome figures: labelled sets by split, and the real messages.

The issue-11 targets: police recall counts a police call as kept only when it ends KEEP
or TO_POLICE; non-police 110 calls DIVERT+SUGGEST and DIVERT alone; 12345 TO_POLICE and
REVIEW shares; level-1 agreement with the board's class on the hand-labelled real
messages (``tests/eval/real/labels.jsonl``, texts read from ``../shared/realdata``).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fenliu.evalsets import (
    REAL_DIR,
    REAL_LABELS,
    level1_label,
    read_jsonl,
    real_messages,
    real_text,
)
from fenliu.processors.evaluation import OutcomeReport, OutcomeRow, evaluate_outcomes
from fenliu.processors.model import CaseEvent, Classification, Location, Outcome, Source
from fenliu.refdata.opinion import Judge


def event_of(row_id: str, source: str, text: str, category: str | None = None) -> CaseEvent:
    return CaseEvent(
        source=Source(source), source_id=row_id, received_at_ms=0, received_local="",
        caller_key=None, location=Location(), text=text, channel="eval", source_category=category,
    )  # fmt: skip


def _level1_name(judge: Judge, label: str | None) -> str | None:
    """A level-1 label (name or id) as its name."""
    if label is None or judge.categories is None:
        return label
    node = judge.categories.nodes.get(label)
    return node.name if node is not None else label


def _predicted_level1(c: Classification) -> str | None:
    return c.category_path[0] if c.category_path else None


@dataclass(frozen=True)
class SetResult:
    name: str
    report: OutcomeReport


def evaluate_rows(
    rows: list[dict[str, Any]], judge: Judge
) -> tuple[OutcomeReport, list[OutcomeRow]]:
    """Decide every labelled row and count the outcome figures."""
    out = []
    for r in rows:
        c = judge.classify(
            event_of(str(r["id"]), str(r["source"]), str(r["text"]), r.get("category"))
        )
        out.append(OutcomeRow(
            id=str(r["id"]), source=str(r["source"]), expected_police=r["expected_list"] == "POLICE",
            outcome=c.outcome.value if c.outcome else ("KEEP" if c.is_police_matter else "DIVERT"),
            expected_level1=_level1_name(judge, level1_label(r)),
            predicted_level1=_predicted_level1(c),
        ))  # fmt: skip
    return evaluate_outcomes(out), out


def by_set(rows: list[dict[str, Any]], judge: Judge) -> list[SetResult]:
    """One report per set file, then the total."""
    names = sorted({str(r.get("set", "set")) for r in rows})
    results = [SetResult(n, evaluate_rows([r for r in rows if r.get("set", "set") == n], judge)[0])
               for n in names]  # fmt: skip
    if len(names) > 1:
        results.append(SetResult("total", evaluate_rows(rows, judge)[0]))
    return results


def outcome_json(report: OutcomeReport) -> dict[str, Any]:
    return {
        "total": report.total,
        "police_recall": round(report.police_recall, 4),
        "police_kept": report.police_kept,
        "police_total": report.police_total,
        "missed_police": [{"id": i, "outcome": o} for i, o in report.missed_police],
        "non_police_110": report.np110_total,
        "divert_or_suggest": round(report.divert_or_suggest, 4),
        "divert": round(report.divert_alone, 4),
        "non_police_110_kept": list(report.np110_kept),
        "tickets_12345": report.t12345_total,
        "outcomes_12345": report.t12345_counts,
        "to_police_share": round(report.share_12345("TO_POLICE"), 4),
        "review_share": round(report.share_12345("REVIEW"), 4),
        "level1_labelled": report.level1_labelled,
        "level1_agreement": round(report.level1_agreement, 4),
    }


def real_report(judge: Judge, real_dir: Path = REAL_DIR, splits: tuple[str, ...] = ("dev", "test"),
                top_words: int = 30) -> dict[str, Any] | None:  # fmt: skip
    """Outcome shares on every real message, the TO_POLICE list, level-1 agreement by split.

    None when ``../shared/realdata`` is absent (the caller says so and skips).
    """
    messages = real_messages(real_dir)
    if messages is None:
        return None
    decided: dict[str, Classification] = {}
    for m in messages:
        decided[str(m["id"])] = judge.classify(event_of(str(m["id"]), "12345", real_text(m)))
    counts = Counter(c.outcome.value if c.outcome else "?" for c in decided.values())
    n = len(decided)
    to_police = []
    words: Counter[str] = Counter()
    for mid, c in sorted(decided.items()):
        if c.outcome is Outcome.TO_POLICE:
            if c.outcome_rule.startswith("category:crime"):  # the category file's crime words
                terms = c.outcome_rule.rsplit("(", 1)[-1].rstrip(")").split(", ")
            else:
                terms = list(
                    dict.fromkeys(
                        e.term for e in c.evidence if e.kind in ("safety", "situation") and e.term
                    )
                )
            words.update(terms)
            to_police.append({"id": mid, "rule": c.rule_id, "outcome_rule": c.outcome_rule,
                              "evidence": terms, "p": c.model_police_probability})  # fmt: skip
    labels = read_jsonl(REAL_LABELS) if REAL_LABELS.exists() else []
    by_split: dict[str, Any] = {}
    for split in splits:
        rows = [lab for lab in labels if lab.get("split") == split and str(lab["id"]) in decided]
        out = [OutcomeRow(
            id=str(lab["id"]), source="12345", expected_police=bool(lab["police"]),
            outcome=decided[str(lab["id"])].outcome.value,  # type: ignore[union-attr]
            expected_level1=str(lab["level1"]),
            predicted_level1=_predicted_level1(decided[str(lab["id"])]),
        ) for lab in rows]  # fmt: skip
        rep = evaluate_outcomes(out)
        by_split[split] = {**outcome_json(rep), "level1_confusions": _confusions(out)}
    return {
        "messages": n,
        "outcomes": {k: counts[k] for k in sorted(counts)},
        "to_police_share": round(counts["TO_POLICE"] / n, 4) if n else 0.0,
        "review_share": round(counts["REVIEW"] / n, 4) if n else 0.0,
        "route_share": round(counts["ROUTE"] / n, 4) if n else 0.0,
        "to_police": to_police,
        "police_words": words.most_common(top_words),
        "labelled": by_split,
    }


def _confusions(rows: list[OutcomeRow], top: int = 8) -> list[dict[str, Any]]:
    wrong = Counter((r.expected_level1, r.predicted_level1 or "-") for r in rows
                    if r.expected_level1 != r.predicted_level1)  # fmt: skip
    return [{"true": t, "predicted": p, "count": k} for (t, p), k in wrong.most_common(top)]
