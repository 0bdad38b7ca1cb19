import datetime as dt

import pytest
from django.utils import timezone

from fangkong.core.choices import Role
from fangkong.core.testing import make_user
from fangkong.registry.models import Household, Organization
from fangkong.tickets import services
from fangkong.tickets.choices import MemberRole, ServiceKind, TicketKind, Urgency

SHANGHAI = dt.timezone(dt.timedelta(hours=8))


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=SHANGHAI)


def make_unit(world, name, service_kind, kinds, people=0, prefix="u"):
    org = Organization.objects.create(subdistrict=world.sub, name=name, kind="partner_unit")
    unit = services.register_unit(
        actor=world.hq, organization=org, service_kind=service_kind, hotline="95158"
    )
    for kind in kinds:
        for urgency in Urgency.values:
            services.set_service(
                actor=world.hq,
                unit=unit,
                kind=kind,
                urgency=urgency,
                respond_minutes=10,
                arrive_minutes=30,
                resolve_hours=4,
            )
    members = []
    for i in range(people):
        role = MemberRole.LEAD if i == 0 else MemberRole.DISPATCHER if i == 1 else MemberRole.CREW
        user = make_user(
            f"{prefix}{i}",
            Role.ORG_CONTACT,
            subdistrict=world.sub,
            organization=org,
            display_name=f"{name}{i}号",
        )
        members.append(services.add_member(actor=world.hq, unit=unit, user=user, role=role))
    unit.members_list = members
    return unit


@pytest.fixture
def gas(world):
    return make_unit(
        world, "市北燃气", ServiceKind.GAS, [TicketKind.GAS_LEAK, TicketKind.NO_GAS], people=4, prefix="gas"
    )


@pytest.fixture
def power(world):
    return make_unit(
        world, "市北供电", ServiceKind.POWER, [TicketKind.POWER, TicketKind.GAS_LEAK], people=2, prefix="pw"
    )


@pytest.fixture
def rostered(world, gas):
    """The gas unit with a published 24-hour roster from yesterday over three days."""
    start = timezone.localdate() - dt.timedelta(days=1)
    roster = services.set_up_duty_roster(actor=world.hq, unit=gas, start_date=start, days=3, time_limit=2)
    gas.roster = roster
    return gas


@pytest.fixture
def flats(world):
    """Building A gets flats 201–402 besides its 101."""
    for room in ("201", "202", "301", "302", "401", "402"):
        Household.objects.create(
            subdistrict=world.sub, neighborhood=world.hood_a, building=world.building_a, room=room
        )
    return world.building_a
