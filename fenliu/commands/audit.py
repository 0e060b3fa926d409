"""``fenliu audit case ID``: one case's whole trail across the topics."""

from __future__ import annotations

from typing import Any

import typer


def _evidence(detail: dict[str, Any]) -> str:
    """The decision's reasons, one line: rule, kind and the words that fired."""
    return "; ".join(
        f"{e['rule_id']} {e['kind']} “{e['term']}”" for e in detail.get("evidence", [])
    )


def register(app: typer.Typer) -> None:
    audit = typer.Typer(
        help="Audit trails: everything the pipeline recorded about a case.", no_args_is_help=True
    )

    @audit.command("case")
    def case(
        case_id: str = typer.Argument(
            ...,
            metavar="ID",
            help="a case id, order id, decision id, or a call/ticket id of one of its calls",
        ),
        since: str = typer.Option(
            None, help="scan records from this time (ISO-8601 or epoch ms); default all"
        ),
        until: str = typer.Option(None, help="scan records before this time; default now"),
        as_json: bool = typer.Option(False, "--json", help="print the trail as JSON"),
        scan: bool = typer.Option(
            False, "--scan", help="scan the topics even when FENLIU_AUDIT_INDEX_FILE is set"
        ),
    ) -> None:
        """The calls (caller key only), the decision and its evidence, merges, the order, every
        lifecycle step and SLA alert, in time order. Exits 1 when nothing carries the id."""
        import json

        from rich.console import Console
        from rich.table import Table

        from fenliu.commands.replay import parse_time
        from fenliu.reports.replay_report import local_iso
        from fenliu.schemas.serde import codec_for
        from fenliu.settings import get_settings
        from fenliu.streams.replay.audit import CaseAudit

        settings = get_settings()
        tz = settings.refdata.local_timezone
        console = Console(stderr=as_json)
        index = None
        if settings.replay.audit_index_file is not None and not scan:
            from fenliu.streams.replay.audit_index import AuditIndex

            index = AuditIndex(settings.replay.audit_index_file)
        how = "looking up the audit index" if index is not None else "scanning the topics"
        with console.status(f"{how} for {case_id} …"):
            trail = CaseAudit(settings, codec_for(settings.topics.schema_registry_url)).trail(
                case_id,
                since_ms=parse_time(since, tz) if since else None,
                until_ms=parse_time(until, tz) if until else None,
                index=index,
            )
        if as_json:
            typer.echo(json.dumps(trail.to_dict(), ensure_ascii=False, sort_keys=True))
        else:
            table = Table(title=f"trail of {case_id}", show_lines=True)
            for col in ("at", "recorded", "what", "details", "where"):
                table.add_column(col, overflow="fold")
            for item in trail.items:
                details = item.summary
                if item.kind == "decision":
                    details += f"\n[dim]evidence: {_evidence(item.detail)}[/]"
                table.add_row(
                    local_iso(item.at_ms, tz),
                    local_iso(item.recorded_ms, tz),
                    item.kind,
                    details,
                    f"{item.topic}/{item.partition}@{item.offset}",
                )
            console.print(table)
            scanned = sum(trail.scanned.values())
            note = (
                f"; topics absent: {', '.join(trail.missing_topics)}"
                if trail.missing_topics
                else ""
            )
            if trail.via == "index":
                console.print(f"{len(trail.items)} records, found through the audit index")
            else:
                console.print(f"{len(trail.items)} records of {scanned:,} scanned{note}")
        if not trail.items:
            raise typer.Exit(1)

    @audit.command("index")
    def index_command(
        follow: bool = typer.Option(
            False, "--follow", help="keep indexing new records until stopped (the indexer service)"
        ),
    ) -> None:
        """Bring the audit index (FENLIU_AUDIT_INDEX_FILE) up to the end of the trail topics."""
        import time

        from fenliu.schemas.serde import codec_for
        from fenliu.services import start_service
        from fenliu.streams.replay.audit_index import AuditIndex, AuditIndexer

        started = start_service(0, handle_signals=True)
        settings = started.settings
        if settings.replay.audit_index_file is None:
            typer.echo("set FENLIU_AUDIT_INDEX_FILE to the index's SQLite file", err=True)
            raise typer.Exit(2)
        index = AuditIndex(settings.replay.audit_index_file)
        indexer = AuditIndexer(settings, codec_for(settings.topics.schema_registry_url), index)
        began = time.perf_counter()
        if follow:
            indexer.run(started.stop)
        else:
            n = indexer.catch_up()
            typer.echo(
                f"indexed {n:,} records in {time.perf_counter() - began:.1f} s; "
                f"{index.count():,} rows in {settings.replay.audit_index_file}"
            )
        index.close()

    app.add_typer(audit, name="audit")
