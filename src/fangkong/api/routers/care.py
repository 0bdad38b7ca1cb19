"""Care register API (民生保障): the people in care, who is missing this week's delivery, and the visit
recorded from a phone. Scoped exactly like the web (404 outside scope)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Router, Schema
from ninja.responses import Status

from fangkong.care import access, selectors, services
from fangkong.care.models import CareRecord
from fangkong.care.rules import week_of
from fangkong.core.errors import api_detail
from fangkong.core.exceptions import ScopeError

router = Router()


class CareRecordOut(Schema):
    id: int
    resident_id: int
    name: str
    neighborhood_id: int
    status: str
    reason: str
    lives_alone: bool
    mobility: str
    needs: list[str]
    weekday: int | None
    items: str
    volunteer_id: int | None
    team: str
    supplier_id: int | None
    emergency_name: str
    emergency_phone_masked: str
    since: dt.date


class CareDeliveryIn(Schema):
    outcome: str
    welfare: str = "well"
    note: str = ""
    phone_confirmed: bool = False
    submission_id: str = ""


class CareDeliveryOut(Schema):
    id: int
    record_id: int
    day: dt.date
    outcome: str
    welfare: str
    contactless: bool
    phone_confirmed: bool
    created: bool


class CareErrorOut(Schema):
    detail: Any


def _out(r: CareRecord) -> dict[str, Any]:
    return {
        "id": r.pk,
        "resident_id": r.resident_id,
        "name": r.resident.name,
        "neighborhood_id": r.neighborhood_id,
        "status": r.status,
        "reason": r.reason,
        "lives_alone": r.lives_alone,
        "mobility": r.mobility,
        "needs": list(r.needs),
        "weekday": r.weekday,
        "items": r.items,
        "volunteer_id": r.volunteer_id,
        "team": r.team,
        "supplier_id": r.supplier_id,
        "emergency_name": r.emergency_name,
        "emergency_phone_masked": r.emergency_phone_masked,
        "since": r.since,
    }


def _record(request: HttpRequest, record_id: int) -> CareRecord:
    user = access.care_user(request.user)
    return get_object_or_404(CareRecord.objects.visible_to(user).select_related("resident"), pk=record_id)


@router.get("/records", response=list[CareRecordOut])
def list_records(request: HttpRequest, status: str = "active", offset: int = 0, limit: int = 100) -> Any:
    user = access.care_user(request.user)
    qs = selectors.register(user, week=week_of(timezone.localdate()), status=status)
    offset, limit = max(offset, 0), max(1, min(limit, 500))
    return [_out(r) for r in qs[offset : offset + limit]]


@router.get("/records/{record_id}", response=CareRecordOut)
def get_record(request: HttpRequest, record_id: int) -> Any:
    return _out(_record(request, record_id))


@router.get("/missed", response=list[CareRecordOut])
def list_missed(request: HttpRequest, offset: int = 0, limit: int = 100) -> Any:
    user = access.care_user(request.user)
    offset, limit = max(offset, 0), max(1, min(limit, 500))
    return [_out(r) for r in selectors.missed(user, today=timezone.localdate())[offset : offset + limit]]


@router.post(
    "/records/{record_id}/deliveries",
    response={200: CareDeliveryOut, 201: CareDeliveryOut, 400: CareErrorOut},
    summary="Record a visit: delivered, not home or refused, with the welfare check (idempotent per "
    "submission_id)",
)
def create_delivery(request: HttpRequest, record_id: int, payload: CareDeliveryIn) -> Any:
    record = _record(request, record_id)
    if not access.may_record_delivery(request.user, record):
        raise Http404
    try:
        result = services.record_delivery(
            actor=request.user,
            record=record,
            outcome=payload.outcome,
            welfare=payload.welfare,
            note=payload.note,
            phone_confirmed=payload.phone_confirmed,
            submission_id=payload.submission_id,
        )
    except ValidationError as exc:
        return Status(400, {"detail": api_detail(exc)})
    except ScopeError:
        raise Http404
    d = result.delivery
    body = {
        "id": d.pk,
        "record_id": d.record_id,
        "day": d.day,
        "outcome": d.outcome,
        "welfare": d.welfare,
        "contactless": d.contactless,
        "phone_confirmed": d.phone_confirmed,
        "created": result.created,
    }
    return Status(201 if result.created else 200, body)
