"""``fenliu replay``: re-decide a time range of raw calls and compare with what was recorded."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import typer


class SourceChoice(str, Enum):
    S110 = "110"
    S12345 = "12345"


class SinkChoice(str, Enum):
    topic = "topic"
    file = "file"
    none = "none"


def parse_time(text: str, tz_name: str) -> int:
    """Epoch milliseconds from ``1795000000000`` or ISO-8601; a time without offset is local."""
    if text.isdigit():
        return int(text)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as exc:
        raise typer.BadParameter(f"{text!r} is neither epoch milliseconds nor ISO-8601") from exc
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo(tz_name))
    return int(moment.timestamp() * 1000)


class RichProgress:
    """The replay's two bars: raw records read and decided, recorded decisions read."""

    def __init__(self, progress: Any) -> None:
        self.progress = progress
        labels = {"raw": "raw records", "recorded": "recorded decisions"}
        self.tasks = {name: progress.add_task(label, total=None) for name, label in labels.items()}

    def total(self, task: str, n: int) -> None:
        self.progress.update(self.tasks[task], total=n)

    def advance(self, task: str, n: int) -> None:
        self.progress.advance(self.tasks[task], n)

    def done(self) -> None:
        for task in self.tasks.values():  # the recorded bar stops early once every event is found
            t = self.progress.tasks[task]
            self.progress.update(task, completed=t.total or t.completed)


def register(app: typer.Typer) -> None:
    @app.command("replay")
    def replay(
        since: str = typer.Option(
            ..., help="start, inclusive: ISO-8601 (local time if no offset) or epoch ms"
        ),
        until: str = typer.Option(..., help="end, exclusive: ISO-8601 or epoch ms"),
        source: list[SourceChoice] = typer.Option(
            None, help="raw topic(s) to replay; default both"
        ),
        taxonomy: Path = typer.Option(
            None, exists=True, dir_okay=False, help="taxonomy file to replay with"
        ),
        routing: Path = typer.Option(
            None, exists=True, dir_okay=False, help="jurisdiction (routing) file"
        ),
        out: Path = typer.Option(None, help="report directory; default replays/<run-id>"),
        sink: SinkChoice = typer.Option(
            SinkChoice.topic,
            help="replayed decisions to the run's own topic, a file in --out, or nowhere",
        ),
        run_id: str = typer.Option(
            None, help="name of the run (default: UTC time and a random suffix)"
        ),
        as_json: bool = typer.Option(False, "--json", help="print the JSON report on stdout"),
        workers: int = typer.Option(
            None, min=1, help="processes sharing the raw partitions (default: the core count)"
        ),
    ) -> None:
        """Re-run the processors on [since, until) of the raw topics, never touching live topics.

        Writes report.json and report.html; exits 2 when a police matter would be diverted.
        """
        import json
        import os
        import sys
        import time

        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeRemainingColumn,
        )

        from fenliu.processors.model import Source
        from fenliu.reports.replay_report import build_report, print_summary, write_html, write_json
        from fenliu.settings import get_settings
        from fenliu.streams.replay.parallel import run_parallel
        from fenliu.streams.replay.run import ReplayRequest, new_run_id

        settings = get_settings()
        tz = settings.refdata.local_timezone
        since_ms, until_ms = parse_time(since, tz), parse_time(until, tz)
        if until_ms <= since_ms:
            raise typer.BadParameter("--until must be after --since")
        rid = run_id or new_run_id(int(time.time() * 1000))
        out_dir = out or Path("replays") / rid
        n_workers = workers or os.cpu_count() or 1
        sources = tuple(Source(s.value) for s in source) if source else tuple(Source)
        console = Console(stderr=as_json)
        columns = (
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
        )
        with Progress(*columns, console=console, transient=as_json) as bars:
            progress = RichProgress(bars)
            try:
                result = run_parallel(
                    settings,
                    ReplayRequest(since_ms, until_ms, sources, rid),
                    n_workers,
                    sink=sink.value,
                    out_dir=out_dir,
                    taxonomy_file=taxonomy,
                    routing_file=routing,
                    progress=progress,
                )
            except LookupError as exc:  # a raw or decisions topic that does not exist
                console.print(f"[red]{exc}[/]")
                raise typer.Exit(1) from exc
            progress.done()
        report = build_report(result, tz)
        write_json(report, out_dir / "report.json")
        write_html(report, out_dir / "report.html")
        if as_json:
            sys.stdout.write(json.dumps(report, ensure_ascii=False, sort_keys=True) + "\n")
        else:
            print_summary(report, console)
            console.print(f"report: {out_dir / 'report.html'}")
        if report["police_to_diverted"]:
            raise typer.Exit(2)
