"""The traffic generator (fenliu/traffic/generator.py): reproducible, in the reports' proportions,
with repeat callers, multi-reporter incidents, flow-backs, a daily rhythm and valid places,
and never the classifier's evaluation texts."""

from __future__ import annotations

import itertools
import json
import re
from collections import Counter, defaultdict
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from fenliu.processors.jurisdiction import PlaceMethod, haversine_km
from fenliu.processors.model import Location, Source
from fenliu.processors.phone import normalise_phone
from fenliu.refdata.decider import build_decider
from fenliu.schemas.serde import SingleObjectCodec
from fenliu.settings import Settings
from fenliu.traffic.feed import SCHEMA, load_traffic_model
from fenliu.traffic.generator import Kind, TrafficError, TrafficGenerator, build_traffic_model

START_MS = 1_795_000_000_000  # 2026-11-19
EVAL_DIR = Path(__file__).resolve().parent / "eval"
TRAFFIC_DIR = Path(__file__).resolve().parent.parent / "data" / "traffic"
DAY_MS = 86_400_000
TZ = ZoneInfo("Asia/Shanghai")


@pytest.fixture(scope="module")
def model():
    return load_traffic_model(Settings())


@pytest.fixture(scope="module")
def month(model):
    """Thirty days of traffic at the demo county's volume (~12,000 events)."""
    gen = TrafficGenerator(model, seed=2026, start_ms=START_MS)
    return list(itertools.takewhile(lambda e: e.at_ms < START_MS + 30 * DAY_MS, gen))


@pytest.fixture(scope="module")
def decider():
    return build_decider(Settings())


def _first(events, n):
    return list(itertools.islice(events, n))


def test_same_seed_and_start_give_the_same_records(model):
    a = _first(TrafficGenerator(model, seed=5, start_ms=START_MS), 3000)
    b = _first(TrafficGenerator(model, seed=5, start_ms=START_MS), 3000)
    c = _first(TrafficGenerator(model, seed=6, start_ms=START_MS), 3000)
    assert [(e.key, e.record, e.truth) for e in a] == [(e.key, e.record, e.truth) for e in b]
    assert [e.record for e in a] != [e.record for e in c]


def test_events_come_in_time_order_with_unique_keys(month):
    times = [e.at_ms for e in month]
    assert times == sorted(times)
    assert len({e.key for e in month}) == len(month)


def test_volume_follows_calls_per_day(model, month):
    per_day = len(month) / 30
    assert 0.85 * model.mix.calls_per_day <= per_day <= 1.15 * model.mix.calls_per_day


def test_every_class_of_the_taxonomy_is_generated(model, month):
    seen = Counter(e.truth.class_code for e in month)
    missing = [c.code for c in model.taxonomy.classes if c.code not in seen]
    assert missing == []
    assert seen["P00"] > 0  # calls nobody can classify are mixed in too


def test_proportions_follow_the_reports(month):
    first = [e for e in month if e.truth.kind is Kind.NEW]
    non_police = [e for e in first if not e.truth.is_police]
    disputes = sum(e.truth.dispute for e in non_police) / len(non_police)
    assert 0.40 <= disputes <= 0.60  # Dongcheng: "near half" of diverted matters are disputes
    by_class = Counter(e.truth.class_code for e in non_police)
    assert {c for c, _ in by_class.most_common(3)} == {
        "NP01",
        "NP02",
        "NP03",
    }  # wages, neighbours, economic
    calls = [e for e in first if e.source is Source.CALL_110]
    police_110 = sum(e.truth.is_police for e in calls) / len(calls)
    tickets = [e for e in first if e.source is Source.TICKET_12345]
    police_12345 = sum(e.truth.is_police for e in tickets) / len(tickets)
    assert 0.40 <= police_110 <= 0.60  # police work mixed into 110
    assert 0 < police_12345 < 0.08  # a few police matters reach 12345 too


def test_repeat_callers_call_again_within_hours_with_the_same_number(month):
    firsts = {e.truth.incident_id: e for e in month if e.truth.kind is Kind.NEW}
    repeats = [e for e in month if e.truth.kind is Kind.REPEAT]
    assert repeats
    for r in repeats:
        first = firsts[r.truth.incident_id]
        assert r.truth.caller_id == first.truth.caller_id
        assert r.truth.situation_code == first.truth.situation_code
        assert 0 < r.at_ms - first.at_ms <= 6 * 3_600_000


def test_every_spelling_of_a_callers_number_is_one_number(month):
    numbers = defaultdict(set)
    for e in month:
        if e.truth.caller_id is not None:
            numbers[e.truth.caller_id].add(normalise_phone(e.record["caller_phone"], "0576"))
    assert numbers
    assert all(len(n) == 1 and None not in n for n in numbers.values())
    spellings = {e.record["caller_phone"] for e in month}
    assert any(p and p.startswith("+86 ") for p in spellings)  # formats vary
    assert any(p and "-" in p and p.startswith("0576") for p in spellings)
    assert None in spellings and ("未知" in spellings or "匿名" in spellings)


def test_long_standing_callers_keep_calling_about_one_grievance(month):
    calls = [e for e in month if e.truth.kind is Kind.LONG_STANDING]
    by_incident = defaultdict(list)
    for e in calls:
        by_incident[e.truth.incident_id].append(e)
    assert any(len(v) >= 5 for v in by_incident.values())
    for v in by_incident.values():
        assert len({(e.truth.caller_id, e.truth.situation_code, e.truth.town_code) for e in v}) == 1


def test_multi_reporter_incidents_are_other_callers_at_one_place_within_the_hour(month):
    firsts = {e.truth.incident_id: e for e in month if e.truth.kind is Kind.NEW}
    extra = [e for e in month if e.truth.kind is Kind.MULTI]
    assert len(extra) > 50
    for e in extra:
        first = firsts[e.truth.incident_id]
        assert e.truth.caller_id != first.truth.caller_id or e.truth.caller_id is None
        assert e.truth.situation_code == first.truth.situation_code
        assert 0 < e.at_ms - first.at_ms <= 3_600_000
        r1, r2 = first.record, e.record
        if None not in (r1["longitude"], r2["longitude"]):
            assert (
                haversine_km(r1["longitude"], r1["latitude"], r2["longitude"], r2["latitude"])
                <= 0.03
            )


def test_flow_backs_are_diverted_matters_called_again_days_later(month):
    firsts = {e.truth.incident_id: e for e in month if e.truth.kind is Kind.NEW}
    backs = [e for e in month if e.truth.kind is Kind.FLOW_BACK]
    assert backs
    for e in backs:
        first = firsts[e.truth.incident_id]
        assert not e.truth.is_police
        assert e.truth.caller_id == first.truth.caller_id
        assert DAY_MS <= e.at_ms - first.at_ms <= 6 * DAY_MS


def test_daily_rhythm_has_quiet_nights_and_an_evening_peak(month):
    hours = Counter(datetime.fromtimestamp(e.at_ms / 1000, UTC).astimezone(TZ).hour for e in month)
    night = sum(hours[h] for h in (2, 3, 4, 5)) / 4
    evening = sum(hours[h] for h in (19, 20, 21)) / 3
    assert night < 0.4 * evening


def test_noise_is_a_night_matter(month):
    noise = [e for e in month if e.truth.situation_code in ("NP09-01", "NP02-01")]
    late = sum(
        datetime.fromtimestamp(e.at_ms / 1000, UTC).astimezone(TZ).hour in (21, 22, 23, 0, 1)
        for e in noise
    )
    assert late / len(noise) > 0.3  # five of 24 hours hold far more than 5/24 of them


def test_places_lie_inside_their_towns(month, decider):
    juris = decider.jurisdiction
    located = [e for e in month if e.record["longitude"] is not None]
    assert len(located) > len(month) / 2
    for e in located:
        place = juris.locate(Location(lon=e.record["longitude"], lat=e.record["latitude"]))
        assert place.method is PlaceMethod.POLYGON and place.town.code == e.truth.town_code
    coded = [e for e in month if e.record["admin_code"]]
    assert coded and all(e.record["admin_code"] == e.truth.town_code for e in coded)
    assert all(e.record["address"] for e in month)


def test_records_fit_the_contracts_and_the_router_accepts_them(month, decider):
    codec = SingleObjectCodec()
    for e in month[:3000]:
        raw = codec.decode(codec.encode(SCHEMA[e.source], e.record), expect=SCHEMA[e.source])
        decision = decider.decide(raw, e.source, now_ms=e.at_ms)
        assert decision.event.source_id == e.key


def test_classifier_agrees_with_the_intended_class_on_most_texts(month, decider):
    """The phrase material matches the taxonomy: most texts land in the class they were
    written for (real calls are messier; the rest is what the classifier makes of them)."""
    sample = month[:4000]
    same = sum(
        decider.decide(e.record, e.source, now_ms=e.at_ms).classification.class_code
        == e.truth.class_code
        for e in sample
    )
    assert same / len(sample) >= 0.9


def test_texts_vary(month):
    texts = [e.record.get("content") for e in month if e.truth.kind is Kind.NEW]
    assert len(set(texts)) / len(texts) > 0.8
    assert any(ch in "".join(texts) for ch in "０１２３４５６７８９")  # full-width digit slips
    assert any(t.startswith("报警人称") for t in texts if t)  # call-takers' summaries


def _eval_texts() -> list[str]:
    files = sorted(EVAL_DIR.glob("*.jsonl"))
    assert files, f"the classifier's evaluation set is missing from {EVAL_DIR}"
    return [
        json.loads(line)["text"]
        for f in files
        for line in f.read_text("utf-8").splitlines()
        if line.strip()
    ]


def test_no_generated_text_is_an_evaluation_text(month):
    """The generator must not leak the classifier's test set (tests/eval/*.jsonl)."""
    evaluation = set(_eval_texts())
    generated = set()
    for e in month:
        r = e.record
        generated.update(t for t in (r.get("content"), r.get("title")) if t)
        if e.source is Source.TICKET_12345:
            generated.add("\n".join(t for t in (r.get("title"), r.get("content")) if t))
    assert len(evaluation) > 100
    assert generated.isdisjoint(evaluation)


def test_no_template_shares_a_phrase_with_an_evaluation_text():
    """Stronger than equality: no run of 10 characters of a template (slots aside) occurs in
    an evaluation text, so nothing was copied and then varied."""
    phrases = yaml.safe_load((TRAFFIC_DIR / "phrases.yaml").read_text("utf-8"))
    evaluation = _eval_texts()
    copied = []
    for sit in phrases["situations"].values():
        for template in sit["texts"]:
            plain = re.sub(r"\{\w+\}", "\0", template)
            runs = {
                plain[i : i + 10] for i in range(len(plain) - 9) if "\0" not in plain[i : i + 10]
            }
            copied += [(template, run) for run in runs if any(run in text for text in evaluation)]
    assert copied == []


def test_material_that_does_not_fit_the_taxonomy_is_refused(model, decider):
    docs = [
        yaml.safe_load((TRAFFIC_DIR / f"{n}.yaml").read_text("utf-8"))
        for n in ("mix", "phrases", "places")
    ]
    docs[1]["situations"]["NP99-01"] = {"texts": ["不存在的情形"]}
    docs[0]["towns"]["999999999"] = 0.1
    with pytest.raises(TrafficError) as err:
        build_traffic_model(*docs, decider.taxonomy, decider.jurisdiction)
    assert "NP99-01" in str(err.value) and "999999999" in str(err.value)


@hsettings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 2**32),
    start=st.integers(946_684_800_000, 4_000_000_000_000),
    per_day=st.floats(10, 1_000_000),
)
def test_any_seed_start_and_volume_give_valid_ordered_records(model, seed, start, per_day):
    events = _first(TrafficGenerator(model, seed=seed, start_ms=start, calls_per_day=per_day), 200)
    assert [e.at_ms for e in events] == sorted(e.at_ms for e in events)
    assert events[0].at_ms > start
    codec = SingleObjectCodec()
    for e in events:
        codec.encode(SCHEMA[e.source], e.record)  # raises on a record the contract refuses
        assert (e.record.get("content") or "").strip()
