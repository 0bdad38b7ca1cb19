"""The household page links the household's mask bookings, the returnee declarations at its address and who
of it is in isolation: scoped, masked, audited for health data, and a constant number of queries."""

from __future__ import annotations

import datetime as dt
import random

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from fangkong.core.models import AuditEvent
from fangkong.core.testing import make_id_number, make_phone


def _round(world):
    from fangkong.core import ttlcache
    from fangkong.masks import services

    ttlcache.clear_all()
    now = timezone.now()
    rnd = services.open_mask_round(
        actor=world.hq,
        subdistrict=world.sub,
        name="第一轮",
        opens_at=now - dt.timedelta(hours=1),
        closes_at=now + dt.timedelta(days=1),
        pickup_ends_at=now + dt.timedelta(days=3),
    )
    services.add_pickup_site(
        actor=world.hq,
        mask_round=rnd,
        neighborhood=world.hood_a,
        name="药房",
        slots=[(now, now + dt.timedelta(days=2), 100)],
    )
    return rnd


def _declare(world, rng, name):
    from fangkong.returnees import services
    from fangkong.returnees.services import DeclarationInput

    today = timezone.localdate()
    data = DeclarationInput(
        building_id=world.household_a.building_id,
        room=world.household_a.room,
        name=name,
        id_number=make_id_number(rng),
        phone=make_phone(rng),
        origin_code="420100",
        transport="rail",
        transport_number=f"G{rng.randrange(1000, 9999)}",
        departure_date=today - dt.timedelta(days=3),
        arrival_date=today - dt.timedelta(days=2),
    )
    return services.declare_return(actor=world.staff_a, data=data)


def _page(client, world):
    return client.get(reverse("registry:households_detail", args=[world.household_a.pk]))


def test_household_page_links_bookings_declarations_and_isolations(world, as_persona):
    from fangkong.masks import services as masks

    rng = random.Random(3001)
    rnd = _round(world)
    id_number, phone = make_id_number(rng), make_phone(rng)
    booking = masks.book_public(
        round_id=rnd.pk,
        name="张三",
        id_number=id_number,
        phone=phone,
        building_id=world.household_a.building_id,
        room=world.household_a.room,
    )
    result = _declare(world, rng, "李四")
    hq = as_persona("hq")
    before = AuditEvent.objects.filter(action="read", object_type="returnees.declaration").count()
    body = _page(hq, world).content.decode()
    assert booking.number in body and "第一轮" in body
    assert reverse("returnees:declaration_detail", args=[result.declaration.pk]) in body
    assert result.isolation is not None
    assert reverse("returnees:isolation_detail", args=[result.isolation.pk]) in body
    assert id_number not in body and phone not in body  # masked
    assert result.declaration.id_number_masked in body
    after = AuditEvent.objects.filter(action="read", object_type="returnees.declaration").count()
    assert after == before + 1
    # an office with only the registry domain sees the household, not its health or mask records
    office = as_persona("office").get(reverse("registry:households_detail", args=[world.household_a.pk]))
    assert office.status_code == 200 and "李四" not in office.content.decode()
    assert booking.number not in office.content.decode()


def test_household_page_query_count_is_constant(world, as_persona):
    rng = random.Random(3002)
    _declare(world, rng, "王一")
    client = as_persona("hq")
    _page(client, world)
    with CaptureQueriesContext(connection) as one:
        _page(client, world)
    for i in range(4):
        _declare(world, rng, f"王{i + 2}")
    with CaptureQueriesContext(connection) as five:
        body = _page(client, world).content.decode()
    assert "王5" in body
    assert len(five) == len(one)
