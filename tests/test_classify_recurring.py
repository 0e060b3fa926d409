"""Street racing told as a nuisance that recurs is a 12345 complaint, not an emergency (zj-2026.12.253).

"每天半夜都有改装摩托飙车，吵得睡不着，希望交警多巡查" asks the traffic police to deal with a standing
nuisance: 12345's writers route every such ticket, and most real messages that say 飙车 are such
complaints. A 110 call is made while it happens, so there the same words stay a present danger,
and a ticket that says the racing is going on now ("今晚又来了") goes to the police. Examples
written here, each beside a counterpart that must go the other way.
"""

from __future__ import annotations

import pytest

from fenliu.processors.modality import RECURRING, Clauses, Cue, SingleChars, modality
from fenliu.processors.model import Outcome, Source
from fenliu.processors.outcome import OutcomePolicy, decide_outcome
from tests.classify_support import fired, run, signs
from tests.test_outcome import CATEGORY

HABITUAL = [
    "每天半夜都有几辆改装摩托在江堤路上飙车，排气管响得吓人，希望交警晚上来查查",
    "一到周末晚上，开发区那条直路上就有人飙车，轰到两三点，附近小区都睡不好",
    "我们小区后面的环湖路上经常有改装车飙车，请交警部门加强夜间巡逻",
    # the cue in a later sentence than the racing: a ticket tells its nuisance as a whole
    "学校门口那条路晚上总是有人飙车，摩托车改了排气管，每个周末都这样，请管一管",
]


@pytest.mark.parametrize("text", HABITUAL)
def test_a_recurring_race_on_12345_is_a_nuisance_to_route(text: str) -> None:
    ticket = run(text, source="12345")
    assert "situation:P05-03" not in fired(ticket)
    assert "police_term_modal:recurring:飙车" in ticket.doubts


@pytest.mark.parametrize("text", HABITUAL)
def test_the_same_words_on_110_are_a_race_happening_now(text: str) -> None:
    assert "situation:P05-03" in fired(run(text, source="110"))


@pytest.mark.parametrize(
    "text",
    [
        "每天半夜都有几辆改装摩托在江堤路上飙车，今晚又来了，在路口来回追",
        "经常有人在这条路上飙车，现在有五六辆车正在桥上来回跑",
        "每到周末就有人飙车，刚才一辆摩托差点冲上人行道",
    ],
)
def test_a_ticket_that_says_it_is_going_on_now_goes_to_the_police(text: str) -> None:
    ticket = run(text, source="12345")
    assert ticket.is_police_matter and "situation:P05-03" in fired(ticket)
    assert not any("recurring" in d for d in ticket.doubts)


def test_drunk_driving_told_as_recurring_is_still_a_crime_on_12345() -> None:
    """The role governs the word 飙车 only, not the rest of P05-03: drunk driving is a crime."""
    ticket = run("饭馆门口天天晚上有人喝了酒还开车走，请交警来查", source="12345")
    assert "situation:P05-03" in fired(ticket)
    assert not any("recurring" in d for d in ticket.doubts)


def test_noise_still_governs_the_crowd_beside_a_recurring_race() -> None:
    """The recurring cue is read only for what it governs: a crowd singing every night is noise."""
    ticket = run("每天晚上一群人在楼下广场喝酒唱歌，吵到半夜", source="12345")
    assert "safety:crowd" not in signs(ticket)
    assert any(d.startswith("danger_modal:noisy:") for d in ticket.doubts)


def test_a_recurring_doubt_does_not_stop_a_route() -> None:
    ticket = run(HABITUAL[0], source="12345")
    routed = decide_outcome(ticket, Source.TICKET_12345, 0.05, CATEGORY, OutcomePolicy())
    assert routed.outcome is Outcome.ROUTE


def test_the_role_governs_only_where_the_classifier_passes_it() -> None:
    text = "每晚都有人飙车"
    at = text.index("飙车")
    cues = [Cue(0, 2, RECURRING)]
    breaks = SingleChars(recurring_breaks=frozenset({"今晚"}))
    clauses = Clauses(text, "，")
    assert modality("飙车", at, at + 2, cues, clauses, breaks, (RECURRING,)) == RECURRING
    assert modality("飙车", at, at + 2, cues, clauses, breaks, ()) is None
    now = "每晚都有人飙车，今晚又来了"
    assert modality("飙车", at, at + 2, cues, Clauses(now, "，"), breaks, (RECURRING,)) is None
