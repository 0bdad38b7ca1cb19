"""The lean validators and sealing of the booking hot path give exactly the core results."""

import datetime as dt
import random

import pytest
from django.core.exceptions import ValidationError
from hypothesis import example, given, settings
from hypothesis import strategies as st
from stdnum.cn import ric

from fangkong.core import crypto
from fangkong.core.testing import make_id_number
from fangkong.core.validators import check_resident_id, validate_mobile
from fangkong.masks import fastcheck


def _outcome(func, raw):
    try:
        return ("ok", func(raw))
    except ValidationError as exc:
        return ("error", exc.code, exc.messages)
    except (ValueError, TypeError) as exc:
        return ("crash", type(exc).__name__)


def _core_id(raw):
    return check_resident_id(raw).value


@st.composite
def id_like(draw):
    """Mostly well-formed ID numbers (valid, wrong check digit, impossible or future dates), some noise."""
    kind = draw(st.sampled_from(["valid", "digit", "date", "noise", "spaces", "future", "old", "x"]))
    rng = random.Random(draw(st.integers(0, 2**32)))
    if kind == "noise":
        return draw(st.text(alphabet="0123456789Xx -\u0661\u00b2a", max_size=22))
    if kind == "date":
        body = f"310109{rng.randrange(1800, 2100)}{rng.randrange(0, 14):02d}{rng.randrange(0, 33):02d}"
        body += f"{rng.randrange(1000):03d}"
        return body + ric.calc_check_digit(body + "0")
    if kind in ("future", "old"):
        year = dt.date.today().year + 1 if kind == "future" else rng.randrange(1800, 1895)
        body = f"310109{year}0101{rng.randrange(1000):03d}"
        return body + ric.calc_check_digit(body + "0")
    value = make_id_number(rng)
    if kind == "digit":
        value = value[:17] + rng.choice("0123456789X")
    if kind == "spaces":
        value = f" {value[:6]} {value[6:14]}-{value[14:].lower()} "
    if kind == "x":
        value = value[:17] + "x"
    return value


@settings(max_examples=300, deadline=None)
@given(id_like())
@example("")
@example("11010519491231002X")
@example("11010519491231002x")
@example("\u0661" * 18)
@example("²" * 17 + "1")
def test_resident_id_matches_core(raw):
    core = _outcome(_core_id, raw)
    fast = _outcome(fastcheck.resident_id, raw)
    if core[0] == "crash":  # digits int() cannot read: the lean check reports a format error instead
        assert fast[:2] == ("error", "format")
    else:
        assert fast == core


@st.composite
def phone_like(draw):
    kind = draw(st.sampled_from(["mobile", "edge", "prefixed", "noise"]))
    if kind == "noise":
        return draw(st.text(alphabet="0123456789+ -\u0661", max_size=16))
    head = draw(st.sampled_from(["1610", "1740", "1741", "1749", "1700", "144", "1"]))
    rest = "".join(draw(st.lists(st.sampled_from("0123456789"), min_size=11, max_size=11)))
    number = (head + rest)[:11] if kind == "edge" else "1" + rest[:10]
    if kind == "prefixed":
        number = draw(st.sampled_from(["+86", "0086", "+86 "])) + number[:3] + "-" + number[3:]
    return number


@settings(max_examples=400, deadline=None)
@given(phone_like())
@example("")
@example("1" + "\u0661" * 10)
def test_mobile_matches_core(raw):
    core = _outcome(validate_mobile, raw)
    fast = _outcome(fastcheck.mobile, raw)
    if core[0] == "crash":
        assert fast[:2] == ("error", "format")
    else:
        assert fast == core


@settings(max_examples=200, deadline=None)
@given(st.integers(130000, 199999), st.integers(0, 99999), st.integers(0, 99999))
def test_mobile_validity_is_decided_by_six_digits(prefix, tail_a, tail_b):
    """The prefix cache is sound: two numbers sharing the first 6 digits get the same verdict."""
    a, b = f"{prefix}{tail_a:05d}", f"{prefix}{tail_b:05d}"
    assert _outcome(validate_mobile, a)[0] == _outcome(validate_mobile, b)[0]


def test_today_follows_the_local_day():
    from django.utils import timezone

    assert fastcheck.local_today() == timezone.localdate()
    fastcheck._day = (0.0, dt.date.min)  # expired: recomputed
    assert fastcheck.local_today() == timezone.localdate()


@pytest.mark.parametrize("id_value,phone", [("11010519491231002X", "13812345678"), ("", "")])
def test_sealed_pair_matches_core_seal(id_value, phone):
    id_sealed, phone_sealed = fastcheck.sealed_pair(id_value, phone)
    for sealed, kind, value in ((id_sealed, "id_number", id_value), (phone_sealed, "phone", phone)):
        core = crypto.seal(kind, value)
        assert sealed.hash == core.hash and sealed.masked == core.masked
        assert (crypto.decrypt(sealed.enc) if sealed.enc else "") == value
        assert crypto.key_id_of(sealed.enc) == crypto.key_id_of(core.enc)
