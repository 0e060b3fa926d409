"""The product as installed: build the wheel, install it into a fresh virtual environment
outside the checkout, and run fenliu from another directory.

A checkout hides mistakes an installed package makes (data found next to the source, a
module that is only importable from the repository root). The new environment gets the
already-installed dependencies through a ``.pth`` line to this project's site-packages
(its ``.pth`` files, the editable install among them, are not processed from there), so
nothing but the wheel is installed and no index is asked for it. Building the wheel asks
pip for setuptools (build isolation; pip's cache makes that quick).
"""

from __future__ import annotations

import json
import os
import shutil
import site
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.slow


def _run(
    argv: list[str], cwd: Path, env: dict[str, str], stdin: str | None = None, check: bool = True
) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        argv, cwd=cwd, env=env, input=stdin, capture_output=True, text=True, timeout=600
    )
    if check and done.returncode != 0:
        raise AssertionError(f"{argv} exited {done.returncode}:\n{done.stdout}\n{done.stderr}")
    return done


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, dict[str, str]]:
    """(bin dir of the fresh environment, a directory outside the checkout, its env)."""
    tmp = tmp_path_factory.mktemp("wheel")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FENLIU_", "PYTHON"))}
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    # Build from a copy of what the wheel is made of: an in-tree build leaves build/ behind,
    # whose stale files (modules since moved) would end up in the next wheel.
    source = tmp / "source"
    for name in ("pyproject.toml", "README.md"):
        source.mkdir(exist_ok=True)
        shutil.copy2(ROOT / name, source / name)
    for folder in ("fenliu", "processors", "streams", "sinks", "schemas", "topics", "data"):
        shutil.copytree(
            ROOT / folder, source / folder, ignore=shutil.ignore_patterns("__pycache__", "*.pyc")
        )
    wheels = tmp / "wheels"
    _run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheels), str(source)],
        tmp,
        env,
    )
    (wheel,) = wheels.glob("fenliu-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for shipped in (
        "fenliu/data/taxonomy.yaml",
        "fenliu/data/traffic/mix.yaml",
        "fenliu/schemas/Decision.avsc",
        "fenliu/topics/catalogue.yaml",
        "fenliu/reports/templates/replay_report.html.j2",
    ):
        assert shipped in names
    assert not any(n.startswith(("fenliu_grid_sim/", "fenliu/sinks/grid_sim/")) for n in names)
    venv = tmp / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", str(venv)], tmp, env)
    python = venv / "bin" / "python"
    purelib = _run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], tmp, env
    ).stdout.strip()
    deps = [
        p for p in site.getsitepackages() + [sysconfig.get_paths()["purelib"]] if Path(p).is_dir()
    ]
    (Path(purelib) / "fenliu-test-deps.pth").write_text("\n".join(dict.fromkeys(deps)) + "\n")
    _run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(python),
            "install",
            "-q",
            "--no-deps",
            "--no-index",
            str(wheel),
        ],
        tmp,
        env,
    )
    elsewhere = tmp / "elsewhere"
    elsewhere.mkdir()
    return venv / "bin", elsewhere, env


def test_the_package_runs_from_the_wheel_not_the_checkout(installed) -> None:  # type: ignore[no-untyped-def]
    bin_dir, cwd, env = installed
    code = (
        "import fenliu.settings as s, fenliu.schemas.catalog as c; "
        "print(s.__file__); print(s.Settings().refdata.taxonomy_file); print(c.SCHEMA_DIR)"
    )
    lines = _run([str(bin_dir / "python"), "-c", code], cwd, env).stdout.split()
    venv = bin_dir.parent
    for path in lines:
        assert Path(path).is_relative_to(venv) and not Path(path).is_relative_to(ROOT), lines
    assert Path(lines[1]).is_file()


def test_config_shows_the_shipped_data(installed) -> None:  # type: ignore[no-untyped-def]
    bin_dir, cwd, env = installed
    out = _run([str(bin_dir / "fenliu"), "config", "--markdown"], cwd, env).stdout
    assert "| `FENLIU_TAXONOMY_FILE` | `refdata.taxonomy_file` | `(shipped) taxonomy.yaml` |" in out
    assert "| `FENLIU_TRAFFIC_DIR` | `traffic.dir` | `(shipped) traffic` |" in out


def test_classify_decides_with_the_shipped_taxonomy(installed) -> None:  # type: ignore[no-untyped-def]
    bin_dir, cwd, env = installed
    lines = (
        "\n".join(
            json.dumps(x, ensure_ascii=False)
            for x in (
                {"id": "a", "source": "110", "text": "有人持刀抢劫，就在路口"},
                {"id": "b", "source": "12345", "text": "小区路灯坏了一个月没人修"},
            )
        )
        + "\n"
    )
    out = _run([str(bin_dir / "fenliu"), "classify"], cwd, env, stdin=lines).stdout
    decided = {d["id"]: d for d in map(json.loads, out.splitlines())}
    assert decided["a"]["list"] == "POLICE"
    assert decided["b"]["list"] == "NON_POLICE"
    assert decided["a"]["taxonomy_version"]


def test_evaluate_scores_a_labelled_set(installed) -> None:  # type: ignore[no-untyped-def]
    bin_dir, cwd, env = installed
    labelled = ROOT / "tests" / "eval" / "labelled_calls.jsonl"
    done = _run(
        [str(bin_dir / "fenliu"), "evaluate", "--json", "--set", str(labelled)],
        cwd,
        env,
        check=False,
    )
    assert done.returncode in (0, 1), done.stderr  # 1: a police call diverted (the report says)
    report = json.loads(done.stdout)
    assert report["total"] == sum(1 for line in labelled.open(encoding="utf-8") if line.strip())


def test_what_only_a_checkout_has_fails_with_a_clear_message(installed) -> None:  # type: ignore[no-untyped-def]
    bin_dir, cwd, env = installed
    evaluate = _run([str(bin_dir / "fenliu"), "evaluate"], cwd, env, check=False)
    assert evaluate.returncode == 2 and "pass --set FILE" in evaluate.stderr
    stack = _run([str(bin_dir / "fenliu"), "stack", "status"], cwd, env, check=False)
    assert stack.returncode == 1 and "runs from a fenliu checkout" in stack.stdout + stack.stderr
