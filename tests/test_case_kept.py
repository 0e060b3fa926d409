"""A SUGGEST call the police keep (issue 11): its case closes as KEPT_BY_POLICE, absorbs no
later call (a later call about it opens its own case, linked by ``related_case_id``), and
counts as no 办结 and no diversion."""

from __future__ import annotations

import pytest

from fenliu.processors.case_index import CaseBook
from fenliu.processors.case_records import step_from_verdict, step_update_record
from fenliu.processors.case_state import CaseBucket, Rule, UpdateKind, case_key_of
from fenliu.processors.merge import (
    DAY_MS,
    IncomingCall,
    MergeRules,
    Step,
    StepOutcome,
    apply_call,
    apply_step,
    drop_at,
    place_from,
)
from fenliu.processors.rates import CaseCallFacts
from fenliu.processors.suggestions import Held, keeping_record
from fenliu.schemas.records import CaseStatus, CaseUpdateKind
from fenliu.schemas.serde import SingleObjectCodec

KEY = "331099001:NP01"
T0 = 1_795_000_000_000
MIN = 60_000
STALL = (121.056, 28.860)
RULES = MergeRules()
CODEC = SingleObjectCodec()


def call(decision_id: str, at: int, caller: str | None = "ck_a", *, police: bool = False):
    return IncomingCall(decision_id, KEY, at, caller, place_from(None, *STALL), police, 3)


def kept(bucket: CaseBucket, case_id: str, at: int, verdict_id: str = "v_dc_1_rejected"):
    case = bucket.find(case_id)
    assert case is not None
    step = Step(verdict_id, case_id, case.current_order_id, UpdateKind.KEPT_BY_POLICE, at, "dc_1")
    return apply_step(bucket, step)


def suggested_and_kept(at_kept: int = T0 + 2 * MIN):
    first = apply_call(CaseBucket(KEY), call("dc_1", T0), RULES)
    bucket, case, outcome = kept(first.bucket, first.case.case_id, at_kept)
    assert outcome is StepOutcome.APPLIED and case is not None
    return bucket, case


def test_a_kept_case_is_closed_as_kept_and_leaves_the_open_set():
    bucket, case = suggested_and_kept()
    assert case.kept and case.closed_at_ms == T0 + 2 * MIN
    assert not case.open_at(T0 + 3 * MIN)
    assert drop_at(case, RULES) == case.closed_at_ms + RULES.flow_back_window_ms
    assert CaseBucket.from_dict(bucket.to_dict()) == bucket  # the table round trip keeps it


def test_a_later_repeat_call_opens_its_own_case_linked_to_the_kept_one():
    bucket, case = suggested_and_kept()
    again = apply_call(bucket, call("dc_2", T0 + 10 * MIN), RULES)  # same caller, same place
    assert again.call.kind is UpdateKind.OPENED and again.case.case_id != case.case_id
    assert again.call.order_id is not None  # its own order (held again if SUGGEST again)
    assert again.related_case_id == case.case_id
    assert again.bucket.find(case.case_id) == case  # the kept case is not touched


def test_a_police_call_about_a_kept_case_is_linked_too():
    bucket, case = suggested_and_kept()
    police = apply_call(bucket, call("dc_2", T0 + 10 * MIN, police=True), RULES)
    assert police.call.kind is UpdateKind.OPENED and police.case.police
    assert police.related_case_id == case.case_id


def test_a_kept_case_never_flows_back_and_is_forgotten_after_the_flow_back_window():
    bucket, case = suggested_and_kept()
    later = T0 + 2 * MIN + RULES.flow_back_window_ms + 1
    out = apply_call(bucket, call("dc_2", later), RULES)
    assert out.call.kind is UpdateKind.OPENED and out.related_case_id is None
    assert out.bucket.find(case.case_id) is None  # pruned


def test_a_late_call_from_before_the_keeping_still_belongs_to_the_case():
    bucket, case = suggested_and_kept()
    late = apply_call(bucket, call("dc_0", T0 + MIN), RULES)
    assert late.call.kind is UpdateKind.REPEAT and late.case.case_id == case.case_id


def test_keeping_twice_or_a_stale_order_changes_nothing():
    bucket, case = suggested_and_kept()
    _, again, outcome = kept(bucket, case.case_id, T0 + 3 * MIN, "v_dc_1_expired")
    assert outcome is StepOutcome.DUPLICATE and again == case
    step = Step("v_x", case.case_id, "od_other", UpdateKind.KEPT_BY_POLICE, T0, "dc_x")
    assert apply_step(bucket, step)[2] is StepOutcome.UNKNOWN_ORDER


def test_the_book_keeps_a_case_as_the_bucket_does():
    table: dict[str, dict] = {}
    book = CaseBook(RULES, table.get)
    opened = book.apply_call(call("dc_1", T0))
    for w in opened.writes:
        table[w.case_id] = w.entry  # type: ignore[assignment]
    step = Step(
        "v_dc_1_rejected",
        opened.case.case_id,
        opened.call.order_id or "",
        UpdateKind.KEPT_BY_POLICE,
        T0 + 2 * MIN,
        "dc_1",
    )
    case, outcome, writes = book.apply_step(step)
    assert outcome is StepOutcome.APPLIED and case is not None and case.kept
    for w in writes:
        table[w.case_id] = w.entry  # type: ignore[assignment]
    assert book.open_cases() == 0
    book.rebuild(table.items())  # after a restart: still kept, still closed
    assert book.case(case.case_id) == case and book.open_cases() == 0
    again = book.apply_call(call("dc_2", T0 + 10 * MIN))
    assert again.call.kind is UpdateKind.OPENED and again.related_case_id == case.case_id


def _held() -> Held:
    return Held("dc_1", 0, T0 + 2 * MIN, "od_1", "b64", "331099001", by="ct-07")


@pytest.mark.parametrize("verdict", ["REJECTED", "EXPIRED"])
def test_the_forwarded_verdict_becomes_a_kept_update_with_a_closed_status(verdict):
    case_id = f"cs_0123456789abcdef0123@{KEY}"
    record = keeping_record(_held(), verdict, T0 + 2 * MIN, case_id, "od_1")
    assert record["case_key"] == case_key_of(case_id) == KEY
    decoded = CODEC.decode(CODEC.encode("CallTakerVerdict", record), expect="CallTakerVerdict")
    step = step_from_verdict(decoded)
    assert step is not None and step.kind is UpdateKind.KEPT_BY_POLICE
    assert (step.case_id, step.order_id, step.decision_id) == (case_id, "od_1", "dc_1")

    opened = apply_call(CaseBucket(KEY), call("dc_1", T0), RULES)
    real = Step(
        step.event_id,
        opened.case.case_id,
        opened.case.current_order_id,
        step.kind,
        step.at_ms,
        step.decision_id,
    )
    _, case, _ = apply_step(opened.bucket, real)
    assert case is not None
    update = step_update_record(KEY, case, real)
    assert update["kind"] == CaseUpdateKind.KEPT_BY_POLICE
    assert update["rule"] == Rule.VERDICT and update["status"] == CaseStatus.CLOSED
    assert update["decision_id"] == "dc_1" and update["lifecycle_event_id"] is None
    CODEC.encode("CaseUpdate", update)  # a valid record of today's contract
    # Not a call for the rates (not in 重复报警率), and no unit closed it (no 办结: the
    # completion counter counts only the unit's CLOSED lifecycle events of released orders).
    assert CaseCallFacts.from_record(update) is None


def test_confirmations_and_answers_without_a_case_are_no_steps():
    base = keeping_record(_held(), "REJECTED", T0, f"cs_0123456789abcdef0123@{KEY}", "od_1")
    assert step_from_verdict({**base, "verdict": "CONFIRMED"}) is None
    assert step_from_verdict({**base, "case_id": None}) is None  # a call-taker's own record
    with pytest.raises(ValueError):
        keeping_record(_held(), "CONFIRMED", T0, f"cs_0123456789abcdef0123@{KEY}", "od_1")
    with pytest.raises(ValueError):
        keeping_record(_held(), "REJECTED", T0, "not-a-case", "od_1")


def test_a_kept_case_within_its_window_still_counts_against_the_cap_as_closed():
    rules = MergeRules(max_cases_per_key=1)
    bucket, case = suggested_and_kept()
    other = apply_call(
        bucket,
        IncomingCall("dc_9", KEY, T0 + DAY_MS, "ck_z", place_from(None, 121.3, 28.5), False, 3),
        rules,
    )
    assert other.bucket.find(case.case_id) is None  # a closed case goes first


def test_the_audit_trail_names_a_kept_case_and_follows_the_expired_note_to_it():
    from fenliu.processors.audit_trail import describe, ids_in
    from fenliu.topics import catalogue as topics

    opened = apply_call(CaseBucket(KEY), call("dc_1", T0), RULES)
    case_id, order_id = opened.case.case_id, opened.case.current_order_id
    note = keeping_record(_held(), "EXPIRED", T0 + 2 * MIN, case_id, order_id)
    assert {case_id, order_id, "dc_1"} <= ids_in(note)  # the trail of the case reaches it
    assert describe(topics.VERDICTS, note, None)[1:] == (
        "call-taker EXPIRED",
        "dc_1 by ct-07 · the police keep the call",
    )
    step = step_from_verdict(note)
    assert step is not None
    _, case, _ = apply_step(opened.bucket, step)
    assert case is not None
    update = step_update_record(KEY, case, step)
    when, kind, line = describe(topics.CASES, update, None)
    assert (when, kind) == (T0 + 2 * MIN, "case kept_by_police")
    assert line.endswith("· CLOSED") and "rule VERDICT" in line
