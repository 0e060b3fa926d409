"""Replay throughput: re-deciding recorded calls, against a plain read of the same records.

    .venv/bin/python -m bench.bench_replay [--records 1000000] [--repeats 1]

``--workers 1,2`` adds a row per worker count of the split replay (``fenliu replay
--workers N``), all in the same run, and checks their reports agree. Needs the local stack
(``./dev up``). Generates ``--records`` raw calls and tickets, produces
them with their event time as Kafka timestamp, records them with the real ``Router``
(no Redis teams, so every diverted call records ``FALLBACK_TIMEOUT``; the replay must
reproduce that from the recorded decision), then replays the whole range. Every row is
compared with a plain read of the same raw offsets in the same run (consume only, no
decode). The router's own end-to-end time on the same records is a row too: the target
is that a replay keeps the router's pace.
"""

from __future__ import annotations

import json
import random
import time
import uuid
from typing import Any

import typer
from confluent_kafka import Consumer, Producer
from rich.console import Console

from bench.bench_router import time_until_committed
from bench.common import Result, best_of, print_table
from bench.harness import delete_run_topics
from fenliu.processors.model import Source
from fenliu.refdata.decider import build_decider
from fenliu.reports.replay_report import build_report
from fenliu.schemas.serde import SingleObjectCodec
from fenliu.settings import Settings
from fenliu.streams.kafka.config import confluent_config
from fenliu.streams.replay.parallel import DETERMINISTIC_EXCEPT, run_parallel
from fenliu.streams.replay.read import read_spans, time_spans
from fenliu.streams.replay.run import RAW, Replay, ReplayRequest
from fenliu.streams.replay.sinks import NullSink, TopicSink
from fenliu.streams.router.service import Router
from fenliu.topics.admin import apply_topics

TEXTS = [
    "工地老板拖欠我们三个月工资，十几个工人没拿到钱",
    "楼上邻居家卫生间漏水，水从天花板滴下来，物业不管",
    "有人拿刀在小区门口砍人，地上有血",
    "健身房突然关门跑路了，我办的预付卡还有三千块没用",
    "小区门口夜宵摊每天晚上吵到凌晨两点，油烟也大",
    "我老公喝了酒又打我，我现在躲在邻居家，头上流血了",
    "邻居家狗半夜一直叫，吵得睡不着",
    "楼下饭店排风口冒烟，油烟熏得家里没法开窗",
    "房东不退押金，说我把墙弄脏了",
    "超市卖过期的牛奶，找他们退货不给退",
    "广场舞音响太大声，每天晚上十点还在跳",
    "我家孩子放学到现在还没回家，电话也打不通",
    "小区里有二三十个业主聚集在售楼处门口拉横幅",
    "快递丢了，快递公司不赔",
    "隔壁装修电钻声从早上七点响到晚上",
    "出租车司机绕路多收钱",
]


def workload(n: int, t0: int, seed: int = 11) -> list[tuple[Source, dict[str, Any], int]]:
    """``n`` raw records one millisecond apart from ``t0``, spread over the demo county."""
    rng = random.Random(seed)
    out: list[tuple[Source, dict[str, Any], int]] = []
    for i in range(n):
        lon, lat, at = 120.93 + rng.random() * 0.16, 28.79 + rng.random() * 0.12, t0 + i
        common = {
            "caller_phone": f"13{rng.randrange(10**9):09d}",
            "content": rng.choice(TEXTS),
            "address": None,
            "longitude": lon,
            "latitude": lat,
            "admin_code": None,
            "channel": "PHONE",
        }
        if rng.random() < 0.7:
            out.append(
                (
                    Source.CALL_110,
                    {
                        "call_id": f"C{i}",
                        "centre_code": "331099",
                        "received_at": at,
                        "alarm_type": None,
                        "major": False,
                        **common,
                    },
                    at,
                )
            )
        else:
            out.append(
                (
                    Source.TICKET_12345,
                    {
                        "ticket_id": f"T{i}",
                        "created_at": at,
                        "title": None,
                        "category": None,
                        **common,
                    },
                    at,
                )
            )
    return out


def produce(settings: Settings, records: list[tuple[Source, dict[str, Any], int]]) -> None:
    codec = SingleObjectCodec()
    producer = Producer(confluent_config(settings, **{"linger.ms": 20, "compression.type": "lz4"}))
    for source, record, ts in records:
        topic, schema, id_field = RAW[source]
        while True:
            try:
                producer.produce(
                    settings.topic(topic),
                    codec.encode(schema, record),
                    key=record[id_field].encode(),
                    timestamp=ts,
                )
                break
            except BufferError:
                producer.poll(0.1)
        producer.poll(0)
    assert producer.flush(120) == 0


def plain_read(settings: Settings, since: int, until: int, decode: bool) -> int:
    """The baseline: the same offsets, consumed the same way, with nothing decided."""
    consumer = Consumer(
        confluent_config(
            settings,
            **{
                "group.id": f"bench-read-{uuid.uuid4().hex[:6]}",
                "enable.auto.commit": False,
                "fetch.max.bytes": 52_428_800,
                "queued.max.messages.kbytes": 262_144,
            },
        )
    )
    codec = SingleObjectCodec()
    spans = [
        sp
        for src in Source
        for sp in time_spans(consumer, settings.topic(RAW[src][0]), since, until, 30)
    ]
    n = 0
    for msgs in read_spans(consumer, spans, settings.replay.batch_size):
        for m in msgs:
            if decode:
                codec.decode(m.value())
            n += 1
    consumer.close()
    return n


def main(
    records: int = typer.Option(1_000_000, help="raw records to generate, record and replay"),
    repeats: int = typer.Option(1, help="runs per row; the fastest counts"),
    workers: str = typer.Option("1,2", help="worker counts of the split replay rows"),
    single: bool = typer.Option(
        False, help="also the single-process rows of the first benchmark (compare only, own topic)"
    ),
) -> None:
    console = Console()
    worker_counts = [int(w) for w in workers.split(",") if w]
    settings = Settings().replace(topics={"prefix": f"bench-replay-{uuid.uuid4().hex[:8]}-"})
    decider = build_decider(settings)
    codec = SingleObjectCodec()
    t0 = (int(time.time() * 1000) - 2 * 3_600_000) // 1000 * 1000
    since, until = t0, t0 + records
    apply_topics(settings)
    try:
        started = time.perf_counter()
        produce(settings, workload(records, t0))
        console.print(f"produced {records:,} raw records in {time.perf_counter() - started:.0f} s")
        group = f"{settings.topics.prefix}router"
        router = Router(settings.replace(router={"group": group}), decider, codec, None)
        router_s = time_until_committed(settings, group, records, router.run)
        console.print(f"recorded by the router in {router_s:.0f} s")

        request = ReplayRequest(since, until, run_id="bench")
        outcomes: dict[str, Any] = {}
        reports: dict[int, str] = {}

        def replay(sink_name: str) -> None:
            sink = (
                NullSink()
                if sink_name == "none"
                else TopicSink(settings, f"bench-{uuid.uuid4().hex[:6]}")
            )
            result = Replay(settings, decider, codec, sink).run(request)
            outcomes[sink_name] = (dict(result.tally.outcomes), result.tally.byte_identical)

        def replay_workers(n: int) -> None:
            """``fenliu replay --workers n --sink none``: the range split by raw partition."""
            result = run_parallel(settings, request, n, sink="none", out_dir=None)
            outcomes[f"{n} worker(s)"] = (dict(result.tally.outcomes), result.tally.byte_identical)
            report = build_report(result, settings.refdata.local_timezone)
            reports[n] = json.dumps(
                {k: v for k, v in report.items() if k not in DETERMINISTIC_EXCEPT}, sort_keys=True
            )

        group_name = "broker, same raw offsets"
        rows = [
            best_of(
                repeats,
                records,
                lambda: plain_read(settings, since, until, False),
                "plain read (consume only)",
                group=group_name,
            ),
            best_of(
                repeats,
                records,
                lambda: plain_read(settings, since, until, True),
                "read + decode",
                group=group_name,
            ),
            *(
                [
                    best_of(
                        repeats,
                        records,
                        lambda: replay("none"),
                        "replay, compare only",
                        group=group_name,
                    ),
                    best_of(
                        repeats,
                        records,
                        lambda: replay("topic"),
                        "replay, to its own topic",
                        group=group_name,
                    ),
                ]
                if single
                else []
            ),
            *(
                best_of(
                    repeats,
                    records,
                    lambda n=n: replay_workers(n),
                    f"replay --workers {n} (compare only)",
                    group=group_name,
                )
                for n in worker_counts
            ),
            Result("router, end to end (the recording run)", records, router_s, group=group_name),
        ]
        print_table(
            f"Replay throughput, {records:,} recorded records, chunk {settings.replay.chunk_records:,}",
            rows,
            baseline="plain read",
        )
        for name, (counts, identical) in outcomes.items():
            console.print(f"replay ({name}): {counts}, byte-identical {identical:,}")
        replay_rate = min(r.rate for r in rows if r.name.startswith("replay"))
        console.print(f"replay / router: {replay_rate / (records / router_s):.2f}x")
        if len(reports) > 1:
            same = len(set(reports.values())) == 1
            console.print(
                f"reports of {sorted(reports)} workers identical (run facts aside): {same}"
            )
    finally:
        delete_run_topics(settings)


if __name__ == "__main__":
    typer.run(main)
