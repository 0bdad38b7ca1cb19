"""The three allocation paths (the batch, the inline ORM path, the inline PostgreSQL statement) give the same
stock, slots and bookings the same vouchers, slots, expiry, ledger and notifications."""

import datetime as dt

import pytest
from django.db import connection, transaction
from django.test import override_settings
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fangkong.core import ttlcache
from fangkong.core.models import Notification
from fangkong.core.tests.matrix import rolled_back
from fangkong.masks import caches, services
from fangkong.masks.choices import BookingStatus, LedgerKind
from fangkong.masks.models import Booking, LedgerEntry, PickupSite, PickupSlot, StockBalance, Voucher
from fangkong.masks.numbers import new_number
from fangkong.masks.services import allocation
from fangkong.masks.tests.conftest import add_households

pytestmark = pytest.mark.django_db

# a slot: (starts in hours from now, lasts hours, capacity, issued already); some have ended, some end within
# the hour (their vouchers get the re-pickup days), some share a start (the id decides)
slot = st.tuples(st.integers(-6, 6), st.integers(1, 8), st.integers(1, 3), st.integers(0, 3))
scenario = st.fixed_dictionaries(
    {
        "q": st.sampled_from([1, 2, 5]),
        "stock": st.integers(0, 16),
        "bookings": st.integers(0, 6),
        "sites": st.lists(st.lists(slot, max_size=3), max_size=3),  # the neighborhood's sites and their slots
        "pickup_ends_in": st.sampled_from([dt.timedelta(minutes=30), dt.timedelta(days=3)]),
        "quiet": st.booleans(),  # quiet hours now: every path holds the message back alike
    }
)


def _quiet_hours(now, on):
    if not on:
        return ""
    local = timezone.localtime(now)
    return f"{(local - dt.timedelta(hours=1)):%H:%M}-{(local + dt.timedelta(hours=1)):%H:%M}"


def _outcome(rnd, hood, bookings, sites, slots):
    """Everything an allocation writes, named by the scenario's own objects (not by voucher ids)."""
    index = {b.pk: i for i, b in enumerate(bookings)}
    numbers = {b.pk: b.number for b in bookings}
    site_index = {s.pk: i for i, s in enumerate(sites)}
    slot_index = {s.pk: i for i, s in enumerate(slots)}
    vouchers = list(Voucher.objects.filter(round=rnd))
    by_number = {v.number: v for v in vouchers}
    notes = []
    for note in Notification.objects.filter(kind=allocation.VOUCHER_NOTE, neighborhood_id=hood.pk):
        voucher = next(v for number, v in by_number.items() if number in note.subject)
        expected = allocation.voucher_message(voucher.number, numbers[voucher.booking_id], voucher.quantity)
        notes.append(
            (index[voucher.booking_id], (note.subject, note.body) == expected, note.deliver_after is None)
        )
    return {
        "vouchers": sorted(
            (
                index[v.booking_id],
                slot_index.get(v.slot_id),
                site_index.get(v.site_id),
                v.quantity,
                v.expires_at,
                v.status,
            )
            for v in vouchers
        ),
        "slots": sorted(PickupSlot.objects.filter(site__round=rnd).values_list("id", "issued")),
        "balance": StockBalance.objects.get(round=rnd, neighborhood=hood).balance,
        "bookings": [Booking.objects.get(pk=b.pk).status for b in bookings],
        "ledger": sorted(
            (index[e.voucher.booking_id], site_index.get(e.site_id), e.quantity)
            for e in LedgerEntry.objects.filter(round=rnd, kind=LedgerKind.ALLOCATED).select_related(
                "voucher"
            )
        ),
        "notifications": sorted(notes),
    }


def _run(path, rnd, hood, bookings, now, world):
    ttlcache.clear_all()
    info = caches.round_info(rnd.pk)
    if path == "batch":
        allocation._allocate_neighborhood(actor=world.hq, rnd=rnd, hood_id=hood.pk, now=now)
        return
    one = allocation._allocate_one_orm if path == "orm" else allocation._allocate_one_pg
    for booking in bookings:
        one(info, booking.pk, booking.number, hood.pk, now)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=scenario)
def test_the_three_paths_allocate_alike(world, case):
    paths = ["batch", "orm"] + (["pg"] if connection.vendor == "postgresql" else [])
    now = timezone.now()
    hood = world.hood_a
    with rolled_back():  # one example, undone; the services' durable transactions run inside
        rnd = services.open_mask_round(
            actor=world.hq,
            subdistrict=world.sub,
            name="对照轮",
            opens_at=now - dt.timedelta(hours=2),
            closes_at=now + dt.timedelta(minutes=10),
            pickup_ends_at=now + case["pickup_ends_in"],
            masks_per_household=case["q"],
        )
        sites, slots = [], []
        for n, site_slots in enumerate(case["sites"]):
            site = PickupSite.objects.create(
                subdistrict_id=rnd.subdistrict_id, round=rnd, neighborhood=hood, name=f"点{n}"
            )
            sites.append(site)
            for starts, lasts, capacity, issued in site_slots:
                start = now + dt.timedelta(hours=starts)
                slots.append(
                    PickupSlot.objects.create(
                        site=site,
                        starts_at=start,
                        ends_at=start + dt.timedelta(hours=lasts),
                        capacity=capacity,
                        issued=min(issued, capacity),
                    )
                )
        StockBalance.objects.create(
            subdistrict_id=rnd.subdistrict_id, round=rnd, neighborhood=hood, balance=case["stock"]
        )
        homes = add_households(world, case["bookings"], start=401) if case["bookings"] else []
        bookings = [
            Booking.objects.create(
                subdistrict_id=rnd.subdistrict_id,
                round=rnd,
                number=new_number(),
                neighborhood=hood,
                building_id=home.building_id,
                room=home.room,
                address_key=f"{home.building_id}:{home.room}",
                household=home,
                name="住户",
                status=BookingStatus.WAITING,
            )
            for home in homes
        ]
        outcomes = {}
        with override_settings(FANGKONG_QUIET_HOURS=_quiet_hours(now, case["quiet"])):
            for path in paths:
                with transaction.atomic():
                    _run(path, rnd, hood, bookings, now, world)
                    outcomes[path] = _outcome(rnd, hood, bookings, sites, slots)
                    transaction.set_rollback(True)
        transaction.set_rollback(True)
    served = min(case["stock"] // case["q"], case["bookings"])
    first = outcomes["batch"]
    assert len(first["vouchers"]) == served and first["balance"] == case["stock"] - served * case["q"]
    assert all(ok and at_once == (not case["quiet"]) for _i, ok, at_once in first["notifications"])
    for path in paths[1:]:
        assert outcomes[path] == first, path


def test_an_ended_slot_a_full_one_and_the_first_site_in_order(world):
    """The rules by hand: the earliest open slot with room, the next, then the first site without a slot."""
    now = timezone.now()
    rnd = services.open_mask_round(
        actor=world.hq,
        subdistrict=world.sub,
        name="规则轮",
        opens_at=now - dt.timedelta(hours=2),
        closes_at=now + dt.timedelta(hours=1),
        pickup_ends_at=now + dt.timedelta(days=3),
        masks_per_household=1,
    )
    first, second = (
        PickupSite.objects.create(
            subdistrict_id=rnd.subdistrict_id, round=rnd, neighborhood=world.hood_a, name=n
        )
        for n in ("甲", "乙")
    )
    PickupSlot.objects.create(site=first, starts_at=now - dt.timedelta(hours=3), ends_at=now, capacity=5)
    full = PickupSlot.objects.create(
        site=first, starts_at=now, ends_at=now + dt.timedelta(hours=4), capacity=1, issued=1
    )
    soon = PickupSlot.objects.create(
        site=second, starts_at=now, ends_at=now + dt.timedelta(minutes=20), capacity=1
    )
    later = PickupSlot.objects.create(
        site=first, starts_at=now + dt.timedelta(hours=1), ends_at=now + dt.timedelta(hours=6), capacity=1
    )
    assert full not in list(allocation.offered_slots(rnd.pk, world.hood_a.pk))
    StockBalance.objects.create(
        subdistrict_id=rnd.subdistrict_id, round=rnd, neighborhood=world.hood_a, balance=3
    )
    homes = add_households(world, 3, start=501)
    for home in homes:
        Booking.objects.create(
            subdistrict_id=rnd.subdistrict_id,
            round=rnd,
            number=new_number(),
            neighborhood=world.hood_a,
            building_id=home.building_id,
            room=home.room,
            address_key=f"{home.building_id}:{home.room}",
            household=home,
            name="住户",
        )
    assert allocation._allocate_neighborhood(actor=world.hq, rnd=rnd, hood_id=world.hood_a.pk, now=now) == 3
    vouchers = list(Voucher.objects.filter(round=rnd).order_by("booking_id"))
    assert [(v.slot_id, v.site_id) for v in vouchers] == [
        (soon.pk, second.pk),
        (later.pk, first.pk),
        (None, first.pk),
    ]
    # a slot ending within the hour gives the re-pickup days; the others their slot's end, or the deadline
    assert vouchers[0].expires_at == now + dt.timedelta(days=allocation.REPICKUP_DAYS)
    assert vouchers[1].expires_at == later.ends_at and vouchers[2].expires_at == rnd.pickup_ends_at
