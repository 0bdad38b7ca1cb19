import datetime as dt
import random

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from fangkong.care import access, services
from fangkong.care.models import CareRecord, Delivery
from fangkong.care.rules import week_of
from fangkong.core.exceptions import ScopeError
from fangkong.core.models import AuditEvent, Notification

pytestmark = pytest.mark.django_db


def test_enrol_seals_the_emergency_phone_and_audits(world):
    rec = services.enrol_care(
        actor=world.staff_a,
        resident=world.resident_a,
        data=services.CareInput(
            emergency_name="女儿", emergency_phone="13812345678", needs=["meals", "vegetables"]
        ),
    )
    assert rec.emergency_phone_masked.startswith("138") and "12345678" not in rec.emergency_phone_masked
    assert rec.emergency_phone_enc and rec.emergency_phone_hash
    assert rec.needs == ["vegetables", "meals"]
    assert AuditEvent.objects.filter(object_type="care.carerecord", object_id=str(rec.pk)).exists()
    with pytest.raises(ValidationError):
        services.enrol_care(actor=world.staff_a, resident=world.resident_a, data=services.CareInput())


def test_enrol_refuses_bad_phone_and_other_scope(world):
    with pytest.raises(ValidationError) as exc:
        services.enrol_care(
            actor=world.staff_a, resident=world.resident_a, data=services.CareInput(emergency_phone="12345")
        )
    assert "emergency_phone" in exc.value.message_dict
    with pytest.raises(ScopeError):
        services.enrol_care(actor=world.staff_b, resident=world.resident_a, data=services.CareInput())
    with pytest.raises(ScopeError):
        services.enrol_care(actor=world.viewer, resident=world.resident_a, data=services.CareInput())
    assert not CareRecord.objects.exists()


def test_update_keeps_phone_when_blank_and_checks_version(world, cared):
    services.update_care(
        actor=world.staff_a, record=cared, data=services.CareInput(emergency_phone="13812345678", weekday=3)
    )
    rec = services.update_care(
        actor=world.staff_a,
        record=cared,
        data=services.CareInput(weekday=4, team="新南二党支部"),
        expected_version=2,
    )
    assert rec.weekday == 4 and rec.emergency_phone_hash and rec.team == "新南二党支部"
    with pytest.raises(ValidationError):
        services.update_care(actor=world.staff_a, record=cared, data=services.CareInput(), expected_version=1)


def test_delivery_idempotent_and_unwell_alerts_committee(world, cared):
    first = services.record_delivery(
        actor=world.cadre,
        record=cared,
        outcome="delivered",
        welfare="unwell",
        note="咳嗽",
        submission_id="s1",
    )
    again = services.record_delivery(
        actor=world.cadre,
        record=cared,
        outcome="delivered",
        welfare="unwell",
        note="咳嗽",
        submission_id="s1",
    )
    assert first.created and not again.created and again.delivery.pk == first.delivery.pk
    assert Delivery.objects.count() == 1
    alerts = Notification.objects.filter(kind="care.unwell")
    assert [n.recipient for n in alerts] == [world.staff_a]
    assert first.delivery.week_start == week_of(timezone.localdate())


def test_not_home_means_welfare_unknown_and_future_refused(world, cared):
    d = services.record_delivery(actor=world.staff_a, record=cared, outcome="not_home", welfare="well")
    assert d.delivery.welfare == "unknown"
    with pytest.raises(ValidationError):
        services.record_delivery(
            actor=world.staff_a,
            record=cared,
            outcome="delivered",
            day=timezone.localdate() + dt.timedelta(days=1),
        )
    with pytest.raises(ScopeError):
        services.record_delivery(actor=world.staff_b, record=cared, outcome="delivered")


def test_person_in_isolation_gets_contactless_delivery_confirmed_by_phone(world, cared):
    from fangkong.core.testing import make_id_number, make_phone
    from fangkong.returnees import services as returnees
    from fangkong.returnees.services import DeclarationInput

    today = timezone.localdate()
    declared = returnees.declare_return(
        actor=world.staff_a,
        data=DeclarationInput(
            building_id=world.building_a.pk,
            room="101",
            name="子女",
            id_number=make_id_number(random.Random(4)),
            phone=make_phone(random.Random(3)),
            origin_code="420100",
            transport="rail",
            transport_number="G1",
            departure_date=today - dt.timedelta(days=3),
            arrival_date=today - dt.timedelta(days=2),
        ),
    )
    assert declared.isolation is not None
    assert access.may_record_delivery(world.staff_a, cared)
    with pytest.raises(ValidationError) as exc:
        services.record_delivery(actor=world.staff_a, record=cared, outcome="delivered")
    assert "phone_confirmed" in exc.value.message_dict
    d = services.record_delivery(actor=world.staff_a, record=cared, outcome="delivered", phone_confirmed=True)
    assert d.delivery.contactless and d.delivery.phone_confirmed


def test_contactless_unconfirmed_delivery_is_refused_by_the_database(world, cared):
    from django.db import IntegrityError, transaction

    today = timezone.localdate()
    with pytest.raises(IntegrityError), transaction.atomic():
        Delivery.objects.create(
            subdistrict_id=cared.subdistrict_id,
            neighborhood_id=cared.neighborhood_id,
            record=cared,
            day=today,
            week_start=week_of(today),
            outcome="delivered",
            contactless=True,
            phone_confirmed=False,
        )


def test_missed_job_alerts_once_per_person_and_week(world, in_care):
    from fangkong.care.jobs import missed_deliveries

    monday = week_of(timezone.localdate()) - dt.timedelta(days=7)
    people = in_care(3, weekday=0, since=monday - dt.timedelta(days=7))
    services.record_delivery(actor=world.staff_a, record=people[0], outcome="delivered", day=monday)
    services.record_delivery(actor=world.staff_a, record=people[1], outcome="not_home", day=monday)
    thursday = dt.datetime.combine(monday + dt.timedelta(days=3), dt.time(8, 30), tzinfo=dt.UTC)
    assert missed_deliveries(thursday) == {"missed": 2}
    assert missed_deliveries(thursday + dt.timedelta(days=1)) == {"missed": 2}
    notes = Notification.objects.filter(kind="care.missed")
    assert notes.count() == 2 and {n.recipient for n in notes} == {world.staff_a}
    # the next week the same people are due again: new alerts
    missed_deliveries(thursday + dt.timedelta(days=7))
    assert Notification.objects.filter(kind="care.missed").count() == 5
