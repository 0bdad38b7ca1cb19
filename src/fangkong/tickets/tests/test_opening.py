"""Opening a ticket is the hot path: its statements do not grow with the tickets, the isolations or the flats
of the sub-district, and its one-query address check agrees with the room rule it replaces."""

import datetime as dt
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fangkong.api.auth import hash_token
from fangkong.core.models import ApiToken, Notification
from fangkong.registry.models import Building, Household
from fangkong.returnees.models import Declaration, Isolation
from fangkong.tickets import selectors
from fangkong.tickets.choices import Isolation as IsolationFlag
from fangkong.tickets.choices import TicketState
from fangkong.tickets.models import Ticket

pytestmark = pytest.mark.django_db

# The opening's statements through the API: the token (its "last used" written once a minute), the caller's
# neighborhoods, the building; then the address (isolation presence and household), the duty, and one insert
# each for the ticket, its two log rows, their two audit events and the duty person's alert; BEGIN/COMMIT on
# SQLite are statements too.
MAX_OPEN_QUERIES = 14


def _isolate(world, building, count, room_of):
    today = timezone.localdate()
    start = Declaration.objects.count()
    Declaration.objects.bulk_create(
        [
            Declaration(
                subdistrict=world.sub,
                neighborhood=building.neighborhood,
                building=building,
                room=room_of(i),
                name=f"隔离{start + i}",
                id_number_hash=f"t-{start + i}",
                origin_code="420100",
                origin_name="武汉市",
                transport="rail",
                departure_date=today - dt.timedelta(days=3),
                arrival_date=today - dt.timedelta(days=2),
                risk_level="red",
                risk_action="home_isolation",
            )
            for i in range(count)
        ]
    )
    Isolation.objects.bulk_create(
        [
            Isolation(
                subdistrict=world.sub,
                neighborhood=building.neighborhood,
                building=building,
                declaration=d,
                start_date=today - dt.timedelta(days=2),
                planned_end_date=today + dt.timedelta(days=12),
                end_date=today + dt.timedelta(days=12),
                report_token_hash=f"t-{d.pk}",
            )
            for d in Declaration.objects.filter(building=building, isolations__isnull=True)
        ]
    )


def _open(client, token, building, room):
    with CaptureQueriesContext(connection) as ctx:
        response = client.post(
            "/api/v1/tickets/tickets",
            json.dumps(
                {"building_id": building.pk, "kind": "gas_leak", "room": room, "phone": "13912345678"}
            ),
            content_type="application/json",
            headers={"Authorization": f"Bearer {token}"},
        )
    assert response.status_code == 201, response.content
    return response.json(), len(ctx.captured_queries)


def test_opening_statements_are_constant_as_tickets_and_isolations_grow(world, rostered, client):
    token = "test-open-token"
    ApiToken.objects.create(user=world.staff_a, name="t", key_hash=hash_token(token), prefix=token[:8])
    _open(client, token, world.building_a, "101")  # the routing is read once per process
    small, small_count = _open(client, token, world.building_a, "101")
    assert small["state"] == TicketState.DISPATCHED and small["assignee_name"]
    assert small["isolation"] == IsolationFlag.NONE

    more = Building.objects.bulk_create(
        [
            Building(
                subdistrict=world.sub, neighborhood=world.hood_a, compound=world.compound_a, name=f"{i}号楼"
            )
            for i in range(20, 40)
        ]
    )
    for b in [world.building_a, *more]:
        _isolate(world, b, 60, lambda i: f"{i % 12 + 2}01")
        Household.objects.bulk_create(
            [
                Household(subdistrict=world.sub, neighborhood=world.hood_a, building=b, room=f"{i + 2}02")
                for i in range(10)
            ]
        )
    template = Ticket.objects.get(pk=small["id"])
    fields = {f.attname: getattr(template, f.attname) for f in Ticket._meta.concrete_fields}
    fields.pop("id")
    Ticket.objects.bulk_create([Ticket(**fields) for _ in range(300)])

    big, big_count = _open(client, token, world.building_a, "201")
    assert big["isolation"] == IsolationFlag.ROOM
    assert big_count == small_count <= MAX_OPEN_QUERIES
    # one alert for the duty person, stored for the job runner
    assert Notification.objects.filter(dedupe_key__startswith=f"tickets.dispatched:{big['id']}:").count() == 1


ROOMS = ["502", "502室", "b502", "B502", "B502室", "5020", "602", "602室"]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    isolated=st.lists(st.sampled_from(ROOMS), max_size=3),
    households=st.lists(st.sampled_from(ROOMS), max_size=3, unique=True),
    asked=st.sampled_from([*ROOMS, "", " 502 ", "502 室"]),
)
def test_address_check_agrees_with_the_room_rule(world, isolated, households, asked):
    """The one-statement address check answers what comparing normalised rooms one by one answers."""
    Isolation.objects.filter(building=world.building_b).delete()
    Declaration.objects.filter(building=world.building_b).delete()
    Household.objects.filter(building=world.building_b).delete()
    rooms = iter(isolated)
    _isolate(world, world.building_b, len(isolated), lambda i: next(rooms))
    made = [
        Household.objects.create(
            subdistrict=world.sub, neighborhood=world.hood_b, building=world.building_b, room=r
        )
        for r in households
    ]
    facts = selectors.address_facts(world.building_b.pk, asked.strip())
    want = selectors.normalize_room(asked)
    if want and any(selectors.normalize_room(r) == want for r in isolated):
        expected = IsolationFlag.ROOM
    elif isolated:
        expected = IsolationFlag.BUILDING
    else:
        expected = IsolationFlag.NONE
    assert facts.isolation == expected
    match = [h for h in made if want and selectors.normalize_room(h.room) == want]
    assert facts.household_id == (match[0].pk if match else None)
