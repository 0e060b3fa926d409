"""Dead letters in the audit trail, and the audit index that answers without a scan.

A call the router dead-letters appears in ``fenliu audit case`` (by its call id, and by its
caller key) with reason, stage and the original's hash; the index built from the topics
gives the same trails as the scan, for every kind of seed, and the CLI uses it.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest
from confluent_kafka import Consumer, Producer, TopicPartition

from fenliu.processors.phone import caller_key_for
from fenliu.refdata.decider import build_decider
from fenliu.schemas.serde import SingleObjectCodec
from fenliu.streams.kafka.config import confluent_config
from fenliu.streams.kafka.produce import produce_all
from fenliu.streams.replay.audit import CaseAudit
from fenliu.streams.replay.audit_index import AuditIndex, AuditIndexer, _decision_ids
from fenliu.streams.router.service import Router
from fenliu.topics import catalogue as topics
from tests.factories import call110
from tests.test_audit_kafka import EXPECTED, HAS_CASE_UPDATES, PHONE, T, case_topics  # noqa: F401

pytestmark = [pytest.mark.kafka, pytest.mark.stack_parallel]
CODEC = SingleObjectCodec()


@pytest.fixture()
def with_dead_letter(case_topics):  # noqa: F811
    """The two cases of test_audit_kafka plus call D1 of the same caller, which has no text and
    no place: the real router dead-letters it (EMPTY_CALL)."""
    s, d = case_topics
    raw = CODEC.encode(
        "Call110",
        call110(
            "D1",
            None,
            at_ms=T + 30 * 60_000,
            phone=PHONE,
            lon=None,
            lat=None,
            admin_code=None,
            address=None,
        ),
    )
    producer = Producer(confluent_config(s))
    producer.produce(s.topic(topics.RAW_110), raw, key=b"D1", timestamp=T + 30 * 60_000)
    assert producer.flush(30) == 0
    consumer = Consumer(confluent_config(s, **{"group.id": f"a-{uuid.uuid4().hex[:6]}"}))
    topic = s.topic(topics.RAW_110)
    parts = consumer.list_topics(topic, timeout=10).topics[topic].partitions
    consumer.assign([TopicPartition(topic, p, 0) for p in parts])
    msgs = []
    for _ in range(40):
        msgs += [m for m in consumer.consume(100, timeout=0.5) if m.error() is None]
        if any(m.key() == b"D1" for m in msgs):
            break
    consumer.close()
    router = Router(s, build_decider(s), CODEC, None)
    outputs = router.process_batch([m for m in msgs if m.key() == b"D1"])
    assert [o.topic for o in outputs] == [s.topic(topics.DEAD_LETTER)]
    produce_all(Producer(confluent_config(s)), outputs)
    return s, d, raw


def test_a_dead_lettered_call_is_in_its_trail_with_reason_stage_and_hash(with_dead_letter):
    s, _, raw = with_dead_letter
    trail = CaseAudit(s, CODEC).trail("D1")
    assert [i.kind for i in trail.items] == ["110 call", "dead letter"]
    dead = trail.items[1].detail
    assert (dead["service"], dead["reason"]) == ("router", "EMPTY_CALL") and dead["stage"]
    assert dead["value_sha256"] == hashlib.sha256(raw).hexdigest()
    assert dead["original"]["call_id"] == "D1" and "EMPTY_CALL" in trail.items[1].summary
    text = json.dumps(trail.to_dict(), ensure_ascii=False)
    assert PHONE not in text and raw.hex() not in text  # never the number, never the raw bytes


def test_the_caller_key_finds_the_dead_call_but_joins_no_case(with_dead_letter):
    s, _, _ = with_dead_letter
    key = caller_key_for(PHONE, s.intake.phone_hmac_key.get_secret_value().encode())
    trail = CaseAudit(s, CODEC).trail(key)
    assert [i.kind for i in trail.items] == ["110 call", "dead letter"]
    assert trail.items[0].detail["call_id"] == "D1"  # not cs1's calls of the same caller


@pytest.mark.skipif(not HAS_CASE_UPDATES, reason="the CaseUpdate contract has not landed yet")
def test_the_index_gives_the_scans_trails_and_the_cli_uses_it(with_dead_letter, tmp_path):
    s, d, _ = with_dead_letter
    s = s.replace(replay={"audit_index_file": tmp_path / "audit.sqlite"})
    index = AuditIndex(s.replay.audit_index_file)
    indexer = AuditIndexer(s, CODEC, index)
    first = indexer.catch_up()
    assert first > 20 and indexer.catch_up() == 0  # the second run starts where the first ended
    audit = CaseAudit(s, CODEC)
    key = caller_key_for(PHONE, s.intake.phone_hmac_key.get_secret_value().encode())
    for seed in ("cs1", "o1", d["A2"].decision_id, "A1", "D1", key, "no-such-id"):
        scanned, looked_up = audit.trail(seed), audit.trail(seed, index=index)
        assert looked_up.via == "index"

        def where(t: Any) -> list[tuple[str, str, int, int]]:
            return [(i.kind, i.topic, i.partition, i.offset) for i in t.items]

        assert where(looked_up) == where(scanned), seed
    assert [i.kind for i in audit.trail("cs1", index=index).items] == EXPECTED
    index.close()
    env = {
        **os.environ,
        "FENLIU_TOPIC_PREFIX": s.topics.prefix,
        "FENLIU_KAFKA_BOOTSTRAP": s.kafka.bootstrap,
        "FENLIU_AUDIT_INDEX_FILE": str(s.replay.audit_index_file),
    }
    fenliu = str(Path(sys.executable).with_name("fenliu"))
    done = subprocess.run(
        [fenliu, "audit", "case", "D1", "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    out = json.loads(done.stdout)
    assert out["via"] == "index" and [i["kind"] for i in out["items"]] == [
        "110 call",
        "dead letter",
    ]
    again = subprocess.run(
        [fenliu, "audit", "index"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert again.returncode == 0 and "indexed 0 records" in again.stdout, again.stderr[-2000:]


def test_decisions_are_indexed_by_their_first_fields_like_a_full_decode(case_topics):  # noqa: F811
    _, d = case_topics
    from fenliu.processors.audit_trail import ids_in
    from fenliu.processors.records import decision_record

    record = decision_record(d["A1"])
    data = CODEC.encode("Decision", record)
    assert set(_decision_ids(data) or ()) == ids_in(CODEC.decode(data, expect="Decision"))
