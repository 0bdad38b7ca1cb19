import datetime as dt
import random

import pytest
from django.utils import timezone

from fangkong.core.testing import make_id_number, make_phone
from fangkong.returnees import services
from fangkong.returnees.services import DeclarationInput

SHANGHAI = dt.timezone(dt.timedelta(hours=8))


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    """An aware moment in Shanghai local time."""
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=SHANGHAI)


@pytest.fixture
def make_input(world):
    rng = random.Random(11)

    def _make(**overrides):
        today = timezone.localdate()
        values = dict(
            building_id=world.building_a.pk,
            room="502",
            name="张三",
            id_number=make_id_number(rng),
            phone=make_phone(rng),
            origin_code="420100",
            transport="rail",
            transport_number="G1234",
            departure_date=today - dt.timedelta(days=3),
            arrival_date=today - dt.timedelta(days=2),
        )
        values.update(overrides)
        return DeclarationInput(**values)

    return _make


@pytest.fixture
def isolated(world, make_input):
    """A declaration from Wuhan, two days ago: in home isolation. Returns (result, token)."""
    result = services.declare_return(actor=world.staff_a, data=make_input())
    assert result.isolation is not None
    return result


@pytest.fixture
def returnees_office(world):
    """A functional office with the returnees domain (the office persona of the world has only registry)."""
    from fangkong.core.choices import Role
    from fangkong.core.testing import make_user

    return make_user("office_ret", Role.OFFICE, subdistrict=world.sub, domains=["returnees"])
