"""Shared helpers for the benchmark commands: timing loops and the result table."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from rich.console import Console
from rich.table import Table


@dataclass(frozen=True)
class Result:
    name: str
    items: int
    seconds: float
    note: str = ""
    group: str = ""  # rows are compared with the baseline row of their own group

    @property
    def rate(self) -> float:
        return self.items / self.seconds if self.seconds else float("inf")


def best_of(
    repeats: int, items: int, fn: Callable[[], object], name: str, note: str = "", group: str = ""
) -> Result:
    """Run ``fn`` ``repeats`` times and keep the fastest: the least disturbed by the machine."""
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - started)
    return Result(name, items, best, note, group)


def print_table(title: str, results: list[Result], baseline: str, unit: str = "records/s") -> None:
    """The benchmark table: rate, and the ratio to the group's baseline row of the same run.

    ``baseline`` names the baseline row's case prefix (e.g. "avro"); each group has one.
    """
    bases = {r.group: r for r in results if r.name.startswith(baseline)}
    if len(bases) == 1:  # one baseline for the whole run: every group is compared with it
        bases = {r.group: next(iter(bases.values())) for r in results}
    table = Table(title=title)
    for col in ("group", "case", unit, f"ratio to {baseline}", "items", "seconds", "note"):
        table.add_column(
            col,
            justify="right"
            if col in (unit, "items", "seconds") or col.startswith("ratio")
            else "left",
        )
    for r in results:
        ratio = r.rate / bases[r.group].rate if r.group in bases else float("nan")
        table.add_row(
            r.group,
            r.name,
            f"{r.rate:,.0f}",
            f"{ratio:.2f}x",
            f"{r.items:,}",
            f"{r.seconds:.3f}",
            r.note,
        )
    Console(width=140).print(table)
