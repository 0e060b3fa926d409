"""Two workers of one app; one is killed (SIGKILL) and its partitions move to the other
with their tables and SLA deadlines: no deadline lost, none fired twice, no case split.

Both workers run on the control clock, so deadlines fire only when the test sends ticks.
Before the kill, a first tick fires the early levels on both workers and the test waits
until those ticks are committed; after the kill and the move, a repeat of every case comes
in (it must join its case, not open a new one, whichever worker held the case) and a
second tick, hours later, must fire every remaining deadline exactly once.
"""

from __future__ import annotations

import zlib
from collections import Counter

import pytest

from bench.harness import committed, generated, read_topic
from fenliu.processors.case_state import case_id_for
from fenliu.processors.model import Source
from fenliu.refdata.decider import build_decider
from fenliu.streams.worker.clock import send_ticks, tick_topic
from fenliu.topics import catalogue as topics
from fenliu.topics.admin import apply_topics
from tests.streams_worker import CODEC, Feed, Worker, read_until, wait_for
from tests.test_streams_continuity_kafka import delete_prefixed_topics

pytestmark = [pytest.mark.kafka]

MINUTE_MS, HOUR_MS = 60_000, 3_600_000
SESSION_S = "6"  # the broker's minimum: the dead member's partitions move 6 s after the kill


def _ms(value) -> int:
    return int(value.timestamp() * 1000) if hasattr(value, "timestamp") else int(value)


def owned(worker: Worker, topic: str) -> set[int]:
    """Partitions of ``topic`` the worker's /health/ says it owns (sampled every 5 s)."""
    health = worker.health()
    if not health or health[1].get("recovering"):
        return set()
    return {int(k.rpartition("/")[2]) for k in health[1]["lag"] if k.rpartition("/")[0] == topic}


def everything(s, name: str) -> list[dict]:
    """Every record of a catalogue topic so far (until it has been quiet for a second)."""
    return [CODEC.decode(m.value()) for m in read_topic(s, name, idle_s=1.0)]


def test_a_killed_workers_partitions_move_with_their_tables_and_deadlines(
    isolated_settings, tmp_path
):
    s = isolated_settings
    apply_topics(s)
    prefix = s.topics.prefix
    decisions = s.topic(topics.DECISIONS)
    parts = s.topics.partitions
    a, b = (
        Worker(
            s,
            tmp_path / name,
            FENLIU_STREAMS_INSTANCE_ID=f"{prefix}{name}",
            FENLIU_STREAMS_SESSION_TIMEOUT_S=SESSION_S,
            # SUGGEST calls stay held through both ticks: one that expired would close its
            # case as kept by the police, and a kept case takes no repeat (docs/streams.md).
            FENLIU_CASE_SUGGEST_TIMEOUT_S=str(24 * 3600),
        )
        for name in ("a", "b")
    )
    for w in (a, b):
        w.workdir.mkdir()
    feed = Feed(s, build_decider(s))

    # Three calls per partition, each its own case key (town and class); 110 calls only.
    def partition(decision) -> int:  # the producers' partitioner (CRC-32, docs/streams.md)
        return zlib.crc32(decision.case_key.encode()) % parts

    firsts, keys, per_partition = [], set(), Counter()
    for event in generated(s, 2000, seed=12, only=Source.CALL_110):
        decision = feed.decide(event.record, event.source)
        if decision.case_key not in keys and per_partition[partition(decision)] < 3:
            keys.add(decision.case_key)
            per_partition[partition(decision)] += 1
            firsts.append((event, decision))
        if len(firsts) == 3 * parts:
            break
    assert len(firsts) == 3 * parts, "not enough distinct case keys in the generated traffic"

    def updates_of(wanted: set[str]) -> dict[str, dict]:
        got = read_until(
            s,
            topics.CASES,
            lambda out: {v["decision_id"] for _, v in out} >= wanted,
            keep=lambda item: item[1]["decision_id"] in wanted,
            timeout_s=90,
        )
        return {v["decision_id"]: v for _, v in got}

    try:
        # A alone takes every partition and opens every case; B joins and takes some of
        # them over (tables moved by their changelogs); A is killed and B takes the rest.
        a.start()
        feed.decisions(*(d for _, d in firsts))
        opened = updates_of({d.decision_id for _, d in firsts})
        case_of = {d.decision_id: case_id_for(d.case_key, d.decision_id) for _, d in firsts}
        assert {u["case_id"] for u in opened.values()} == set(case_of.values())
        b.start()
        split = wait_for(
            lambda: (
                (oa := owned(a, decisions))
                and (ob := owned(b, decisions))
                and not oa & ob
                and oa | ob == set(range(parts))
                and (oa, ob)
            ),
            timeout_s=90,
        )
        assert split, "the two workers never shared the partitions"
        last_call = max(e.at_ms for e, _ in firsts)

        # Tick 1: the sign-off deadlines (1 min) fire on both workers, and are committed.
        send_ticks(s, last_call + 2 * MINUTE_MS)
        first_fired = wait_for(
            lambda: (
                (got := everything(s, topics.SLA_ALERTS))
                and any(x["level"] == "BREACH" for x in got)
                and got
            ),
            timeout_s=60,
        )
        assert first_fired, "the first tick fired nothing"
        group = f"{prefix}{s.streams.app_id}"
        ticks = tick_topic(s)
        assert wait_for(
            lambda: (c := committed(s, group, [ticks])) and c[0] >= c[1], timeout_s=60
        ), "the first tick was never committed"
        before_kill = {x["alert_id"] for x in everything(s, topics.SLA_ALERTS)}

        on_a = [d for _, d in firsts if partition(d) in owned(a, decisions)]
        assert on_a, "no case on the worker that is killed"
        a.kill()  # SIGKILL: no goodbye, no last commit; its partitions move after the session
        assert wait_for(lambda: owned(b, decisions) == set(range(parts)), timeout_s=90), (
            "the surviving worker never took the dead one's partitions"
        )

        # A repeat of every case (same caller, same place, five minutes later).
        repeats = []
        for event, _ in firsts:
            raw = dict(event.record)
            raw["call_id"] = f"{raw['call_id']}-again"
            raw["received_at"] = event.at_ms + 5 * MINUTE_MS
            repeats.append((event, feed.decide(raw, Source.CALL_110)))
        feed.decisions(*(d for _, d in repeats))
        joined = updates_of({d.decision_id for _, d in repeats})
        split_cases = {
            d.decision_id: (joined[d.decision_id]["kind"], joined[d.decision_id]["case_id"])
            for (_, first), (_, d) in zip(firsts, repeats, strict=True)
            if joined[d.decision_id]["case_id"] != case_of[first.decision_id]
            or joined[d.decision_id]["kind"] != "REPEAT"
        }
        assert not split_cases, f"repeats that did not join their case: {split_cases}"

        # Tick 2, hours later: every deadline of every order breaches, exactly once.
        # Orders were written when the cases opened (SUGGEST ones wait for a call-taker
        # and have none): whatever is on the topic now is every order there is.
        latest = {o["order_id"]: o for o in everything(s, topics.ORDERS)}
        assert {o["case_id"] for o in latest.values()} <= set(case_of.values())
        tick_ms = last_call + 3 * HOUR_MS
        expected = {
            f"{oid}:{d['stage']}:BREACH:{_ms(d['due_at'])}"
            for oid, o in latest.items()
            for d in o["deadlines"]
            if _ms(d["due_at"]) <= tick_ms
        }
        assert expected
        send_ticks(s, tick_ms)
        fired = wait_for(
            lambda: (
                (got := everything(s, topics.SLA_ALERTS))
                and expected <= {x["alert_id"] for x in got}
                and got
            ),
            timeout_s=90,
        )
        seen = Counter(x["alert_id"] for x in everything(s, topics.SLA_ALERTS))
        missing = expected - set(seen)
        assert fired and not missing, f"{len(missing)} deadlines lost, e.g. {sorted(missing)[:3]}"
        assert [i for i, n in seen.items() if n > 1] == []  # none fired twice
        assert before_kill <= set(seen)
    finally:
        a.stop()
        b.stop()
        delete_prefixed_topics(s)
