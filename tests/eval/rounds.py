"""The steps of a blind-split round (tests/eval/briefs/README.md), as commands.

Until 2026-12-07 these lived outside the checkout, and each new machine rebuilt them. A round:

    python tests/eval/rounds.py install FOLDER PARAGRAPH 1041 1042 1043 --ticket-writer 1044
    fenliu evaluate --split test                      # read once, for the commit that installed it
    python tests/eval/rounds.py misses                # what the split's rows got wrong, and why
    python tests/eval/rounds.py outcomes /tmp/before.jsonl     # before a taxonomy step ...
    python tests/eval/rounds.py outcomes /tmp/after.jsonl      # ... and after it
    python tests/eval/rounds.py compare /tmp/before.jsonl /tmp/after.jsonl
    python tests/eval/rounds.py seal NAMES...         # out of test by the seen-test rule
    python tests/eval/rounds.py record split.py       # its section and figures in docs/evaluation.md

``install`` takes the writers' files from a folder outside the checkout (the writers must not
see the rules), ``seal`` moves a read split to dev and train, ``record`` writes what a person
wrote about it (a Python file: the section, the running sentences, the targets table's column)
into docs/evaluation.md. ``probe`` and ``count`` help
while choosing a step: how texts are decided, and how often words occur in train, dev and the
real messages. Nothing here is run by CI; the evaluation itself is ``fenliu evaluate``.
"""

from __future__ import annotations

import json
import runpy
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import typer

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from fenliu.evalsets import (  # noqa: E402 - the checkout's package, run as a script
    SEEN_TEST_SUFFIX,
    load_split,
    real_messages,
    real_text,
    seen_test_split_of,
)
from fenliu.outcome_eval import event_of  # noqa: E402
from fenliu.refdata.opinion import load_judge  # noqa: E402
from fenliu.settings import Settings  # noqa: E402

SETS = REPO / "tests" / "eval" / "sets"
EVALSETS = REPO / "fenliu" / "evalsets.py"
BRIEFS = REPO / "tests" / "eval" / "briefs" / "README.md"
BRIEFS_ANCHOR = " **Ask each 110 writer for both classes**"
KEPT = ("KEEP", "TO_POLICE")

app = typer.Typer(add_completion=False, help=__doc__)


def _rows(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def _write(path: Path, rows: list[dict[str, Any]]) -> None:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))


@app.command()
def install(
    folder: Path,
    paragraph: Path = typer.Argument(..., help="the round's paragraph for the briefs' README"),
    writers: list[str] = typer.Argument(..., help="110 writer numbers (110-wNNNN.jsonl)"),
    ticket_writer: str = typer.Option(..., help="the 12345 writer's number"),
    calls: int = typer.Option(250, help="calls asked of each 110 writer"),
    least_per_class: int = typer.Option(110, help="fewest calls of either class a writer may give"),
    tickets: int = typer.Option(250, help="tickets asked of the 12345 writer"),
    police_tickets: int = typer.Option(25, help="of them TO_POLICE"),
) -> None:
    """The writers' files into tests/eval/sets/test (unread), named in fenliu.evalsets."""
    names: list[str] = []
    for w in writers:
        rows = _rows(folder / f"110-w{w}.jsonl")
        if len(rows) != calls:
            raise typer.BadParameter(f"w{w}: {len(rows)} calls, asked for {calls}")
        for kind, tag, expected in (("police", "p", "POLICE"), ("nonpolice", "n", "NON_POLICE")):
            part = [
                dict(r, id=r["id"].replace(f"w{w}-", f"w{w}{tag}-"))
                for r in rows
                if r["expected_list"] == expected
            ]
            if len(part) < least_per_class:
                raise typer.BadParameter(f"w{w}: {len(part)} {kind} calls")
            _write(SETS / "test" / f"110-{kind}-w{w}.jsonl", part)
            names.append(f"110-{kind}-w{w}")
    rows = _rows(folder / f"12345-w{ticket_writer}.jsonl")
    sent = sum(r["expected_outcome"] == "TO_POLICE" for r in rows)
    if len(rows) != tickets or sent != police_tickets:
        raise typer.BadParameter(f"w{ticket_writer}: {len(rows)} tickets, {sent} TO_POLICE")
    _write(SETS / "test" / f"12345-w{ticket_writer}.jsonl", rows)
    names.append(f"12345-w{ticket_writer}")
    source = EVALSETS.read_text()
    end = source.index("\n)\nREAL_DIR")
    listed = "".join(f'\n    "{n}",' for n in names)
    EVALSETS.write_text(source[:end] + listed + source[end:])
    briefs = BRIEFS.read_text()
    if briefs.count(BRIEFS_ANCHOR) != 1:
        raise typer.BadParameter(f"{BRIEFS} lost its anchor {BRIEFS_ANCHOR!r}")
    text = " " + paragraph.read_text().strip() + BRIEFS_ANCHOR
    BRIEFS.write_text(briefs.replace(BRIEFS_ANCHOR, text))
    typer.echo(" ".join(names))


EVALUATION = REPO / "docs" / "evaluation.md"
SECTIONS_BEFORE = "### The 12345 model-alone floor, measured on writers held out (2026-12-05)"
TARGETS_ROW = "| target | fifth split (tm-e747fe15b6)"


@app.command()
def record(config: Path) -> None:
    """A read split into docs/evaluation.md from a Python file naming ``SECTION`` (the split's
    section, placed before the model-alone floor), ``REPLACE`` (pairs: the running sentences'
    old and new text) and ``CELLS`` (one more column of the targets table, one cell a row)."""
    cfg = runpy.run_path(str(config))
    text = EVALUATION.read_text()
    if text.count(SECTIONS_BEFORE) != 1:
        raise typer.BadParameter(f"{EVALUATION} lost {SECTIONS_BEFORE!r}")
    text = text.replace(SECTIONS_BEFORE, cfg["SECTION"].strip("\n") + "\n\n" + SECTIONS_BEFORE)
    for old, new in cfg["REPLACE"]:
        if text.count(old) != 1:
            raise typer.BadParameter(f"not once in {EVALUATION}: {old!r}")
        text = text.replace(old, new)
    lines = text.split("\n")
    at = next(k for k, line in enumerate(lines) if line.startswith(TARGETS_ROW))
    cells = cfg["CELLS"]
    if lines[at + len(cells)] != "" or not all(
        lines[at + k].startswith("|") for k in range(len(cells))
    ):
        raise typer.BadParameter("the targets table has not one row a cell")
    for k, cell in enumerate(cells):
        lines[at + k] += cell
    EVALUATION.write_text("\n".join(lines))


@app.command()
def seal(names: list[str]) -> None:
    """Read sets out of test by the seen-test rule (dev or train by each row's id)."""
    total: Counter[str] = Counter()
    for name in names:
        source = SETS / "test" / f"{name}.jsonl"
        by_split: dict[str, list[dict[str, Any]]] = {"dev": [], "train": []}
        for row in _rows(source):
            by_split[seen_test_split_of(row["id"])].append(row)
        for split, rows in by_split.items():
            if rows:
                _write(SETS / split / f"{name}{SEEN_TEST_SUFFIX}.jsonl", rows)
            total[split] += len(rows)
        source.unlink()
    typer.echo(f"dev / train: {total['dev']} / {total['train']}")


def _verdict(judge: Any, row_id: str, source: str, text: str, category: Any = None) -> Any:
    return judge.classify(event_of(row_id, source, text, category))


@app.command()
def misses() -> None:
    """The test split's rows whose outcome misses their label: rule, evidence, the model's p."""
    judge = load_judge(Settings())
    for r in load_split("test"):
        if r["set"] in ("labelled_calls", "heldout_calls"):
            continue
        c = _verdict(judge, str(r["id"]), str(r["source"]), str(r["text"]), r.get("category"))
        police = r["expected_list"] == "POLICE"
        if police == (c.outcome.value in KEPT):
            continue
        evidence = sorted({f"{e.kind}:{e.term}" for e in c.evidence})[:8]
        p = c.model_police_probability
        expected = r.get("expected_situation") or r.get("expected_category_l1")
        shown = None if p is None else round(p, 3)
        typer.echo(f"{r['id']} {expected} -> {c.outcome.value} rule={c.rule_id} p={shown}")
        typer.echo(f"    {evidence}\n    {r['text']}")


@app.command()
def probe(texts: list[str], source: str = typer.Option("110", help="110 or 12345")) -> None:
    """How texts are decided: outcome, rule, the model's p, evidence and doubts."""
    judge = load_judge(Settings())
    for text in texts:
        c = _verdict(judge, "probe", source, text)
        p = c.model_police_probability
        shown = None if p is None else round(p, 3)
        typer.echo(f"{c.outcome.value} {c.rule_id} {shown} {c.taxonomy_version}")
        for e in c.evidence:
            if e.kind != "modal":
                typer.echo(f"    {e.kind} {e.term}")
        typer.echo(f"    doubts {c.doubts}")


@app.command()
def outcomes(out: Path) -> None:
    """Every train, dev and test row and every real message with its outcome, as JSON lines."""
    judge = load_judge(Settings())
    with out.open("w") as f:
        for r in load_split("train") + load_split("dev") + load_split("test"):
            c = _verdict(judge, str(r["id"]), str(r["source"]), str(r["text"]), r.get("category"))
            kept = {"id": r["id"], "src": r["source"], "exp": r["expected_list"]}
            f.write(json.dumps(kept | {"o": c.outcome.value, "text": r["text"][:120]}) + "\n")
        for m in real_messages() or []:
            text = real_text(m)
            c = _verdict(judge, f"real-{m['id']}", "12345", text)
            kept = {"id": f"real-{m['id']}", "src": "real", "exp": None}
            f.write(json.dumps(kept | {"o": c.outcome.value, "text": text[:120]}) + "\n")


@app.command()
def compare(before: Path, after: Path) -> None:
    """Rows whose outcome moved between two ``outcomes`` files. BAD: a police row no longer
    kept; good: a police row kept again or an ordinary one no longer kept; worse: an ordinary
    row newly kept. Exits 1 when any row is BAD."""
    old = {j["id"]: j for j in map(json.loads, before.read_text().splitlines())}
    moves: Counter[tuple[str, str, str, str]] = Counter()
    for j in map(json.loads, after.read_text().splitlines()):
        was = old.get(j["id"])
        if was is None or was["o"] == j["o"]:
            continue
        police = was["exp"] == "POLICE"
        if police and was["o"] in KEPT and j["o"] not in KEPT:
            tag = "BAD"
        elif (police and j["o"] in KEPT) or (was["o"] in KEPT and j["o"] not in KEPT):
            tag = "good"
        else:
            tag = "worse" if j["o"] in KEPT else "."
        moves[(was["src"], was["o"], j["o"], tag)] += 1
        typer.echo(f"{tag} {was['src']} {was['exp']} {was['o']} -> {j['o']} {j['id']} {j['text']}")
    for (src, a, b, tag), n in sorted(moves.items()):
        typer.echo(f"{n} {src} {a} -> {b} {tag}")
    if any(tag == "BAD" for *_, tag in moves):
        raise typer.Exit(1)


@app.command()
def count(words: list[str]) -> None:
    """How many train and dev rows say each word, by label, and how many real messages."""
    rows = load_split("train") + load_split("dev")
    real = [real_text(m) for m in real_messages() or []]
    for word in words:
        having = [r for r in rows if word in r["text"]]
        labels = dict(Counter(r["expected_list"] for r in having))
        examples = [r["text"][:80] for r in having[:3]]
        typer.echo(f"{word} {labels} real {sum(word in t for t in real)} {examples}")


if __name__ == "__main__":
    app()
