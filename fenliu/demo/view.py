"""What the demo shows: a rich layout for a terminal, or one plain line per period.

Built from a ``Frame``: two scrapes of the services' ``/metrics`` (for per-second rates),
the topic tail's counts and the children's states. The six rates use the one table of
definitions (``processors.rates.RATES``) on the counters since the worker started; the
windowed rates live in Prometheus' recording rules.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from rich.console import Group
from rich.layout import Layout
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from fenliu.demo.scrape import Scrape
from fenliu.demo.tail import TailSnapshot
from fenliu.schemas.records import AlertLevel

SIX_RATES = ("signoff", "diversion", "feedback", "completion", "flowback", "complaint")

_SELECTOR = re.compile(r"^(?P<name>[a-zA-Z_:][\w:]*)(?:\{(?P<labels>.*)\})?$")
_MATCHER = re.compile(r'(\w+)\s*(=~|!=|=)\s*"([^"]*)"')
LEVEL_STYLE: dict[str, str] = {
    AlertLevel.WARNING: "yellow",
    AlertLevel.BREACH: "red",
    AlertLevel.SUPERVISION: "bold red",
    AlertLevel.ESCALATION: "bold magenta",
}


@dataclass
class Frame:
    """Everything one refresh of the view needs."""

    elapsed_s: float
    interval_s: float
    now: Scrape
    before: Scrape | None
    tail: TailSnapshot
    services: dict[str, str]  # name -> "up", "starting", "exited 1", ...
    target_rate: float
    speed: float
    event_time_ms: int | None
    tz: str = "Asia/Shanghai"

    def per_second(self, name: str, **match: str) -> float:
        if self.before is None or self.interval_s <= 0:
            return 0.0
        return (
            max(0.0, self.now.total(name, **match) - self.before.total(name, **match))
            / self.interval_s
        )


def selector_total(scrape: Scrape, selector: str) -> float:
    """Sum of the samples a PromQL series selector (``=``, ``!=``, ``=~``) picks."""
    m = _SELECTOR.match(selector.strip())
    if not m:
        raise ValueError(f"not a series selector: {selector}")
    matchers = _MATCHER.findall(m.group("labels") or "")
    total = 0.0
    for s in scrape.samples:
        if s.name != m.group("name"):
            continue
        ok = True
        for label, op, value in matchers:
            have = s.labels.get(label, "")
            ok &= (
                (have == value)
                if op == "="
                else (have != value)
                if op == "!="
                else re.fullmatch(value, have) is not None
            )
        if ok:
            total += s.value
    return total


def _rate_table():
    """The one table of rate definitions (docs/rates.md), imported when first needed."""
    try:
        from fenliu.processors.rate_definitions import RATES
    except ImportError:  # checkouts from before the table moved out of processors/rates.py
        from fenliu.processors.rates import RATES  # type: ignore[attr-defined,no-redef]
    return RATES


def rates_since_start(scrape: Scrape) -> dict[str, tuple[str, float | None]]:
    """Every rate of the definition table: title and Σnumerator / ΣΣdenominators, None without data."""
    RATES = _rate_table()
    out: dict[str, tuple[str, float | None]] = {}
    for rate in RATES:
        den = sum(selector_total(scrape, d) for d in rate.denominators)
        out[rate.name] = (rate.title, selector_total(scrape, rate.numerator) / den if den else None)
    if out["diversion"][1] is None:  # no streams worker: the router's DIVERTs (no confirmations)
        calls = scrape.total("fenliu_router_decisions_total", source="110")
        diverted = scrape.total("fenliu_router_outcomes_total", source="110", outcome="DIVERT")
        out["diversion"] = (out["diversion"][0], diverted / calls if calls else None)
    return out


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{100 * value:.1f}%"


def _clock(frame: Frame) -> str:
    elapsed = int(frame.elapsed_s)
    text = f"{elapsed // 3600:02d}:{elapsed % 3600 // 60:02d}:{elapsed % 60:02d}"
    if frame.event_time_ms:
        local = datetime.fromtimestamp(frame.event_time_ms / 1000, UTC).astimezone(
            ZoneInfo(frame.tz)
        )
        text += f"  event time {local:%m-%d %H:%M}"
    return text


def _counts_table(title: str, counts: dict[str, float], limit: int = 8) -> Table:
    table = Table(title=title, title_justify="left", expand=True, show_edge=False, pad_edge=False)
    table.add_column("")
    table.add_column("n", justify="right")
    for key, n in sorted(counts.items(), key=lambda kv: -kv[1])[:limit]:
        table.add_row(key, f"{n:,.0f}")
    return table


def _pipeline(frame: Frame) -> Table:
    m = frame.now
    t = Table(expand=True, show_edge=False, pad_edge=False)
    for col in ("service", "state", "figures"):
        t.add_column(col)
    figures = {
        "generator": f"target {frame.target_rate:g}/s, clock ×{frame.speed:g}",
        "router": f"in {frame.per_second('fenliu_router_events_in_total'):.1f}/s, "
        f"decided {m.total('fenliu_router_decisions_total'):,.0f}, "
        f"partitions {m.total('fenliu_router_assigned_partitions'):.0f}",
        "streams": f"orders {m.total('fenliu_sla_orders_total'):,.0f}, "
        f"open {m.total('fenliu_sla_open_orders'):,.0f}",
        "grid-sink": f"delivered {m.total('fenliu_grid_sink_orders_total'):,.0f}, "
        f"pending {m.total('fenliu_grid_sink_pending_orders'):,.0f}",
        "grid-sim": f"received {m.total('fenliu_grid_sim_orders_received_total'):,.0f}, "
        f"open {m.total('fenliu_grid_sim_open_orders'):,.0f}",
        "ingress": f"lifecycle events {m.total('fenliu_ingress_events_total'):,.0f}",
    }
    for name, state in frame.services.items():
        style = "green" if state == "up" else "yellow" if state == "starting" else "red"
        t.add_row(name, Text(state, style=style), figures.get(name, ""))
    return t


def _rates_table(frame: Frame) -> Table:
    t = Table(expand=True, show_edge=False, pad_edge=False)
    t.add_column("rate (since start)")
    t.add_column("", justify="right")
    rates = rates_since_start(frame.now)
    for name in (*SIX_RATES, "repeat_call", "satisfaction", "onsite", "arrival_target"):
        title, value = rates[name]
        t.add_row(title, _pct(value), style="bold" if name in SIX_RATES else "dim")
    return t


def _alerts(frame: Frame) -> Group:
    tail = frame.tail
    head = Text(
        "  ".join(f"{lvl} {n}" for lvl, n in sorted(tail.alerts_by_level.items())) or "none yet"
    )
    stages = Text(
        "breaches by stage: "
        + ", ".join(f"{s} {n}" for s, n in tail.breaches_by_stage.most_common(6)),
        style="dim",
    )
    lines = [
        Text(
            f"{datetime.fromtimestamp(a.fired_at_ms / 1000, UTC).astimezone(ZoneInfo(frame.tz)):%H:%M:%S} "
            f"{a.level:<11} {a.stage:<8} {a.unit_id:<14} {a.order_id[-10:]}",
            style=LEVEL_STYLE.get(a.level, ""),
        )
        for a in reversed(tail.alerts)
    ]
    return Group(head, stages, *lines)


def _dead(frame: Frame) -> Group:
    by_metric = frame.now.by("fenliu_dead_letters_total", "reason")
    head = Text("  ".join(f"{r} {n:.0f}" for r, n in sorted(by_metric.items()) if n) or "none")
    lines = [
        Text(f"{d.service}/{d.stage}: {d.reason} ({d.topic})", style="red")
        for d in reversed(frame.tail.dead_letters)
    ]
    return Group(head, *lines)


def render(frame: Frame) -> Layout:
    """The live view: pipeline, diversions, open orders, rates, SLA alerts, dead letters."""
    tail = frame.tail
    diverted = sum(tail.diverted_by_class.values())
    header = Text.assemble(
        ("fenliu 分流 demo  ", "bold"),
        _clock(frame),
        f"   events in {frame.per_second('fenliu_router_events_in_total'):.1f}/s"
        f"   decisions {tail.decisions:,}  diverted {diverted:,}"
        f"  kept by police {tail.police:,}   orders {tail.orders:,}"
        f" (flow-backs {tail.flow_back_orders})   Ctrl-C stops",
    )
    stages = frame.now.by("fenliu_sla_open_stages", "stage")
    layout = Layout()
    layout.split_column(Layout(Panel(header), size=3), Layout(name="top"), Layout(name="bottom"))
    layout["top"].split_row(
        Layout(Panel(_pipeline(frame), title="pipeline")),
        Layout(Panel(_counts_table("by class", dict(tail.diverted_by_class)), title="diversions")),
        Layout(Panel(_counts_table("by unit", dict(tail.diverted_by_unit)), title="diversions")),
    )
    layout["bottom"].split_row(
        Layout(
            Panel(
                Group(
                    _counts_table("", stages),
                    Text(
                        f"team picks: {', '.join(f'{k} {v}' for k, v in tail.team_methods.most_common())}",
                        style="dim",
                    ),
                ),
                title="open orders by stage",
            )
        ),
        Layout(Panel(_rates_table(frame), title="六率 the six rates")),
        Layout(
            Panel(
                Group(_alerts(frame), Text(""), Text("dead letters", style="bold"), _dead(frame)),
                title="SLA warnings and breaches",
            )
        ),
    )
    return layout


def plain_line(frame: Frame) -> str:
    """One line for logs and non-terminals."""
    tail = frame.tail
    rates = rates_since_start(frame.now)
    six = " ".join(f"{name}={_pct(rates[name][1])}" for name in SIX_RATES)
    states = ",".join(f"{n}:{s}" for n, s in frame.services.items())
    alerts = ",".join(f"{k}={v}" for k, v in sorted(tail.alerts_by_level.items())) or "0"
    dead = frame.now.total("fenliu_dead_letters_total")
    return (
        f"[{_clock(frame)}] in={frame.per_second('fenliu_router_events_in_total'):.1f}/s "
        f"decisions={tail.decisions} diverted={sum(tail.diverted_by_class.values())} "
        f"orders={tail.orders} open={frame.now.total('fenliu_sla_open_orders'):.0f} "
        f"sla={alerts} dead_letters={dead:.0f} | {six} | {states}"
    )
