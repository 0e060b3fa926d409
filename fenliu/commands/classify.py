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

SetOption = typer.Option(
    None, "--set", help="labelled calls (JSON lines; default: the checkout's tests/eval set)"
)
JsonOption = typer.Option(False, "--json", help="print the report as JSON")
TaxonomyOption = typer.Option(
    None, "--taxonomy", help="taxonomy YAML file (default: FENLIU_TAXONOMY_FILE)"
)


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
    """The output line of ``fenliu classify`` for one classification."""
    from fenliu.processors.records import classification_record

    return {"id": event_id, **classification_record(c)}


def classify_lines(lines: Iterable[str], taxonomy: Taxonomy, err: TextIO) -> Iterator[str]:
    """One output line per non-blank input line; bad lines become error lines."""
    from fenliu.processors.classify import classify

    for no, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        obj: Any = None
        try:
            obj = json.loads(raw)
            event = event_from_json(obj, no)
            out = decision_json(event.source_id, classify(event, taxonomy))
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
                expected_class=row["expected_class"],
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
    def classify_command(taxonomy: Path | None = TaxonomyOption) -> None:
        """Classify JSON lines {"id","source","text"} from stdin; one decision per line on stdout."""
        from fenliu.processors.taxonomy import TaxonomyError

        try:
            tax = _taxonomy(taxonomy)
        except (TaxonomyError, OSError) as exc:
            typer.echo(f"fenliu classify: {exc}", err=True)
            raise typer.Exit(2) from None
        out = sys.stdout
        for line in classify_lines(sys.stdin, tax, sys.stderr):
            out.write(line + "\n")
        out.flush()

    @app.command("evaluate")
    def evaluate_command(
        taxonomy: Path | None = TaxonomyOption,
        labelled: Path | None = SetOption,
        as_json: bool = JsonOption,
    ) -> None:
        """Score the taxonomy on the labelled set; exit 1 if police recall is below 100%."""
        from fenliu.processors.taxonomy import TaxonomyError

        if labelled is None:
            if not DEFAULT_SET.is_file():
                typer.echo(
                    "fenliu evaluate: no labelled set here; pass --set FILE (the set is test "
                    "data kept in a fenliu checkout: tests/eval/labelled_calls.jsonl)",
                    err=True,
                )
                raise typer.Exit(2)
            labelled = DEFAULT_SET

        try:
            tax = _taxonomy(taxonomy)
            rows = load_labelled(labelled)
            report, _ = run_evaluation(rows, tax)
        except (TaxonomyError, OSError, ValueError, TypeError, KeyError) as exc:
            typer.echo(f"fenliu evaluate: {exc}", err=True)
            raise typer.Exit(2) from None
        if as_json:
            typer.echo(json.dumps(report_json(report, tax.version), ensure_ascii=False, indent=2))
        else:
            _print_report(report, tax)
        if report.police_recall < 1.0:
            raise typer.Exit(1)
