"""How a handling unit lives through one order: a pure, seeded plan of lifecycle steps.

Times are simulated seconds after the order reached the platform, shaped by the
domain's time limits (sign within 1 min, phone within 3, arrive within 8-10, close a
simple dispute within 30, follow up the next day: ``follow_up_after_s``). The knobs make some orders go
wrong the ways the reports describe: signed late, team never arriving, returned to
the police (回流), complaints. The same seed and order id give the same life, whatever
order orders arrive in, so tests and demos replay exactly.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from fenliu.schemas.records import LifecycleKind, Satisfaction
from fenliu.sinks.grid.contract import OrderRequest

DAY_S = 86_400
#: A follow-up call comes within this share of ``follow_up_after_s`` either side of it
#: (the next day: 20-28 h after the close).
FOLLOW_UP_SPREAD = 1 / 6


@dataclass(frozen=True)
class LifeKnobs:
    """Behaviour of the simulated units (probabilities per order)."""

    sign_late_rate: float = 0.1
    no_arrival_rate: float = 0.05
    return_rate: float = 0.05
    complaint_rate: float = 0.05
    on_site_rate: float = 0.756
    #: Simulated seconds from the close to the follow-up call (回访), the centre of its
    #: window. The domain's is the next day; a test that needs satisfaction figures soon
    #: shortens it (a follow-up any time before the end of the next day meets the SLA).
    follow_up_after_s: float = DAY_S
    satisfaction: dict[str, float] = field(
        default_factory=lambda: {
            Satisfaction.SATISFIED: 0.9,
            Satisfaction.BASICALLY_SATISFIED: 0.07,
            Satisfaction.DISSATISFIED: 0.02,
            Satisfaction.UNREACHABLE: 0.01,
        }
    )


@dataclass(frozen=True)
class Step:
    """One planned lifecycle event, ``offset_s`` simulated seconds after receipt."""

    seq: int
    offset_s: float
    kind: LifecycleKind
    actor: str
    note: str | None = None
    satisfaction: str | None = None
    resolved_on_site: bool | None = None

    def event_id(self, order_id: str) -> str:
        """Deterministic, so a re-sent event is recognised downstream as the same one."""
        return f"{order_id}-{self.seq:02d}-{self.kind}"


NOTES = {
    LifecycleKind.SIGNED: "已签收",
    LifecycleKind.ACCEPTED: "公安机关已受理移交事项",
    LifecycleKind.PHONED: "已电话联系报警人",
    LifecycleKind.DEPARTED: "处置人员已出动",
    LifecycleKind.ARRIVED: "处置人员已到达现场",
    LifecycleKind.FEEDBACK: "已开展调解，双方达成一致",
    LifecycleKind.CLOSED: "事项已办结",
    LifecycleKind.RETURNED: "经核实不属于本单位职责，退回110",
    LifecycleKind.COMPLAINED: "群众对处置结果不满意，提出投诉",
}


def plan_life(order: OrderRequest, knobs: LifeKnobs, seed: int) -> list[Step]:
    """Every lifecycle step the unit will report for ``order``, in time order."""
    rng = random.Random(f"{seed}:{order.order_id}")
    actor = f"{order.unit_id}-staff-{rng.randint(1, 20):02d}"
    steps: list[Step] = []
    t = 0.0

    def add(kind: LifecycleKind, after_s: tuple[float, float], **extra: object) -> None:
        nonlocal t
        t += rng.uniform(*after_s)
        note = extra.pop("note", NOTES.get(kind))
        steps.append(Step(len(steps) + 1, round(t, 3), kind, actor, note, **extra))  # type: ignore[arg-type]

    late = rng.random() < knobs.sign_late_rate
    add(LifecycleKind.SIGNED, (90, 600) if late else (10, 55))
    if order.is_police_matter:
        add(LifecycleKind.ACCEPTED, (30, 600))
    elif rng.random() < knobs.return_rate:
        add(LifecycleKind.RETURNED, (60, 900))
        return steps
    add(LifecycleKind.PHONED, (20, 120))
    add(LifecycleKind.DEPARTED, (10, 60))
    if rng.random() < knobs.no_arrival_rate:
        return steps  # the team never gets there: the SLA watch has to notice
    add(LifecycleKind.ARRIVED, (180, 480))
    add(LifecycleKind.FEEDBACK, (300, 1200))
    on_site = rng.random() < knobs.on_site_rate
    add(LifecycleKind.CLOSED, (30, 300), resolved_on_site=on_site)
    answers, weights = zip(*sorted(knobs.satisfaction.items()))
    answer = rng.choices(answers, weights=weights)[0]
    add(
        LifecycleKind.FOLLOWED_UP,
        (
            knobs.follow_up_after_s * (1 - FOLLOW_UP_SPREAD),
            knobs.follow_up_after_s * (1 + FOLLOW_UP_SPREAD),
        ),
        satisfaction=answer,
        note=f"回访：{answer}",
    )
    complaint_rate = max(knobs.complaint_rate, 0.5 if answer == Satisfaction.DISSATISFIED else 0.0)
    if rng.random() < complaint_rate:
        add(LifecycleKind.COMPLAINED, (600, 6 * 3600))
    return steps
