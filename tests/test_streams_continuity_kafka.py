"""The continuity check on the real broker: a commit ahead of what the worker applied is
found before processing resumes, logged, counted, and the skipped records are read again
(streams/worker/continuity.py, docs/streams.md "Continuity check").

The gap is made the way an operator or a bug would make it: while the worker is down,
its group's offsets are committed past records it never saw."""

from __future__ import annotations

import uuid

import pytest
from confluent_kafka import Consumer, KafkaException, TopicPartition
from confluent_kafka.admin import AdminClient

from fenliu.processors.case_state import case_id_for, order_id_for
from fenliu.refdata.decider import build_decider
from fenliu.settings import Settings
from fenliu.streams.kafka.config import confluent_config
from fenliu.topics import catalogue as topics
from fenliu.topics.admin import apply_topics
from tests.factories import BASE_MS, call110
from tests.streams_worker import Feed, Worker, metric_value, read_until, wait_for

pytestmark = [pytest.mark.kafka]

DAY, HOUR = 86_400_000, 3_600_000
# A call the rules and the model both divert (the model ~0.001): these tests follow its order.
# "……十几个工人没拿到钱" was the text until tm-032bfbbcd4 read the many workers as a crowd
# (0.22: SUGGEST, no order until confirmed).
WAGES = "工地老板拖欠我们三个月工资，一直拖着不给"
AGAIN = "工地老板拖欠工资，上次说好的钱又没给"


def commit_to_the_end(s: Settings, group: str, topic: str) -> list[TopicPartition] | None:
    """Commit ``group``'s offsets of every partition of ``topic`` at its high watermark, as a
    client outside the group (accepted once the group is empty). ``None`` while refused."""
    c = Consumer(confluent_config(s, **{"group.id": group, "enable.auto.commit": False}))
    try:
        parts = c.list_topics(topic, timeout=10).topics[topic].partitions
        ends = [
            TopicPartition(topic, p, c.get_watermark_offsets(TopicPartition(topic, p))[1])
            for p in parts
        ]
        c.commit(offsets=[tp for tp in ends if tp.offset > 0], asynchronous=False)
        return ends
    except KafkaException:
        return None  # the stopped member has not left the group yet
    finally:
        c.close()


def delete_prefixed_topics(s: Settings) -> None:
    """The catalogue's topics and the worker's internal ones (changelogs) of this test."""
    admin = AdminClient(confluent_config(s))
    names = [t for t in admin.list_topics(timeout=10).topics if t.startswith(s.topics.prefix)]
    for future in admin.delete_topics(names, request_timeout=30).values() if names else []:
        future.result()


def test_records_committed_past_while_the_worker_was_down_are_read_again(
    isolated_settings, tmp_path
):
    s = isolated_settings
    apply_topics(s)
    # Dynamic membership: a stopped worker leaves its group at once, so the offsets can be
    # committed from outside without waiting for its session to expire.
    worker = Worker(s, tmp_path, FENLIU_STREAMS_INSTANCE_ID="")
    feed = Feed(s, build_decider(s))
    t0 = BASE_MS - 30 * DAY
    phone = f"139{uuid.uuid4().int % 100_000_000:08d}"
    first, *repeats = [
        feed.decide(call110(f"CG{i}", WAGES if i == 0 else AGAIN, at_ms=t0 + i * HOUR, phone=phone))
        for i in range(4)
    ]
    case = case_id_for(first.case_key, first.decision_id)
    decisions = s.topic(topics.DECISIONS)
    group = f"{s.topics.prefix}{s.streams.app_id}"

    def updates_of(wanted: set[str]) -> dict[str, dict]:
        got = read_until(
            s,
            topics.CASES,
            lambda out: {v["decision_id"] for _, v in out} >= wanted,
            keep=lambda item: item[1]["decision_id"] in wanted,
        )
        return {v["decision_id"]: v for _, v in got}

    try:
        worker.start()
        feed.decisions(first, repeats[0])
        assert set(updates_of({first.decision_id, repeats[0].decision_id})) == {
            first.decision_id,
            repeats[0].decision_id,
        }
        worker.stop()  # graceful: commits what it applied, leaves the group

        feed.decisions(*repeats[1:])  # never seen by any worker ...
        ends = wait_for(lambda: commit_to_the_end(s, group, decisions), timeout_s=30)
        assert ends, "the group's offsets could not be committed from outside"
        # ... and committed past: without the check the restarted worker would skip them.

        worker.start()
        later = updates_of({d.decision_id for d in repeats[1:]})
        assert {d: (u["kind"], u["case_id"]) for d, u in later.items()} == {
            d.decision_id: ("REPEAT", case) for d in repeats[1:]
        }
        metrics = worker.metrics()
        labels = {"agent": "fenliu-cases", "topic": decisions}
        assert metric_value(metrics, "fenliu_streams_continuity_gaps_total", **labels) == 1
        assert metric_value(metrics, "fenliu_streams_continuity_reread_total", **labels) == 2
        assert "would be skipped; reading again" in worker.log_path.read_text()
        # The re-read repeats joined the open case: still one order for it.
        orders = read_until(
            s,
            topics.ORDERS,
            lambda out: bool(out),
            keep=lambda item: item[1]["case_id"] == case,
            timeout_s=10,
        )
        assert {v["order_id"] for _, v in orders} == {order_id_for(first.decision_id)}
    finally:
        worker.stop()
        delete_prefixed_topics(s)
