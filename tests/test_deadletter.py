"""Dead-letter records keep the original, and always fit in a Kafka message."""

from __future__ import annotations

import hashlib

from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from fenliu.processors.model import InvalidEvent, RejectReason
from fenliu.schemas.serde import SingleObjectCodec
from fenliu.streams.kafka.dead_letters import Failure, dead_letter_record

CODEC = SingleObjectCodec()


class Msg:
    def __init__(self, value: bytes | None, topic: str = "fenliu.orders") -> None:
        self._value = value
        self._topic = topic

    def topic(self):
        return self._topic

    def partition(self):
        return 3

    def offset(self):
        return 42

    def key(self):
        return b"C1"

    def value(self):
        return self._value

    def headers(self):
        return [("trace", b"x"), ("trace", b"y")]

    def timestamp(self):
        return (1, 1_795_000_000_000)


def _failure() -> Failure:
    return Failure.from_exception("decode", InvalidEvent(RejectReason.UNDECODABLE, "bad bytes"))


@hsettings(max_examples=50, deadline=None)
@given(st.binary(min_size=0, max_size=5000), st.integers(1024, 4096))
def test_small_originals_are_kept_whole_and_large_ones_cut_with_their_hash(value, limit):
    record = dead_letter_record(
        Msg(value), _failure(), service="router", now_ms=1, max_value_bytes=limit
    )
    assert record["value_size"] == len(value)
    assert record["value_sha256"] == hashlib.sha256(value).hexdigest()
    assert record["value_truncated"] == (len(value) > limit)
    assert record["value"] == value[:limit]
    decoded = CODEC.decode(CODEC.encode("DeadLetter", record), expect="DeadLetter")
    assert decoded["value"] == value[:limit] and decoded["offset"] == 42
    assert decoded["value_in_source"] is False


@hsettings(max_examples=30, deadline=None)
@given(
    st.binary(max_size=5000),
    st.sampled_from(["", "test-abc-", "tenant1."]),
    st.sampled_from(["fenliu.raw.110", "fenliu.raw.12345"]),
)
def test_a_raw_topic_dead_letter_points_to_the_original_and_copies_no_byte(tail, prefix, raw):
    """Raw calls hold phone numbers: the dead letter keeps topic, partition, offset, size and
    SHA-256, never the bytes, so the number stays under the raw topic's access control."""
    value = b'{"caller_phone": "13800138000"}' + tail
    record = dead_letter_record(
        Msg(value, prefix + raw), _failure(), service="router", now_ms=1, max_value_bytes=1024
    )
    assert record["value"] is None and record["value_in_source"] is True
    assert record["value_truncated"] is False
    assert (record["topic"], record["partition"], record["offset"]) == (prefix + raw, 3, 42)
    assert (record["value_size"], record["value_sha256"]) == (
        len(value),
        hashlib.sha256(value).hexdigest(),
    )
    encoded = CODEC.encode("DeadLetter", record)
    assert b"13800138000" not in encoded
    assert CODEC.decode(encoded, expect="DeadLetter")["value_in_source"] is True


def test_a_failure_names_its_reason_and_a_bug_is_a_processing_error():
    record = dead_letter_record(
        Msg(b"x"), _failure(), service="router", now_ms=1, max_value_bytes=1024
    )
    assert (record["stage"], record["reason"], record["headers"]) == (
        "decode",
        "UNDECODABLE",
        {"trace": b"y"},
    )
    bug = Failure.from_exception("route", KeyError("town"))
    assert bug.reason == RejectReason.PROCESSING_ERROR.value and "KeyError" in bug.error


def test_no_value_is_recorded_as_such():
    record = dead_letter_record(
        Msg(None), _failure(), service="router", now_ms=1, max_value_bytes=1024
    )
    assert (record["value"], record["value_size"], record["value_sha256"]) == (None, -1, None)
