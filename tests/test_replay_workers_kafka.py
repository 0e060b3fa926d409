"""``fenliu replay --workers N``: the range split by raw partition over processes gives the
same decisions file, byte for byte, and the same report as one process; dead-lettered
calls of the range are in the report with their reason, stage and the original's hash."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from confluent_kafka import Consumer, Producer, TopicPartition

from fenliu.refdata.decider import build_decider
from fenliu.reports.replay_report import build_report
from fenliu.schemas.serde import SingleObjectCodec
from fenliu.settings import Settings
from fenliu.streams.kafka.config import confluent_config
from fenliu.streams.replay.parallel import DETERMINISTIC_EXCEPT, run_parallel, share
from fenliu.streams.replay.run import ReplayRequest
from fenliu.streams.router.service import Router
from fenliu.topics import catalogue as topics
from fenliu.topics.admin import apply_topics
from tests.factories import call110, ticket12345

pytestmark = [pytest.mark.kafka, pytest.mark.stack_parallel]

CODEC = SingleObjectCodec()
HOUR = 3_600_000
TEXTS = [
    "工地老板拖欠我们三个月工资，十几个工人没拿到钱",
    "楼上邻居家卫生间漏水，水从天花板滴下来，物业不管",
    "有人拿刀在小区门口砍人，地上有血",
    "楼下饭店排风口冒烟，油烟熏得家里没法开窗",
    "邻居家狗半夜一直叫，吵得睡不着",
    "我老公喝了酒又打我，我现在躲在邻居家，头上流血了",
]
N = 240


@pytest.fixture(scope="module")
def recorded(settings: Settings) -> dict[str, Any]:
    """240 calls and tickets keyed by id (so on every partition), three empty calls the router
    dead-letters, all recorded by the real router (no Redis teams)."""
    s = settings.replace(
        topics={"prefix": f"{settings.topics.prefix}rw-{uuid.uuid4().hex[:6]}-"},
        router={"group": f"rw-router-{uuid.uuid4().hex[:6]}"},
        # the sections are cut: the cut must not depend on the split
        replay={"report_max_rows": 2},
    )
    apply_topics(s)
    start = (int(time.time() * 1000) - 3 * HOUR) // HOUR * HOUR
    producer = Producer(confluent_config(s))
    empty: dict[str, bytes] = {}
    for i in range(N):
        at = start + 1 + i * 10_000
        text = TEXTS[i % len(TEXTS)]
        if i % 3 == 2:
            value = CODEC.encode("Ticket12345", ticket12345(f"Q{i}", text, at_ms=at))
            producer.produce(s.topic(topics.RAW_12345), value, key=f"Q{i}".encode(), timestamp=at)
        else:
            value = CODEC.encode("Call110", call110(f"R{i}", text, at_ms=at))
            producer.produce(s.topic(topics.RAW_110), value, key=f"R{i}".encode(), timestamp=at)
    for cid in ("E1", "E2", "E3"):
        at = start + 5_000 + len(empty)
        value = CODEC.encode(
            "Call110",
            call110(cid, None, at_ms=at, lon=None, lat=None, admin_code=None, address=None),
        )
        empty[cid] = value
        producer.produce(s.topic(topics.RAW_110), value, key=cid.encode(), timestamp=at)
    assert producer.flush(30) == 0
    router = Router(s, build_decider(s), CODEC, None)
    stop = threading.Event()
    thread = threading.Thread(target=router.run, args=(stop,), daemon=True)
    thread.start()
    try:
        _wait_for(s, topics.DECISIONS, N)
        _wait_for(s, topics.DEAD_LETTER, len(empty))
    finally:
        stop.set()
        thread.join(30)
    return {"settings": s, "start": start, "empty": empty}


def _wait_for(s: Settings, logical: str, n: int, timeout_s: float = 90) -> None:
    consumer = Consumer(confluent_config(s, **{"group.id": f"w-{uuid.uuid4().hex[:6]}"}))
    topic = s.topic(logical)
    deadline = time.monotonic() + timeout_s
    try:
        while time.monotonic() < deadline:
            parts = consumer.list_topics(topic, timeout=10).topics[topic].partitions
            total = sum(
                consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=10)[1]
                for p in parts
            )
            if total >= n:
                return
            time.sleep(0.3)
    finally:
        consumer.close()
    raise AssertionError(f"{topic} did not reach {n} records")


class _Count:
    def __init__(self) -> None:
        self.totals: Counter[str] = Counter()
        self.done: Counter[str] = Counter()

    def total(self, task: str, n: int) -> None:
        self.totals[task] = n

    def advance(self, task: str, n: int) -> None:
        self.done[task] += n


def _run(rec: dict[str, Any], workers: int, out: Path, progress: Any = None) -> dict[str, Any]:
    request = ReplayRequest(rec["start"], rec["start"] + HOUR, run_id="same")
    result = run_parallel(
        rec["settings"], request, workers, sink="file", out_dir=out, progress=progress
    )
    report = build_report(result, "Asia/Shanghai")
    report["file"] = (out / "decisions.avro").read_bytes()
    return report


def test_two_workers_give_the_bytes_and_report_of_one(recorded, tmp_path):
    progress = _Count()
    one = _run(recorded, 1, tmp_path / "one")
    two = _run(recorded, 2, tmp_path / "two", progress)
    assert one["stats"]["workers"] == 1 and two["stats"]["workers"] == 2
    assert one["file"] == two["file"] and len(one["file"]) > 10_000  # byte-identical decisions

    def strip(r: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in r.items() if k not in (*DETERMINISTIC_EXCEPT, "file")}

    assert json.dumps(strip(one), sort_keys=True) == json.dumps(strip(two), sort_keys=True)
    assert one["total"] == N + 3 and one["outcomes"]["SAME"] == N
    # three rejections, two rows kept in report order and one counted as omitted, in both runs
    assert [r["source_id"] for r in one["sections"]["rejected"]] == ["E1", "E2"]
    assert one["omitted"]["rejected"] == 1
    # progress across both workers adds up to every raw record read
    assert progress.done["raw"] == progress.totals["raw"] == N + 3


def test_the_report_shows_the_dead_lettered_calls_with_reason_stage_and_hash(recorded, tmp_path):
    report = _run(recorded, 2, tmp_path / "dl")
    dead = report["dead_letters"]
    assert dead["count"] == 3
    rows = {r["source_id"]: r for r in dead["rows"]}
    assert set(rows) == {"E1", "E2"}  # max_rows 2; the count stays complete
    for cid, row in rows.items():
        assert row["service"] == "router" and row["stage"] and row["reason"] == "EMPTY_CALL"
        assert row["value_sha256"] == hashlib.sha256(recorded["empty"][cid]).hexdigest()
    assert dead["by_reason"] == [
        {"service": "router", "stage": rows["E1"]["stage"], "reason": "EMPTY_CALL", "count": 3}
    ]


def test_partitions_are_shared_largest_first_and_the_same_way_every_time():
    from fenliu.processors.spans import Span

    spans = [Span("a", p, 0, size) for p, size in enumerate([50, 10, 40, 30, 0, 20])]
    assert share(spans, 2) == share(list(reversed(spans)), 2)
    loads = [
        sum(sp.size for sp in spans if (sp.topic, sp.partition) in part) for part in share(spans, 2)
    ]
    assert sorted(loads) == [70, 80]
    assert share(spans, 1) == [frozenset(("a", p) for p in range(6))]


def test_the_cli_runs_with_two_workers(recorded, tmp_path):
    s = recorded["settings"]
    env = {
        **os.environ,
        "FENLIU_TOPIC_PREFIX": s.topics.prefix,
        "FENLIU_KAFKA_BOOTSTRAP": s.kafka.bootstrap,
        "FENLIU_REPLAY_REPORT_MAX_ROWS": "2",
    }
    fenliu = str(Path(sys.executable).with_name("fenliu"))
    done = subprocess.run(
        [
            fenliu,
            "replay",
            "--since",
            str(recorded["start"]),
            "--until",
            str(recorded["start"] + HOUR),
            "--workers",
            "2",
            "--sink",
            "file",
            "--out",
            str(tmp_path / "cli"),
            "--json",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout)
    assert report["stats"]["workers"] == 2 and report["total"] == N + 3
    assert report["dead_letters"]["count"] == 3
    one = _run(recorded, 1, tmp_path / "one")
    assert (tmp_path / "cli" / "decisions.avro").read_bytes() == one["file"]
