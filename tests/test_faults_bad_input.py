"""Bad input of every kind, mixed into good traffic, through the real router process.

Property (hypothesis): whatever bad records are drawn — random bytes, another contract,
truncated Avro, unknown fingerprints, missing fields, a 1 MB text, wrong coordinates,
future or ancient times, empty calls — each ends in the dead-letter topic with its
reason, and the good calls around them are decided exactly as if the bad ones were not
there (every good call one decision, no decision for a bad one).
"""

from __future__ import annotations

import itertools
import threading
import time
import uuid
from collections import Counter, defaultdict

import pytest
from confluent_kafka import OFFSET_BEGINNING, Consumer, Producer, TopicPartition
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from bench.harness import pipeline, wait_metrics
from fenliu.processors.model import RejectReason as R
from fenliu.processors.model import Source
from fenliu.schemas.serde import SINGLE_OBJECT_MAGIC, SingleObjectCodec
from fenliu.streams.kafka.config import confluent_config
from fenliu.topics import catalogue as topics
from fenliu.traffic.feed import load_traffic_model
from fenliu.traffic.generator import TrafficGenerator
from tests.factories import call110, ticket12345

pytestmark = pytest.mark.kafka
CODEC = SingleObjectCodec()
MB_TEXT = "楼上漏水" * 90_000  # 360,000 characters, 1.08 MB of UTF-8
DAY_MS = 86_400_000


def _now_ms() -> int:
    return time.time_ns() // 1_000_000


class Outputs:
    """Every decision and dead letter the router writes, collected by a background reader."""

    def __init__(self, settings) -> None:
        self.lock = threading.Lock()
        self.decisions: Counter[str] = Counter()  # source id -> decision records
        self.dead: dict[str, list[tuple[str, str]]] = defaultdict(list)  # key -> [(reason, stage)]
        self._stop = threading.Event()
        self._consumer = Consumer(
            confluent_config(
                settings, **{"group.id": "faults-reader", "fetch.message.max.bytes": 8_000_000}
            )
        )
        names = [settings.topic(topics.DECISIONS), settings.topic(topics.DEAD_LETTER)]
        meta = self._consumer.list_topics(timeout=10)
        self._consumer.assign(
            [
                TopicPartition(t, p, OFFSET_BEGINNING)
                for t in names
                for p in meta.topics[t].partitions
            ]
        )
        self._decisions = names[0]
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            for m in self._consumer.consume(500, timeout=0.2):
                if m.error() is not None:
                    continue
                if m.topic() == self._decisions:
                    record = CODEC.decode(m.value(), expect="Decision")
                    with self.lock:
                        self.decisions[record["event"]["source_id"]] += 1
                else:
                    record = CODEC.decode(m.value(), expect="DeadLetter")
                    with self.lock:
                        self.dead[(m.key() or b"").decode("utf-8", "replace")].append(
                            (record["reason"], record["stage"])
                        )

    def wait_for(self, good: list[str], bad: list[str], timeout_s: float = 45) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            with self.lock:
                if all(self.decisions[g] for g in good) and all(self.dead.get(b) for b in bad):
                    return
            time.sleep(0.2)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(5)
        self._consumer.close()


@pytest.fixture(scope="module")
def router(settings, tmp_path_factory):
    """One router process for the whole module on its own topics; yields (settings, outputs, producer)."""
    mine = settings.replace(
        topics={"prefix": f"{settings.topics.prefix}bad-{uuid.uuid4().hex[:6]}-"},
        teams={"key_prefix": f"{settings.topics.prefix}bad-teams"},
    )
    with pipeline(mine, ["router"], tmp_path_factory.mktemp("router-logs")) as (supervisor, _):
        wait_metrics(supervisor)
        outputs = Outputs(mine)
        producer = Producer(
            confluent_config(
                mine, **{"message.max.bytes": 8_000_000, "compression.type": "lz4", "linger.ms": 5}
            )
        )
        yield mine, outputs, producer
        outputs.close()
        assert not supervisor.crashed(), supervisor.crashed()[0].log_tail(40)


@pytest.fixture(scope="module")
def good_calls(settings):
    model = load_traffic_model(settings)
    return TrafficGenerator(model, seed=21, start_ms=_now_ms() - DAY_MS, calls_per_day=50_000)


def _good(tag: str, n: int, gen) -> list[tuple[str, str, bytes]]:
    out = []
    for i, e in enumerate(itertools.islice(iter(gen), n)):
        key = f"good-{tag}-{i}"
        id_field = "call_id" if e.source is Source.CALL_110 else "ticket_id"
        record = {**e.record, id_field: key}
        schema = "Call110" if e.source is Source.CALL_110 else "Ticket12345"
        out.append((e.topic, key, CODEC.encode(schema, record)))
    return out


def _valid_call(key: str, **fields) -> bytes:
    return CODEC.encode(
        "Call110", {**call110(key, "楼上装修太吵了", at_ms=_now_ms() - 60_000), **fields}
    )


# Each strategy draws (label, value bytes given the record key, expected reasons).
bad_kinds = st.one_of(
    st.binary(max_size=400).map(
        lambda b: ("random bytes", lambda _k, b=b: b, {R.UNDECODABLE, R.UNKNOWN_SCHEMA})
    ),
    st.binary(min_size=8, max_size=8).map(
        lambda fp: (
            "unknown fingerprint",
            lambda k, fp=fp: SINGLE_OBJECT_MAGIC + fp + _valid_call(k)[10:],
            {R.UNKNOWN_SCHEMA},
        )
    ),
    st.just(
        (
            "another contract (a 12345 ticket on the 110 topic)",
            lambda k: CODEC.encode("Ticket12345", ticket12345(k, "噪音扰民", at_ms=_now_ms())),
            {R.WRONG_SCHEMA},
        )
    ),
    st.floats(0.01, 0.99).map(
        lambda f: (
            "truncated Avro",
            lambda k, f=f: (v := _valid_call(k))[: max(1, int(len(v) * f))],
            {R.UNDECODABLE, R.UNKNOWN_SCHEMA},
        )
    ),
    st.sampled_from(["", "   "]).map(
        lambda blank: ("missing call id", lambda _k, b=blank: _valid_call(b), {R.MISSING_FIELD})
    ),
    st.just(
        ("longitude without latitude", lambda k: _valid_call(k, latitude=None), {R.MISSING_FIELD})
    ),
    st.integers(4_001, 60_000).map(
        lambda n: (
            "text over the limit",
            lambda k, n=n: _valid_call(k, content="漏" * n),
            {R.TEXT_TOO_LONG},
        )
    ),
    st.tuples(st.floats(allow_nan=True, allow_infinity=True), st.floats(-90, 90))
    .filter(lambda c: not (73.5 <= c[0] <= 135.1 and 18.1 <= c[1] <= 53.6))
    .map(
        lambda c: (
            "coordinates outside China",
            lambda k, c=c: _valid_call(k, longitude=c[0], latitude=c[1]),
            {R.COORDINATES_OUTSIDE_CHINA},
        )
    ),
    st.integers(3_600_000, 3650 * DAY_MS).map(
        lambda ahead: (
            "future time",
            lambda k, a=ahead: _valid_call(k, received_at=_now_ms() + a),
            {R.FUTURE_TIME},
        )
    ),
    st.integers(0, 946_684_799_999).map(
        lambda t: ("ancient time", lambda k, t=t: _valid_call(k, received_at=t), {R.ANCIENT_TIME})
    ),
    st.just(
        (
            "empty call",
            lambda k: _valid_call(
                k, content=None, address=None, longitude=None, latitude=None, admin_code=None
            ),
            {R.EMPTY_CALL},
        )
    ),
)


# Each example costs a round trip through the router: few examples, and no shrinking (a
# failure names its bad records in the assertion message instead).
@hsettings(
    max_examples=15,
    deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(bad=st.lists(bad_kinds, min_size=1, max_size=6), n_good=st.integers(1, 8))
def test_every_bad_record_is_a_dead_letter_and_good_ones_are_decided(
    router, good_calls, bad, n_good
):
    settings, outputs, producer = router
    tag = uuid.uuid4().hex[:8]
    good = _good(tag, n_good, good_calls)
    expected: dict[str, tuple[str, set]] = {}
    sends = []
    for i, (label, make, reasons) in enumerate(bad):
        key = f"bad-{tag}-{i}"
        expected[key] = (label, {r.value for r in reasons})
        sends.append((topics.RAW_110, key, make(key)))
    # interleave: the bad records sit between good ones on the same topic
    mixed = [x for pair in itertools.zip_longest(good, sends) for x in pair if x is not None]
    for topic, key, value in mixed:
        producer.produce(settings.topic(topic), value, key.encode())
    assert producer.flush(30) == 0
    outputs.wait_for([k for _, k, _ in good], list(expected))
    with outputs.lock:
        for key, (label, reasons) in expected.items():
            got = outputs.dead.get(key)
            assert got, f"{label}: no dead letter for {key}"
            assert {reason for reason, _ in got} <= reasons, f"{label}: {got} not in {reasons}"
        assert all(outputs.decisions[k] == 1 for _, k, _ in good), (
            "a good call was not decided exactly once"
        )
        assert not any(outputs.dead.get(k) for _, k, _ in good), "a good call became a dead letter"
        assert sum(outputs.decisions[k] for k in expected) == 0  # no bad record was decided


def test_counts_of_good_events_add_up_after_all_examples(router, good_calls):
    """One of each kind more, then over the whole module: decisions = good calls sent,
    one dead letter per bad record, nothing else."""
    settings, outputs, producer = router
    tag = uuid.uuid4().hex[:8]
    good = _good(tag, 5, good_calls)
    bad = [
        (f"bad-{tag}-{i}", make(f"bad-{tag}-{i}"))
        for i, (_label, make, _r) in enumerate(
            [
                ("random", lambda _k: b"\x00\x01not avro", None),
                (
                    "ticket",
                    lambda k: CODEC.encode("Ticket12345", ticket12345(k, "噪音", at_ms=_now_ms())),
                    None,
                ),
                ("future", lambda k: _valid_call(k, received_at=_now_ms() + DAY_MS), None),
                ("long", lambda k: _valid_call(k, content="漏" * 5000), None),
            ]
        )
    ]
    for topic, key, value in good:
        producer.produce(settings.topic(topic), value, key.encode())
    for key, value in bad:
        producer.produce(settings.topic(topics.RAW_110), value, key.encode())
    assert producer.flush(30) == 0
    outputs.wait_for([k for _, k, _ in good], [k for k, _ in bad])
    time.sleep(2)  # anything extra the router might still write
    with outputs.lock:
        goods = {k: n for k, n in outputs.decisions.items() if k.startswith("good-")}
        bads = {k: v for k, v in outputs.dead.items() if k.startswith("bad-")}
        assert goods and bads
        assert set(outputs.decisions) == set(goods)  # nothing but the good calls was decided
        assert all(n == 1 for n in goods.values())
        assert all(len(v) == 1 for v in bads.values())  # one dead letter per bad record
        assert all(k in bads for k, _ in bad)


def test_a_1mb_text_is_a_dead_letter_and_the_router_lives_on(settings, tmp_path):
    mine = settings.replace(
        topics={"prefix": f"{settings.topics.prefix}mb-{uuid.uuid4().hex[:6]}-"},
        teams={"key_prefix": f"{settings.topics.prefix}mb-teams"},
    )
    with pipeline(mine, ["router"], tmp_path) as (supervisor, _):
        wait_metrics(supervisor)
        outputs = Outputs(mine)
        producer = Producer(
            confluent_config(mine, **{"message.max.bytes": 8_000_000, "compression.type": "lz4"})
        )
        producer.produce(
            mine.topic(topics.RAW_110), _valid_call("mb-huge", content=MB_TEXT), b"mb-huge"
        )
        producer.produce(mine.topic(topics.RAW_110), _valid_call("mb-after"), b"mb-after")
        assert producer.flush(30) == 0
        outputs.wait_for(["mb-after"], ["mb-huge"], timeout_s=30)
        outputs.close()
        crashed = supervisor.crashed()
        with outputs.lock:
            assert not crashed, crashed[0].log_tail(5) if crashed else ""
            assert outputs.dead.get("mb-huge") == [(R.TEXT_TOO_LONG.value, "normalise+classify")]
            assert outputs.decisions["mb-after"] == 1
