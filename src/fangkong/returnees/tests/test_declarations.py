import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from fangkong.core import crypto
from fangkong.core.models import AuditEvent, Notification
from fangkong.returnees import services
from fangkong.returnees.choices import RiskAction, RiskLevel
from fangkong.returnees.models import Declaration, DeclarationAmendment, Isolation, Referral

pytestmark = pytest.mark.django_db


def test_declaration_is_sealed_and_classified(world, make_input):
    data = make_input()
    result = services.declare_return(actor=world.staff_a, data=data)
    decl = result.declaration
    assert result.created
    assert data.id_number not in decl.id_number_enc and decl.id_number_masked.startswith(data.id_number[:3])
    assert decl.id_number_hash == crypto.lookup_hash("id_number", data.id_number)
    assert decl.phone_masked == data.phone[:3] + "****" + data.phone[-4:]
    assert decl.origin_name == "湖北省武汉市"
    assert (decl.risk_level, decl.risk_action) == (RiskLevel.YELLOW, RiskAction.HOME_ISOLATION)
    assert result.isolation is not None and result.token
    assert services.isolation_for_token(result.token) == result.isolation
    assert result.isolation.report_token_hash != result.token  # only the hash is stored


def test_same_trip_twice_from_staff_is_merged(world, make_input):
    first = make_input(household_members=[{"name": "李四", "relation": "配偶"}])
    services.declare_return(actor=world.staff_a, data=first)
    again = make_input(
        id_number=first.id_number,
        transport_number="g 1234",
        symptoms=False,
        exposure=True,
        household_members=[{"name": "李四", "relation": "配偶"}, {"name": "张小", "relation": "子女"}],
    )
    result = services.declare_return(actor=world.staff_a, data=again)
    assert not result.created
    assert Declaration.objects.count() == 1
    decl = Declaration.objects.get()
    assert decl.merge_count == 1 and decl.exposure
    assert [m["name"] for m in decl.household_members] == ["李四", "张小"]
    assert Isolation.objects.count() == 1
    # Another trip of the same person is a new declaration.
    other = make_input(id_number=first.id_number, transport_number="MU5101")
    assert services.declare_return(actor=world.staff_a, data=other).created
    assert Declaration.objects.count() == 2


def test_double_submit_of_the_public_form_shows_the_link_once(world, make_input):
    data = make_input(submission_id="abc123")
    first = services.declare_return(actor=None, data=data, source="public")
    second = services.declare_return(actor=None, data=data, source="public")
    assert Declaration.objects.count() == 1 and Isolation.objects.count() == 1
    assert second.received_for_review and second.token is None and second.amendment is None
    # The first link still works: a repeat neither shows nor replaces it.
    assert services.isolation_for_token(first.token) == first.isolation
    assert not DeclarationAmendment.objects.exists()


def test_unique_constraint_backs_the_merge(world, make_input):
    from django.db import IntegrityError, transaction

    decl = services.declare_return(actor=world.staff_a, data=make_input()).declaration
    decl.pk = None
    decl._state.adding = True
    with pytest.raises(IntegrityError), transaction.atomic():
        decl.save()


@pytest.mark.parametrize(
    "overrides, field, message",
    [
        ({"origin_code": "999999"}, "origin_code", "不存在"),
        ({"arrival_date": timezone.localdate() + dt.timedelta(days=1)}, "arrival_date", "未来"),
        (
            {
                "departure_date": timezone.localdate(),
                "arrival_date": timezone.localdate() - dt.timedelta(days=2),
            },
            "arrival_date",
            "早于出发日期",
        ),
        ({"temperature": "45"}, "temperature", "34.0"),
        ({"id_number": "310101199001011235"}, "id_number", "校验位"),
        ({"phone": "12345"}, "phone", "11位"),
        ({"transport_number": ""}, "transport_number", "车次"),
        ({"room": ""}, "room", "室号"),
    ],
)
def test_bad_input_changes_nothing(world, make_input, overrides, field, message):
    events = AuditEvent.objects.count()
    with pytest.raises(ValidationError) as info:
        services.declare_return(actor=world.staff_a, data=make_input(**overrides))
    assert message in " ".join(info.value.message_dict[field])
    assert Declaration.objects.count() == 0 and AuditEvent.objects.count() == events


def test_staff_cannot_declare_outside_their_neighborhood(world, make_input):
    from fangkong.core.exceptions import ScopeError

    with pytest.raises(ScopeError):
        services.declare_return(actor=world.staff_b, data=make_input())
    assert Declaration.objects.count() == 0


def test_symptoms_open_a_referral_and_alert(world, make_input):
    result = services.declare_return(actor=world.staff_a, data=make_input(symptoms=True, temperature="38.2"))
    assert result.declaration.risk_level == RiskLevel.RED
    assert Referral.objects.filter(isolation=result.isolation, outcome="pending").count() == 1
    assert Notification.objects.filter(kind="fever", recipient=world.staff_a).exists()
    assert not Notification.objects.filter(kind="fever", recipient=world.staff_b).exists()


def test_green_returnee_is_not_isolated(world, make_input):
    result = services.declare_return(
        actor=world.staff_a,
        data=make_input(origin_code="440300", transport="self_drive", transport_number=""),
    )
    assert result.declaration.risk_level == RiskLevel.GREEN
    assert result.isolation is None and result.token is None


@pytest.mark.parametrize(
    "field, value",
    [
        ("room", "5" * 21),
        ("transport_number", "G" * 21),
        ("exposure_note", "接" * 201),
        ("symptoms_note", "咳\u202e嗽"),
        ("employer_name", "公司\x00"),
        ("household_members", [{"name": "张\u200b三", "relation": "子女"}]),
    ],
)
def test_over_long_or_invisible_text_is_refused_not_cut(world, make_input, field, value):
    from django.core.exceptions import ValidationError

    from fangkong.returnees.models import Declaration

    with pytest.raises(ValidationError) as info:
        services.declare_return(actor=world.staff_a, data=make_input(**{field: value}))
    assert field in info.value.message_dict
    assert not Declaration.objects.exists()
