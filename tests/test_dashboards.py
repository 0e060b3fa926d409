"""Grafana dashboards: provisionable JSON, every panel on the Prometheus datasource with
PromQL that the real Prometheus of the local stack parses, and names that exist.

Whether every query also *returns data* with the pipeline running is
tests/test_dashboards_e2e.py.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from fenliu.processors.rates import LABELS
from fenliu.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
DASHBOARDS = ROOT / "deploy" / "grafana" / "dashboards"
DATASOURCES = ROOT / "deploy" / "grafana" / "provisioning" / "datasources" / "fenliu.yml"
RULES = ROOT / "deploy" / "prometheus" / "rules"
#: What a dashboard variable stands for when a test evaluates a query ("All").
VARIABLE_VALUES = {"unit": ".+", "town": ".+"}
_VARIABLE = re.compile(r"\$\{?(\w+)\}?")
_METRIC = re.compile(r"\b(fenliu(?:_[a-z]+)?:[a-z0-9_]+:[a-z0-9_]+|fenliu_[a-z0-9_]+)\b")
_SUFFIXES = ("_total", "_bucket", "_sum", "_count", "_created")


def dashboards() -> dict[str, dict[str, Any]]:
    return {
        p.name: json.loads(p.read_text(encoding="utf-8")) for p in sorted(DASHBOARDS.glob("*.json"))
    }


def panels(board: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every panel, rows' children included, rows themselves excluded."""
    for panel in board["panels"]:
        if panel["type"] == "row":
            yield from panel.get("panels", [])
        else:
            yield panel


def queries() -> list[tuple[str, str, str, str]]:
    """(dashboard file, panel title, legend, PromQL) of every target of every panel."""
    return [
        (name, panel["title"], target.get("legendFormat", ""), target["expr"])
        for name, board in dashboards().items()
        for panel in panels(board)
        for target in panel.get("targets", [])
    ]


def substitute(expr: str, values: dict[str, str] = VARIABLE_VALUES) -> str:
    """The query Grafana sends with every variable at "All"."""
    return _VARIABLE.sub(lambda m: values[m.group(1)], expr)


def recorded_names() -> set[str]:
    return {
        rule["record"]
        for path in RULES.glob("*.yml")
        for group in yaml.safe_load(path.read_text(encoding="utf-8"))["groups"]
        for rule in group["rules"]
        if "record" in rule
    }


def exported_metric_names() -> set[str]:
    """Metric names the code defines: literal names in the services, plus the rates counters."""
    names: set[str] = set()
    for folder in ("streams", "sinks", "fenliu", "simulators"):
        for path in (ROOT / folder).rglob("*.py"):
            names |= set(
                re.findall(r"[\"'](fenliu_[a-z0-9_]+)[\"']", path.read_text(encoding="utf-8"))
            )
    names |= {m.prometheus_name for m in LABELS}
    return {_base(n) for n in names}


def _base(name: str) -> str:
    for suffix in _SUFFIXES:
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


def test_dashboards_exist_with_unique_uids_and_titles() -> None:
    boards = dashboards()
    assert {"oncall.json", "six-rates.json", "pipeline.json"} <= set(boards)
    uids = [b["uid"] for b in boards.values()]
    titles = [b["title"] for b in boards.values()]
    assert len(set(uids)) == len(uids) and len(set(titles)) == len(titles)
    for board in boards.values():
        assert "fenliu" in board["tags"] and board["schemaVersion"] >= 36
        ids = [p["id"] for p in board["panels"]]
        assert len(ids) == len(set(ids)), board["uid"]


def test_every_panel_has_the_provisioned_prometheus_datasource_and_a_query() -> None:
    provisioned = yaml.safe_load(DATASOURCES.read_text(encoding="utf-8"))["datasources"]
    uid = next(d["uid"] for d in provisioned if d["type"] == "prometheus")
    for name, board in dashboards().items():
        for panel in panels(board):
            where = f"{name}: {panel['title']}"
            assert panel["datasource"] == {"type": "prometheus", "uid": uid}, where
            assert panel["targets"], where
            for target in panel["targets"]:
                assert target["datasource"] == panel["datasource"], where
                assert target["expr"].strip(), where


def test_panels_stay_on_the_grid_without_overlapping() -> None:
    for name, board in dashboards().items():
        taken: set[tuple[int, int]] = set()
        for panel in board["panels"]:
            pos = panel["gridPos"]
            assert pos["x"] >= 0 and pos["x"] + pos["w"] <= 24, (name, panel["title"])
            cells = {(x, y) for x in range(pos["x"], pos["x"] + pos["w"])
                     for y in range(pos["y"], pos["y"] + pos["h"])}  # fmt: skip
            assert not cells & taken, (name, panel["title"])
            taken |= cells


def test_variables_used_are_defined_and_query_existing_labels() -> None:
    for name, board in dashboards().items():
        defined = {v["name"]: v for v in board.get("templating", {}).get("list", [])}
        used = {
            m.group(1)
            for p in panels(board)
            for t in p["targets"]
            for m in _VARIABLE.finditer(t["expr"])
        }
        assert used <= set(defined), (name, used - set(defined))
        for var in defined.values():
            assert var["includeAll"] and var["allValue"] == VARIABLE_VALUES[var["name"]]
            assert re.fullmatch(rf"label_values\((fenliu_\w+), {var['name']}\)", var["definition"])


def test_every_metric_and_recorded_series_a_panel_reads_exists() -> None:
    """A typo in a metric name would give an empty panel, not an error: catch it here."""
    exported, recorded = exported_metric_names(), recorded_names()
    for name, title, _, expr in queries():
        for metric in _METRIC.findall(expr):
            if ":" in metric:
                assert metric in recorded, f"{name}: {title}: no recording rule {metric}"
            else:
                assert _base(metric) in exported, f"{name}: {title}: no service exports {metric}"


@pytest.mark.prometheus
def test_the_real_prometheus_parses_every_query() -> None:
    """promtool has no parse-only command: ask the stack's Prometheus; bad PromQL is a 400."""
    url = f"http://127.0.0.1:{Settings().stack.prometheus_port}/api/v1/query"
    failures = []
    with httpx.Client(timeout=10) as client:
        try:
            client.get(url, params={"query": "1"}).raise_for_status()
        except httpx.HTTPError as exc:
            pytest.fail(f"Prometheus of the local stack does not answer at {url} ({exc}): ./dev up")
        for name, title, legend, expr in queries():
            answer = client.get(url, params={"query": substitute(expr)}).json()
            if answer.get("status") != "success":
                failures.append(f"{name}: {title} [{legend}]: {answer.get('error')}")
    assert failures == []
