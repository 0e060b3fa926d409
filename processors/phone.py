"""Phone numbers: normalise to E.164, turn into keyed caller keys, scrub from free text.

The raw number is personal data; it is read here once and never leaves this module
except as a keyed HMAC (``caller_key``). The key is what lets repeat calls from
one number merge into one case without anyone downstream learning the number.
"""

from __future__ import annotations

import hashlib
import hmac
import re

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat

REGION = "CN"

#: What the switch or the hotline writes when the number is not known.
UNKNOWN_MARKERS = frozenset(
    {"", "未知", "无", "不详", "匿名", "unknown", "anonymous", "null", "none"}
)

#: Numbers that are never a citizen: a call "from" 110 or 12345 is a transfer artefact,
#: and keying it would merge every transfer into one caller.
NOT_A_CALLER = frozenset({"110", "119", "120", "122", "12345", "12110", "12315", "12351"})

CALLER_KEY_PREFIX = "ck_"
DEFAULT_KEY_ID = "k1"
CALLER_KEY_HEX_CHARS = 32

# A digit, then digits or short runs of separators that are followed by a digit.
# ``\d`` is Unicode-aware, so full-width digits (１３８...) typed by call-takers match too.
_PHONE_LIKE = re.compile(r"[+＋(（]?\d(?:\d|[ \t\-－.·()（）/]{1,2}(?=\d))*")
_DATE_LIKE = re.compile(r"(?:19|20)\d\d[-./](\d{1,2})[-./](\d{1,2})")
MIN_SCRUB_DIGITS = 7
PHONE_PLACEHOLDER = "[电话]"
# The common case, decided without phonenumbers' general parser (5x faster): a mainland
# mobile, bare or with +86 / 0086, spaces and dashes allowed. Same answer as the slow
# path (``tests/test_phone.py`` checks both agree). Mainland mobiles start 13-19: 10x-12x
# are service and special numbers (110, 120, 12345 ...), which phonenumbers rejects too.
_SEPARATORS = str.maketrans("", "", " -\t")
_MOBILE = r"1[3-9]\d{9}"
_PLAIN_MOBILE = re.compile(rf"(?:\+86|0086)?({_MOBILE})")


def normalise_phone(raw: str | None, default_area_code: str | None = None) -> str | None:
    """The E.164 form of ``raw`` (``+8613800138000``), or None when there is no usable number.

    Accepts +86 / 0086 / 86 prefixes, spaces, dashes and brackets, landlines with
    their area code (0576-8888xxxx), mobiles, 400/800 numbers and short service
    numbers (95xxx). A local landline without its area code is completed with
    ``default_area_code`` when one is configured. Unparseable input gives None rather
    than a rejection: a 110 call is never dropped because of its caller id.
    """
    if raw is None:
        return None
    text = raw.strip()
    if text.lower() in UNKNOWN_MARKERS:
        return None
    plain = _PLAIN_MOBILE.fullmatch(text.translate(_SEPARATORS))
    if plain is not None:
        return "+86" + plain.group(1)
    return _normalise_slow(text, default_area_code)


def _normalise_slow(text: str, default_area_code: str | None) -> str | None:
    """phonenumbers' full rules: landlines, area codes, service and short numbers."""
    try:
        number = phonenumbers.parse(text, REGION)
    except NumberParseException:
        return None
    national = str(number.national_number)
    if national in NOT_A_CALLER and number.country_code == 86:
        return None
    if phonenumbers.is_valid_number(number) or _mobile_shaped(number, national):
        return phonenumbers.format_number(number, PhoneNumberFormat.E164)
    if number.country_code == 86 and default_area_code and 7 <= len(national) <= 8:
        completed = _parse_or_none(f"0{default_area_code.lstrip('0')}{national}")
        if completed is not None and phonenumbers.is_valid_number(completed):
            return phonenumbers.format_number(completed, PhoneNumberFormat.E164)
    if number.country_code == 86 and phonenumbers.is_valid_short_number(number):
        return phonenumbers.format_number(number, PhoneNumberFormat.E164)
    return None


def _mobile_shaped(number: phonenumbers.PhoneNumber, national: str) -> bool:
    """An 11-digit 13x-19x number: mobile ranges open before phonenumbers' metadata has them."""
    return number.country_code == 86 and re.fullmatch(_MOBILE, national) is not None


def _parse_or_none(text: str) -> phonenumbers.PhoneNumber | None:
    try:
        return phonenumbers.parse(text, REGION)
    except NumberParseException:
        return None


def caller_key(e164: str, key: bytes, key_id: str = DEFAULT_KEY_ID) -> str:
    """``ck_<key id>_`` + the first 32 hex chars of HMAC-SHA256(key, E.164).

    Stable, unlinkable without the key. The key id says which key made it: after a key
    rotation the new keys differ visibly from the old ones, so two histories are never
    merged, or silently split, by a key change nobody can see (docs/runbook.md).
    """
    digest = hmac.new(key, e164.encode("ascii"), hashlib.sha256).hexdigest()
    return f"{CALLER_KEY_PREFIX}{key_id}_{digest[:CALLER_KEY_HEX_CHARS]}"


def caller_key_id(key: str) -> str | None:
    """The id of the HMAC key that made a caller key (None for keys made before ids)."""
    parts = key.split("_")
    return parts[1] if len(parts) == 3 and key.startswith(CALLER_KEY_PREFIX) else None


def caller_key_for(
    raw: str | None, key: bytes, default_area_code: str | None = None, key_id: str = DEFAULT_KEY_ID
) -> str | None:
    """The caller key of a raw number as delivered, or None when no number is known."""
    e164 = normalise_phone(raw, default_area_code)
    return None if e164 is None else caller_key(e164, key, key_id)


def scrub_phone_numbers(text: str) -> str:
    """Replace every phone-looking run of 7+ digits (separators allowed) with ``[电话]``.

    Call-takers often type the callback number into the summary; it must not travel
    on. Plain dates such as 2026-11-23 are left alone. Long amounts and case numbers
    are scrubbed too: losing them is the price of never leaking a number.
    """
    return _PHONE_LIKE.sub(_scrub_match, text)


def _scrub_match(match: re.Match[str]) -> str:
    found = match.group(0)
    if sum(ch.isdigit() for ch in found) < MIN_SCRUB_DIGITS or _is_date(found):
        return found
    return PHONE_PLACEHOLDER


def _is_date(found: str) -> bool:
    date = _DATE_LIKE.fullmatch(found)
    return date is not None and 1 <= int(date.group(1)) <= 12 and 1 <= int(date.group(2)) <= 31
