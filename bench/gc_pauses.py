"""The collections that stalled each process of a benchmark run (``bench/gcwatch``).

    mkdir -p /tmp/gc && FENLIU_BENCH_GC_LOG_DIR=/tmp/gc PYTHONPATH=bench/gcwatch:. \\
        .venv/bin/python -m bench.bench_e2e --rates 100 --seconds 60 --no-search --no-passthrough
    .venv/bin/python -m bench.gc_pauses /tmp/gc

A full collection (generation 2) stops the process for as long as it scans every tracked
object: one record the service holds waits that long, and the p99 of a latency benchmark
is made of such waits.
"""

from __future__ import annotations

import sys
from pathlib import Path

from rich.console import Console
from rich.table import Table


def main(log_dir: str) -> None:
    table = Table(title=f"collections of ≥ 3 ms, {log_dir}")
    for col in ("process", "full (gen 2)", "full ms, in order", "young ≥ 3 ms", "young max ms"):
        table.add_column(col, justify="left" if col == "process" else "right")
    for path in sorted(Path(log_dir).glob("*.log")):
        rows = [line.split() for line in path.read_text().splitlines() if line.strip()]
        full = [float(r[2]) for r in rows if r[1] == "2"]
        young = [float(r[2]) for r in rows if r[1] != "2"]
        table.add_row(
            path.stem.split("-", 1)[1],
            str(len(full)),
            " ".join(f"{ms:.0f}" for ms in full) or "—",
            str(len(young)),
            f"{max(young):.0f}" if young else "—",
        )
    Console().print(table)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "/tmp/gc")
