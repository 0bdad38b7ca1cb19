import datetime as dt
import os
import random
import tempfile

import pytest
from django.conf import settings
from django.utils import timezone

from fangkong.core import ttlcache
from fangkong.core.testing import make_id_number, make_phone
from fangkong.masks import services
from fangkong.masks.choices import AllocationMode

# The concurrency tests need real concurrent connections; SQLite's shared in-memory test database does not
# give each thread its own connection, so the SQLite leg uses a file (in WAL mode) unless one is configured.
_db = settings.DATABASES["default"]
if _db["ENGINE"].endswith("sqlite3") and not _db.get("TEST", {}).get("NAME"):
    _db.setdefault("TEST", {})["NAME"] = os.path.join(
        tempfile.gettempdir(), f"fangkong-test-{os.getpid()}.sqlite3"
    )


def open_round(world, *, mode=AllocationMode.ORDER, name="第一轮", slots=True, **kwargs):
    now = timezone.now()
    rnd = services.open_mask_round(
        actor=world.hq,
        subdistrict=world.sub,
        name=name,
        opens_at=kwargs.pop("opens_at", now - dt.timedelta(hours=1)),
        closes_at=kwargs.pop("closes_at", now + dt.timedelta(days=1)),
        pickup_ends_at=kwargs.pop("pickup_ends_at", now + dt.timedelta(days=3)),
        mode=mode,
        **kwargs,
    )
    for key in ("a", "b"):
        hood = getattr(world, f"hood_{key}")
        services.add_pickup_site(
            actor=world.hq,
            mask_round=rnd,
            neighborhood=hood,
            name=f"{hood.name}药房",
            slots=[(now, now + dt.timedelta(days=2), 1000)] if slots else [],
        )
    return rnd


@pytest.fixture
def mround(world):
    return open_round(world)


@pytest.fixture
def lottery_round(world):
    return open_round(world, mode=AllocationMode.LOTTERY, name="摇号轮")


class People:
    def __init__(self, seed=11):
        self.rng = random.Random(seed)

    def __call__(self):
        return {"name": "张三", "id_number": make_id_number(self.rng), "phone": make_phone(self.rng)}


@pytest.fixture
def people():
    return People()


def add_households(world, n, *, hood="a", start=201):
    """n more registry households in the building of neighborhood ``hood``."""
    from fangkong.registry.models import Household

    building = getattr(world, f"building_{hood}")
    rows = [
        Household(
            subdistrict_id=building.subdistrict_id,
            neighborhood_id=building.neighborhood_id,
            building=building,
            room=str(start + i),
            address=f"{building.name}{start + i}室",
        )
        for i in range(n)
    ]
    Household.objects.bulk_create(rows)
    ttlcache.clear_all()
    return list(Household.objects.filter(building=building, room__in=[r.room for r in rows]).order_by("id"))


def booker_id4(number):
    """The last 4 characters of the booker's ID of voucher ``number`` (what pickup staff check), or 0000."""
    from fangkong.masks.models import Voucher

    v = Voucher.objects.select_related("booking").filter(number=services.normalize_voucher(number)).first()
    return v.booking.id_number_masked[-4:] if v is not None else "0000"
