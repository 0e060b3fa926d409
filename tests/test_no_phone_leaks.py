"""No caller's number leaves the raw topics: a run of generated traffic through the whole
pipeline (``fenliu demo``) and every metric label, log line, decision, case, order and alert
it produced, searched for every number the generator used (read back from the raw topics,
where the generator put them, in every spelling it wrote)."""

from __future__ import annotations

import json
import re
import signal
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from confluent_kafka import Consumer, TopicPartition

from fenliu.demo.run import METRICS_PORTS, available_services
from fenliu.processors.phone import normalise_phone
from fenliu.schemas.serde import SingleObjectCodec
from fenliu.settings import Settings
from fenliu.streams.kafka.config import confluent_config
from fenliu.topics import catalogue as topics
from tests.test_demo import LINE, _start_demo

pytestmark = pytest.mark.kafka

CODEC = SingleObjectCodec()
# Everything the run produced for people and for other systems (the raw topics excepted).
OUTPUT_TOPICS = (
    topics.DECISIONS,
    topics.CASES,
    topics.ORDERS,
    topics.SLA_ALERTS,
    topics.HOTSPOT_ALERTS,
)
# A digit, then digits or short runs of separators: every way a number is written down.
PHONE_LIKE = re.compile(r"[+＋(（]?\d(?:\d|[ \t\-－.·()（）/]{1,2}(?=\d))*")
AREA_CODE = "0576"  # the generator's landlines (data/traffic/mix.yaml)


def _records(settings: Settings, logical: str) -> list[Any]:
    """Every record of one topic from the start, decoded (raw bytes when not ours)."""
    topic = settings.topic(logical)
    consumer = Consumer(
        confluent_config(settings, **{"group.id": "unused", "enable.auto.commit": False})
    )
    try:
        partitions = consumer.list_topics(topic, timeout=10).topics[topic].partitions
        ends = {
            p: consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=10)
            for p in partitions
        }
        wanted = {p: hi for p, (lo, hi) in ends.items() if hi > lo}
        consumer.assign([TopicPartition(topic, p, ends[p][0]) for p in wanted])
        out: list[Any] = []
        deadline = time.monotonic() + 60
        while wanted and time.monotonic() < deadline:
            msg = consumer.poll(0.5)
            if msg is None or msg.error():
                continue
            try:
                out.append(CODEC.decode(msg.value()))
            except Exception:  # noqa: BLE001 - not one of ours: searched as bytes
                out.append(msg.value())
            if msg.offset() + 1 >= wanted.get(msg.partition(), 0):
                wanted.pop(msg.partition(), None)
        assert not wanted, f"{topic}: could not read to the end"
        return out
    finally:
        consumer.close()


def _numbers_used(settings: Settings) -> tuple[set[str], set[str]]:
    """(E.164 numbers, spellings as written) of every caller on the raw topics."""
    spellings = {
        record["caller_phone"]
        for logical in (topics.RAW_110, topics.RAW_12345)
        for record in _records(settings, logical)
        if isinstance(record, dict) and record.get("caller_phone")
    }
    e164 = {n for raw in spellings if (n := normalise_phone(raw, AREA_CODE)) is not None}
    return e164, {s for s in spellings if sum(ch.isdigit() for ch in s) >= 7}


def _leaks(text: str, e164: set[str], spellings: set[str]) -> list[str]:
    """Numbers of ``e164`` written in ``text``, whatever the spelling."""
    found = [s for s in spellings if re.search(rf"(?<!\d){re.escape(s)}(?!\d)", text)]
    for match in PHONE_LIKE.finditer(text):
        token = match.group(0)
        if sum(ch.isdigit() for ch in token) >= 7 and normalise_phone(token, AREA_CODE) in e164:
            found.append(token)
    return found


def _as_text(record: Any) -> str:
    if isinstance(record, bytes):
        return record.decode("utf-8", "replace")
    return json.dumps(record, ensure_ascii=False, default=str)


def test_no_phone_number_in_metrics_logs_decisions_cases_orders_or_alerts(
    isolated_settings, tmp_path
):
    proc = _start_demo(isolated_settings, tmp_path, "--seed", "14")
    offset = int(proc.args[proc.args.index("--port-offset") + 1])
    metrics: dict[str, str] = {}
    lines: list[str] = []
    try:
        deadline = time.monotonic() + 240
        orders_expected = "streams" in available_services()
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            lines.append(line)
            m = LINE.search(line)
            if m and int(m.group(1)) > 150 and (int(m.group(3)) > 5 or not orders_expected):
                break
        for service in available_services():  # every label every service exports, mid-run
            url = f"http://127.0.0.1:{METRICS_PORTS[service] + offset}/metrics"
            metrics[service] = httpx.get(url, timeout=10).text
        proc.send_signal(signal.SIGINT)
        rest, _ = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    output = "".join(lines) + rest
    assert proc.returncode == 0, output
    e164, spellings = _numbers_used(isolated_settings)
    assert len(e164) > 50, "the run should have used many numbers"
    mobile = sorted(n for n in e164 if n.startswith("+861"))[0]
    assert _leaks(
        f"回拨 {mobile[3:6]}-{mobile[6:10]}-{mobile[10:]}。", e164, spellings
    )  # it can fail

    produced: dict[str, list[Any]] = {t: _records(isolated_settings, t) for t in OUTPUT_TOPICS}
    assert produced[topics.DECISIONS] and (produced[topics.ORDERS] or not orders_expected)
    logs = {
        p.name: p.read_text(encoding="utf-8", errors="replace")
        for p in Path(tmp_path / "logs").rglob("*")
        if p.is_file()
    }
    assert logs, "the demo wrote no logs"

    leaks: dict[str, list[str]] = {}
    for service, text in metrics.items():
        leaks[f"metrics of {service}"] = _leaks(text, e164, spellings)
    for name, text in logs.items():
        leaks[f"log {name}"] = _leaks(text, e164, spellings)
    leaks["demo output"] = _leaks(output, e164, spellings)
    for logical, records in produced.items():
        leaks[logical] = [hit for r in records for hit in _leaks(_as_text(r), e164, spellings)]
    assert {where: hits[:5] for where, hits in leaks.items() if hits} == {}
