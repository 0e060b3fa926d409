"""Leave one writer out: an honest proxy for "a writer we have not seen" (issue 11).

The rules were written against every labelled set, so no dev figure says how the decision
does on other people's words; each fresh test split is read once and then gone. This
estimate can be rerun: for each writer of a 110 police / non-police set (``-wN`` in the
set's name, its train, dev and seen-test rows), the police model is fitted and its
thresholds chosen **without that writer's rows**, and the whole decision (rules + model +
thresholds) is measured on that writer's rows: police recall (KEEP only) for a police
writer, DIVERT+SUGGEST and DIVERT for a non-police writer. The rules still saw the writer
(they cannot be refitted), so the figure overstates recall on new writers; what it
measures honestly is what the learned opinion and the thresholds add.

``python -m fenliu.writer_holdout [--json] [field=value ...]`` (needs scikit-learn, as
``fenliu train``; ``field=value`` overrides a ``TrainConfig`` field, e.g. ``c_police=3.0``,
to compare configurations on this number rather than on dev). ~1.5 min on 2 cores.

``--against ARTIFACT --from wN``: before a retrained model replaces the shipped ARTIFACT,
the writers it never saw (``wN`` on) are split by round into two folds; each is decided by
the shipped model and by a model fitted on today's rows without it (~5 min).
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

from fenliu import evalsets

_WRITER = re.compile(r"-(w\d+)(?:-seen-test)?$")


def writer_of(set_name: str) -> str | None:
    """The writer of a set file (``110-police-w11-seen-test`` → ``w11``), or None."""
    m = _WRITER.search(set_name)
    return m.group(1) if m else None


def measured_writers(eval_dir: Path = evalsets.EVAL_DIR) -> tuple[str, ...]:
    """Every writer of a 110 set in train or dev, in writer order.

    Derived from the set files (``110-police-wN``, ``110-nonpolice-wN``, read or not), so a
    blind round's writers join once its split has moved out of test, and an unread test
    split is never measured. 12345 writers are not: their sets are measured by
    ``--against``.
    """
    found = {
        w
        for split in ("train", "dev")
        for path in (eval_dir / "sets" / split).glob("110-*.jsonl")
        if (w := writer_of(path.stem)) is not None
    }
    return tuple(sorted(found, key=lambda w: int(w[1:])))


def holdout(writers: tuple[str, ...] | None = None, cfg: Any = None) -> dict[str, Any]:
    """Per writer (every measured writer unless given) and pooled: the decision's figures on
    that writer with the model and thresholds fitted without it."""
    from fenliu.outcome_eval import evaluate_rows
    from fenliu.processors.text_model import load_opinion
    from fenliu.refdata.opinion import Judge, outcome_policy
    from fenliu.refdata.taxonomy import load_taxonomy
    from fenliu.settings import get_settings
    from fenliu.training import TrainConfig, train

    settings = get_settings()
    tax = load_taxonomy(settings.refdata.taxonomy_file)
    cfg = cfg or TrainConfig()
    train_rows = evalsets.load_split("train")
    dev_rows = evalsets.load_split("dev")
    per: dict[str, Any] = {}
    pooled = {"police": 0, "police_kept": 0, "np": 0, "np_divert": 0, "np_suggest": 0}
    for w in writers or measured_writers():
        mine = [r for r in train_rows + dev_rows if writer_of(str(r["set"])) == w]
        fit = [r for r in train_rows if writer_of(str(r["set"])) != w]
        dev = [r for r in dev_rows if writer_of(str(r["set"])) != w]
        artifact = train(fit, dev, tax, None, cfg, version=f"holdout-{w}")
        opinion = load_opinion(artifact)
        judge = Judge(tax, opinion, None, outcome_policy(opinion, settings))
        rep, _ = evaluate_rows([r for r in mine if r["source"] == "110"], judge)
        per[w] = {
            "rows": rep.total,
            "police": rep.police_total,
            "police_recall": round(rep.police_recall, 4) if rep.police_total else None,
            "missed": [o for _, o in rep.missed_police],
            "non_police": rep.np110_total,
            "divert_or_suggest": round(rep.divert_or_suggest, 4) if rep.np110_total else None,
            "divert": round(rep.divert_alone, 4) if rep.np110_total else None,
            "thresholds": {k: v for k, v in artifact["thresholds"].items() if v is not None},
        }
        pooled["police"] += rep.police_total
        pooled["police_kept"] += rep.police_kept
        pooled["np"] += rep.np110_total
        pooled["np_divert"] += rep.np110_divert
        pooled["np_suggest"] += rep.np110_suggest
    out: dict[str, Any] = {"config": replace(cfg).__dict__, "writers": per}
    if pooled["police"]:
        out["police_recall"] = round(pooled["police_kept"] / pooled["police"], 4)
    if pooled["np"]:
        out["non_police_divert_or_suggest"] = round(
            (pooled["np_divert"] + pooled["np_suggest"]) / pooled["np"], 4
        )
        out["non_police_divert"] = round(pooled["np_divert"] / pooled["np"], 4)
    out["pooled"] = pooled
    return out


def round_fold(writer: str | None, first: int) -> int | None:
    """Writers from ``first`` on, in blocks of four (one blind round: three 110 writers and a
    12345 writer), alternate between fold 0 and fold 1; earlier writers are in no fold."""
    if writer is None:
        return None
    n = int(writer[1:])
    return None if n < first else ((n - first) // 4) % 2


def against(artifact_path: str, first: int, cfg: Any = None) -> list[dict[str, Any]]:
    """Should a retrained model replace a shipped one? Two folds of the writers the shipped
    artifact never saw (``first`` on, by round): each fold is decided by the shipped model
    and by one fitted, thresholds and all, on today's rows without that fold."""
    import gzip

    from fenliu.outcome_eval import evaluate_rows
    from fenliu.processors.text_model import load_opinion
    from fenliu.refdata.opinion import Judge, outcome_policy
    from fenliu.refdata.taxonomy import load_taxonomy
    from fenliu.settings import get_settings
    from fenliu.training import TrainConfig, train

    settings = get_settings()
    tax = load_taxonomy(settings.refdata.taxonomy_file)
    with gzip.open(artifact_path, "rt", encoding="utf-8") as f:
        shipped = load_opinion(json.load(f))
    judges = {"shipped": Judge(tax, shipped, None, outcome_policy(shipped, settings))}
    train_rows, dev_rows = evalsets.load_split("train"), evalsets.load_split("dev")
    out = []
    for fold in (0, 1):

        def in_fold(r: dict[str, Any], fold: int = fold) -> bool:
            return round_fold(writer_of(str(r["set"])), first) == fold

        fit = [r for r in train_rows if not in_fold(r)]
        dev = [r for r in dev_rows if not in_fold(r)]
        fitted = load_opinion(
            train(fit, dev, tax, None, cfg or TrainConfig(), version=f"fold{fold}")
        )
        judges["retrained"] = Judge(tax, fitted, None, outcome_policy(fitted, settings))
        held = [r for r in train_rows + dev_rows if in_fold(r)]
        for name, judge in judges.items():
            rep110, _ = evaluate_rows([r for r in held if r["source"] == "110"], judge)
            rep12, decided = evaluate_rows([r for r in held if r["source"] == "12345"], judge)
            ordinary = [d for d in decided if not d.expected_police]
            out.append({
                "fold": fold, "model": name, "police": rep110.police_total,
                "police_kept": rep110.police_kept, "non_police": rep110.np110_total,
                "divert_or_suggest": round(rep110.divert_or_suggest, 4),
                "divert": round(rep110.divert_alone, 4), "police_12345": rep12.police_total,
                "police_12345_kept": rep12.police_kept, "ordinary_12345": len(ordinary),
                "ordinary_to_police": sum(d.outcome == "TO_POLICE" for d in ordinary),
            })  # fmt: skip
    return out


def _line(w: str, f: dict[str, Any]) -> str:
    """One writer's figures: police, non-police, or both (a writer of mixed sets)."""
    parts = []
    if f["police"]:
        missed = ", ".join(f"{n} {o}" for o, n in _count(f["missed"]).items())
        parts.append(f"police {f['police_recall']:.1%} of {f['police']}  missed: {missed or '-'}")
    if f["non_police"]:
        parts.append(f"non-police DIVERT+SUGGEST {f['divert_or_suggest']:.1%} DIVERT "
                     f"{f['divert']:.1%} of {f['non_police']}")  # fmt: skip
    return f"{w:4} " + "; ".join(parts)


def _count(items: list[str]) -> dict[str, int]:
    out: dict[str, int] = {}
    for i in items:
        out[i] = out.get(i, 0) + 1
    return out


def main(argv: list[str] | None = None) -> int:
    from fenliu.training import TrainConfig

    args = sys.argv[1:] if argv is None else argv
    if {"-h", "--help"} & set(args):
        print("python -m fenliu.writer_holdout [--json] [field=value ...]  (TrainConfig overrides)")
        print(
            "python -m fenliu.writer_holdout --against ARTIFACT --from wN  (shipped vs retrained)"
        )
        return 0
    # ``key=value`` arguments override TrainConfig fields (to compare configurations)
    overrides: dict[str, Any] = {}
    for a in args:
        if "=" in a:
            key, value = a.split("=", 1)
            overrides[key] = (
                tuple(json.loads(value)) if value.startswith("[") else json.loads(value)
            )
    if "--against" in args:  # --against ARTIFACT --from wN: shipped vs retrained, by round
        path = args[args.index("--against") + 1]
        first = int(args[args.index("--from") + 1].lstrip("w"))
        for r in against(path, first, replace(TrainConfig(), **overrides)):
            print(f"fold {r['fold']} {r['model']:9} 110 police {r['police_kept']}/{r['police']}, "
                  f"non-police D+S {r['divert_or_suggest']:.1%} DIVERT {r['divert']:.1%} of "
                  f"{r['non_police']}; 12345 police {r['police_12345_kept']}/{r['police_12345']}, "
                  f"ordinary TO_POLICE {r['ordinary_to_police']}/{r['ordinary_12345']}")  # fmt: skip
        return 0
    result = holdout(cfg=replace(TrainConfig(), **overrides))
    if "--json" in args:
        print(json.dumps(result, ensure_ascii=False, indent=2, default=list))
        return 0
    for w, f in result["writers"].items():
        print(_line(w, f), " thresholds", f["thresholds"])
    print(f"pooled police recall {result['police_recall']:.1%} ({result['pooled']['police_kept']}"
          f"/{result['pooled']['police']}); non-police DIVERT+SUGGEST "
          f"{result['non_police_divert_or_suggest']:.1%}, DIVERT {result['non_police_divert']:.1%}"
          f" ({result['pooled']['np']})")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
