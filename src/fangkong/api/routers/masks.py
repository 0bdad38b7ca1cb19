"""Mask reservations API. The public booking endpoint needs no account and calls the same service as the
public page; everything else is scoped exactly like the web (404 outside scope)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema
from ninja.responses import Status

from fangkong.core import ratelimit
from fangkong.core.errors import api_detail
from fangkong.masks import access, selectors, services
from fangkong.masks.choices import Channel
from fangkong.masks.models import Booking, MaskRound

router = Router()
_JSON = "application/json; charset=utf-8"


class MaskRoundOut(Schema):
    id: int
    name: str
    masks_per_household: int
    opens_at: dt.datetime
    closes_at: dt.datetime
    pickup_ends_at: dt.datetime
    mode: str
    status: str
    lottery_seed: str
    lottery_digest: str


class BookingIn(Schema):
    name: str
    id_number: str
    phone: str
    building_id: int
    room: str


class BookingOut(Schema):
    number: str
    status: str
    created: bool
    unregistered: bool
    voucher_number: str


class MaskLookupOut(BookingOut):
    queue_place: int | None = Field(
        None, description="place in the neighborhood's queue while waiting (1 is served next)"
    )


class ErrorOut(Schema):
    detail: Any


class BookingRow(Schema):
    id: int
    number: str
    neighborhood_id: int
    building_id: int
    room: str
    household_id: int | None
    name: str
    id_number_masked: str
    phone_masked: str
    channel: str
    status: str
    created_at: dt.datetime


class LookupIn(Schema):
    id_number: str
    phone: str


class PickupIn(Schema):
    round_id: int
    number: str
    id_check: str = Field(description="the booker's ID number as scanned or typed, or its last 4 characters")
    site_id: int | None = None


class VoucherOut(Schema):
    number: str
    status: str
    quantity: int
    collected_at: dt.datetime | None
    site_id: int | None


def _reader(request: HttpRequest) -> Any:
    if not access.can_read(request.user):
        raise Http404
    return request.user


def _round(request: HttpRequest, round_id: int) -> MaskRound:
    return get_object_or_404(MaskRound.objects.visible_to(_reader(request)), pk=round_id)


@router.get("/rounds", response=list[MaskRoundOut])
def list_rounds(request: HttpRequest) -> Any:
    return list(MaskRound.objects.visible_to(_reader(request)).order_by("-opens_at")[:100])


@router.get("/rounds/{round_id}", response=MaskRoundOut)
def get_round(request: HttpRequest, round_id: int) -> Any:
    return _round(request, round_id)


@router.get("/rounds/{round_id}/figures", response=list[dict[str, Any]])
def round_figures(request: HttpRequest, round_id: int) -> Any:
    rnd = _round(request, round_id)
    return selectors.round_figures(request.user, rnd)


@router.get("/rounds/{round_id}/bookings", response=list[BookingRow])
def list_bookings(
    request: HttpRequest, round_id: int, status: str = "", offset: int = 0, limit: int = 100
) -> Any:
    rnd = _round(request, round_id)
    qs = Booking.objects.visible_to(request.user).filter(round=rnd).order_by("id")
    if status:
        qs = qs.filter(status=status)
    limit = max(1, min(limit, 500))
    return list(qs[max(offset, 0) : max(offset, 0) + limit])


@router.get("/rounds/{round_id}/reconciliation", response=list[dict[str, Any]])
def reconciliation(request: HttpRequest, round_id: int) -> Any:
    rnd = _round(request, round_id)
    return selectors.round_reconciliation(request.user, rnd)


@router.get("/rounds/{round_id}/reconciliation/sites", response=list[dict[str, Any]])
def site_reconciliation(request: HttpRequest, round_id: int) -> Any:
    rnd = _round(request, round_id)
    return selectors.site_reconciliation(request.user, rnd)


@router.post(
    "/rounds/{round_id}/bookings",
    auth=None,
    response={200: BookingOut, 201: BookingOut, 400: ErrorOut, 409: ErrorOut, 429: ErrorOut},
    summary="Book masks for a household (public, idempotent for the booker)",
    description="A repeat for an address already booked answers 200 with that booking only to its booker (same "
    "ID number) or to a member of the household registered in the registry; anyone else gets 409 "
    "(该地址本轮已预约) and nothing about the booking.",
)
def create_booking(request: HttpRequest, round_id: int, payload: BookingIn, response: HttpResponse) -> Any:
    try:
        result = services.book_public(
            round_id=round_id,
            name=payload.name,
            id_number=payload.id_number,
            phone=payload.phone,
            building_id=payload.building_id,
            room=payload.room,
            client_ip=ratelimit.client_ip(request.META),
            channel=Channel.API,
        )
    except ratelimit.RateLimited as exc:
        response["Retry-After"] = str(exc.retry_after)
        return Status(429, {"detail": exc.message})
    except services.AddressBooked as exc:
        return Status(409, {"detail": api_detail(exc)})
    except ValidationError as exc:
        return Status(400, {"detail": api_detail(exc)})
    # the answer of the surge path is rendered directly (same body as BookingOut, without a second validation)
    body = {
        "number": result.number,
        "status": str(result.status),
        "created": result.created,
        "unregistered": result.unregistered,
        "voucher_number": result.voucher_number,
    }
    return HttpResponse(json.dumps(body), status=201 if result.created else 200, content_type=_JSON)


@router.post(
    "/rounds/{round_id}/lookup", auth=None, response={200: MaskLookupOut, 404: ErrorOut, 429: ErrorOut}
)
def lookup_booking(request: HttpRequest, round_id: int, payload: LookupIn, response: HttpResponse) -> Any:
    try:
        ratelimit.hit(request, "masks.lookup", key=payload.id_number)
    except ratelimit.RateLimited as exc:
        response["Retry-After"] = str(exc.retry_after)
        return Status(429, {"detail": exc.message})
    booking = services.find_booking(round_id=round_id, id_number=payload.id_number, phone=payload.phone)
    if booking is None:
        return Status(404, {"detail": str(services.NOT_FOUND)})
    voucher = getattr(booking, "voucher", None)
    return Status(
        200,
        {
            "number": booking.number,
            "status": booking.status,
            "created": False,
            "unregistered": booking.household_id is None,
            "voucher_number": voucher.number if voucher else "",
            "queue_place": services.queue_place(booking),
        },
    )


@router.post("/pickup", response={200: VoucherOut, 409: ErrorOut})
def pickup(request: HttpRequest, payload: PickupIn) -> Any:
    user = _reader(request)
    if not access.can_work(user):
        raise Http404
    _round(request, payload.round_id)
    try:
        voucher = services.collect_voucher(
            actor=user,
            number=payload.number,
            round_id=payload.round_id,
            id_check=payload.id_check,
            site_id=payload.site_id,
        )
    except ValidationError as exc:
        return Status(409, {"detail": api_detail(exc)})
    return Status(200, voucher)
