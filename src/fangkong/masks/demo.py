"""Demo data for the mask reservations: an open round in booking order with a pickup site and slots per
neighborhood, stock batches, a few thousand bookings (some unregistered, awaiting review), vouchers issued
and partly collected, written in bulk so the ledger reconciles."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from django.utils import timezone

from fangkong.core.crypto import keyring
from fangkong.core.personal import seal
from fangkong.core.policies import get_policy
from fangkong.core.testing import make_id_number, make_phone
from fangkong.masks.choices import (
    AllocationMode,
    BookingStatus,
    Channel,
    LedgerKind,
    SiteKind,
    VoucherStatus,
)
from fangkong.masks.models import (
    Booking,
    LedgerEntry,
    MaskRound,
    PickupSite,
    PickupSlot,
    StockBalance,
    StockBatch,
    Voucher,
)
from fangkong.masks.numbers import new_number, normalize_room

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国"


def seed(subdistrict: Any, *, rng: random.Random, scale: str) -> None:
    from fangkong.registry.models import Household, Neighborhood

    hoods = list(Neighborhood.objects.filter(subdistrict=subdistrict).order_by("code", "id"))
    if not hoods:
        return
    now = timezone.now()
    per_household = int(get_policy(subdistrict.pk, "masks_per_household"))
    rnd = MaskRound.objects.create(
        subdistrict=subdistrict,
        name="第一轮口罩预约（2月3日起）",
        masks_per_household=per_household,
        opens_at=now - dt.timedelta(days=2),
        closes_at=now + dt.timedelta(days=1),
        pickup_ends_at=now + dt.timedelta(days=3),
        mode=AllocationMode.ORDER,
    )
    MaskRound.objects.create(
        subdistrict=subdistrict,
        name="第二轮口罩预约（摇号）",
        masks_per_household=per_household,
        opens_at=now + dt.timedelta(days=3),
        closes_at=now + dt.timedelta(days=4),
        pickup_ends_at=now + dt.timedelta(days=7),
        mode=AllocationMode.LOTTERY,
    )
    sites = PickupSite.objects.bulk_create(
        [
            PickupSite(
                subdistrict=subdistrict,
                round=rnd,
                neighborhood=hood,
                name=f"{hood.name}{'指定药房' if i % 2 == 0 else '居委会'}",
                kind=SiteKind.PHARMACY if i % 2 == 0 else SiteKind.COMMITTEE,
                address=hood.committee_address,
            )
            for i, hood in enumerate(hoods)
        ]
    )
    site_by_hood = {s.neighborhood_id: s for s in sites}
    day = timezone.localtime(now).replace(hour=9, minute=0, second=0, microsecond=0)
    slots = PickupSlot.objects.bulk_create(
        [
            PickupSlot(
                site=s,
                starts_at=day + dt.timedelta(days=d),
                ends_at=day + dt.timedelta(days=d, hours=8),
                capacity=400,
            )
            for s in sites
            for d in (0, 1, 2)
        ]
    )
    slots_by_site: dict[int, list[PickupSlot]] = {}
    for made in slots:
        slots_by_site.setdefault(made.site_id, []).append(made)

    target = 300 if scale == "tiny" else 3000
    households = list(
        Household.objects.filter(subdistrict=subdistrict)
        .order_by("id")
        .values_list("id", "neighborhood_id", "building_id", "room")
    )
    if not households:
        return
    chosen = rng.sample(households, min(target, len(households)))
    ring = keyring()
    bookings = []
    for hid, hood_id, building_id, room in chosen:
        name = rng.choice(SURNAMES) + rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.6 else "")
        id_s = seal("id_number", make_id_number(rng), ring=ring)
        phone_s = seal("phone", make_phone(rng), ring=ring)
        room_value = normalize_room(room)
        bookings.append(
            Booking(
                subdistrict=subdistrict,
                round=rnd,
                number=new_number(),
                neighborhood_id=hood_id,
                building_id=building_id,
                room=room_value,
                address_key=f"{building_id}:{room_value}",
                household_id=hid,
                name=name,
                id_number_enc=id_s.enc,
                id_number_hash=id_s.hash,
                id_number_masked=id_s.masked,
                phone_enc=phone_s.enc,
                phone_hash=phone_s.hash,
                phone_masked=phone_s.masked,
                channel=Channel.DESK if rng.random() < 0.35 else Channel.PUBLIC,
                status=BookingStatus.WAITING,
                created_at=now - dt.timedelta(days=2) + dt.timedelta(seconds=rng.randrange(0, 150_000)),
            )
        )
    # a few addresses that match no registry household, for staff review
    for _hid, hood_id, building_id, _room in rng.sample(households, min(20, len(households))):
        id_s = seal("id_number", make_id_number(rng), ring=ring)
        phone_s = seal("phone", make_phone(rng), ring=ring)
        room_value = f"{rng.randrange(20, 40)}{rng.randrange(1, 9):02d}"
        bookings.append(
            Booking(
                subdistrict=subdistrict,
                round=rnd,
                number=new_number(),
                neighborhood_id=hood_id,
                building_id=building_id,
                room=room_value,
                address_key=f"{building_id}:{room_value}",
                name=rng.choice(SURNAMES) + rng.choice(GIVEN),
                id_number_enc=id_s.enc,
                id_number_hash=id_s.hash,
                id_number_masked=id_s.masked,
                phone_enc=phone_s.enc,
                phone_hash=phone_s.hash,
                phone_masked=phone_s.masked,
                channel=Channel.PUBLIC,
                status=BookingStatus.REVIEW,
                created_at=now - dt.timedelta(hours=rng.randrange(1, 40)),
            )
        )
    seen: set[str] = set()
    unique = []
    for b in bookings:
        if b.address_key not in seen:
            seen.add(b.address_key)
            unique.append(b)
    bookings = unique
    bookings.sort(key=lambda b: b.created_at)
    Booking.objects.bulk_create(bookings, batch_size=1000)
    saved = list(Booking.objects.filter(round=rnd, status=BookingStatus.WAITING).order_by("created_at", "id"))

    by_hood: dict[int, list[Booking]] = {}
    for b in saved:
        by_hood.setdefault(b.neighborhood_id, []).append(b)
    batches, vouchers, balances = [], [], []
    for hood in hoods:
        queue = by_hood.get(hood.pk, [])
        quantity = per_household * max(10, int(len(queue) * rng.uniform(0.5, 0.8)))
        batches.append(
            StockBatch(
                subdistrict=subdistrict,
                round=rnd,
                neighborhood=hood,
                site=site_by_hood[hood.pk],
                quantity=quantity,
                received_at=now - dt.timedelta(days=1),
                note="区防控办调拨",
            )
        )
        served = queue[: quantity // per_household]
        site = site_by_hood[hood.pk]
        site_slots = slots_by_site.get(site.pk, [])
        for i, b in enumerate(served):
            slot: PickupSlot | None = site_slots[i % len(site_slots)] if site_slots else None
            collected = rng.random() < 0.45
            vouchers.append(
                Voucher(
                    subdistrict=subdistrict,
                    round=rnd,
                    booking=b,
                    number=new_number(9, "V"),
                    neighborhood=hood,
                    site=site,
                    slot=slot,
                    quantity=per_household,
                    status=VoucherStatus.COLLECTED if collected else VoucherStatus.ISSUED,
                    expires_at=slot.ends_at if slot else rnd.pickup_ends_at,
                    collected_at=now - dt.timedelta(hours=rng.randrange(1, 20)) if collected else None,
                )
            )
            b.status = BookingStatus.COLLECTED if collected else BookingStatus.ALLOCATED
            if slot is not None:
                slot.issued += 1
        balances.append(
            StockBalance(
                subdistrict=subdistrict,
                round=rnd,
                neighborhood=hood,
                balance=quantity - per_household * len(served),
            )
        )
    batches = StockBatch.objects.bulk_create(batches)
    vouchers = Voucher.objects.bulk_create(vouchers, batch_size=1000)
    StockBalance.objects.bulk_create(balances)
    Booking.objects.bulk_update(
        [b for b in saved if b.status != BookingStatus.WAITING], ["status"], batch_size=1000
    )
    PickupSlot.objects.bulk_update(slots, ["issued"])
    entries = [
        LedgerEntry(
            subdistrict=subdistrict,
            round=rnd,
            neighborhood_id=b.neighborhood_id,
            site=b.site,
            kind=LedgerKind.RECEIVED,
            quantity=b.quantity,
            batch=b,
        )
        for b in batches
    ]
    for v in vouchers:
        entries.append(
            LedgerEntry(
                subdistrict=subdistrict,
                round=rnd,
                neighborhood_id=v.neighborhood_id,
                site=v.site,
                kind=LedgerKind.ALLOCATED,
                quantity=v.quantity,
                voucher=v,
            )
        )
        if v.status == VoucherStatus.COLLECTED:
            entries.append(
                LedgerEntry(
                    subdistrict=subdistrict,
                    round=rnd,
                    neighborhood_id=v.neighborhood_id,
                    site=v.site,
                    kind=LedgerKind.COLLECTED,
                    quantity=v.quantity,
                    voucher=v,
                )
            )
    LedgerEntry.objects.bulk_create(entries, batch_size=2000)
