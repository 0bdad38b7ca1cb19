"""Booking at the desk and on the public page: validation, idempotency, unregistered households, windows."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from fangkong.core.models import AuditEvent
from fangkong.masks import services
from fangkong.masks.choices import BookingStatus, Channel
from fangkong.masks.models import Booking, MaskRound
from fangkong.masks.tests.conftest import People, add_households, open_round

pytestmark = pytest.mark.django_db


def public(world, rnd, person, *, building=None, room="101", ip="10.0.0.1"):
    return services.book_public(
        round_id=rnd.pk,
        building_id=(building or world.building_a).pk,
        room=room,
        client_ip=ip,
        **person,
    )


def test_open_round_reads_the_policy(world, mround):
    assert mround.masks_per_household == 5
    assert AuditEvent.objects.filter(object_type="masks.maskround", object_id=str(mround.pk)).exists()


def test_public_booking_matches_the_registry_household(world, mround, people):
    result = public(world, mround, people())
    assert result.created and not result.unregistered
    booking = Booking.objects.get(pk=result.id)
    assert booking.household == world.household_a
    assert booking.neighborhood == world.hood_a
    assert booking.status == BookingStatus.WAITING
    assert booking.id_number_masked.startswith("310") and "*" in booking.id_number_masked
    assert booking.id_number_enc and booking.id_number_hash and booking.phone_hash


def registered_member(world, household=None):
    """A person registered in the registry as a member of ``household`` (by default world.household_a)."""
    from fangkong.registry.models import Resident
    from fangkong.registry.services import set_personal

    household = household or world.household_a
    person = People(seed=household.pk * 97 + 5)()
    resident = Resident(
        subdistrict_id=household.subdistrict_id,
        neighborhood_id=household.neighborhood_id,
        household=household,
        name=person["name"],
        relation="spouse",
    )
    set_personal(resident, {"id_number": person["id_number"], "phone": person["phone"]})
    resident.save()
    return person


def test_repeat_and_registered_member_get_the_same_booking(world, mround, people):
    first = people()
    one = public(world, mround, first)
    again = public(world, mround, {**first, "phone": people()["phone"]})  # same ID, another phone
    other_member = public(world, mround, registered_member(world), room="101室")
    assert one.number == again.number == other_member.number
    assert not again.created and not other_member.created
    assert Booking.objects.filter(round=mround, household=world.household_a).count() == 1


def test_anyone_else_gets_no_booking_number_status_or_voucher(world, mround, people):
    """Issue: a made-up valid ID for an address already booked was answered with that household's booking
    and voucher number."""
    services.record_stock_batch(actor=world.hq, mask_round=mround, neighborhood=world.hood_a, quantity=5)
    booker = people()
    one = public(world, mround, booker)
    assert one.voucher_number
    stranger = people()
    with pytest.raises(services.AddressBooked) as refused:
        public(world, mround, stranger, room="101室", ip="10.9.9.9")
    assert refused.value.messages == ["该地址本轮已预约。"]
    # a registered member of another household is a stranger here too
    with pytest.raises(services.AddressBooked):
        public(world, mround, registered_member(world, world.household_b))
    # the booker's phone with another ID is not the booker either
    with pytest.raises(services.AddressBooked):
        public(world, mround, {**stranger, "phone": booker["phone"]})
    assert Booking.objects.filter(round=mround).count() == 1


def test_unregistered_address_is_held_for_review(world, mround, people):
    result = public(world, mround, people(), room="999")
    assert result.unregistered
    booking = Booking.objects.get(pk=result.id)
    assert booking.household is None and booking.status == BookingStatus.REVIEW
    with pytest.raises(services.AddressBooked):  # an unregistered address has no members: its booker only
        public(world, mround, people(), room="999")


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("id_number", "310109199001011234", "校验位"),
        ("id_number", "12345", "18位"),
        ("phone", "12345678901", "手机号码"),
        ("name", "", "姓名"),
    ],
)
def test_bad_input_is_refused_and_changes_nothing(world, mround, people, field, value, message):
    person = people()
    person[field] = value
    with pytest.raises(ValidationError) as exc:
        public(world, mround, person)
    assert message in " ".join(exc.value.messages)
    assert not Booking.objects.exists()


def test_address_that_does_not_exist(world, mround, people):
    with pytest.raises(ValidationError) as exc:
        public(world, mround, people(), building=world.building_c)  # another sub-district
    assert "楼栋不存在" in " ".join(exc.value.messages)
    assert not Booking.objects.exists()


def test_outside_the_window(world, people):
    now = timezone.now()
    early = open_round(
        world, name="未开始", opens_at=now + dt.timedelta(hours=2), closes_at=now + dt.timedelta(days=1)
    )
    with pytest.raises(ValidationError, match="尚未开始"):
        public(world, early, people())
    late = open_round(
        world, name="已截止", opens_at=now - dt.timedelta(days=2), closes_at=now - dt.timedelta(hours=1)
    )
    with pytest.raises(ValidationError, match="已截止"):
        public(world, late, people())
    assert not Booking.objects.exists()


def test_closed_round(world, mround, people):
    services.close_round(actor=world.hq, mask_round=mround)
    with pytest.raises(ValidationError, match="已截止"):
        public(world, mround, people())
    assert MaskRound.objects.get(pk=mround.pk).status == "closed"


def test_desk_booking_from_a_resident(world, mround):
    result = services.book_at_desk(
        actor=world.staff_a, mask_round=mround, household=world.household_a, resident=world.resident_a
    )
    booking = Booking.objects.get(pk=result.id)
    assert booking.channel == Channel.DESK
    assert booking.id_number_hash == world.resident_a.id_number_hash
    assert AuditEvent.objects.filter(object_type="masks.booking", object_id=str(booking.pk)).exists()
    # the resident booking again online gets the desk booking back
    again = services.book_at_desk(
        actor=world.staff_a, mask_round=mround, household=world.household_a, resident=world.resident_a
    )
    assert again.number == result.number and not again.created


def test_desk_booking_outside_scope_is_refused(world, mround):
    from fangkong.core.exceptions import ScopeError

    with pytest.raises(ScopeError):
        services.book_at_desk(
            actor=world.staff_b, mask_round=mround, household=world.household_a, resident=world.resident_a
        )
    assert not Booking.objects.exists()


def test_desk_booking_typed_person(world, mround, people):
    person = people()
    result = services.book_at_desk(
        actor=world.staff_a, mask_round=mround, household=world.household_a, **person
    )
    assert Booking.objects.get(pk=result.id).name == "张三"
    with pytest.raises(ValidationError):
        services.book_at_desk(
            actor=world.staff_b,
            mask_round=mround,
            household=world.household_b,
            name="李四",
            id_number="310109199001011234",
            phone="1",
        )


def test_review_approve_and_reject(world, mround, people):
    pending = public(world, mround, people(), room="888")
    other = public(world, mround, people(), room="889")
    booking = services.review_booking(
        actor=world.staff_a, booking=Booking.objects.get(pk=pending.id), approve=True
    )
    assert booking.status == BookingStatus.WAITING
    rejected = services.review_booking(
        actor=world.staff_a, booking=Booking.objects.get(pk=other.id), approve=False
    )
    assert rejected.status == BookingStatus.REJECTED
    with pytest.raises(ValidationError):
        services.review_booking(actor=world.staff_a, booking=rejected, approve=True)


def test_lookup_needs_id_and_phone(world, mround, people):
    person = people()
    result = public(world, mround, person)
    found = services.find_booking(round_id=mround.pk, id_number=person["id_number"], phone=person["phone"])
    assert found is not None and found.number == result.number
    assert (
        services.find_booking(round_id=mround.pk, id_number=person["id_number"], phone="13800000000") is None
    )


def test_new_and_repeat_public_bookings_are_one_statement_on_postgresql(
    world, mround, people, django_assert_max_num_queries
):
    from django.db import connection

    person = people()
    pg = connection.vendor == "postgresql"
    # the round, the address book and "no stock on hand" are cached after a first booking
    public(world, mround, people(), room=add_households(world, 1)[0].room)
    with django_assert_max_num_queries(1 if pg else 6):
        first = public(world, mround, person)
    with django_assert_max_num_queries(1 if pg else 6):
        again = public(world, mround, person)  # the same person submits again
    member_person = registered_member(world)
    with django_assert_max_num_queries(1 if pg else 6):
        member = public(world, mround, member_person)  # a registered member of the household
    with django_assert_max_num_queries(1 if pg else 6), pytest.raises(services.AddressBooked):
        public(world, mround, people())  # anyone else
    assert first.created and not again.created and not member.created
    assert again.number == member.number == first.number and again.id == first.id
    assert Booking.objects.filter(round=mround, household=world.household_a).count() == 1


def test_public_booking_statement_is_prepared_once_per_connection_on_postgresql(world, mround, people):
    """The booking statement is planned once per connection, not parsed and planned on every booking."""
    from django.db import connection

    from fangkong.env import env_bool

    if connection.vendor != "postgresql":
        pytest.skip("server-side prepared statements are a PostgreSQL feature")
    if not env_bool("FANGKONG_PG_PREPARED", True):
        pytest.skip("prepared statements are turned off (FANGKONG_PG_PREPARED=0)")
    for household in add_households(world, 3):
        public(world, mround, people(), room=household.room)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT generic_plans + custom_plans FROM pg_prepared_statements "
            "WHERE statement LIKE 'WITH rl AS (INSERT INTO %%ratecounter%%'"
        )
        executions = [row[0] for row in cursor.fetchall()]
    assert executions and max(executions) >= 3
