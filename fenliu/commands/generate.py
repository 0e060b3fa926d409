"""``fenliu generate``: realistic 110 and 12345 traffic onto the raw topics or as JSON lines."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path

import typer


class Out(StrEnum):
    topic = "topic"
    jsonl = "jsonl"


def register(app: typer.Typer) -> None:
    @app.command("generate")
    def generate(
        rate: float = typer.Option(
            None,
            "--rate",
            min=0.001,
            help="events per second (live: the day's average; default FENLIU_DEMO_RATE)",
        ),
        as_fast: bool = typer.Option(False, "--max", help="as fast as possible"),
        count: int = typer.Option(None, "--count", min=0, help="stop after this many events"),
        seed: int = typer.Option(
            None, "--seed", help="same seed and start, same records (default FENLIU_DEMO_SEED)"
        ),
        days: float = typer.Option(
            None,
            "--days",
            min=0.001,
            help="history: the last D days of traffic, ending now (default pace --max)",
        ),
        per_day: float = typer.Option(
            None, "--per-day", min=1, help="history volume a day (default mix.yaml's)"
        ),
        speed: float = typer.Option(
            None, "--speed", min=0.001, help="live: event-time seconds per wall second (default 1)"
        ),
        flat: bool = typer.Option(
            False, "--flat", help="no daily rhythm: the same rate at every hour"
        ),
        steady: bool = typer.Option(
            False, "--steady", help="live: one event every 1/rate s, stamped with the send time"
        ),
        duration: float = typer.Option(
            None, "--duration", min=0, help="stop after this many seconds"
        ),
        start_ms: int = typer.Option(
            None, "--start-ms", help="event time of the start (default: now)"
        ),
        out: Out = typer.Option(
            Out.topic, "--out", help="topic: the raw topics; jsonl: JSON lines"
        ),
        file: Path = typer.Option(None, "--file", help="jsonl: write here instead of stdout"),
        metrics_port: int = typer.Option(0, help="serve /metrics here (0 = not at all)"),
    ) -> None:
        """Realistic 110 calls and 12345 tickets: every class of the taxonomy in the reports'
        proportions, repeat callers, several neighbours about one stall, flow-backs days later,
        the daily rhythm, places inside the demo towns. Texts are composed from
        data/traffic/phrases.yaml, never from the classifier's evaluation set.

        Live (no --days): records are sent when their event time comes (the clock runs
        --speed times faster), so the rate follows the day's rhythm around --rate; with
        --steady or --max they are sent at that pace and stamped with the send time.
        History (--days D): the last D days' records with their own times, sent --max
        (default) or at --rate.
        """
        import time

        from fenliu.schemas.serde import codec_for
        from fenliu.services import start_service
        from fenliu.streams.traffic.sink import KafkaSink
        from fenliu.traffic.feed import JsonlSink, Sink, load_traffic_model, plan_run, run
        from fenliu.traffic.generator import TrafficGenerator

        started = start_service(metrics_port, handle_signals=True)
        settings = started.settings
        model = load_traffic_model(settings)
        plan = plan_run(
            now_ms=time.time_ns() // 1_000_000,
            rate=rate or settings.demo.rate,
            speed=speed,
            days=days,
            per_day=per_day,
            model_calls_per_day=model.mix.calls_per_day,
            start_ms=start_ms,
            as_fast=as_fast,
            steady=steady,
            rate_given=bool(rate),
        )
        events = TrafficGenerator(
            model,
            seed=settings.demo.seed if seed is None else seed,
            start_ms=plan.start_ms,
            calls_per_day=plan.calls_per_day,
            tz_name=settings.refdata.local_timezone,
            flat=flat,
        )
        if out is Out.jsonl:
            handle = file.open("w", encoding="utf-8") if file else sys.stdout
            sink: Sink = JsonlSink(handle)
        else:
            sink = KafkaSink(settings, codec_for(settings.topics.schema_registry_url))

        def progress(stats) -> None:
            typer.echo(f"sent {stats.sent} ({stats.rate:,.1f}/s)", err=True)

        stats = run(
            iter(events),
            sink,
            plan.pacer,
            started.stop,
            restamp=plan.restamp,
            count=count,
            duration_s=duration,
            end_ms=plan.end_ms,
            on_progress=progress if out is Out.topic else None,
        )
        if out is Out.jsonl and file:
            handle.close()
        typer.echo(
            f"generated {stats.sent} events in {stats.seconds:.1f} s ({stats.rate:,.1f}/s); "
            f"by source {dict(stats.by_source)}; by kind {dict(stats.by_kind)}; "
            f"material {model.versions}; failed {stats.failed}",
            err=True,
        )
        if stats.failed:
            raise typer.Exit(1)
