"""Micro-benchmark: classifications per second on one core over the labelled calls.

Run: ``.venv/bin/python bench/bench_classify.py [--seconds 3]``. Prints a figure, asserts
nothing: timings belong in a report, never in a test.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

from fenliu.processors.classify import classify
from fenliu.processors.model import CaseEvent, Location, Source
from fenliu.refdata.taxonomy import load_taxonomy

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=3.0, help="time per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--join", type=int, default=1, help="join N labelled texts into one (longer texts)"
    )
    args = parser.parse_args()

    taxonomy = load_taxonomy(ROOT / "data" / "taxonomy.yaml")
    with (ROOT / "tests" / "eval" / "labelled_calls.jsonl").open(encoding="utf-8") as fh:
        texts = [json.loads(line)["text"] for line in fh if line.strip()]
    if args.join > 1:
        texts = ["".join(texts[i : i + args.join]) for i in range(0, len(texts), args.join)]
    events = [
        CaseEvent(Source.CALL_110, str(i), 0, "", None, Location(), t, "phone")
        for i, t in enumerate(texts)
    ]
    mean_len = statistics.mean(len(t) for t in texts)
    rates = []
    for _ in range(args.rounds):
        done = 0
        start = time.perf_counter()
        while time.perf_counter() - start < args.seconds:
            for ev in events:
                classify(ev, taxonomy)
            done += len(events)
        rates.append(done / (time.perf_counter() - start))
    print(
        f"{len(texts)} texts, mean {mean_len:.0f} characters: "
        f"{statistics.median(rates):,.0f} classifications/s (median of {args.rounds} rounds, "
        f"best {max(rates):,.0f})"
    )


if __name__ == "__main__":
    main()
