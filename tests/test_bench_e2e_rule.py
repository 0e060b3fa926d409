"""bench_e2e: when a rate counts as sustained."""

from __future__ import annotations

import pytest

from bench.bench_e2e import Row


def row(rate: float, first_p99: float, last_p99: float, lag: tuple[int, ...]) -> Row:
    return Row(
        "pipeline", rate, 100, 100, 0.1, 0.2, last_p99, 0.3, 0.3, first_p99, last_p99, 1.0, "", *lag
    )


@pytest.mark.parametrize(
    ("rate", "first", "last", "lag", "sustained"),
    [
        (100, 0.088, 0.052, (180, 110), True),  # a small backlog that came and went
        (600, 1.134, 1.027, (1_609, 1_119), True),  # late, but no later at the end
        (800, 4.343, 7.176, (6_251, 6_251), False),  # latency within 2x + 0.5 s, lag at its peak
        (300, 0.08, 0.5, (120, 120), True),  # at its peak, but under a second of calls
        (300, 0.1, 3.0, (-1, -1), False),  # latency alone, no lag sampled
        (800, 4.5, 8.0, (8_936, 8_884, 2_950), False),  # just under its peak, still rising
        (600, 1.134, 1.027, (1_609, 1_119, 240), True),  # late, level: less than a second's rise
        (600, 1.134, 1.027, (1_609, 1_119, 640), False),  # more than a second of calls higher
    ],
)
def test_a_backlog_still_growing_when_the_last_call_went_is_not_sustained(
    rate: float, first: float, last: float, lag: tuple[int, ...], sustained: bool
) -> None:
    assert row(rate, first, last, lag).sustained is sustained
