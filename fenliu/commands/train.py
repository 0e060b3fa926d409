"""``fenliu train``: fit the learned second opinion on the TRAIN split, thresholds on DEV.

Needs scikit-learn (``pip install 'fenliu[train]'``); the router does not. Writes a
versioned, deterministic artifact (same data, seed and taxonomy: same bytes) and, with
``--install``, makes it the shipped one (``data/models/current.yaml``).
"""

from __future__ import annotations

import json
from pathlib import Path

import typer

MODELS_DIR = Path(__file__).resolve().parents[2] / "data" / "models"


def register(app: typer.Typer) -> None:
    """Add ``train`` to the top-level app."""

    @app.command("train")
    def train_command(
        out_dir: Path = typer.Option(MODELS_DIR, "--out", help="directory for the artifact"),
        seed: int = typer.Option(20261202, "--seed", help="random seed (the fit is deterministic)"),
        taxonomy: Path | None = typer.Option(
            None, "--taxonomy", help="taxonomy YAML (rules verdicts for the thresholds)"
        ),
        eval_dir: Path | None = typer.Option(
            None, "--eval-dir", help="labelled sets (default tests/eval)"
        ),
        install: bool = typer.Option(
            False, "--install", help="make it the shipped artifact (current.yaml)"
        ),
        verdicts: Path | None = typer.Option(
            None,
            "--verdicts",
            help="call-takers' answers as labels (JSON lines of `fenliu verdicts export`), added to TRAIN only",
        ),
        real_level1: bool = typer.Option(
            True,
            "--real-level1/--no-real-level1",
            help="the level-1 model also learns from the hand-labelled real messages (dev "
            "half; texts read from ../shared/realdata, skipped with a note when absent)",
        ),
        level1_cv: bool = typer.Option(
            False, "--level1-cv", help="also print a 5-fold estimate of real level-1 agreement"
        ),
    ) -> None:
        """Train the police model and the 12345 level-1 model; print the figures."""
        try:
            import sklearn  # noqa: F401
        except ImportError:
            typer.echo("fenliu train: needs scikit-learn: pip install 'fenliu[train]'", err=True)
            raise typer.Exit(2) from None
        from fenliu import evalsets
        from fenliu.refdata.opinion import load_categories
        from fenliu.refdata.taxonomy import load_taxonomy
        from fenliu.settings import get_settings
        from fenliu.training import TrainConfig, artifact_bytes, train

        settings = get_settings()
        where = eval_dir or evalsets.EVAL_DIR
        try:
            tax = load_taxonomy(taxonomy or settings.refdata.taxonomy_file)
            cats = load_categories(settings.refdata.categories_file)
            train_rows = evalsets.load_split("train", where)
            dev_rows = evalsets.load_split("dev", where)
            if verdicts is not None:  # production labels train; dev stays hand-labelled
                train_rows += [{**r, "set": "verdicts"} for r in evalsets.read_jsonl(verdicts)]
        except (OSError, ValueError) as exc:
            typer.echo(f"fenliu train: {exc}", err=True)
            raise typer.Exit(2) from None
        if not train_rows or not dev_rows:
            typer.echo(f"fenliu train: no train or dev rows under {where}", err=True)
            raise typer.Exit(2)
        real_rows: list[dict[str, object]] = []
        if real_level1:
            found = evalsets.real_level1_rows()
            if found is None:
                typer.echo(
                    f"fenliu train: {evalsets.REAL_DIR} absent: the level-1 model learns "
                    "from the hand-written sets only (a different artifact)",
                    err=True,
                )
            else:
                real_rows = list(found)
        cfg = TrainConfig(seed=seed)
        artifact = train(train_rows, dev_rows, tax, cats, cfg, real_level1=real_rows)
        data = artifact_bytes(artifact)
        out_dir.mkdir(parents=True, exist_ok=True)
        name = f"police-{artifact['version']}.json.gz"
        (out_dir / name).write_bytes(data)
        if install:
            (out_dir / "current.yaml").write_text(
                "# The artifact the router and fenliu classify load (fenliu train --install).\n"
                f"artifact: {name}\n", encoding="utf-8")  # fmt: skip
        summary = {k: artifact[k] for k in ("version", "seed", "thresholds", "figures")}
        summary["trained_on"] = artifact["trained_on"]
        summary["file"] = str(out_dir / name)
        summary["bytes"] = len(data)
        if level1_cv and real_rows:
            from fenliu.training import level1_cross_validation

            summary["level1_real_5fold"] = level1_cross_validation(train_rows, real_rows, cats, cfg)
        typer.echo(json.dumps(summary, ensure_ascii=False, indent=2))
