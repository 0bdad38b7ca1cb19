import datetime as dt

import pytest
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st

from fangkong.core.models import AuditEvent, Policy
from fangkong.core.policies import get_policy, resumption_datetime

pytestmark = pytest.mark.django_db


def test_defaults_come_from_the_spec(world):
    assert get_policy(world.sub.pk, "fever_line") == 37.3
    assert get_policy(world.sub.pk, "isolation_days") == 14
    assert get_policy(world.sub.pk, "masks_per_household") == 5


def test_value_in_force_follows_its_period(world):
    Policy.objects.create(
        subdistrict=world.sub, key="isolation_days", value=21, effective_from=dt.date(2020, 3, 1)
    )
    assert get_policy(world.sub.pk, "isolation_days", on=dt.date(2020, 2, 28)) == 14
    assert get_policy(world.sub.pk, "isolation_days", on=dt.date(2020, 3, 1)) == 21
    assert get_policy(world.other_sub.pk, "isolation_days", on=dt.date(2020, 3, 2)) == 14


def test_resumption_24_00_is_the_end_of_the_day():
    moment = resumption_datetime("2020-02-09T24:00")
    assert (moment.year, moment.month, moment.day, moment.hour) == (2020, 2, 10, 0)


@pytest.mark.parametrize(
    "persona,status",
    [("hq", 200), ("staff_a", 200), ("cadre", 200), ("org_contact", 200), ("anonymous", 302)],
)
def test_policy_page_personas(as_persona, persona, status):
    assert as_persona(persona).get(reverse("policies")).status_code == status


def test_hq_sets_a_policy_and_it_is_audited(world, as_persona):
    response = as_persona("hq").post(
        reverse("policies"), {"key": "fever_line", "value": "37.5", "effective_from": "2020-02-10"}
    )
    assert response.status_code == 302
    assert get_policy(world.sub.pk, "fever_line", on=dt.date(2020, 2, 11)) == 37.5
    assert AuditEvent.objects.filter(object_type="core.policy").count() == 1


def test_staff_cannot_set_policies(world, as_persona):
    response = as_persona("staff_a").post(
        reverse("policies"), {"key": "fever_line", "value": "39", "effective_from": "2020-02-10"}
    )
    assert response.status_code == 404
    assert not Policy.objects.exists()


@given(raw=st.text(max_size=8))
@settings(max_examples=40, deadline=None)
def test_malformed_values_change_nothing(raw):
    from fangkong.core.forms import PolicyForm

    form = PolicyForm({"key": "isolation_days", "value": raw, "effective_from": "2020-02-10"})
    if form.is_valid():
        assert isinstance(form.cleaned_data["value"], int) and form.cleaned_data["value"] > 0
