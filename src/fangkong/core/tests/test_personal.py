"""The personal-data pipeline: the cached variants (hot paths) and the batch sealer give exactly what the
plain pipeline gives; kinds are declared on every personal field."""

import datetime as dt
import random

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from hypothesis import example, given, settings
from hypothesis import strategies as st
from stdnum.cn import ric

from fangkong.core import crypto, personal
from fangkong.core.personal import check_resident_id, validate_mobile
from fangkong.core.testing import make_id_number

DIGITS = "0123456789"


def _outcome(func, raw):
    try:
        return ("ok", func(raw))
    except ValidationError as exc:
        return ("error", exc.code, exc.messages)
    except (ValueError, TypeError) as exc:
        return ("crash", type(exc).__name__)


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
def test_cached_resident_id_matches_the_plain_check(raw):
    plain = _outcome(check_resident_id, raw)
    assert plain[0] != "crash"  # digits int() cannot read are a format error, never a crash
    assert _outcome(personal.check_resident_id_cached, raw) == plain


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
def test_cached_mobile_matches_the_plain_check(raw):
    plain = _outcome(validate_mobile, raw)
    assert plain[0] != "crash"
    assert _outcome(personal.validate_mobile_cached, raw) == plain


@settings(max_examples=200, deadline=None)
@given(st.integers(130000, 199999), st.integers(0, 99999), st.integers(0, 99999))
def test_mobile_validity_is_decided_by_six_digits(prefix, tail_a, tail_b):
    """The prefix cache is sound: two numbers sharing the first 6 digits get the same verdict."""
    a, b = f"{prefix}{tail_a:05d}", f"{prefix}{tail_b:05d}"
    assert _outcome(validate_mobile, a)[0] == _outcome(validate_mobile, b)[0]


def test_today_follows_the_local_day():
    from django.utils import timezone

    assert personal.local_today() == timezone.localdate()
    personal._day = (0.0, dt.date.min)  # expired: recomputed
    assert personal.local_today() == timezone.localdate()


@pytest.mark.parametrize("id_value,phone", [("11010519491231002X", "13812345678"), ("", "")])
def test_seal_all_matches_seal(id_value, phone):
    id_sealed, phone_sealed = personal.seal_all([(personal.ID_NUMBER, id_value), (personal.PHONE, phone)])
    for sealed, kind, value in ((id_sealed, "id_number", id_value), (phone_sealed, "phone", phone)):
        one = personal.seal(kind, value)
        assert sealed.hash == one.hash and sealed.masked == one.masked
        assert (crypto.decrypt(sealed.enc) if sealed.enc else "") == value
        assert crypto.key_id_of(sealed.enc) == crypto.key_id_of(one.enc)
        assert sealed.hash == (crypto.lookup_hash(kind, value) if value else "")


def _check_outcome(func, value):
    try:
        result = func(value)
    except ValidationError as exc:
        return ("error", exc.code, exc.messages)
    return ("ok", result.value, result.birth_date, result.gender, result.warnings)


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 10**6),
    region=st.sampled_from(["310109", "110101", "990000", "000000"]),
    position=st.integers(0, 17),
    char=st.sampled_from(list(DIGITS + "X")),
)
def test_cached_check_gives_birth_gender_and_warnings_like_the_plain_one(seed, region, position, char):
    valid = make_id_number(random.Random(seed), region=region)
    cached = personal.check_resident_id_cached
    assert _check_outcome(cached, valid) == _check_outcome(check_resident_id, valid)
    changed = valid[:position] + char + valid[position + 1 :]
    assert _check_outcome(cached, changed) == _check_outcome(check_resident_id, changed)


@pytest.mark.parametrize("region", ["110103", "110111", "310109"])
def test_region_warning_follows_the_birth_year(region):
    """Some region codes were valid only in some years (崇文区 until 2010): the warning is per year."""
    rng = random.Random(7)
    for year in (1980, 2012, 1979, 2015):
        value = make_id_number(rng, region=region, birth=dt.date(year, 5, 1))
        assert _check_outcome(personal.check_resident_id_cached, value) == _check_outcome(
            check_resident_id, value
        )


def test_cached_check_refuses_a_birth_date_after_the_given_today():
    value = make_id_number(random.Random(1), birth=dt.date(2001, 5, 1))
    assert personal.check_resident_id_cached(value).value == value
    with pytest.raises(ValidationError):
        personal.check_resident_id_cached(value, dt.date(2000, 1, 1))


@settings(max_examples=30, deadline=None)
@given(st.text(DIGITS + "X", min_size=1, max_size=20))
def test_batch_sealer_matches_seal(value):
    sealer = personal.Sealer()
    enc, digest, masked = sealer.seal("id_number", value)
    one = personal.seal("id_number", value)
    assert crypto.decrypt(enc) == value == crypto.decrypt(one.enc)
    assert digest == one.hash == crypto.lookup_hash("id_number", value)
    assert masked == one.masked == personal.mask("id_number", value)
    assert sealer.hash("phone", value) == crypto.lookup_hash("phone", value)


def test_batch_sealer_nonces_are_unique():
    sealer = personal.Sealer()
    nonces = {sealer.encrypt("x").partition("$")[2][:16] for _ in range(10000)}
    assert len(nonces) == 10000


def test_tokens_keep_their_format():
    """``<key id>$<base64 of 12-byte nonce + ciphertext + 16-byte tag>``: stored data must keep decrypting."""
    ring = crypto.keyring()
    token = personal.seal("phone", "13812345678").enc
    key_id, _sep, body = token.partition("$")
    assert key_id == ring.primary_id
    import base64

    assert len(base64.b64decode(body)) == 12 + len("13812345678") + 16
    assert crypto.decrypt(token) == "13812345678"


def test_every_personal_field_declares_its_kind():
    """Kinds are declared on the model fields, never guessed from the name."""
    from fangkong.core.purge import personal_models

    found = {}
    for model in apps.get_models():
        names = {f.name for f in model._meta.concrete_fields}
        for name in names:
            if name.endswith("_enc") and f"{name[:-4]}_hash" in names:
                found[(model._meta.label, name[:-4])] = personal.kind_of(model, name[:-4])
    assert found[("registry.Resident", "id_number")] == personal.ID_NUMBER
    assert found[("registry.Organization", "contact_phone")] == personal.PHONE
    assert set(found.values()) <= set(personal.KINDS)
    assert {(m._meta.label, n) for m, names in personal_models() for n in names} == set(found)


def test_set_columns_uses_the_declared_kind():
    from fangkong.registry.models import Organization

    org = Organization()
    personal.set_columns(org, {"contact_phone": "13812345678"})
    assert org.contact_phone_hash == crypto.lookup_hash("phone", "13812345678")
    assert org.contact_phone_masked == "138****5678"
    with pytest.raises(KeyError):
        personal.kind_of(Organization, "name")


def test_personal_fields_refuse_an_unknown_kind():
    from fangkong.core.models import personal_fields

    with pytest.raises(ValueError):
        personal_fields("x", kind="email")


@settings(max_examples=50, deadline=None)
@given(st.lists(st.sampled_from([" ", "-", "\t"]), min_size=0, max_size=4), st.integers(0, 2**32))
def test_search_sees_an_id_typed_with_spaces_or_dashes_as_the_id(separators, seed):
    """The search box normalises as the pipeline does, so a spaced ID is looked up by its hash."""
    from fangkong.core.generic import looks_personal

    value = make_id_number(random.Random(seed))
    typed = value
    for i, sep in enumerate(separators):
        at = 3 + 4 * i
        typed = typed[:at] + sep + typed[at:]
    assert personal.normalize_id_number(typed) == value
    assert looks_personal(typed)


def test_the_cn_metadata_decides_mobile_validity_on_five_digits():
    """What the cache rests on: for every 5-digit prefix 13000–19999 the verdict is the same whatever the
    6th digit (the CN pattern's longest constrained head is 1740[0-5]); the cache keys on 5 digits."""
    import phonenumbers

    def valid(number):
        return phonenumbers.is_valid_number(phonenumbers.parse(number, "CN"))

    split = [p for p in range(13000, 20000) if len({valid(f"{p}{d}73519") for d in range(10)}) > 1]
    assert split == []
    assert personal.PREFIX_DIGITS == 5
    assert valid("17405123456") and not valid("17406123456")  # decided at the 5th digit
