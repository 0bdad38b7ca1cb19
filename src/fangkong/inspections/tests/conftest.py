import pytest

from fangkong.core.choices import Role
from fangkong.core.testing import make_user


@pytest.fixture
def office(world):
    """The inspections office of the world's sub-district (two people share the calls)."""
    first = make_user("fazhanban", Role.OFFICE, subdistrict=world.sub, domains=["inspections"])
    second = make_user("fazhanban2", Role.OFFICE, subdistrict=world.sub, domains=["inspections"])
    return [first, second]


@pytest.fixture
def zones(world):
    from fangkong.registry.models import PatrolZone

    north = PatrolZone.objects.create(subdistrict=world.sub, name="万安路以北")
    south = PatrolZone.objects.create(subdistrict=world.sub, name="万安路以南")
    return north, south
