"""The ticket's state machine (every allowed and refused transition), referral, consent, the door-to-door
check, the isolation warning (never naming anyone) and the public report."""

import datetime as dt
import itertools
import random

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from fangkong.core.models import AuditEvent
from fangkong.core.testing import make_id_number, make_phone
from fangkong.tickets import access, selectors, services
from fangkong.tickets.choices import CheckResult, Isolation, TicketKind, TicketSource, TicketState
from fangkong.tickets.models import Ticket, TicketEvent
from fangkong.tickets.tests.conftest import make_unit

pytestmark = pytest.mark.django_db

ALL_PAIRS = list(itertools.product(TicketState.values, TicketState.values))


def _ticket_in(world, state, **fields):
    ticket = services.open_ticket(
        actor=world.hq, building=world.building_a, room="101", kind=TicketKind.GAS_LEAK
    )
    Ticket.objects.filter(pk=ticket.pk).update(state=state, **fields)
    ticket.refresh_from_db()
    return ticket


@pytest.mark.parametrize(("before", "after"), ALL_PAIRS)
def test_every_transition_is_allowed_or_refused_by_the_table(world, gas, power, before, after):
    extra = {}
    if before == TicketState.AWAITING_CONSENT:
        extra = {"consent_by": "户主", "consent_at": timezone.now()}
    if before == TicketState.NEW:
        extra = {"unit": None, "organization": None}
    ticket = _ticket_in(world, before, **extra)
    events = TicketEvent.objects.filter(ticket=ticket).count()
    actor = gas.members_list[1].user if ticket.organization_id else world.hq
    if after in access.TRANSITIONS[before]:
        actor = world.hq
        moved = services.advance(actor=actor, ticket=ticket, to_state=after, note="n", unit=power)
        assert moved.state == after
        assert TicketEvent.objects.filter(ticket=ticket).count() == events + 1
        last = TicketEvent.objects.filter(ticket=ticket).last()
        assert (last.from_state, last.to_state, last.note[:1]) == (before, after, "n")
        assert AuditEvent.objects.filter(
            object_id=str(ticket.pk), changes__transition=f"{before} → {after}"
        ).exists()
    else:
        with pytest.raises(ValidationError):
            services.advance(actor=actor, ticket=ticket, to_state=after, unit=power)
        ticket.refresh_from_db()
        assert ticket.state == before


def test_the_unit_works_its_ticket_and_others_may_not(world, gas, power):
    ticket = services.open_ticket(
        actor=world.staff_a, building=world.building_a, room="101", kind=TicketKind.GAS_LEAK
    )
    assert ticket.state == TicketState.DISPATCHED and ticket.unit == gas
    crew = gas.members_list[3].user
    other = power.members_list[0].user
    with pytest.raises(PermissionDenied):
        services.advance(actor=other, ticket=ticket, to_state=TicketState.RESPONDED)
    with pytest.raises(PermissionDenied):  # the committee does not answer for the crew
        services.advance(actor=world.staff_a, ticket=ticket, to_state=TicketState.RESPONDED)
    services.advance(actor=crew, ticket=ticket, to_state=TicketState.RESPONDED)
    assert Ticket.objects.visible_to(crew).filter(pk=ticket.pk).exists()
    assert not Ticket.objects.visible_to(other).filter(pk=ticket.pk).exists()
    assert not Ticket.objects.visible_to(world.staff_b).filter(pk=ticket.pk).exists()
    assert Ticket.objects.visible_to(world.staff_a).filter(pk=ticket.pk).exists()
    assert not Ticket.objects.visible_to(world.other_hq).filter(pk=ticket.pk).exists()


def test_referral_keeps_the_first_unit_linked(world, gas, power, client):
    ticket = services.open_ticket(
        actor=world.hq, building=world.building_a, kind=TicketKind.GAS_LEAK, building_wide=True
    )
    crew = gas.members_list[2].user
    services.advance(actor=crew, ticket=ticket, to_state=TicketState.RESPONDED)
    services.advance(actor=crew, ticket=ticket, to_state=TicketState.ON_SITE)
    with pytest.raises(ValidationError):  # another unit must be named
        services.advance(actor=crew, ticket=ticket, to_state=TicketState.REFERRED)
    ticket = services.advance(
        actor=crew, ticket=ticket, to_state=TicketState.REFERRED, unit=power, note="带电管线"
    )
    assert (ticket.unit, ticket.first_unit) == (power, gas)
    assert Ticket.objects.visible_to(power.members_list[0].user).filter(pk=ticket.pk).exists()
    # the first unit still sees it, linked and read-only; a third unit does not
    lift = make_unit(world, "电梯维保", "lift", [TicketKind.LIFT], people=1, prefix="lift")
    assert selectors.tickets_for(crew).filter(pk=ticket.pk).exists()
    assert not selectors.tickets_for(lift.members_list[0].user).filter(pk=ticket.pk).exists()
    assert access.allowed_moves(crew, ticket) == []
    with pytest.raises(PermissionDenied):
        services.advance(actor=crew, ticket=ticket, to_state=TicketState.RESPONDED)
    client.force_login(crew)
    page = client.get(reverse("tickets:detail", args=[ticket.pk]))
    assert page.status_code == 200
    text = page.content.decode()
    assert "市北供电" in text and "首接" in text and 'name="to_state"' not in text
    assert (
        f'href="{reverse("tickets:detail", args=[ticket.pk])}"'
        in client.get(reverse("tickets:board")).content.decode()
    )
    assert (
        client.post(reverse("tickets:move", args=[ticket.pk]), {"to_state": "responded"}).status_code == 404
    )
    assert client.post(reverse("tickets:photo", args=[ticket.pk])).status_code == 404


def test_full_repair_after_a_temporary_fix_waits_for_consent(world, gas):
    ticket = services.open_ticket(
        actor=world.hq, building=world.building_a, room="101", kind=TicketKind.GAS_LEAK
    )
    crew = gas.members_list[2].user
    for state in (
        TicketState.RESPONDED,
        TicketState.ON_SITE,
        TicketState.TEMP_FIX,
        TicketState.AWAITING_CONSENT,
    ):
        ticket = services.advance(actor=crew, ticket=ticket, to_state=state)
    with pytest.raises(ValidationError):
        services.advance(actor=crew, ticket=ticket, to_state=TicketState.FULL_REPAIR)
    ticket = services.record_consent(actor=crew, ticket=ticket, who="户主王先生")
    assert ticket.consent_by == "户主王先生" and ticket.consent_at is not None
    ticket = services.advance(actor=crew, ticket=ticket, to_state=TicketState.FULL_REPAIR)
    ticket = services.advance(actor=crew, ticket=ticket, to_state=TicketState.DONE)
    assert ticket.closed_at is not None


def test_door_to_door_check_lists_every_flat_and_ends_when_all_are_checked(world, gas, flats):
    ticket = services.open_ticket(
        actor=world.hq, building=flats, kind=TicketKind.GAS_LEAK, building_wide=True
    )
    crew = gas.members_list[2].user
    for state in (TicketState.RESPONDED, TicketState.ON_SITE, TicketState.FULL_REPAIR):
        ticket = services.advance(actor=crew, ticket=ticket, to_state=state)
    with pytest.raises(ValidationError):  # a building-wide job ends with the door-to-door check
        services.advance(actor=crew, ticket=ticket, to_state=TicketState.DONE)
    ticket = services.advance(actor=crew, ticket=ticket, to_state=TicketState.SAFETY_CHECK)
    checks = list(ticket.flat_checks.order_by("room"))
    assert [c.room for c in checks] == ["101", "201", "202", "301", "302", "401", "402"]
    for check in checks[:-1]:
        services.check_flat(actor=crew, check=check, result=CheckResult.OK)
    with pytest.raises(ValidationError):
        services.advance(actor=crew, ticket=ticket, to_state=TicketState.DONE)
    with pytest.raises(ValidationError):  # an exception is explained
        services.check_flat(actor=crew, check=checks[-1], result=CheckResult.EXCEPTION)
    services.check_flat(
        actor=crew, check=checks[-1], result=CheckResult.EXCEPTION, note="灶具老化，已告知更换"
    )
    assert services.advance(actor=crew, ticket=ticket, to_state=TicketState.DONE).state == TicketState.DONE


# ---------------------------------------------------------------------------------------- isolation


@pytest.fixture
def isolated_person(world):
    from fangkong.returnees import services as returnees_services
    from fangkong.returnees.services import DeclarationInput

    rng = random.Random(5)
    today = timezone.localdate()
    data = DeclarationInput(
        building_id=world.building_a.pk,
        room="502",
        name="隔离者甲",
        id_number=make_id_number(rng),
        phone=make_phone(rng),
        origin_code="420100",
        transport="rail",
        transport_number="G1",
        departure_date=today - dt.timedelta(days=3),
        arrival_date=today - dt.timedelta(days=2),
    )
    result = returnees_services.declare_return(actor=world.staff_a, data=data)
    assert result.isolation is not None
    return result.declaration, data


@pytest.mark.parametrize(
    ("building", "room", "expected"),
    [
        ("a", "502", Isolation.ROOM),
        ("a", "502室", Isolation.ROOM),
        ("a", "101", Isolation.BUILDING),
        ("b", "502", Isolation.NONE),
    ],
)
def test_isolation_warning(world, gas, isolated_person, building, room, expected):
    target = getattr(world, f"building_{building}")
    ticket = services.open_ticket(actor=world.hq, building=target, room=room, kind=TicketKind.GAS_LEAK)
    assert ticket.isolation == expected


def test_isolation_warning_absent_without_isolation(world, gas):
    ticket = services.open_ticket(
        actor=world.hq, building=world.building_a, room="502", kind=TicketKind.GAS_LEAK
    )
    assert ticket.isolation == Isolation.NONE


def test_pages_and_api_never_name_the_isolated_person(world, gas, isolated_person, client):
    declaration, data = isolated_person
    ticket = services.open_ticket(
        actor=world.hq, building=world.building_a, room="502", kind=TicketKind.GAS_LEAK
    )
    crew = gas.members_list[2].user
    secrets = [data.name, data.id_number, data.phone, declaration.phone_masked, declaration.id_number_masked]
    for user in (world.hq, crew):
        client.force_login(user)
        bodies = [
            client.get(reverse("tickets:detail", args=[ticket.pk])).content.decode(),
            client.get(reverse("tickets:board")).content.decode(),
            client.get(f"/api/v1/tickets/tickets/{ticket.pk}").content.decode(),
            client.get("/api/v1/tickets/board").content.decode(),
        ]
        assert "本户有居家隔离" in bodies[0] and "防护服" in bodies[0]
        for body in bodies:
            for secret in secrets:
                assert secret and secret not in body


# ------------------------------------------------------------------------------------------- public


def test_public_report_is_idempotent_and_waits_for_the_committee(world, gas, client):
    url = reverse("tickets:public_report", args=[world.sub.pk])
    form = {
        "n": world.hood_a.pk,
        "building": world.building_a.pk,
        "room": "101",
        "kind": "gas_leak",
        "phone": "13912345678",
        "key": "abc123",
        "description": "闻到煤气味",
    }
    assert client.post(url, form).status_code == 200
    assert client.post(url, form).status_code == 200
    tickets = list(Ticket.objects.filter(source=TicketSource.PUBLIC))
    assert len(tickets) == 1 and tickets[0].state == TicketState.NEW and tickets[0].unit is None
    assert tickets[0].phone_masked and "13912345678" not in tickets[0].phone_enc
    assert not access.may_confirm(world.staff_b, tickets[0])
    with pytest.raises(PermissionDenied):
        services.confirm_ticket(actor=world.staff_b, ticket=tickets[0])
    ticket = services.confirm_ticket(actor=world.staff_a, ticket=tickets[0])
    assert (
        ticket.state == TicketState.DISPATCHED and ticket.unit == gas and ticket.confirmed_by == world.staff_a
    )


def test_public_report_is_rate_limited(world, gas, client, monkeypatch):
    monkeypatch.setenv("FANGKONG_RATE_TICKETS_REPORT", "ip=2,key=0,window=60")
    url = reverse("tickets:public_report", args=[world.sub.pk])
    codes = [
        client.post(
            url,
            {
                "n": world.hood_a.pk,
                "building": world.building_a.pk,
                "room": "101",
                "kind": "water",
                "phone": "13912345678",
                "key": f"k{i}",
            },
        ).status_code
        for i in range(3)
    ]
    assert codes[-1] == 429


def test_poster_qr_opens_the_residents_report_page_of_its_neighborhood(world, gas, client, settings):
    from urllib.parse import urlsplit

    from fangkong.core.testing import decode_qr_in_html

    settings.FANGKONG_PUBLIC_BASE_URL = "https://fk.example.org"
    client.force_login(world.hq)
    page = client.get(reverse("tickets:poster"), {"hood": world.hood_b.pk}).content.decode()
    url = decode_qr_in_html(page)
    assert (
        url
        == f"https://fk.example.org{reverse('tickets:public_report', args=[world.sub.pk])}?n={world.hood_b.pk}"
    )
    assert "95158" in page  # the unit's hotline
    client.logout()
    parts = urlsplit(url)
    public = client.get(f"{parts.path}?{parts.query}")
    assert public.status_code == 200
    assert world.hood_b.name in public.content.decode()
    # committee staff print only their own neighborhood's
    client.force_login(world.staff_a)
    mine = client.get(reverse("tickets:poster"), {"hood": world.hood_b.pk}).content.decode()
    assert decode_qr_in_html(mine).endswith(f"?n={world.hood_a.pk}")
