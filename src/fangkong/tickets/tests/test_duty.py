"""The person on duty is computed from the pairing roster: day and night shifts (the night one across
midnight), and an approved swap."""

import datetime as dt

import pytest
from django.utils import timezone

from fangkong.pairing import services as pairing_services
from fangkong.pairing.models import RosterAssignment
from fangkong.tickets import selectors, services
from fangkong.tickets.choices import TicketKind
from fangkong.tickets.tests.conftest import at

pytestmark = pytest.mark.django_db


def _assignment(unit, day, hour):
    moment = at(day, hour)
    return RosterAssignment.objects.get(
        roster=unit.roster, template__point=unit.point, starts_at__lte=moment, ends_at__gt=moment
    )


def test_roster_covers_every_hour_with_one_person(rostered):
    today = timezone.localdate()
    for hour in range(24):
        people = selectors.on_duty_now(rostered, at=at(today, hour, 30))
        assert len(people) == 1, hour


def test_night_shift_crosses_midnight(rostered):
    today = timezone.localdate()
    night = _assignment(rostered, today, 21)
    assert night.template.name == "夜班"
    after_midnight = selectors.on_duty_now(rostered, at=at(today + dt.timedelta(days=1), 2))
    assert [p.pk for p in after_midnight] == [night.person_id]
    # the day shift of the next morning is someone else's assignment from 08:00
    morning = _assignment(rostered, today + dt.timedelta(days=1), 9)
    assert selectors.on_duty_now(rostered, at=at(today + dt.timedelta(days=1), 9))[0].pk == morning.person_id


def test_an_approved_swap_changes_who_is_on_duty(world, rostered):
    today = timezone.localdate()
    tomorrow = today + dt.timedelta(days=1)
    first = _assignment(rostered, tomorrow, 10)
    second = (
        RosterAssignment.objects.filter(roster=rostered.roster)
        .exclude(person_id=first.person_id)
        .order_by("starts_at")
        .last()
    )
    swap = pairing_services.request_swap(actor=world.hq, first=first, second=second)
    assert selectors.on_duty_now(rostered, at=at(tomorrow, 10))[0].pk == first.person_id  # pending: unchanged
    pairing_services.decide_swap(actor=world.hq, swap=swap, approve=True)
    assert selectors.on_duty_now(rostered, at=at(tomorrow, 10))[0].pk == second.person_id


def test_routing_assigns_the_person_on_duty_at_the_hour_and_notifies_them(world, rostered):
    from fangkong.core.models import Notification

    today = timezone.localdate()
    moment = at(today + dt.timedelta(days=1), 1, 15)
    ticket = services.open_ticket(
        actor=world.staff_a, building=world.building_a, room="101", kind=TicketKind.GAS_LEAK, now=moment
    )
    on_duty = selectors.on_duty_now(rostered, at=moment)
    assert ticket.unit == rostered and ticket.assignee == on_duty[0]
    assert ticket.respond_due == moment + dt.timedelta(minutes=10)
    member = on_duty[0].unit_member
    assert Notification.objects.filter(recipient=member.user, kind="tickets.dispatched").count() == 1


def test_shifts_must_cover_the_day(world, gas):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.set_up_duty_roster(
            actor=world.hq,
            unit=gas,
            start_date=timezone.localdate(),
            shifts=[("白班", dt.time(8), dt.time(20))],
        )


def test_a_partner_person_asks_for_a_swap_and_the_duty_follows_once_approved(world, rostered, client):
    """Through pairing's swap flow: the person asks on their duty page, HQ approves on the roster page."""
    from django.urls import reverse

    from fangkong.pairing.models import ShiftSwap

    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    first = _assignment(rostered, tomorrow, 10)
    second = (
        RosterAssignment.objects.filter(roster=rostered.roster, date__gte=tomorrow)
        .exclude(person_id=first.person_id)
        .order_by("starts_at")
        .last()
    )
    asker = first.person.unit_member.user
    client.force_login(asker)
    page = client.get(reverse("tickets:my_duty"))
    assert page.status_code == 200 and "申请换班" in page.content.decode()
    # another person's shift cannot be offered as one's own
    refused = client.post(
        reverse("tickets:my_duty"), {"roster": rostered.roster.pk, "first": second.pk, "second": first.pk}
    )
    assert refused.status_code == 200 and not ShiftSwap.objects.exists()
    done = client.post(
        reverse("tickets:my_duty"),
        {"roster": rostered.roster.pk, "first": first.pk, "second": second.pk, "note": "家中有事"},
    )
    assert done.status_code == 302
    swap = ShiftSwap.objects.get()
    assert (swap.first_id, swap.second_id, swap.requested_by_id) == (first.pk, second.pk, asker.pk)
    assert selectors.on_duty_now(rostered, at=at(tomorrow, 10))[0].pk == first.person_id  # pending
    client.force_login(world.hq)
    client.post(reverse("pairing:roster", args=[rostered.roster.pk]), {"action": "approve", "swap": swap.pk})
    assert selectors.on_duty_now(rostered, at=at(tomorrow, 10))[0].pk == second.person_id
    # someone not on a unit's roster has no duty page
    client.force_login(world.staff_a)
    assert client.get(reverse("tickets:my_duty")).status_code == 404
