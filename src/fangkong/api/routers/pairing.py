"""三结三定 API: coverage, pairings, building assignment and check-in rounds, scoped like the web."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import File, Form, Router, Schema, UploadedFile
from ninja.responses import Status

from fangkong.pairing import reports, services
from fangkong.pairing.models import CheckInRound, Pairing

router = Router()

MAX_PHOTO_BYTES = 15 * 1024 * 1024


class CoverageOut(Schema):
    point_id: int
    name: str
    kind: str
    neighborhood_id: int | None
    required: int
    covered: int
    gap: int
    cadres: list[str]
    buildings_unowned: int = 0  # buildings of the point's neighborhood with nobody in charge (分楼包干)
    state: str = "ok"  # gap (nobody paired, or a building without an owner), short or ok


class PairingOut(Schema):
    id: int
    cadre: str
    point_id: int
    point: str
    responsibility: str
    started_on: dt.date
    version: int


class CheckinRoundOut(Schema):
    id: int
    photo_url: str = ""
    building_id: int
    building: str
    task: str
    date: dt.date
    slot: int
    due_at: dt.datetime
    status: str
    done_at: dt.datetime | None


class CheckInIn(Schema):
    note: str = ""


class CheckInOut(Schema):
    round: CheckinRoundOut
    created: bool


class UnassignedOut(Schema):
    building_id: int
    building: str
    neighborhood_id: int


def _round_out(r: CheckInRound) -> CheckinRoundOut:
    return CheckinRoundOut(
        id=r.pk,
        building_id=r.building_id,
        building=f"{r.building.compound.name}{r.building.name}",
        task=r.template.name,
        date=r.date,
        slot=r.slot,
        due_at=r.due_at,
        status=r.status,
        done_at=r.done_at,
        photo_url=r.photo.url if r.photo else "",
    )


@router.get("/coverage", response=list[CoverageOut])
def coverage(request: HttpRequest) -> list[CoverageOut]:
    rows = reports.coverage_board(request.user)
    return [
        CoverageOut(
            point_id=r.point.pk,
            name=r.point.name,
            kind=r.point.kind,
            neighborhood_id=r.point.neighborhood_id,
            required=r.required,
            covered=r.covered,
            gap=r.gap,
            cadres=r.cadres,
            buildings_unowned=r.buildings_unowned,
            state=r.state,
        )
        for r in rows
    ]


@router.get("/pairings", response=list[PairingOut])
def pairings(request: HttpRequest) -> list[PairingOut]:
    qs = (
        Pairing.objects.visible_to(request.user)
        .filter(active=True)
        .select_related("cadre", "point", "responsibility")
    )
    return [
        PairingOut(
            id=p.pk,
            cadre=p.cadre.name,
            point_id=p.point_id,
            point=p.point.name,
            responsibility=f"{p.responsibility or ''} {p.responsibility_note}".strip(),
            started_on=p.started_on,
            version=p.version,
        )
        for p in qs[:1000]
    ]


@router.get("/buildings/unassigned", response=list[UnassignedOut])
def unassigned(request: HttpRequest) -> list[UnassignedOut]:
    return [
        UnassignedOut(
            building_id=b.pk, building=f"{b.compound.name}{b.name}", neighborhood_id=b.neighborhood_id
        )
        for b in reports.unassigned_buildings(request.user)[:2000]
    ]


@router.get("/rounds", response=list[CheckinRoundOut])
def rounds(
    request: HttpRequest, building: int | None = None, date: dt.date | None = None
) -> list[CheckinRoundOut]:
    qs = CheckInRound.objects.visible_to(request.user).filter(date=date or timezone.localdate())
    if building is not None:
        qs = qs.filter(building_id=building)
    qs = qs.select_related("building__compound", "template").order_by("building_id", "template_id", "slot")
    return [_round_out(r) for r in qs[:2000]]


@router.post("/rounds/{round_id}/checkin", response={200: CheckInOut, 403: dict, 422: dict})
def checkin(request: HttpRequest, round_id: int, payload: CheckInIn):  # type: ignore[no-untyped-def]
    rnd = get_object_or_404(CheckInRound.objects.visible_to(request.user), pk=round_id)
    return _check_in(request, rnd, note=payload.note)


@router.post("/rounds/{round_id}/checkin/photo", response={200: CheckInOut, 403: dict, 422: dict})
def checkin_with_photo(  # type: ignore[no-untyped-def]
    request: HttpRequest,
    round_id: int,
    note: str = Form(""),
    photo: UploadedFile | None = File(None),
):
    """Check in with a multipart form: an optional note and an optional photo (JPEG or PNG). The photo is
    resized by the same service as the web page; a round already done is returned unchanged."""
    rnd = get_object_or_404(CheckInRound.objects.visible_to(request.user), pk=round_id)
    if photo is not None and (photo.size or 0) > MAX_PHOTO_BYTES:
        return Status(422, {"detail": [_("照片过大（上限 15 MB）。")]})
    return _check_in(request, rnd, note=note, photo=photo)


def _check_in(request: HttpRequest, rnd: CheckInRound, **fields: Any) -> Status:
    """Check in through the service; the answer for both check-in endpoints."""
    try:
        rnd, created = services.check_in(actor=request.user, checkin_round=rnd, **fields)
    except PermissionDenied as exc:
        return Status(403, {"detail": str(exc)})
    except ValidationError as exc:
        return Status(422, {"detail": exc.messages})
    rnd = CheckInRound.objects.select_related("building__compound", "template").get(pk=rnd.pk)
    return Status(200, CheckInOut(round=_round_out(rnd), created=created))


@router.get("/rounds/missed", response=list[CheckinRoundOut])
def missed(request: HttpRequest) -> list[CheckinRoundOut]:
    return [_round_out(r) for r in reports.missed_today(request.user)[:2000]]
