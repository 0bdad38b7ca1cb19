import datetime as dt
import random

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum.cn import ric, uscc

from fangkong.core.testing import make_id_number, make_phone
from fangkong.core.validators import (
    check_document,
    check_resident_id,
    validate_credit_code,
    validate_mobile,
    validate_name,
    validate_temperature,
)

birth_dates = st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date.today())
seeds = st.integers(min_value=0, max_value=2**32)


@given(seed=seeds, birth=birth_dates)
@settings(max_examples=60, deadline=None)
def test_generated_id_numbers_pass(seed, birth):
    value = make_id_number(random.Random(seed), birth=birth)
    check = check_resident_id(value)
    assert check.value == value
    assert check.birth_date == birth
    assert check.warnings == []


@given(seed=seeds, position=st.integers(min_value=0, max_value=17), data=st.data())
@settings(max_examples=80, deadline=None)
def test_any_single_character_change_fails(seed, position, data):
    value = make_id_number(random.Random(seed))
    alphabet = "0123456789X" if position == 17 else "0123456789"
    replacement = data.draw(st.sampled_from([c for c in alphabet if c != value[position]]))
    changed = value[:position] + replacement + value[position + 1 :]
    with pytest.raises(ValidationError):
        check_resident_id(changed)


def test_lowercase_x_and_spaces_are_normalised():
    body = "11010519491231002"
    value = body + ric.calc_check_digit(body + "0")
    assert check_resident_id(" " + value.lower() + " ").value == value


def test_future_birth_date_is_refused():
    future = dt.date.today() + dt.timedelta(days=30)
    body = f"310109{future:%Y%m%d}123"
    with pytest.raises(ValidationError) as err:
        check_resident_id(body + ric.calc_check_digit(body + "0"))
    assert err.value.code == "birth_future"


def test_impossible_birth_date_is_refused():
    body = "310109" + "19900230" + "123"
    with pytest.raises(ValidationError) as err:
        check_resident_id(body + ric.calc_check_digit(body + "0"))
    assert err.value.code == "birth_date"


def test_unknown_region_is_a_warning_not_an_error():
    body = "990000" + "19800101" + "123"
    check = check_resident_id(body + ric.calc_check_digit(body + "0"))
    assert check.warnings and "990000" in check.warnings[0]


@pytest.mark.parametrize("raw", ["", "12345", "3101091990010112345", "31010919900101123A"])
def test_malformed_id_numbers_have_a_message(raw):
    with pytest.raises(ValidationError) as err:
        check_resident_id(raw)
    assert err.value.messages[0]


@pytest.mark.parametrize(
    "doc_type,value,ok",
    [
        ("passport", "E12345678", True),
        ("passport", "E1", False),
        ("hk_macao", "H12345678", True),
        ("hk_macao", "X1234", False),
        ("taiwan", "12345678", True),
        ("foreign_pr", "USA310000000001", True),
        ("foreign_pr", "1234", False),
        ("nonsense", "123456", False),
    ],
)
def test_other_documents(doc_type, value, ok):
    if ok:
        assert check_document(doc_type, value).value == value
    else:
        with pytest.raises(ValidationError):
            check_document(doc_type, value)


@given(seed=seeds)
@settings(max_examples=50, deadline=None)
def test_generated_phones_pass(seed):
    phone = make_phone(random.Random(seed))
    assert validate_mobile(phone) == phone
    assert validate_mobile("+86 " + phone[:3] + " " + phone[3:]) == phone


@given(st.from_regex(r"^1[0-2][0-9]{9}$", fullmatch=True))
@settings(max_examples=30, deadline=None)
def test_phones_outside_13_to_19_fail(raw):
    with pytest.raises(ValidationError):
        validate_mobile(raw)


@pytest.mark.parametrize("raw", ["", "1381234567", "138123456789", "23812345678", "abcdefghijk"])
def test_malformed_phones(raw):
    with pytest.raises(ValidationError):
        validate_mobile(raw)


def test_credit_codes():
    valid = "91310109MA1G5BXK2" + uscc.calc_check_digit("91310109MA1G5BXK2")
    assert validate_credit_code(valid.lower()) == valid
    wrong = valid[:-1] + ("0" if valid[-1] != "0" else "1")
    with pytest.raises(ValidationError) as err:
        validate_credit_code(wrong)
    assert err.value.code == "checksum"
    with pytest.raises(ValidationError):
        validate_credit_code("9131010")


@given(st.floats(min_value=34.0, max_value=42.0, allow_nan=False))
@settings(max_examples=40, deadline=None)
def test_temperatures_in_range_pass(value):
    assert 34.0 <= validate_temperature(value) <= 42.0


@pytest.mark.parametrize("raw", ["33.9", "42.1", "abc", "", None, "-1", "42.05", "33.95", "nan", "inf"])
def test_temperatures_out_of_range_fail(raw):
    with pytest.raises(ValidationError):
        validate_temperature(raw)


@given(st.floats(min_value=20.0, max_value=50.0, allow_nan=False))
@settings(max_examples=80, deadline=None)
def test_temperatures_are_checked_before_rounding(value):
    """A reading just outside the range is refused, never rounded into it (42.05 is not 42.0)."""
    if 34.0 <= value <= 42.0:
        assert validate_temperature(repr(value)) == round(value, 1)
    else:
        with pytest.raises(ValidationError) as err:
            validate_temperature(repr(value))
        assert err.value.code == "range"


_INVISIBLE = ["\x00", "\x07", "\u202e", "\u202d", "\u2066", "\u200b", "\u200d", "\ufeff", "\u2028", "\ufffd"]


@given(
    before=st.text(alphabet="张王李赵明华·ABC", min_size=1, max_size=10),
    bad=st.sampled_from(_INVISIBLE),
    after=st.text(alphabet="张王李赵明华", min_size=1, max_size=10),
)
@settings(max_examples=60, deadline=None)
def test_names_with_invisible_or_broken_characters_are_refused(before, bad, after):
    with pytest.raises(ValidationError) as err:
        validate_name(before + bad + after)
    assert err.value.code == "invisible"


@given(st.text(alphabet="张王李赵明华欧阳·Ann ", min_size=1, max_size=50).filter(str.strip))
@settings(max_examples=60, deadline=None)
def test_plain_names_pass_unchanged(name):
    assert validate_name(name) == name.strip()


def test_long_names_are_refused_not_cut():
    assert validate_name("张" * 50) == "张" * 50
    with pytest.raises(ValidationError) as err:
        validate_name("张" * 51)
    assert err.value.code == "max_length" and "50" in err.value.messages[0]
    with pytest.raises(ValidationError):
        validate_name("   ")
