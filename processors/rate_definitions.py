"""The rates as ratios of counters: one table that the recording rules are generated from.

Each ``Rate`` is Δnumerator / Δ(sum of denominators) over a window, per ``unit`` (or
``town``) and overall; docs/rates.md explains each, ``recording_rule_groups`` renders
deploy/prometheus/rules/rates.yml (tests/test_rules_promtool.py keeps the file equal to it).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fenliu.processors.rates import Metric


@dataclass(frozen=True, slots=True)
class Rate:
    """A rate = Δnumerator / Δ(sum of denominators) over a window, per ``group`` and overall."""

    name: str
    title: str
    numerator: str  # a PromQL series selector
    denominators: tuple[str, ...]
    group: str = "unit"
    windows: tuple[str, ...] = ("1d", "7d")

    def record(self, window: str, *, overall: bool = False) -> str:
        level = "fenliu" if overall else f"fenliu_{self.group}"
        return f"{level}:rate_{self.name}:ratio_{window}"

    def expr(self, window: str, *, overall: bool = False) -> str:
        by = "" if overall else f" by ({self.group})"
        num = f"sum{by} (increase({self.numerator}[{window}]))"
        den = " + ".join(f"sum{by} (increase({d}[{window}]))" for d in self.denominators)
        den = f"({den})" if len(self.denominators) > 1 else den
        return f"{num}\n/\n({den} > 0)"


def _m(metric: Metric, selector: str = "") -> str:
    return f"{metric.prometheus_name}{selector}"


_ORDERS = (_m(Metric.ORDERS),)
RATES: tuple[Rate, ...] = (
    Rate("signoff", "签收率 sign-off", _m(Metric.SIGNED), _ORDERS, windows=("1h", "1d", "7d")),
    Rate(
        "diversion",
        "分流率 diversion",
        _m(Metric.DIVERTED, '{source="110"}'),  # DIVERT + confirmed SUGGEST
        (_m(Metric.CALLS, '{source="110"}'),),
        group="town",
        windows=("1h", "1d", "7d"),
    ),
    Rate("feedback", "反馈率 feedback", _m(Metric.FEEDBACK), _ORDERS),
    Rate("completion", "办结率 completion", _m(Metric.CLOSED), _ORDERS),
    Rate("flowback", "回流率 flow-back", _m(Metric.FLOW_BACKS), _ORDERS),
    Rate("complaint", "投诉率 complaint", _m(Metric.COMPLAINED), _ORDERS),
    Rate(
        "repeat_call",
        "重复报警率 repeat call",
        _m(Metric.CASE_CALLS, '{kind="REPEAT"}'),
        (_m(Metric.CASE_CALLS),),
        windows=("1h", "1d", "7d"),
    ),
    Rate(
        "satisfaction",
        "满意率 satisfaction",
        _m(Metric.FOLLOWUPS, '{satisfaction=~"SATISFIED|BASICALLY_SATISFIED"}'),
        (_m(Metric.FOLLOWUPS, '{satisfaction!="UNREACHABLE"}'),),
    ),
    Rate(
        "onsite", "现场处结率 on-site resolution", _m(Metric.CLOSED_ON_SITE), (_m(Metric.CLOSED),)
    ),
    Rate(
        "arrival_target",
        "十分钟到场率 ten-minute arrival",
        _m(Metric.ARRIVED_WITHIN_TARGET),
        (_m(Metric.ARRIVED),),
        windows=("1h", "1d", "7d"),
    ),
)
SIX_RATES = ("signoff", "diversion", "feedback", "completion", "flowback", "complaint")


def recording_rule_groups() -> list[dict[str, Any]]:
    """The ``groups`` of deploy/prometheus/rules/rates.yml: per group and overall, per window."""
    groups = []
    for rate in RATES:
        rules = []
        for window in rate.windows:
            rules.append({"record": rate.record(window), "expr": rate.expr(window)})
            rules.append(
                {
                    "record": rate.record(window, overall=True),
                    "expr": rate.expr(window, overall=True),
                }
            )
        groups.append({"name": f"fenliu-rate-{rate.name}", "interval": "1m", "rules": rules})
    return groups
