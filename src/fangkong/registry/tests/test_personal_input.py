"""The registry services validate personal values themselves (core.personal): a caller that skips the forms
cannot store an ID number or phone the pipeline refuses, and values are stored normalised."""

from __future__ import annotations

import random

import pytest
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fangkong.core import crypto, personal
from fangkong.core.testing import make_id_number
from fangkong.registry.models import Resident
from fangkong.registry.services import add_resident, create_organization


@pytest.mark.parametrize(
    ("id_number", "phone", "field"),
    [
        ("310109198001011234", "13812345678", "id_number"),  # wrong check digit
        ("12345", "13812345678", "id_number"),
        (None, "12345678901", "phone"),
        (None, "1381234567", "phone"),
    ],
)
def test_add_resident_refuses_bad_personal_values(world, id_number, phone, field):
    before = Resident.objects.count()
    with pytest.raises(ValidationError) as exc:
        add_resident(
            actor=world.staff_a,
            household=world.household_a,
            name="孙八",
            id_number=id_number or make_id_number(random.Random(5)),
            phone=phone,
            relation="child",
        )
    assert field in exc.value.message_dict
    assert Resident.objects.count() == before


def test_add_resident_stores_normalised_values(world):
    value = make_id_number(random.Random(6))
    spaced = f" {value[:6]} {value[6:14]}-{value[14:].lower()} "
    resident = add_resident(
        actor=world.staff_a,
        household=world.household_a,
        name="孙八",
        id_number=spaced,
        phone="+86 138-1234-5678",
        relation="child",
    )
    assert crypto.decrypt(resident.id_number_enc) == value
    assert resident.id_number_hash == crypto.lookup_hash("id_number", value)
    assert crypto.decrypt(resident.phone_enc) == "13812345678"
    assert resident.phone_masked == personal.mask("phone", "13812345678")


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(alphabet="0123456789+- x\x00", max_size=14))
def test_organization_phone_is_stored_only_when_valid(world, raw):
    try:
        expected = personal.validate_mobile(raw) if raw else ""
    except ValidationError:
        expected = None
    try:
        org = create_organization(
            actor=world.staff_a, name="某某公司", contact_phone=raw, neighborhood=world.hood_a
        )
    except ValidationError as exc:
        assert expected is None and "contact_phone" in exc.message_dict
        return
    assert expected is not None
    assert (crypto.decrypt(org.contact_phone_enc) if org.contact_phone_enc else "") == expected
