import datetime as dt

import pytest

from fangkong.care import services
from fangkong.care.rules import week_of


@pytest.fixture
def elderly(world):
    """Make ``n`` residents of neighborhood A, each alone in a household, born ``age`` years ago."""
    from fangkong.registry.models import Household, Resident

    counter = {"n": 0}

    def _make(n, *, age=80, building=None, hood=None):
        building = building or world.building_a
        hood = hood or world.hood_a
        start = counter["n"]
        counter["n"] += n
        born = dt.date.today().replace(year=dt.date.today().year - age, month=1, day=1)
        homes = Household.objects.bulk_create(
            Household(subdistrict_id=hood.subdistrict_id, neighborhood=hood, building=building, room=f"E{i}")
            for i in range(start, start + n)
        )
        return Resident.objects.bulk_create(
            Resident(
                subdistrict_id=hood.subdistrict_id,
                neighborhood=hood,
                household=h,
                name=f"老人{i}",
                birth_date=born,
            )
            for i, h in zip(range(start, start + n), homes, strict=True)
        )

    return _make


@pytest.fixture
def in_care(elderly):
    """Put ``n`` new residents of neighborhood A in care at once (bulk), with a delivery day."""
    from fangkong.care.models import CareRecord

    def _make(n, *, weekday=0, since=None):
        people = elderly(n)
        since = since or week_of(dt.date.today()) - dt.timedelta(days=28)
        return CareRecord.objects.bulk_create(
            CareRecord(
                subdistrict_id=r.subdistrict_id,
                neighborhood_id=r.neighborhood_id,
                resident=r,
                reason="alone",
                weekday=weekday,
                items="蔬菜",
                since=since,
                needs=["vegetables"],
            )
            for r in people
        )

    return _make


@pytest.fixture
def cared(world):
    """Resident A in care, delivered on Mondays."""
    return services.enrol_care(
        actor=world.staff_a, resident=world.resident_a, data=services.CareInput(weekday=0, items="蔬菜一袋")
    )
