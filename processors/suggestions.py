"""Held SUGGEST orders and the call-taker's answer (issue 11), as pure state transitions.

A 110 call that ends SUGGEST gets its dispatch order made like any other, but the order
is *held*: the police keep the call until a call-taker confirms the diversion with one
key (a ``CallTakerVerdict`` CONFIRMED on ``fenliu.verdicts``). CONFIRMED releases the
order to the unit; REJECTED, or no answer by ``due_ms`` (``FENLIU_CASE_SUGGEST_TIMEOUT_S``
after the call), leaves it with the police, and the case it opened is closed as
KEPT_BY_POLICE (``keeping_record``: the worker forwards the answer, naming the case, to
the cases agent). Either may arrive first: a verdict read before its order waits for it
until the same time limit. A released order's windows start at the confirmation
(``released_order``): the unit cannot sign an order it has not been given. The worker
(``streams/worker/suggestions.py``) keeps one ``Held`` per decision id in a table; an
answered one stays (with its verdict) until its time limit, so a re-delivered order or a
second answer changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any

from fenliu.processors.case_state import case_key_of
from fenliu.schemas.records import epoch_ms

CONFIRMED = "CONFIRMED"
REJECTED = "REJECTED"
EXPIRED = "EXPIRED"
VERDICTS = (CONFIRMED, REJECTED, EXPIRED)


class Action(StrEnum):
    """What the worker does after one input."""

    WAIT = "WAIT"  # keep the state, send nothing
    RELEASE = "RELEASE"  # send the held order to fenliu.orders (a confirmed diversion)
    KEEP = "KEEP"  # the police keep the call: drop the order (rejected)
    EXPIRE = "EXPIRE"  # the police keep the call: drop the order and write an EXPIRED verdict
    DROP = "DROP"  # forget a verdict whose order never came
    IGNORE = "IGNORE"  # a duplicate or a late answer: nothing changes


@dataclass(frozen=True, slots=True)
class Held:
    """One SUGGEST decision's order waiting for its answer (or an answer waiting for it)."""

    decision_id: str
    partition: int  # of the topics it came on: ticks of this partition expire it
    due_ms: int
    order_id: str | None = None
    order: str | None = None  # the held DispatchOrder bytes, base64 (None: not read yet)
    town: str = ""
    verdict: str | None = None  # an answer read before the order
    answered_ms: int | None = None  # when it was answered (the verdict's ``at``)
    by: str = ""  # who answered

    def to_dict(self) -> dict[str, Any]:
        return {
            "d": self.decision_id,
            "p": self.partition,
            "t": self.due_ms,
            "i": self.order_id,
            "o": self.order,
            "w": self.town,
            "v": self.verdict,
            "a": self.answered_ms,
            "b": self.by,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Held:
        return cls(
            d["d"],
            int(d["p"]),
            int(d["t"]),
            d.get("i"),
            d.get("o"),
            d.get("w") or "",
            d.get("v"),
            d.get("a"),
            d.get("b") or "",
        )


def waiting(held: Held | None) -> bool:
    """An order held for its answer: what the worker's held gauge counts. An answer read
    before its order is not one, nor an answered order kept until its time limit."""
    return held is not None and held.order is not None and held.verdict is None


def on_order(
    held: Held | None,
    decision_id: str,
    partition: int,
    at_ms: int,
    timeout_ms: int,
    order_id: str,
    order: str,
    town: str,
) -> tuple[Held | None, Action]:
    """A held order arrives (the cases agent made it for a SUGGEST decision)."""
    if held is not None and held.order is not None:
        return held, Action.IGNORE  # re-delivered
    if held is not None and held.verdict is not None:
        done = replace(
            held,
            decision_id=decision_id,
            partition=partition,
            order_id=order_id,
            order=order,
            town=town,
        )
        return done, (Action.RELEASE if held.verdict == CONFIRMED else Action.KEEP)
    return Held(decision_id, partition, at_ms + timeout_ms, order_id, order, town), Action.WAIT


def on_verdict(
    held: Held | None,
    decision_id: str,
    partition: int,
    verdict: str,
    at_ms: int,
    timeout_ms: int,
    by: str = "",
) -> tuple[Held | None, Action]:
    """A verdict arrives. The first answer wins; later ones change nothing."""
    if verdict not in VERDICTS:
        raise ValueError(f"unknown verdict {verdict!r}")
    if held is None:
        if verdict == EXPIRED:
            return None, Action.IGNORE  # our own note, read back
        waiting = Held(
            decision_id, partition, at_ms + timeout_ms, verdict=verdict, answered_ms=at_ms, by=by
        )
        return waiting, Action.WAIT
    if held.order is None or held.verdict is not None:
        return held, Action.IGNORE
    done = replace(held, verdict=verdict, answered_ms=at_ms, by=by)
    return done, (Action.RELEASE if verdict == CONFIRMED else Action.KEEP)


def on_tick(entries: Iterable[Held], partition: int, now_ms: int) -> list[tuple[Held, Action]]:
    """What the partition's time has made due: unanswered orders expire (the police keep
    them); answered entries and answers whose order never came are dropped. Sorted by due time, then id."""
    due = sorted(
        (h for h in entries if h.partition == partition and h.due_ms <= now_ms),
        key=lambda h: (h.due_ms, h.decision_id),
    )
    return [
        (h, Action.EXPIRE if h.order is not None and h.verdict is None else Action.DROP)
        for h in due
    ]


def verdict_id(decision_id: str, verdict: str) -> str:
    """Deterministic: one answer of each kind per decision, re-sends share the id."""
    return f"v_{decision_id}_{verdict.lower()}"


def released_order(order: Mapping[str, Any], released_at_ms: int) -> dict[str, Any]:
    """A held ``DispatchOrder`` as it is released: its windows start at the confirmation.

    The router set the deadlines from the call's time; the unit gets the order only when
    the call-taker confirms it, so ``created_at`` (the start of every stage's window, for
    the SLA timer and the rates' latencies) moves to the release and every ``due_at``
    moves by as much: each stage keeps its full window (docs/sla.md). The time the call
    was held stays in the decision (``event.received_at``) and the case (``opened_at``).
    A confirmation stamped before the call moves nothing."""
    created = epoch_ms(order["created_at"])
    shift = max(0, released_at_ms - created)
    return {
        **order,
        "created_at": created + shift,
        "deadlines": [{**d, "due_at": epoch_ms(d["due_at"]) + shift} for d in order["deadlines"]],
    }


def keeping_record(
    held: Held, verdict: str, at_ms: int, case_id: str, order_id: str
) -> dict[str, Any]:
    """The ``CallTakerVerdict`` that tells the cases agent the police keep ``held``'s call
    (REJECTED or EXPIRED): it names the case and the held order, so the case closes as
    KEPT_BY_POLICE (``processors.case_records.step_from_verdict``)."""
    if verdict not in (REJECTED, EXPIRED):
        raise ValueError(f"{verdict!r} keeps nothing")
    key = case_key_of(case_id)
    if key is None:
        raise ValueError(f"not a case id: {case_id!r}")
    return {
        "verdict_id": verdict_id(held.decision_id, verdict),
        "decision_id": held.decision_id,
        "case_key": key,
        "source": "S110",
        "source_id": "",
        "verdict": verdict,
        "by": held.by or "fenliu-worker",
        "at": at_ms,
        "text": None,
        "case_id": case_id,
        "order_id": order_id,
    }


def label_rows(verdicts: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Call-takers' answers as labelled rows ``fenliu train --verdicts`` reads.

    CONFIRMED says the call was not police work (NON_POLICE), REJECTED that it was
    (POLICE); EXPIRED says nothing and answers without text cannot be trained on. One row
    per decision: its first answer, as the worker acted on it. Sorted by id."""
    first: dict[str, Mapping[str, Any]] = {}
    for v in sorted(verdicts, key=lambda v: (int(v["at"]), str(v["verdict_id"]))):
        if v["verdict"] != EXPIRED:
            first.setdefault(str(v["decision_id"]), v)
    rows = [
        {
            "id": f"verdict:{d}",
            "source": "110",
            "text": v["text"],
            "expected_list": "NON_POLICE" if v["verdict"] == CONFIRMED else "POLICE",
            "labelled_by": str(v["by"]),
        }
        for d, v in first.items()
        if v.get("text")
    ]
    return sorted(rows, key=lambda r: r["id"])


def simulated_answer(decision_id: str, seed: int, confirm_share: float) -> str | None:
    """The demo's call-taker: CONFIRMED for ``confirm_share`` of the suggestions, the rest
    half REJECTED, half never answered (they expire); deterministic per id and seed."""
    import hashlib

    u = int(hashlib.sha256(f"{seed}:{decision_id}".encode()).hexdigest()[:12], 16) / 16**12
    if u < confirm_share:
        return CONFIRMED
    return REJECTED if u < confirm_share + (1 - confirm_share) / 2 else None
