"""The import fast path gives exactly what the core validators and core.crypto give."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given, settings
from hypothesis import strategies as st

from fangkong.core import crypto
from fangkong.core.spreadsheets import cell_text, parse_bool, parse_date
from fangkong.core.testing import make_id_number
from fangkong.core.validators import check_resident_id, validate_mobile
from fangkong.registry.imports import Sealer, fast_mobile, fast_resident_id

DIGITS = "0123456789"


def _outcome(func, value):
    try:
        return ("ok", func(value))
    except ValidationError as exc:
        return ("error", exc.messages)


@settings(max_examples=60, deadline=None)
@given(
    prefix=st.sampled_from(["13", "14", "15", "16", "17", "18", "19", "12", "10"]),
    rest=st.text(DIGITS, min_size=9, max_size=9),
)
def test_fast_mobile_agrees_with_validate_mobile(prefix, rest):
    number = prefix + rest
    assert _outcome(fast_mobile, number) == _outcome(validate_mobile, number)


@settings(max_examples=40, deadline=None)
@given(st.text(DIGITS + " -+", min_size=0, max_size=16))
def test_fast_mobile_agrees_on_arbitrary_text(text):
    assert _outcome(fast_mobile, text) == _outcome(validate_mobile, text)


def _id_outcome(func, value):
    try:
        result = func(value)
    except ValidationError as exc:
        return ("error", exc.messages)
    if isinstance(result, tuple):
        return ("ok", result[0], result[1], result[2], result[3])
    return ("ok", result.value, result.birth_date, result.gender, "".join(result.warnings))


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 10**6),
    region=st.sampled_from(["310109", "110101", "990000", "000000"]),
    position=st.integers(0, 17),
    char=st.sampled_from(list(DIGITS + "X")),
)
def test_fast_resident_id_agrees_with_check_resident_id(seed, region, position, char):
    valid = make_id_number(random.Random(seed), region=region)
    assert _id_outcome(fast_resident_id, valid) == _id_outcome(check_resident_id, valid)
    changed = valid[:position] + char + valid[position + 1 :]
    assert _id_outcome(fast_resident_id, changed) == _id_outcome(check_resident_id, changed)


@pytest.mark.parametrize(
    "value", ["", "3101091980010112", "31010930000101123X", "310109198002301234", "31010918000101123x"]
)
def test_fast_resident_id_rejects_like_the_validator(value):
    assert _id_outcome(fast_resident_id, value) == _id_outcome(check_resident_id, value)


def test_future_birth_date_is_rejected():
    tomorrow = dt.date.today() + dt.timedelta(days=400)
    value = make_id_number(random.Random(1), birth=tomorrow)
    assert _id_outcome(fast_resident_id, value)[0] == "error"


@settings(max_examples=30, deadline=None)
@given(st.text(DIGITS + "X", min_size=1, max_size=20))
def test_sealer_matches_core_crypto(value):
    sealer = Sealer()
    enc, digest, masked = sealer.seal("id_number", value)
    assert crypto.decrypt(enc) == value
    assert digest == crypto.lookup_hash("id_number", value)
    assert masked == crypto.mask("id_number", value)
    assert sealer.hash("phone", value) == crypto.lookup_hash("phone", value)


def test_sealer_nonces_are_unique():
    sealer = Sealer()
    nonces = {sealer.encrypt("x").partition("$")[2][:16] for _ in range(10000)}
    assert len(nonces) == 10000


@pytest.mark.parametrize(
    ("raw", "text"),
    [
        (None, ""),
        (13812345678.0, "13812345678"),
        (12.5, "12.5"),
        (dt.date(2020, 2, 10), "2020-02-10"),
        (" a ", "a"),
    ],
)
def test_cell_text(raw, text):
    assert cell_text(raw) == text


def test_parse_helpers():
    assert parse_bool("是") is True and parse_bool("否") is False
    assert parse_date("2020/2/10") == dt.date(2020, 2, 10)
    with pytest.raises(ValidationError):
        parse_bool("maybe")
    with pytest.raises(ValidationError):
        parse_date("2020-13-01")
