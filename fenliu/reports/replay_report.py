"""The replay report as JSON, as an HTML page, and as a terminal summary.

The HTML page is one self-contained file (no script, no network at view time): the
counts as cards, the dangerous changes first, bar charts drawn here as inline SVG, and
tables of every change with the rule and data versions before and after. An auditor
opens it from a USB stick in a room without internet.
"""

from __future__ import annotations

import html
import json
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment, PackageLoader, select_autoescape

BEFORE, AFTER = "#9aa5b1", "#2f6fb3"
OUTCOME_COLOURS = {
    "SAME": "#3c9d5d",
    "VERSIONS_ONLY": "#8fbf9f",
    "CHANGED": "#d9822b",
    "NOT_RECORDED": "#7d6fb3",
    "NOW_REJECTED": "#c23b3b",
    "REJECTED": "#a0a0a0",
    "UNDECODABLE": "#606060",
}


def build_report(result: Any, tz_name: str) -> dict[str, Any]:
    """Everything the report shows, JSON-able, from a ``streams.replay.ReplayResult``."""
    req = result.request
    return {
        "run_id": result.run_id,
        "since": local_iso(req.since_ms, tz_name),
        "until": local_iso(req.until_ms, tz_name),
        "since_ms": req.since_ms,
        "until_ms": req.until_ms,
        "sources": [s.value for s in req.sources],
        "replay_versions": result.versions,
        "output": result.output,
        "seconds": round(result.seconds, 3),
        "stats": result.stats,
        "timezone": tz_name,
        **result.tally.to_dict(),
        "dead_letters": dead_letter_section(result.dead_letters, result.tally.max_rows),
    }


def dead_letter_section(rows: list[dict[str, Any]], max_rows: int) -> dict[str, Any]:
    """The range's dead-lettered raw records: counts by service, stage and reason, and the rows."""
    counts: dict[tuple[str, str, str], int] = {}
    for d in rows:
        key = (d["service"], d["stage"], d["reason"])
        counts[key] = counts.get(key, 0) + 1
    return {
        "count": len(rows),
        "by_reason": [
            {"service": a, "stage": b, "reason": c, "count": n}
            for (a, b, c), n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
        ],
        "rows": rows[:max_rows],
        "omitted": max(0, len(rows) - max_rows),
    }


def local_iso(ms: int | None, tz_name: str) -> str:
    if ms is None:
        return ""
    return (
        datetime.fromtimestamp(ms / 1000, tz=UTC)
        .astimezone(ZoneInfo(tz_name))
        .isoformat(timespec="seconds")
    )


def write_json(report: dict[str, Any], path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        json.dumps(report, ensure_ascii=False, indent=2, sort_keys=True), encoding="utf-8"
    )
    return path


def write_html(report: dict[str, Any], path: Path, *, max_rows: int = 500) -> Path:
    """The page; each table shows at most ``max_rows`` rows (the JSON has them all)."""
    env = Environment(
        loader=PackageLoader("fenliu.reports", "templates"),
        autoescape=select_autoescape(["html", "j2"]),
    )
    env.filters["local"] = lambda ms: local_iso(ms, report["timezone"])
    env.filters["short"] = lambda ms: local_iso(ms, report["timezone"])[5:19].replace("T", " ")
    page = env.get_template("replay_report.html.j2").render(
        r=report,
        max_rows=max_rows,
        charts={
            "outcomes": bar_chart(
                [(k, [v]) for k, v in report["outcomes"].items()],
                ["records"],
                [OUTCOME_COLOURS.get(k, AFTER) for k in report["outcomes"]],
                per_row_colour=True,
            ),
            "lists": bar_chart(
                _pairs(report["by_list"], "list"), ["recorded", "replayed"], [BEFORE, AFTER]
            ),
            "decision_outcomes": bar_chart(
                _pairs(report.get("by_outcome", []), "outcome"),
                ["recorded", "replayed"],
                [BEFORE, AFTER],
            ),
            "classes": bar_chart(
                _pairs(report["by_class"], "class_code", named=True),
                ["recorded", "replayed"],
                [BEFORE, AFTER],
            ),
            "units": bar_chart(
                _pairs(report["by_unit"][:25], "unit_id", named=True),
                ["recorded", "replayed"],
                [BEFORE, AFTER],
            ),
        },
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(page, encoding="utf-8")
    return path


def _pairs(
    rows: Iterable[dict[str, Any]], key: str, named: bool = False
) -> list[tuple[str, list[int]]]:
    return [
        (
            f"{r[key]} {r['name']}" if named and r["name"] != r[key] else r[key],
            [r["before"], r["after"]],
        )
        for r in rows
    ]


def bar_chart(
    rows: list[tuple[str, list[int]]],
    series: list[str],
    colours: list[str],
    *,
    per_row_colour: bool = False,
    bar_h: int = 14,
    label_w: int = 260,
    plot_w: int = 420,
) -> str:
    """Horizontal bars, one group per row and one bar per series, as an inline SVG string.

    ``per_row_colour`` colours each row's single bar by the row (outcome charts).
    """
    if not rows:
        return '<p class="empty">nothing to draw</p>'
    peak = max((v for _, vals in rows for v in vals), default=0) or 1
    group_h = bar_h * len(series) + 8
    legend_h = 0 if per_row_colour else 22
    height = legend_h + group_h * len(rows) + 4
    width = label_w + plot_w + 80
    parts = [
        (
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" role="img" font-family="sans-serif" font-size="12">'
        )
    ]
    if not per_row_colour:
        for i, (name, colour) in enumerate(zip(series, colours)):
            x = label_w + i * 110
            parts.append(
                f'<rect x="{x}" y="4" width="12" height="12" fill="{colour}"/>'
                f'<text x="{x + 16}" y="14">{html.escape(name)}</text>'
            )
    for r, (label, values) in enumerate(rows):
        y0 = legend_h + r * group_h
        parts.append(
            f'<text x="{label_w - 6}" y="{y0 + group_h / 2 + 4:.0f}" text-anchor="end">'
            f"<title>{html.escape(label)}</title>{html.escape(_clip(label, 34))}</text>"
        )
        for i, value in enumerate(values):
            colour = colours[r] if per_row_colour else colours[i]
            w = plot_w * value / peak
            y = y0 + 4 + i * bar_h
            parts.append(
                f'<rect x="{label_w}" y="{y}" width="{w:.1f}" height="{bar_h - 2}" fill="{colour}">'
                f"<title>{html.escape(label)} · {html.escape(series[min(i, len(series) - 1)])}: "
                f"{value:,}</title></rect>"
                f'<text x="{label_w + w + 4:.1f}" y="{y + bar_h - 4}" fill="#333">{value:,}</text>'
            )
    parts.append("</svg>")
    return "".join(parts)


def _clip(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def print_summary(report: dict[str, Any], console: Any) -> None:
    """The terminal summary (rich): outcomes, the dangerous changes, what changed most."""
    from rich.table import Table

    o = report["outcomes"]
    head = Table(
        title=f"replay {report['run_id']}  {report['since']} → {report['until']}", show_header=True
    )
    for col in (
        "records",
        "same",
        "byte-identical",
        "versions only",
        "changed",
        "police→diverted",
        "diverted→police",
        "not recorded",
        "now rejected",
        "rejected",
        "undecodable",
    ):
        head.add_column(col, justify="right")
    danger = report["police_to_diverted"]
    head.add_row(
        f"{report['total']:,}",
        f"{o['SAME']:,}",
        f"{report['byte_identical']:,}",
        f"{o['VERSIONS_ONLY']:,}",
        f"{o['CHANGED']:,}",
        f"[bold red]{danger:,}[/]" if danger else "0",
        f"{report['diverted_to_police']:,}",
        f"{o['NOT_RECORDED']:,}",
        f"{o['NOW_REJECTED']:,}",
        f"{o['REJECTED']:,}",
        f"{o['UNDECODABLE']:,}",
    )
    console.print(head)
    dead = report.get("dead_letters") or {}
    if dead.get("count"):
        reasons = ", ".join(
            f"{x['service']}/{x['stage']}/{x['reason']} {x['count']:,}"
            for x in dead["by_reason"][:5]
        )
        console.print(f"dead letters of the range: {dead['count']:,} ({reasons})")
    if report.get("by_outcome"):
        t = Table(
            title="decision outcomes (KEEP/DIVERT/SUGGEST on 110, ROUTE/REVIEW/TO_POLICE on 12345)"
        )
        for col in ("outcome", "recorded", "replayed"):
            t.add_column(col, justify="left" if col == "outcome" else "right")
        for row in report["by_outcome"]:
            t.add_row(row["outcome"], f"{row['before']:,}", f"{row['after']:,}")
        console.print(t)
    for section, title, style in (
        ("police_to_diverted", "police matters the replay would divert", "red"),
        ("diverted_to_police", "diverted matters that would become police", "yellow"),
    ):
        groups = report["flips"][section]
        if not groups:
            continue
        t = Table(title=f"{title}: {report[section]:,}", title_style=f"bold {style}")
        for col in ("recorded class", "rule", "replayed class", "rule now", "calls"):
            t.add_column(col, justify="right" if col == "calls" else "left")
        for g in groups[:15]:
            t.add_row(
                f"{g['before']} {g['before_name']}",
                g["before_rule"],
                f"{g['after']} {g['after_name']}",
                g["after_rule"],
                f"{g['count']:,}",
            )
        first = report["sections"][section][:5]
        t.caption = "e.g. " + ", ".join(f"{c['source']}/{c['source_id']}" for c in first)
        console.print(t)
    if report["transitions"]:
        t = Table(title="class changes (recorded → replayed)")
        for col in ("before", "after", "count"):
            t.add_column(col, justify="right" if col == "count" else "left")
        for row in report["transitions"][:10]:
            t.add_row(
                f"{row['before']} {row['before_name']}",
                f"{row['after']} {row['after_name']}",
                f"{row['count']:,}",
            )
        console.print(t)
    v = report["replay_versions"]
    console.print(
        f"replayed with taxonomy {v['taxonomy']}, routing {v['routing']}, SLA {v['sla_policy']}; "
        f"output {report['output']}; {report['seconds']:.1f} s"
    )
