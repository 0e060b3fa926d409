"""SLA timer: what a tick costs, and the memory, as open orders grow from 10 thousand to 1 million.

    .venv/bin/python -m bench.bench_sla_timer [--sizes 10000,100000,1000000] [--ticks 20]

Open orders are created at random over the last 30 days with the demo policy's stage
mix (sign-off 1 min ... close 30 min, mediation feedback 7/15/30 days, follow-up the next
day), then the timer is caught up to "now" and ticked once a second. Per size:

* ``naive`` (the baseline): every tick scans every open order's stages for a level that
  is due; it only finds them (it does not even mark them fired), so it flatters itself;
* ``index``: ``DeadlineIndex.pop_due`` alone, the bucketed index (one entry per order);
* ``book``: ``SlaBook.tick``, the index plus firing, state updates and rescheduling.

Memory is measured with tracemalloc while building: the states alone (what the naive
scan needs too) and the index on top of them.
"""

from __future__ import annotations

import gc
import random
import tracemalloc
from collections.abc import Callable

import typer

from bench.common import Result, best_of, print_table
from fenliu.processors.sla_alerts import LEVELS
from fenliu.processors.sla_timer import BookConfig, DeadlineIndex, OrderInfo, SlaBook

NOW = 1_795_000_000_000
DAY = 86_400_000
MIN = 60_000
TICK_MS = 1000
#: (share of orders, stages and windows): 110 dispatches, 12345 work orders, mediation.
MIX = [
    (
        0.5,
        {
            "SIGN": MIN,
            "RESPOND": MIN,
            "DEPART": 2 * MIN,
            "PHONE": 3 * MIN,
            "ARRIVE": 8 * MIN,
            "CLOSE": 30 * MIN,
            "FOLLOW_UP": 36 * 3_600_000,
        },
    ),
    (0.3, {"SIGN": MIN, "FEEDBACK": 7 * DAY, "FOLLOW_UP": 8 * DAY}),
    (0.2, {"SIGN": MIN, "FEEDBACK": 30 * DAY, "FOLLOW_UP": 31 * DAY}),
]


def workload(n: int, seed: int = 11) -> list[tuple[str, OrderInfo, list[tuple[str, int]]]]:
    rng = random.Random(seed)
    weights = [share for share, _ in MIX]
    out = []
    for i in range(n):
        created = NOW - rng.randrange(30 * DAY)
        ((_, stages),) = rng.choices(MIX, weights)
        info = OrderInfo(f"case-{i}", f"unit-{i % 300}", "331099001", "NP01", created)
        out.append((f"order-{i:07d}", info, [(s, created + w) for s, w in stages.items()]))
    return out


def measured(build: Callable[[], object]) -> tuple[object, int]:
    """Build something and return it with the bytes it still holds (tracemalloc)."""
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    built = build()
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    return built, after - before


def naive_due(book: SlaBook, now: int) -> int:
    """What a timer without an index does on every tick: look at everything."""
    policy, due = book.config.policy, 0
    for state in book.store.values():
        start = state.info.created_at_ms if state.info else 0
        for st in state.stages.values():
            if st.pending and policy.fire_times(start, st.due_at_ms)[st.fired] <= now:
                due += 1
    return due


def run_size(n: int, ticks: int, repeats: int) -> list[Result]:
    orders = workload(n)
    config = BookConfig(bucket_ms=TICK_MS)

    def build_states() -> SlaBook:
        book = SlaBook(config)
        for order_id, info, deadlines in orders:
            book.open(order_id, info, deadlines)
        return book

    book, book_bytes = measured(build_states)
    assert isinstance(book, SlaBook)
    wakes = [(order_id, book.index.due_at(order_id)) for order_id, _, _ in orders]

    def build_index() -> DeadlineIndex[str]:
        index: DeadlineIndex[str] = DeadlineIndex(TICK_MS)
        for order_id, at in wakes:
            if at is not None:
                index.schedule(order_id, at)
        return index

    index, index_bytes = measured(build_index)
    assert isinstance(index, DeadlineIndex)
    states_bytes = book_bytes - index_bytes
    book.tick(NOW)  # the backlog of thirty days fires once, outside the measurement
    index.pop_due(NOW)
    group = f"{n:,} open"
    clock = {"naive": NOW, "index": NOW, "book": NOW}
    fired = {"index": 0, "book": 0}

    def ticking(name: str, count: int, step: Callable[[int], int]) -> Callable[[], None]:
        def run() -> None:
            for _ in range(count):
                clock[name] += TICK_MS
                fired[name] = fired.get(name, 0) + step(clock[name])

        return run

    naive_ticks = max(1, min(ticks, 2_000_000 // n))
    results = [
        best_of(
            repeats,
            naive_ticks,
            ticking("naive", naive_ticks, lambda t: naive_due(book, t)),
            "naive scan",
            f"states {states_bytes / 2**20:,.0f} MB, {states_bytes / n:,.0f} B/order",
            group,
        ),
        best_of(
            repeats,
            ticks,
            ticking("index", ticks, lambda t: len(index.pop_due(t))),
            "index pop_due",
            f"index {index_bytes / 2**20:,.0f} MB, {index_bytes / n:,.0f} B/order",
            group,
        ),
        best_of(
            repeats,
            ticks,
            ticking("book", ticks, lambda t: len(book.tick(t).alerts)),
            "book tick",
            "index + firing + state",
            group,
        ),
    ]
    per_tick = fired["book"] / (ticks * repeats)
    results[-1] = Result(
        results[-1].name,
        results[-1].items,
        results[-1].seconds,
        f"{results[-1].note}; {per_tick:.1f} alerts/tick",
        group,
    )
    return results


def main(
    sizes: str = typer.Option("10000,100000,1000000", help="open orders, comma-separated"),
    ticks: int = typer.Option(20, help="one-second ticks per measured run"),
    repeats: int = typer.Option(3, help="runs per row; the fastest is kept"),
) -> None:
    results: list[Result] = []
    for n in (int(s) for s in sizes.split(",")):
        results += run_size(n, ticks, repeats)
        gc.collect()
    print_table(
        f"SLA timer tick, one core ({len(LEVELS)} levels per stage)",
        results,
        baseline="naive",
        unit="ticks/s",
    )


if __name__ == "__main__":
    typer.run(main)
