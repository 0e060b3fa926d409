"""``fenliu classify`` (JSON lines in, one decision per line out) and ``fenliu evaluate``.

``classify`` is the way to ask the taxonomy about a text without Kafka: a call-taker's
tool, a replay helper and the thing the end-to-end tests drive. ``evaluate`` runs the
labelled set (by default the checkout's ``tests/eval/labelled_calls.jsonl``: test data,
not shipped in the wheel) and prints police recall first; it exits non-zero when
a single police call would have been diverted.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

import typer

if TYPE_CHECKING:  # the heavy imports stay inside the commands
    from fenliu.processors.evaluation import Outcome, Report
    from fenliu.processors.model import CaseEvent, Classification
    from fenliu.processors.taxonomy import Taxonomy

# The labelled set is the classifier's test data: it lives in the checkout, not the wheel.
DEFAULT_SET = Path(__file__).resolve().parents[2] / "tests" / "eval" / "labelled_calls.jsonl"

SetOption = typer.Option(None, "--set", help="one labelled file (JSON lines) instead of the splits")
SplitOption = typer.Option(
    None, "--split", help="train, dev, test or all (default: train and dev; test only when named)"
)
RealOption = typer.Option(False, "--real", help="also the real messages in ../shared/realdata")
RealSplitOption = typer.Option(
    "dev", "--real-split", help="which half of the hand-labelled real messages: dev, test or all"
)
JsonOption = typer.Option(False, "--json", help="print the report as JSON")
TaxonomyOption = typer.Option(
    None, "--taxonomy", help="taxonomy YAML file (default: FENLIU_TAXONOMY_FILE)"
)
ModelOption = typer.Option(
    None, "--model", help="model artifact (default: FENLIU_OPINION_FILE or the shipped one)"
)


def _real_level1_rows(model: Path | None) -> int:
    """How many hand-labelled real messages the artifact's level-1 model learned from."""
    from fenliu.refdata.opinion import read_artifact
    from fenliu.settings import get_settings

    try:
        art = read_artifact(model or get_settings().refdata.opinion_file)
    except (OSError, ValueError):
        return 0
    return int((art.get("trained_on") or {}).get("real_level1_rows") or 0)


def _judge(taxonomy: Path | None, model: Path | None) -> Any:
    from fenliu.refdata.opinion import load_judge
    from fenliu.settings import get_settings

    return load_judge(get_settings(), taxonomy_file=taxonomy, opinion_file=model)


def _taxonomy(path: Path | None) -> Taxonomy:
    from fenliu.refdata.taxonomy import load_taxonomy
    from fenliu.settings import get_settings

    return load_taxonomy(path or get_settings().refdata.taxonomy_file)


def event_from_json(obj: Any, line_no: int = 0) -> CaseEvent:
    """A CaseEvent from one input object ``{"id", "source", "text", "location"?, "category"?}``."""
    from fenliu.processors.model import CaseEvent, Location, Source

    if not isinstance(obj, dict):
        raise TypeError("a line must be a JSON object")
    missing = [k for k in ("id", "source", "text") if obj.get(k) in (None, "")]
    if missing:
        raise ValueError(f"missing field(s): {', '.join(missing)}")
    if not isinstance(obj["text"], str):
        raise TypeError("text must be a string")
    try:
        source = Source(str(obj["source"]))
    except ValueError:
        raise ValueError(f"source must be 110 or 12345, not {obj['source']!r}") from None
    loc = obj.get("location")
    if isinstance(loc, dict):
        fields = {k: loc.get(k) for k in ("text", "lon", "lat", "admin_code")}
        location = Location(**fields)
    else:
        location = Location(text=str(loc) if loc is not None else None)
    category = obj.get("category")
    return CaseEvent(
        source=source,
        source_id=str(obj["id"]),
        received_at_ms=0,
        received_local="",
        caller_key=None,
        location=location,
        text=obj["text"],
        channel="cli",
        source_category=str(category) if category is not None else None,
    )


def decision_json(event_id: str, c: Classification) -> dict[str, Any]:
    """The output line of ``fenliu classify`` for one classification.

    ``is_police_matter`` is the system's verdict (true for KEEP and TO_POLICE); the
    outcome, why, the rules' own verdict, the model's view and the 12345 category follow.
    """
    from fenliu.processors.records import classification_record

    out = {"id": event_id, **classification_record(c)}
    if c.outcome is not None:
        out.update({
            "outcome": c.outcome.value,
            "outcome_rule": c.outcome_rule,
            "rules_is_police": c.rules_is_police,
            "doubts": list(c.doubts),
            "model_police_probability": c.model_police_probability,
            "model_version": c.model_version,
            "category_path": list(c.category_path),
            "category_id": c.category_id,
        })  # fmt: skip
    return out


def classify_lines(lines: Iterable[str], judge: Any, err: TextIO) -> Iterator[str]:
    """One output line per non-blank input line; bad lines become error lines.

    ``judge`` has ``classify(event)``: a ``Judge`` (rules + opinion + categories) or,
    for a rules-only run, anything with that method.
    """
    classify = judge.classify
    for no, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        obj: Any = None
        try:
            obj = json.loads(raw)
            event = event_from_json(obj, no)
            out = decision_json(event.source_id, classify(event))
        except (ValueError, TypeError) as exc:  # JSONDecodeError is a ValueError too
            event_id = obj.get("id") if isinstance(obj, dict) else None
            print(f"fenliu classify: line {no}: {exc}", file=err)
            out = {"id": event_id, "error": str(exc)}
        yield json.dumps(out, ensure_ascii=False)


def load_labelled(path: Path) -> list[dict[str, Any]]:
    """The labelled set: one JSON object per line, blank lines ignored."""
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def run_evaluation(rows: list[dict[str, Any]], taxonomy: Taxonomy) -> tuple[Report, list[Outcome]]:
    """Classify every labelled call and score the results."""
    from fenliu.processors.classify import classify
    from fenliu.processors.evaluation import Outcome, evaluate
    from fenliu.processors.model import ListName

    outcomes = []
    for row in rows:
        c = classify(event_from_json(row), taxonomy)
        outcomes.append(
            Outcome(
                id=str(row["id"]),
                expected_list=ListName(row["expected_list"]),
                expected_class=row.get("expected_class")
                or "-",  # 12345-w3 labels outcomes, not classes
                predicted_list=c.list_name,
                predicted_class=c.class_code,
                expected_situation=row.get("expected_situation"),
                predicted_situation=c.situation_code,
            )
        )
    return evaluate(outcomes), outcomes


def report_json(report: Report, taxonomy_version: str) -> dict[str, Any]:
    """The ``--json`` form of the report."""
    return {
        "taxonomy_version": taxonomy_version,
        "total": report.total,
        "police_recall": report.police_recall,
        "police_total": report.police_total,
        "missed_police": list(report.missed_police),
        "diversion_rate": report.diversion_rate,
        "non_police_total": report.non_police_total,
        "list_accuracy": report.list_accuracy,
        "class_accuracy": report.class_accuracy,
        "non_police_class_accuracy": report.non_police_class_accuracy,
        "situation_accuracy": report.situation_accuracy,
        "per_class": [
            {
                "class": s.code,
                "support": s.support,
                "predicted": s.predicted,
                "precision": round(s.precision, 4),
                "recall": round(s.recall, 4),
                "f1": round(s.f1, 4),
            }
            for s in report.per_class
        ],
        "list_confusion": [
            {"true": t, "predicted": p, "count": n} for (t, p), n in report.list_confusion.items()
        ],
        "class_confusions": [
            {"true": t, "predicted": p, "count": n} for t, p, n in report.class_confusions
        ],
    }


def _print_report(report: Report, taxonomy: Taxonomy) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    recall_style = "bold green" if report.police_recall == 1.0 else "bold red"
    console.print(f"taxonomy {taxonomy.version}: {report.total} labelled calls")
    console.print(
        f"police recall      [{recall_style}]{report.police_recall:.2%}[/] "
        f"({report.police_kept}/{report.police_total})"
    )
    console.print(
        f"diversion rate     {report.diversion_rate:.2%} "
        f"({report.non_police_diverted}/{report.non_police_total} true non-police diverted)"
    )
    console.print(f"list accuracy      {report.list_accuracy:.2%}")
    console.print(f"class accuracy     {report.class_accuracy:.2%}")
    console.print(f"non-police classes {report.non_police_class_accuracy:.2%}")
    console.print(f"situation accuracy {report.situation_accuracy:.2%} (labelled situations)")
    if report.missed_police:
        console.print(f"[bold red]police calls diverted: {', '.join(report.missed_police)}[/]")

    names = {c.code: c.name for c in taxonomy.classes}
    names[taxonomy.fallback.class_code] = taxonomy.fallback.class_name
    per_class = Table(title="per class")
    for col in ("class", "name", "support", "predicted", "precision", "recall", "F1"):
        per_class.add_column(col, justify="left" if col in ("class", "name") else "right")
    for s in report.per_class:
        per_class.add_row(
            s.code, names.get(s.code, "?"), str(s.support), str(s.predicted),
            f"{s.precision:.2f}", f"{s.recall:.2f}", f"{s.f1:.2f}",
        )  # fmt: skip
    console.print(per_class)

    lists = Table(title="true list x predicted list")
    lists.add_column("true \\ predicted")
    lists.add_column("POLICE", justify="right")
    lists.add_column("NON_POLICE", justify="right")
    for true in ("POLICE", "NON_POLICE"):
        lists.add_row(
            true,
            str(report.list_confusion.get((true, "POLICE"), 0)),
            str(report.list_confusion.get((true, "NON_POLICE"), 0)),
        )
    console.print(lists)

    confusions = Table(title="top class confusions")
    for col in ("true", "predicted", "count"):
        confusions.add_column(col, justify="right" if col == "count" else "left")
    for t, p, n in report.class_confusions:
        confusions.add_row(f"{t} {names.get(t, '')}", f"{p} {names.get(p, '')}", str(n))
    console.print(confusions)


def register(app: typer.Typer) -> None:
    """Add ``classify`` and ``evaluate`` to the top-level app."""

    @app.command("classify")
    def classify_command(
        taxonomy: Path | None = TaxonomyOption, model: Path | None = ModelOption
    ) -> None:
        """Classify JSON lines {"id","source","text"} from stdin; one decision per line on stdout."""
        try:
            judge = _judge(taxonomy, model)
        except (OSError, ValueError) as exc:  # TaxonomyError, ModelError are ValueErrors
            typer.echo(f"fenliu classify: {exc}", err=True)
            raise typer.Exit(2) from None
        out = sys.stdout
        for line in classify_lines(sys.stdin, judge, sys.stderr):
            out.write(line + "\n")
        out.flush()

    @app.command("evaluate")
    def evaluate_command(
        taxonomy: Path | None = TaxonomyOption,
        model: Path | None = ModelOption,
        split: str | None = SplitOption,
        labelled: Path | None = SetOption,
        real: bool = RealOption,
        real_split: str = RealSplitOption,
        as_json: bool = JsonOption,
    ) -> None:
        """Outcome figures on the labelled sets (and the real messages); exit 1 if police recall < 100%."""
        from fenliu import evalsets, outcome_eval

        if labelled is None and not (evalsets.EVAL_DIR / "sets").is_dir():
            typer.echo(
                "fenliu evaluate: no labelled sets here; pass --set FILE (the sets are test "
                "data kept in a fenliu checkout: tests/eval/sets/)",
                err=True,
            )
            raise typer.Exit(2)
        try:
            judge = _judge(taxonomy, model)
            if labelled is not None:
                rows = [{**r, "set": labelled.stem} for r in load_labelled(labelled)]
                splits = [labelled.name]
            else:
                names = {"all": list(evalsets.SPLITS), None: ["train", "dev"]}.get(split, [split])
                splits = names  # type: ignore[assignment]
                rows = [{**r, "set": f"{sp}/{r['set']}"} for sp in splits
                        for r in evalsets.load_split(sp)]  # fmt: skip
            rules_report, _ = run_evaluation(rows, judge.taxonomy)
            results = outcome_eval.by_set(rows, judge)
            real_splits = ("dev", "test") if real_split == "all" else (real_split,)
            real_rep = outcome_eval.real_report(judge, splits=real_splits) if real else None
            if real_rep is not None:
                real_rep["level1_trained_on"] = _real_level1_rows(model)
        except (OSError, ValueError, TypeError, KeyError) as exc:
            typer.echo(f"fenliu evaluate: {exc}", err=True)
            raise typer.Exit(2) from None
        total = results[-1].report
        report = {
            "taxonomy_version": judge.taxonomy.version,
            "model_version": judge.policy.model_version,
            "thresholds": {
                "divert_below": judge.policy.divert_below,
                "keep_above": judge.policy.keep_above,
                "fallback_suggest_below": judge.policy.fallback_suggest_below,
                "to_police_above": judge.policy.to_police_above,
                "route_below": judge.policy.route_below,
                "to_police_veto_below": judge.policy.to_police_veto_below,
            },  # fmt: skip
            "splits": splits,
            **outcome_eval.outcome_json(total),
            "sets": {r.name: outcome_eval.outcome_json(r.report) for r in results},
            "rules": report_json(rules_report, judge.taxonomy.version),
        }
        if real:
            report["real"] = (
                real_rep
                if real_rep is not None
                else {
                    "skipped": f"{evalsets.REAL_DIR} is absent: the real messages are not shipped"
                }
            )
        if as_json:
            typer.echo(json.dumps(report, ensure_ascii=False, indent=2))
        else:
            _print_outcomes(report)
        recalls = [total.police_recall]
        if real_rep:
            recalls += [v["police_recall"] for v in real_rep["labelled"].values()]
        if min(recalls) < 1.0:
            raise typer.Exit(1)


def _print_outcomes(report: dict[str, Any]) -> None:
    """The report as text: the targets first, then per set, the rules, the real messages."""
    from rich.console import Console
    from rich.table import Table

    console = Console(width=160)
    th = report["thresholds"]
    console.print(f"taxonomy {report['taxonomy_version']}, model {report['model_version']} "
                  f"(divert below {th['divert_below']}, keep above {th['keep_above']}, "
                  f"no-evidence suggest below {th['fallback_suggest_below']}, "
                  f"12345 to-police above {th['to_police_above']}, "
                  f"route below {th['route_below']}, to-police veto below {th['to_police_veto_below']}); "
                  f"splits {', '.join(report['splits'])}")  # fmt: skip
    table = Table(title="outcomes (police recall counts KEEP/TO_POLICE only)")
    cols = ("set", "rows", "police recall", "110 non-police", "DIVERT+SUGGEST", "DIVERT",
            "12345", "TO_POLICE", "REVIEW", "level-1 agr.")  # fmt: skip
    for col in cols:
        table.add_column(col, justify="left" if col == "set" else "right")
    for name, r in report["sets"].items():
        style = "green" if r["police_recall"] == 1.0 else "red"
        table.add_row(
            name, str(r["total"]), f"[{style}]{r['police_recall']:.2%}[/] ({r['police_kept']}/{r['police_total']})",
            str(r["non_police_110"]), f"{r['divert_or_suggest']:.1%}", f"{r['divert']:.1%}",
            str(r["tickets_12345"]), f"{r['to_police_share']:.1%}", f"{r['review_share']:.1%}",
            f"{r['level1_agreement']:.1%} of {r['level1_labelled']}" if r["level1_labelled"] else "-",
        )  # fmt: skip
    console.print(table)
    if report["missed_police"]:
        missed = ", ".join(f"{m['id']}→{m['outcome']}" for m in report["missed_police"])
        console.print(f"[bold red]police calls not kept: {missed}[/]")
    rules = report["rules"]
    console.print(f"rules alone: police recall {rules['police_recall']:.2%}, "
                  f"diversion {rules['diversion_rate']:.2%}, class accuracy {rules['class_accuracy']:.2%}")  # fmt: skip
    real = report.get("real")
    if real is None:
        return
    if "skipped" in real:
        console.print(f"real messages: skipped ({real['skipped']})")
        return
    shares = ", ".join(f"{k} {v} ({v / real['messages']:.1%})" for k, v in real["outcomes"].items())
    console.print(f"real messages: {real['messages']}: {shares}")
    console.print(f"TO_POLICE {real['to_police_share']:.2%} (target ≤ 5%), "
                  f"REVIEW {real['review_share']:.2%} (target ≤ 15%)")  # fmt: skip
    for t in real["to_police"]:
        console.print(
            f"  TO_POLICE {t['id']}: {t['outcome_rule']}: {'/'.join(t['evidence'])} p={t['p']}"
        )
    console.print("words that sent real messages to the police: "
                  + ", ".join(f"{w} {k}" for w, k in real["police_words"]))  # fmt: skip
    for split, r in real["labelled"].items():
        console.print(
            f"hand-labelled real ({split}, {r['total']}): level-1 agreement {r['level1_agreement']:.1%}, "
            f"police recall {r['police_recall']:.0%} ({r['police_kept']}/{r['police_total']}), "
            f"outcomes {r['outcomes_12345']}"
        )
        if split == "dev" and real.get("level1_trained_on"):
            console.print(
                f"    (the level-1 model learned from {real['level1_trained_on']} real dev rows: "
                "this agreement is on rows it was trained on, not a held-out figure; "
                "`fenliu train --level1-cv` gives a 5-fold estimate)"
            )
        for cf in r["level1_confusions"]:
            console.print(f"    {cf['true']} → {cf['predicted']}: {cf['count']}")
