"""Phone normalisation, caller keys and scrubbing of numbers from free text."""

from __future__ import annotations

import re

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from fenliu.processors.phone import (
    PHONE_PLACEHOLDER,
    caller_key,
    caller_key_for,
    caller_key_id,
    normalise_phone,
    scrub_phone_numbers,
)

KEY = b"test-key-1"
OTHER_KEY = b"test-key-2"

mobiles = st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True)


def mobile_formats(number: str) -> list[str]:
    """The ways a switch, a hotline or a call-taker writes one Chinese mobile number."""
    a, b, c = number[:3], number[3:7], number[7:]
    return [
        number,
        f"+86{number}",
        f"+86 {a} {b} {c}",
        f"0086{number}",
        f"0086 {number}",
        f"86{number}",
        f"{a}-{b}-{c}",
        f"{a} {b} {c}",
        f" {number} ",
        f"+86-{a}-{b}-{c}",
    ]


@pytest.mark.parametrize(
    ("raw", "e164"),
    [
        ("+86 138 0013 8000", "+8613800138000"),
        ("0576-88881234", "+8657688881234"),
        ("(0576)8888-1234", "+8657688881234"),
        ("0086 576 8888 1234", "+8657688881234"),
        ("010-12345678", "+861012345678"),
        ("400-123-4567", "+864001234567"),
        ("95588", "+8695588"),
        ("+1 415 555 2671", "+14155552671"),
        ("１３８００１３８０００", "+8613800138000"),
    ],
)
def test_normalises_to_e164(raw: str, e164: str) -> None:
    assert normalise_phone(raw) == e164


@pytest.mark.parametrize(
    "raw", [None, "", "  ", "未知", "不详", "匿名", "unknown", "abc", "0", "110", "12345"]
)
def test_unknown_or_non_citizen_numbers_have_no_caller_key(raw: str | None) -> None:
    assert caller_key_for(raw, KEY) is None


def test_local_landline_is_completed_only_with_a_default_area_code() -> None:
    assert normalise_phone("88881234") is None
    assert normalise_phone("88881234", default_area_code="0576") == "+8657688881234"
    assert normalise_phone("8888-1234", default_area_code="576") == "+8657688881234"


def test_caller_key_shape() -> None:
    key = caller_key("+8613800138000", KEY)
    assert re.fullmatch(r"ck_k1_[0-9a-f]{32}", key)
    assert "13800138000" not in key
    assert caller_key_id(key) == "k1"


def test_a_rotated_key_makes_visibly_different_caller_keys() -> None:
    """After a rotation the key id tells old keys from new: one number, two ids, never equal."""
    old = caller_key("+8613800138000", KEY, "k1")
    new = caller_key("+8613800138000", b"another key", "k2")
    assert old != new
    assert (caller_key_id(old), caller_key_id(new)) == ("k1", "k2")
    # The same key under a new id still gives a different caller key: histories never merge
    # by accident when only the id changes, and the hex part shows it is one number.
    relabelled = caller_key("+8613800138000", KEY, "k2")
    assert relabelled != old and relabelled.split("_")[2] == old.split("_")[2]
    assert caller_key_id("ck_0123456789abcdef0123456789abcdef") is None


@given(mobiles)
def test_same_mobile_in_any_format_has_one_caller_key(number: str) -> None:
    keys = {caller_key_for(raw, KEY) for raw in mobile_formats(number)}
    assert len(keys) == 1
    assert keys != {None}


@given(mobiles)
def test_caller_keys_differ_across_hmac_keys(number: str) -> None:
    assert caller_key_for(number, KEY) != caller_key_for(number, OTHER_KEY)


@given(mobiles, mobiles)
def test_different_numbers_have_different_caller_keys(first: str, second: str) -> None:
    if first != second:
        assert caller_key_for(first, KEY) != caller_key_for(second, KEY)


@given(mobiles, st.integers(0, 9), st.sampled_from(["", "回拨", "联系电话：", "tel "]))
def test_a_mobile_typed_into_the_text_is_scrubbed(number: str, fmt: int, lead: str) -> None:
    typed = mobile_formats(number)[fmt].strip()
    scrubbed = scrub_phone_numbers(f"报警人称工资未发,{lead}{typed},请尽快处理")
    assert number not in re.sub(r"\D", "", scrubbed)
    assert PHONE_PLACEHOLDER in scrubbed
    assert scrubbed.startswith("报警人称工资未发,")
    assert scrubbed.endswith(",请尽快处理")


@pytest.mark.parametrize(
    "typed",
    ["0576-88881234", "(0576)8888-1234", "0576 8888 1234", "88881234", "１３８００１３８０００"],
)
def test_landlines_and_full_width_digits_are_scrubbed(typed: str) -> None:
    assert scrub_phone_numbers(f"电话{typed}。") == f"电话{PHONE_PLACEHOLDER}。"


@pytest.mark.parametrize(
    "text",
    ["欠薪 35000 元", "3号楼502室", "2026-11-23 晚上", "2026.1.5 发生", "车牌浙J12345", "123456"],
)
def test_short_numbers_and_dates_survive(text: str) -> None:
    assert scrub_phone_numbers(text) == text


@given(
    st.from_regex(r"1[0-9]{10}", fullmatch=True),
    st.sampled_from(["", "+86", "0086", "+86 ", "0086-"]),
    st.sampled_from(["{a}{b}{c}", "{a} {b} {c}", "{a}-{b}-{c}"]),
)
@example("11000001000", "", "{a}{b}{c}")
@example("11000001000", "+86", "{a}{b}{c}")
def test_the_mobile_fast_path_agrees_with_phonenumbers(
    number: str, prefix: str, shape: str
) -> None:
    from fenliu.processors.phone import _normalise_slow

    typed = prefix + shape.format(a=number[:3], b=number[3:7], c=number[7:])
    assert normalise_phone(typed) == _normalise_slow(typed, None)


@pytest.mark.parametrize(
    "typed", ["11000001000", "+8612000001000", "0086 120 0000 1000", "10012345678"]
)
def test_10x_to_12x_eleven_digit_numbers_are_not_mobiles(typed: str) -> None:
    """Mainland mobiles start 13-19; 110/120/12345-like runs are not a caller's number."""
    assert normalise_phone(typed) is None
