"""Persona expectations for the mask pages and API (format: ``fangkong.core.tests.matrix``).

The world holds an open booking-order round of 江湾 with stock and pickup sites in A and B, a booking with a
voucher for household A, and a lottery round.
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

from fangkong.core.testing import make_id_number, make_phone
from fangkong.core.tests.matrix import ALLOWED, LOGIN, Case, answers


def build(w: SimpleNamespace) -> None:
    from django.utils import timezone

    from fangkong.core.testing import make_id_number, make_phone
    from fangkong.masks import services
    from fangkong.masks.choices import AllocationMode
    from fangkong.masks.models import Voucher

    now = timezone.now()
    window = dict(opens_at=now - dt.timedelta(hours=1), closes_at=now + dt.timedelta(days=1))
    w.mask_round = services.open_mask_round(
        actor=w.hq, subdistrict=w.sub, name="第一轮", mode=AllocationMode.ORDER, **window
    )
    for hood in (w.hood_a, w.hood_b):
        services.add_pickup_site(
            actor=w.hq,
            mask_round=w.mask_round,
            neighborhood=hood,
            name=f"{hood.name}药房",
            slots=[(now, now + dt.timedelta(days=2), 1000)],
        )
        services.record_stock_batch(actor=w.hq, mask_round=w.mask_round, neighborhood=hood, quantity=50)
    w.mask_person = {"name": "张三", "id_number": make_id_number(), "phone": make_phone()}
    result = services.book_public(
        round_id=w.mask_round.pk, building_id=w.building_a.pk, room=w.household_a.room, **w.mask_person
    )
    w.booking_a = result
    w.voucher_a = Voucher.objects.get(booking_id=result.id)
    w.lottery_round = services.open_mask_round(
        actor=w.hq, subdistrict=w.sub, name="摇号轮", mode=AllocationMode.LOTTERY, **window
    )


EXPECTATIONS: dict[str, Case] = {
    "masks:rounds": Case(get=answers(200, org_contact=404, office=404, anonymous=LOGIN)),
    "masks:round_create": Case(
        get=answers(404, hq=200, other_hq=200, anonymous=LOGIN),
        post=answers(404, hq=ALLOWED, other_hq=ALLOWED, anonymous=LOGIN),
    ),
    "masks:round_detail": Case(
        kwargs=lambda w: {"pk": w.mask_round.pk},
        get=answers(200, org_contact=404, office=404, other_hq=404, anonymous=LOGIN),
    ),
    "masks:round_action": Case(
        kwargs=lambda w: {"pk": w.mask_round.pk, "action": "close"},
        get=answers(404, hq=405, other_hq=405, anonymous=LOGIN),
        post=answers(404, hq=ALLOWED, anonymous=LOGIN),
    ),
    "masks:bookings": Case(
        kwargs=lambda w: {"pk": w.mask_round.pk},
        get=answers(200, org_contact=404, office=404, other_hq=404, anonymous=LOGIN),
    ),
    "masks:desk": Case(
        kwargs=lambda w: {"pk": w.mask_round.pk},
        get=answers(404, hq=200, staff_a=200, staff_b=200, cadre=200, anonymous=LOGIN),
    ),
    "masks:desk_book": Case(
        kwargs=lambda w: {"pk": w.mask_round.pk},
        get=answers(405, org_contact=404, office=404, viewer=404, auditor=404, anonymous=LOGIN),
        post=answers(404, anonymous=LOGIN),
    ),
    "masks:poster": Case(
        kwargs=lambda w: {"pk": w.mask_round.pk},
        get=answers(404, hq=200, staff_a=200, staff_b=200, cadre=200, anonymous=LOGIN),
    ),
    "masks:ledger": Case(
        kwargs=lambda w: {"pk": w.mask_round.pk},
        get=answers(200, org_contact=404, office=404, other_hq=404, anonymous=LOGIN),
    ),
    "masks:review": Case(
        kwargs=lambda w: {"pk": w.booking_a.id},
        get=answers(405, org_contact=404, office=404, viewer=404, auditor=404, anonymous=LOGIN),
        post=answers(404, hq=ALLOWED, staff_a=ALLOWED, cadre=ALLOWED, anonymous=LOGIN),
    ),
    "masks:pickup": Case(
        get=answers(200, org_contact=404, office=404, viewer=404, auditor=404, anonymous=LOGIN),
        post=answers(ALLOWED, org_contact=404, office=404, viewer=404, auditor=404, anonymous=LOGIN),
    ),
    "masks:voucher": Case(kwargs=lambda w: {"number": w.voucher_a.number}, get=answers(200)),
    "masks:public_book": Case(
        kwargs=lambda w: {"pk": w.mask_round.pk},
        get=answers(200),
        post=answers(ALLOWED),
    ),
    "masks:public_options": Case(
        kwargs=lambda w: {"pk": w.mask_round.pk, "level": "compounds"},
        get=answers(200),
    ),
    "masks:public_lookup": Case(
        kwargs=lambda w: {"pk": w.mask_round.pk},
        get=answers(200),
        post=answers(ALLOWED),
    ),
    "masks:public_lottery": Case(kwargs=lambda w: {"pk": w.lottery_round.pk}, get=answers(200)),
    "GET /api/v1/masks/rounds": Case(get=answers(200, org_contact=404, office=404, anonymous=401)),
    "GET /api/v1/masks/rounds/{round_id}": Case(
        kwargs=lambda w: {"round_id": w.mask_round.pk},
        get=answers(200, org_contact=404, office=404, other_hq=404, anonymous=401),
    ),
    "GET /api/v1/masks/rounds/{round_id}/figures": Case(
        kwargs=lambda w: {"round_id": w.mask_round.pk},
        get=answers(200, org_contact=404, office=404, other_hq=404, anonymous=401),
    ),
    "GET /api/v1/masks/rounds/{round_id}/bookings": Case(
        kwargs=lambda w: {"round_id": w.mask_round.pk},
        get=answers(200, org_contact=404, office=404, other_hq=404, anonymous=401),
    ),
    "POST /api/v1/masks/rounds/{round_id}/bookings": Case(
        kwargs=lambda w: {"round_id": w.mask_round.pk},
        post=answers(ALLOWED),
        data=lambda w: {
            "name": "李四",
            "id_number": make_id_number(),
            "phone": make_phone(),
            "building_id": w.building_b.pk,
            "room": "101",
        },
    ),
    "GET /api/v1/masks/rounds/{round_id}/reconciliation": Case(
        kwargs=lambda w: {"round_id": w.mask_round.pk},
        get=answers(200, org_contact=404, office=404, other_hq=404, anonymous=401),
    ),
    "GET /api/v1/masks/rounds/{round_id}/reconciliation/sites": Case(
        kwargs=lambda w: {"round_id": w.mask_round.pk},
        get=answers(200, org_contact=404, office=404, other_hq=404, anonymous=401),
    ),
    "POST /api/v1/masks/rounds/{round_id}/lookup": Case(
        kwargs=lambda w: {"round_id": w.mask_round.pk},
        post=answers(ALLOWED),
        data=lambda w: {"id_number": w.mask_person["id_number"], "phone": w.mask_person["phone"]},
    ),
    "POST /api/v1/masks/pickup": Case(
        post=answers(404, hq=ALLOWED, staff_a=ALLOWED, staff_b=ALLOWED, cadre=ALLOWED, anonymous=401),
        data=lambda w: {
            "round_id": w.mask_round.pk,
            "number": w.voucher_a.number,
            "id_check": w.mask_person["id_number"][-4:],
        },
    ),
    "masks:my_booking": Case(
        kwargs=lambda w: {"number": w.booking_a.number, "token": _booking_token(w)}, get=answers(200)
    ),
}


def _booking_token(w: SimpleNamespace) -> str:
    from fangkong.masks import services

    return services.booking_token(w.booking_a.number)
