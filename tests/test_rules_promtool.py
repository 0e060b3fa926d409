"""Prometheus rules: generated from the rate table, checked and unit-tested by the real promtool.

``promtool`` comes from Debian's prometheus package (``fenliu stack install``). Every alert
needs a test where it fires and one where it stays quiet, every recording rule a test of
its value; a deliberately broken copy of the rules must make the tests fail.
Regenerate the rates rules after changing ``processors/rate_definitions.py`` with
``.venv/bin/python -m tests.test_rules_promtool``.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from fenliu.processors.rate_definitions import RATES, recording_rule_groups

pytestmark = pytest.mark.promtool

ROOT = Path(__file__).resolve().parent.parent
PROM = ROOT / "deploy" / "prometheus"
RULES = PROM / "rules"
TESTS = PROM / "tests"
RATES_FILE = RULES / "rates.yml"
RUNBOOK = ROOT / "docs" / "runbook.md"


def render_rates_rules() -> str:
    """deploy/prometheus/rules/rates.yml, from ``RATES`` (block scalars keep the PromQL readable)."""
    lines = [
        "# Recording rules of the six rates and the other figures (docs/rates.md).",
        "# GENERATED from fenliu.processors.rate_definitions.RATES: do not edit by hand, run",
        "#   .venv/bin/python -m tests.test_rules_promtool",
        "# fenliu_<group>:rate_<name>:ratio_<window> per unit (town for diversion);",
        "# fenliu:rate_<name>:ratio_<window> overall = ratio of the sums.",
        "groups:",
    ]
    for group in recording_rule_groups():
        lines += [f"  - name: {group['name']}", f"    interval: {group['interval']}", "    rules:"]
        for rule in group["rules"]:
            lines.append(f"      - record: {rule['record']}")
            lines.append("        expr: |")
            lines += [f"          {line}" for line in rule["expr"].splitlines()]
    return "\n".join(lines) + "\n"


def promtool(*args: str | Path) -> subprocess.CompletedProcess[str]:
    binary = shutil.which("promtool")
    assert binary, "promtool is not on PATH: run `fenliu stack install` (Debian package prometheus)"
    return subprocess.run(
        [binary, *map(str, args)], check=False, capture_output=True, text=True, timeout=300
    )


def rule_files() -> list[Path]:
    return sorted(RULES.glob("*.yml"))


def test_files() -> list[Path]:
    return sorted(TESTS.glob("*.yml"))


test_files.__test__ = False  # type: ignore[attr-defined]  # a helper, not a test


def all_rules() -> list[dict[str, Any]]:
    return [
        rule
        for path in rule_files()
        for group in yaml.safe_load(path.read_text(encoding="utf-8"))["groups"]
        for rule in group["rules"]
    ]


def unit_tests() -> list[dict[str, Any]]:
    return [
        t
        for path in test_files()
        for t in yaml.safe_load(path.read_text(encoding="utf-8"))["tests"]
    ]


def test_the_rates_rules_are_generated_from_the_rate_table() -> None:
    assert RATES_FILE.read_text(encoding="utf-8") == render_rates_rules(), (
        "run: .venv/bin/python -m tests.test_rules_promtool"
    )
    records = {r["record"] for r in all_rules() if "record" in r}
    for rate in RATES:
        for window in rate.windows:
            assert {rate.record(window), rate.record(window, overall=True)} <= records


def test_promtool_accepts_every_rule_file() -> None:
    result = promtool("check", "rules", *rule_files())
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("SUCCESS") == len(rule_files())


def test_promtool_unit_tests_pass() -> None:
    result = promtool("test", "rules", *test_files())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "FAILED" not in result.stdout


def test_every_alert_fires_in_one_test_and_stays_quiet_in_another() -> None:
    alerts = {r["alert"] for r in all_rules() if "alert" in r}
    firing: set[str] = set()
    quiet: set[str] = set()
    for test in unit_tests():
        for case in test.get("alert_rule_test", []):
            (firing if case.get("exp_alerts") else quiet).add(case["alertname"])
    assert alerts, "no alert rules found"
    assert alerts - firing == set(), "alerts never tested firing"
    assert alerts - quiet == set(), "alerts never tested quiet"
    assert firing | quiet <= alerts, "tests name alerts that do not exist"


def test_every_recording_rule_has_a_tested_value() -> None:
    records = {r["record"] for r in all_rules() if "record" in r}
    tested: set[str] = set()
    for test in unit_tests():
        for case in test.get("promql_expr_test", []):
            if case.get("exp_samples"):
                tested |= {
                    name for name in records if re.search(rf"\b{re.escape(name)}\b", case["expr"])
                }
    assert records - tested == set()


def test_every_alert_has_a_severity_a_summary_and_a_runbook_section() -> None:
    runbook = RUNBOOK.read_text(encoding="utf-8")
    anchors = {_anchor(h) for h in re.findall(r"^#+ (.+)$", runbook, flags=re.MULTILINE)}
    for rule in all_rules():
        if "alert" not in rule:
            continue
        assert rule["labels"]["severity"] in {"critical", "warning", "info"}, rule["alert"]
        assert rule["annotations"]["summary"], rule["alert"]
        link = rule["annotations"]["runbook"]
        assert link.startswith("docs/runbook.md#"), rule["alert"]
        assert link.split("#", 1)[1] in anchors, (
            f"{rule['alert']}: no section {link} in the runbook"
        )


def test_unit_alerts_carry_the_unit_label() -> None:
    for rule in all_rules():
        if rule.get("alert", "").startswith(("FenliuUnit", "FenliuSla")):
            assert "unit" in rule["expr"], rule["alert"]


def test_a_broken_rule_makes_the_unit_tests_fail(tmp_path: Path) -> None:
    """The tests have teeth: swap a rate's numerator and denominator, or loosen a threshold."""
    broken_rules = tmp_path / "rules"
    shutil.copytree(RULES, broken_rules)
    rates = (broken_rules / "rates.yml").read_text(encoding="utf-8")
    (broken_rules / "rates.yml").write_text(
        rates.replace("fenliu_rates_signed_total[1d]", "fenliu_rates_feedback_total[1d]", 1),
        encoding="utf-8",
    )
    alerts = (broken_rules / "alerts.yml").read_text(encoding="utf-8")
    assert "ratio_1h < 0.9" in alerts
    (broken_rules / "alerts.yml").write_text(
        alerts.replace("ratio_1h < 0.9", "ratio_1h < 0.2"), encoding="utf-8"
    )
    broken_tests = tmp_path / "tests"
    broken_tests.mkdir()
    for name in ("rates_test.yml", "alerts_test.yml"):  # the slow weekly one is not needed here
        (broken_tests / name).write_text(
            (TESTS / name).read_text(encoding="utf-8"), encoding="utf-8"
        )
    result = promtool("test", "rules", *sorted(broken_tests.glob("*.yml")))
    assert result.returncode != 0
    assert "fenliu_unit:rate_signoff:ratio_1d" in result.stdout + result.stderr
    assert "FenliuUnitSignoffLow" in result.stdout + result.stderr


ALERTMANAGER_CONFIG = ROOT / "deploy" / "alertmanager" / "alertmanager.yml"


def amtool_route(**labels: str) -> str:
    """The receiver Alertmanager's routing tree picks for an alert with ``labels``."""
    binary = shutil.which("amtool")
    assert binary, "amtool is not on PATH: run `fenliu stack install` (prometheus-alertmanager)"
    result = subprocess.run(
        [
            binary,
            "config",
            "routes",
            "test",
            f"--config.file={ALERTMANAGER_CONFIG}",
            *(f"{k}={v}" for k, v in labels.items()),
        ],
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


@pytest.mark.parametrize(
    ("labels", "receiver"),
    [
        (
            {"alertname": "FenliuSlaEscalations", "severity": "critical", "unit": "u-a"},
            "oncall-room-page",
        ),
        (
            {"alertname": "FenliuServiceDown", "severity": "critical", "service": "router"},
            "oncall-room-page",
        ),
        (
            {"alertname": "FenliuUnitSignoffLow", "severity": "warning", "unit": "u-a"},
            "unit-channel",
        ),
        (
            {"alertname": "FenliuHotspotWarning", "severity": "warning", "class_code": "NP08"},
            "oncall-room",
        ),
        ({"alertname": "Something", "severity": "info", "unit": "u-a"}, "null"),
        ({"alertname": "Unlabelled"}, "oncall-room"),
    ],
)
def test_alertmanager_routes_by_severity_and_unit(labels: dict[str, str], receiver: str) -> None:
    assert amtool_route(**labels) == receiver


def test_every_alert_reaches_the_receiver_its_severity_and_unit_name() -> None:
    for rule in all_rules():
        if "alert" not in rule:
            continue
        labels = {"alertname": rule["alert"], **rule["labels"]}
        has_unit = (
            '"unit"' in rule["expr"] or "by (unit)" in rule["expr"] or "on (unit)" in rule["expr"]
        )
        if has_unit:
            labels["unit"] = "u-a"
        expected = {"critical": "oncall-room-page", "info": "null"}.get(
            labels["severity"], "unit-channel" if has_unit else "oncall-room"
        )
        assert amtool_route(**labels) == expected, rule["alert"]


def _anchor(heading: str) -> str:
    """GitHub's anchor of a Markdown heading."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


if __name__ == "__main__":
    RATES_FILE.write_text(render_rates_rules(), encoding="utf-8")
    print(f"wrote {RATES_FILE.relative_to(ROOT)}")
