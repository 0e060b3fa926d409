"""SUGGEST on the real stack: a real ``fenliu run streams`` worker (control clock) holds a
SUGGEST decision's order until a ``CallTakerVerdict`` CONFIRMED on ``fenliu.verdicts``
releases it to ``fenliu.orders`` (the topic the grid sink forwards); an unanswered one
stays with the police once the test's ticks pass ``FENLIU_CASE_SUGGEST_TIMEOUT_S``, and
the worker writes that down as EXPIRED on the verdicts topic. A kept call (REJECTED or
EXPIRED) closes its case as KEPT_BY_POLICE, and a later call about the same matter opens
its own case, linked to the kept one, instead of merging into it."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import uuid
from collections.abc import Iterator

import pytest
from confluent_kafka import Producer

from fenliu.processors.case_state import case_id_for, order_id_for
from fenliu.processors.model import Outcome
from fenliu.processors.records import decision_record, source_symbol
from fenliu.refdata.decider import build_decider
from fenliu.schemas.records import epoch_ms
from fenliu.settings import Settings
from fenliu.streams.kafka.config import confluent_config
from fenliu.streams.worker.clock import send_ticks
from fenliu.topics import catalogue as topics
from fenliu.topics.admin import apply_topics
from tests.factories import BASE_MS, call110
from tests.streams_worker import CODEC, FENLIU, Feed, Worker, metric_value, read_until, wait_for

pytestmark = [pytest.mark.kafka, pytest.mark.stack_parallel]

TIMEOUT_S = 300
T = BASE_MS  # the module has its own topic prefix: no other test shares its topics


@pytest.fixture(scope="module")
def stack(settings: Settings, tmp_path_factory) -> Iterator[tuple[Settings, Worker, Feed]]:
    s = settings.replace(
        topics={"prefix": f"{settings.topics.prefix}suggest-{uuid.uuid4().hex[:6]}-"}
    )
    apply_topics(s)
    worker = Worker(
        s, tmp_path_factory.mktemp("streams-suggest"), FENLIU_CASE_SUGGEST_TIMEOUT_S=str(TIMEOUT_S)
    )
    worker.start()
    try:
        yield s, worker, Feed(s, build_decider(s))
    finally:
        worker.stop()


def suggested(feed: Feed, call_id: str, text: str, at_ms: int, **where):
    """A real decision, made SUGGEST (what the Decider does when the model or a doubt says
    a person should look): the worker must act on the outcome field alone."""
    where.setdefault("phone", f"139{uuid.uuid4().int % 10**8:08d}")
    d = feed.decide(call110(call_id, text, at_ms=at_ms, **where))
    c = dataclasses.replace(d.classification, outcome=Outcome.SUGGEST, outcome_rule="test:suggest")
    return dataclasses.replace(d, classification=c)


def verdict(s: Settings, d, kind: str, by: str, at_ms: int) -> None:
    record = {
        "verdict_id": f"v_{d.decision_id}_{kind.lower()}",
        "decision_id": d.decision_id,
        "case_key": d.case_key,
        "source": source_symbol(d.event.source),
        "source_id": d.event.source_id,
        "verdict": kind,
        "by": by,
        "at": at_ms,
        "text": d.event.text,
    }
    producer = Producer(confluent_config(s))
    producer.produce(
        s.topic(topics.VERDICTS),
        key=d.decision_id.encode(),
        value=CODEC.encode("CallTakerVerdict", record),
    )
    assert producer.flush(30) == 0


def kept_update(s: Settings, d) -> dict:
    """The CaseUpdate that closes ``d``'s case as kept by the police (it must come)."""
    case_id = case_id_for(d.case_key, d.decision_id)

    def found(out):
        return any(v["case_id"] == case_id and v["kind"] == "KEPT_BY_POLICE" for _, v in out)

    updates = read_until(s, topics.CASES, found)
    kept = [v for _, v in updates if v["case_id"] == case_id and v["kind"] == "KEPT_BY_POLICE"]
    assert len(kept) == 1, [(v["kind"], v["case_id"]) for _, v in updates]
    k = kept[0]
    assert (k["status"], k["rule"], k["decision_id"]) == ("CLOSED", "VERDICT", d.decision_id)
    assert k["current_order_id"] == order_id_for(d.decision_id)  # held, never released
    return k


def metric(worker: Worker, name: str, **labels: str) -> float:
    try:
        return metric_value(worker.metrics(), name, **labels)
    except OSError:
        return 0.0


def test_confirmed_suggestion_reaches_the_unit_and_an_unanswered_one_stays_with_the_police(stack):
    s, worker, feed = stack
    confirmed = suggested(feed, "SG-1", "工地老板拖欠我们三个月工资，十几个工人没拿到钱", T)
    unanswered = suggested(feed, "SG-2", "小区门口夜宵摊每天晚上吵到凌晨两点，油烟也大", T + 60_000)
    feed.decisions(confirmed, unanswered)
    assert wait_for(lambda: metric(worker, "fenliu_suggestions_held") >= 2), worker.log_tail()

    ok_order, held_order = order_id_for(confirmed.decision_id), order_id_for(unanswered.decision_id)
    verdict(s, confirmed, "CONFIRMED", "ct-07", T + 30_000)
    orders = read_until(
        s, topics.ORDERS, lambda out: any(v["order_id"] == ok_order for _, v in out)
    )
    mine = [v for _, v in orders if v["order_id"] in (ok_order, held_order)]
    assert [v["order_id"] for v in mine] == [ok_order]  # the other one is still held
    assert mine[0]["decision_id"] == confirmed.decision_id
    # The unit's windows start at the confirmation, each as long as the router set it.
    released = mine[0]
    assert epoch_ms(released["created_at"]) == T + 30_000
    asked = decision_record(confirmed)["deadlines"]
    assert [(d["stage"], epoch_ms(d["due_at"]) - (T + 30_000)) for d in released["deadlines"]] == [
        (d["stage"], epoch_ms(d["due_at"]) - T) for d in asked
    ]
    assert metric(worker, "fenliu_rates_diverted_total", how="confirmed") == 1

    # Time passes the unanswered one's limit (and not before it: one tick short first).
    send_ticks(s, T + 60_000 + TIMEOUT_S * 1000 - 1)
    send_ticks(s, T + 60_000 + TIMEOUT_S * 1000)
    notes = read_until(
        s, topics.VERDICTS, lambda out: any(v["verdict"] == "EXPIRED" for _, v in out)
    )
    expired = [v for _, v in notes if v["verdict"] == "EXPIRED"]
    assert [v["decision_id"] for v in expired] == [unanswered.decision_id]
    assert expired[0]["case_id"] == case_id_for(unanswered.case_key, unanswered.decision_id)
    assert expired[0]["order_id"] == held_order
    assert metric(worker, "fenliu_suggestions_total", action="EXPIRE") == 1
    kept = kept_update(s, unanswered)
    assert epoch_ms(kept["at"]) == T + 60_000 + TIMEOUT_S * 1000

    # A confirmation after the limit releases nothing: the police kept the call.
    verdict(s, unanswered, "CONFIRMED", "ct-07", T + 60_000 + TIMEOUT_S * 1000 + 5)
    send_ticks(s, T + 10 * TIMEOUT_S * 1000)  # read after the late verdict (same partition)
    assert wait_for(lambda: metric(worker, "fenliu_sla_ticks_total") >= 3 * s.topics.partitions)
    later = read_until(s, topics.ORDERS, lambda out: False, timeout_s=8)
    assert held_order not in {v["order_id"] for _, v in later}
    assert metric(worker, "fenliu_rates_diverted_total", how="confirmed") == 1
    assert metric(worker, "fenliu_suggestions_held") == 0

    # The answers read back as labels: the confirmation says "not police"; the expiry and
    # the late confirmation (first answer of SG-2 is that confirmation) are not both kept.
    out = worker.workdir / "labels.jsonl"
    env = {**worker.env, "FENLIU_METRICS_PORT": "0"}
    done = subprocess.run(
        [str(FENLIU), "verdicts", "export", "--out", str(out)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    labels = {r["id"]: r for r in map(json.loads, out.read_text(encoding="utf-8").splitlines())}
    assert labels[f"verdict:{confirmed.decision_id}"]["expected_list"] == "NON_POLICE"
    assert labels[f"verdict:{confirmed.decision_id}"]["text"] == confirmed.event.text


def test_a_rejected_suggestion_closes_its_case_as_kept_and_a_repeat_call_opens_a_new_one(stack):
    s, worker, feed = stack
    t0 = T + 20 * TIMEOUT_S * 1000  # after the first test's ticks: nothing expires here
    leak = "楼上卫生间漏水，渗到我家天花板，找物业好几次都不管"
    where = {
        "phone": "13955500011",
        "lon": 121.076,
        "lat": 28.874,
        "address": "东城街道银湖小区5幢",
    }
    first = suggested(feed, "SG-3", leak, t0, **where)
    assert not first.classification.is_police_matter
    kept_before = metric(worker, "fenliu_suggestions_total", action="KEEP")
    feed.decisions(first)
    verdict(s, first, "REJECTED", "ct-07", t0 + 20_000)
    assert wait_for(
        lambda: metric(worker, "fenliu_suggestions_total", action="KEEP") == kept_before + 1
    ), worker.log_tail()
    kept = kept_update(s, first)
    assert epoch_ms(kept["at"]) == t0 + 20_000

    # The same caller about the same leak ten minutes later: within every repeat window of
    # the kept case, yet it opens a case of its own (with its own order), linked to it.
    again = feed.decide(call110("SG-4", leak, at_ms=t0 + 600_000, **where))
    assert again.case_key == first.case_key and not again.classification.is_police_matter
    feed.decisions(again)
    updates = read_until(
        s, topics.CASES, lambda out: any(v["decision_id"] == again.decision_id for _, v in out)
    )
    second = [v for _, v in updates if v["decision_id"] == again.decision_id]
    assert [v["kind"] for v in second] == ["OPENED"], second
    assert second[0]["case_id"] == case_id_for(again.case_key, again.decision_id)
    assert second[0]["related_case_id"] == kept["case_id"]
    assert second[0]["order_id"] == order_id_for(again.decision_id)
    # Nothing else happened to the kept case, and its order never reached the unit.
    assert [v["kind"] for _, v in updates if v["case_id"] == kept["case_id"]] == [
        "OPENED",
        "KEPT_BY_POLICE",
    ]
    orders = read_until(s, topics.ORDERS, lambda out: False, timeout_s=5)
    assert order_id_for(first.decision_id) not in {v["order_id"] for _, v in orders}


def test_a_held_suggestion_outlives_a_restart_and_expires_at_its_time(stack):
    """The due times live in memory beside the table; a restarted worker rebuilds them from
    the recovered table, so what it held before still expires, and not before its time.
    Last in the module: it restarts the worker."""
    s, worker, feed = stack
    t1 = T + 40 * TIMEOUT_S * 1000  # after every tick of the tests above
    waiting = suggested(feed, "SG-5", "隔壁装修天天电钻响，中午都不停，物业说管不了", t1)
    feed.decisions(waiting)
    assert wait_for(lambda: metric(worker, "fenliu_suggestions_held") >= 1), worker.log_tail()

    worker.stop()
    worker.start()
    send_ticks(s, t1 + TIMEOUT_S * 1000 - 1)  # one short: the index is rebuilt, nothing goes
    assert wait_for(lambda: metric(worker, "fenliu_sla_ticks_total") >= s.topics.partitions)
    assert wait_for(lambda: metric(worker, "fenliu_suggestions_held") == 1), worker.log_tail()
    assert metric(worker, "fenliu_suggestions_total", action="EXPIRE") == 0

    send_ticks(s, t1 + TIMEOUT_S * 1000)
    notes = read_until(
        s,
        topics.VERDICTS,
        lambda out: any(
            v["verdict"] == "EXPIRED" and v["decision_id"] == waiting.decision_id for _, v in out
        ),
    )
    expired = [v for _, v in notes if v["decision_id"] == waiting.decision_id]
    assert [(v["verdict"], epoch_ms(v["at"])) for v in expired] == [
        ("EXPIRED", t1 + TIMEOUT_S * 1000)
    ]
    assert wait_for(lambda: metric(worker, "fenliu_suggestions_held") == 0), worker.log_tail()
    kept = kept_update(s, waiting)
    assert epoch_ms(kept["at"]) == t1 + TIMEOUT_S * 1000
