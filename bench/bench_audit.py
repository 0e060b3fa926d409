"""``fenliu audit case``: one question by scanning the topics, against the audit index.

    .venv/bin/python -m bench.bench_audit [--calls 1000000] [--queries 50]

Needs the local stack (``./dev up``). Writes a month of trail records for ``--calls`` calls:
per call its raw record, its decision (the real decider's record for one call, with the
ids changed) and a case update; every three calls one case with one dispatch order and
three lifecycle steps (about 4.3 records per call, over a month of timestamps). Then:

* the scan (no index): ``CaseAudit.trail`` for one case, reading every record once;
* building the index from nothing (``fenliu audit index``): records/s and rows;
* ``--queries`` questions through the index (case ids, order ids, call ids at random):
  lookups plus fetching the trail's records by offset, p50 and the slowest.

The baseline of the table is the scan; one question is one item.
"""

from __future__ import annotations

import random
import statistics
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import typer
from confluent_kafka import Producer
from rich.console import Console

from bench.common import Result, print_table
from bench.harness import delete_run_topics
from fenliu.processors.model import Source
from fenliu.processors.records import decision_record
from fenliu.refdata.decider import build_decider
from fenliu.schemas.serde import SingleObjectCodec
from fenliu.settings import Settings
from fenliu.streams.kafka.config import confluent_config
from fenliu.streams.replay.audit import CaseAudit
from fenliu.streams.replay.audit_index import AuditIndex, AuditIndexer
from fenliu.topics import catalogue as topics
from fenliu.topics.admin import apply_topics

DAY = 86_400_000
TEXT = "楼上邻居家卫生间漏水，水从天花板滴下来，物业不管"


def trail_records(n: int, t0: int, template: dict[str, Any]) -> Any:
    """(logical topic, schema, key, record, timestamp) of ``n`` calls over 30 days."""
    step = 30 * DAY // max(n, 1)
    for i in range(n):
        at = t0 + i * step
        case = i // 3
        case_id, order_id = f"cs_{case}", f"od_{case}"
        decision_id = f"dc_{i}"
        raw = {
            "call_id": f"C{i}",
            "centre_code": "331099",
            "received_at": at,
            "caller_phone": f"13{i:09d}",
            "content": TEXT,
            "address": None,
            "longitude": 121.0,
            "latitude": 28.86,
            "admin_code": None,
            "alarm_type": None,
            "channel": "PHONE",
            "major": False,
        }
        yield topics.RAW_110, "Call110", f"C{i}", raw, at
        d = dict(template, decision_id=decision_id)
        d["event"] = dict(template["event"], source_id=f"C{i}", received_at=at)
        yield topics.DECISIONS, "Decision", d["case_key"], d, at + 100
        first = i % 3 == 0
        yield (
            topics.CASES,
            "CaseUpdate",
            d["case_key"],
            {
                "update_id": f"cu_{i}",
                "case_id": case_id,
                "case_key": d["case_key"],
                "kind": "OPENED" if first else "REPEAT",
                "rule": "NEW" if first else "SAME_PLACE",
                "at": at,
                "decision_id": decision_id,
                "lifecycle_event_id": None,
                "order_id": order_id if first else None,
                "current_order_id": order_id,
                "source": "S110",
                "caller_key": None,
                "is_police_matter": False,
                "town_code": "331099001",
                "class_code": d["class_code"],
                "situation_code": None,
                "unit_id": None,
                "place_key": None,
                "opened_at": at,
                "status": "OPEN",
                "repeat_count": 0 if first else i % 3,
                "flow_back_count": 0,
                "escalation_level": 0,
                "priority": None,
                "related_case_id": None,
            },
            at + 200,
        )
        if first:
            yield (
                topics.ORDERS,
                "DispatchOrder",
                order_id,
                {
                    "order_id": order_id,
                    "case_id": case_id,
                    "decision_id": decision_id,
                    "created_at": at,
                    "source": "S110",
                    "is_police_matter": False,
                    "class_code": d["class_code"],
                    "situation_code": d["situation_code"],
                    "situation_name": d["situation_name"],
                    "priority": 3,
                    "unit_id": d["route"]["unit_id"],
                    "unit_name": d["route"]["unit_name"],
                    "unit_kind": d["route"]["unit_kind"],
                    "town_code": d["route"]["town_code"],
                    "grid_code": None,
                    "team_id": None,
                    "location": d["event"]["location"],
                    "summary": TEXT,
                    "caller_key": None,
                    "deadlines": d["deadlines"],
                    "taxonomy_version": d["taxonomy_version"],
                    "routing_version": d["route"]["routing_version"],
                },
                at + 300,
            )
            for k, kind in enumerate(("SIGNED", "ARRIVED", "CLOSED")):
                yield (
                    topics.LIFECYCLE,
                    "LifecycleEvent",
                    order_id,
                    {
                        "event_id": f"{order_id}-{k}",
                        "order_id": order_id,
                        "case_id": case_id,
                        "kind": kind,
                        "at": at + (k + 1) * 600_000,
                        "unit_id": "u1",
                        "actor": None,
                        "note": None,
                        "satisfaction": None,
                        "resolved_on_site": None,
                    },
                    at + (k + 1) * 600_000,
                )


def produce(settings: Settings, records: Any) -> int:
    codec = SingleObjectCodec()
    producer = Producer(confluent_config(settings, **{"linger.ms": 20, "compression.type": "lz4"}))
    n = 0
    for logical, schema, key, record, ts in records:
        value = codec.encode(schema, record)
        while True:
            try:
                producer.produce(settings.topic(logical), value, key=key.encode(), timestamp=ts)
                break
            except BufferError:
                producer.poll(0.1)
        producer.poll(0)
        n += 1
    assert producer.flush(300) == 0
    return n


def main(
    calls: int = typer.Option(1_000_000, help="calls of the month (about 4.3 records each)"),
    queries: int = typer.Option(50, help="questions asked through the index"),
) -> None:
    console = Console()
    settings = Settings().replace(topics={"prefix": f"bench-audit-{uuid.uuid4().hex[:8]}-"})
    decider = build_decider(settings)
    raw = {
        "call_id": "T",
        "centre_code": "331099",
        "received_at": 1_795_000_000_000,
        "caller_phone": "13800000000",
        "content": TEXT,
        "address": None,
        "longitude": 121.0,
        "latitude": 28.86,
        "admin_code": None,
        "alarm_type": None,
        "channel": "PHONE",
        "major": False,
    }
    template = decision_record(decider.decide(raw, Source.CALL_110, now_ms=raw["received_at"]))
    t0 = (int(time.time() * 1000) - 31 * DAY) // 1000 * 1000
    apply_topics(settings)
    workdir = Path(tempfile.mkdtemp(prefix="bench-audit-"))
    try:
        started = time.perf_counter()
        records = produce(settings, trail_records(calls, t0, template))
        console.print(
            f"produced {records:,} trail records for {calls:,} calls in "
            f"{time.perf_counter() - started:.0f} s"
        )
        codec = SingleObjectCodec()
        audit = CaseAudit(settings, codec)
        rng = random.Random(7)
        cases = max(1, calls // 3)

        began = time.perf_counter()
        scanned = audit.trail(f"cs_{rng.randrange(cases)}")
        scan_s = time.perf_counter() - began
        console.print(f"scan: {len(scanned.items)} records of {sum(scanned.scanned.values()):,}")

        index = AuditIndex(workdir / "audit.sqlite")
        began = time.perf_counter()
        indexed = AuditIndexer(settings, codec, index).catch_up()
        build_s = time.perf_counter() - began
        rows, size = index.count(), (workdir / "audit.sqlite").stat().st_size
        console.print(
            f"index: {indexed:,} records in {build_s:.0f} s, {rows:,} rows, "
            f"{size / 1e6:,.0f} MB ({size / max(calls, 1):,.0f} B per call)"
        )

        seeds = []
        for q in range(queries):
            case = rng.randrange(cases)
            seeds.append((f"cs_{case}", f"od_{case}", f"C{3 * case + q % 3}")[q % 3])
        times, sizes = [], []
        for seed in seeds:
            began = time.perf_counter()
            trail = audit.trail(seed, index=index)
            times.append(time.perf_counter() - began)
            sizes.append(len(trail.items))
        assert all(n == 13 for n in sizes), sizes  # 3 calls, 3 decisions, 3 updates, order, 3 steps
        index.close()
        rows_out = [
            Result("scan of every trail topic (no index)", 1, scan_s, group="one question"),
            Result(
                f"index: lookup + fetch by offset, p50 of {queries}",
                1,
                statistics.median(times),
                group="one question",
            ),
            Result(
                f"index: lookup + fetch by offset, slowest of {queries}",
                1,
                max(times),
                group="one question",
            ),
        ]
        print_table(
            f"audit case on {calls:,} calls ({records:,} trail records, 30 days)",
            rows_out,
            baseline="scan",
            unit="questions/s",
        )
        console.print(
            f"index build: {indexed / build_s:,.0f} records/s; records per trail: "
            f"{statistics.median(sizes):.0f} (median)"
        )
    finally:
        delete_run_topics(settings)
        for p in workdir.glob("*"):
            p.unlink()
        workdir.rmdir()


if __name__ == "__main__":
    typer.run(main)
