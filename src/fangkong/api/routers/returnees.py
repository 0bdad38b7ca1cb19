"""Returnees API: declarations, isolation, reports, the follow-up board and figures, scoped like the web;
plus two public endpoints (no account): a venue check-in and a report through the personal link. They call
the same services as the pages."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import ModelSchema, Router, Schema, Status
from ninja.decorators import decorate_view
from ninja.errors import HttpError
from ninja.pagination import paginate
from ninja.responses import NinjaJSONEncoder

from fangkong.api.pagination import LimitOffset
from fangkong.core import ratelimit
from fangkong.core.errors import api_text
from fangkong.core.exceptions import ScopeError
from fangkong.returnees import access, selectors, services
from fangkong.returnees import models as m
from fangkong.returnees.choices import ReportSource, Source

router = Router()


def _audit_page(
    request: HttpRequest, user: Any, qs: Any, object_type: str, listed: str, filters: dict[str, Any]
) -> None:
    """One "read" audit event per list request, naming the list, its filters and the records on the page."""
    from django.conf import settings

    def _num(name: str, default: int) -> int:
        try:
            return max(0, int(request.GET.get(name, default)))
        except ValueError:
            return default

    offset = _num("offset", 0)
    limit = min(_num("limit", getattr(settings, "NINJA_PAGINATION_PER_PAGE", 100)), 1000)
    ids = list(qs.values_list("pk", flat=True)[offset : offset + limit])
    services.record_list_read(
        actor=user,
        listed=listed,
        object_type=object_type,
        ids=ids,
        filters={**filters, "offset": offset, "limit": limit},
    )


class DeclarationOut(ModelSchema):
    class Meta:
        model = m.Declaration
        fields = [
            "id",
            "name",
            "neighborhood",
            "building",
            "room",
            "doc_type",
            "id_number_masked",
            "phone_masked",
            "origin_code",
            "origin_name",
            "transport",
            "transport_number",
            "departure_date",
            "arrival_date",
            "key_area",
            "exposure",
            "symptoms",
            "risk_level",
            "risk_action",
            "risk_rule_label",
            "source",
            "merge_count",
            "declared_at",
        ]


class DeclarationIn(Schema):
    building_id: int
    room: str
    name: str
    id_number: str
    phone: str
    origin_code: str
    transport: str
    departure_date: dt.date
    arrival_date: dt.date
    doc_type: str = "resident_id"
    transport_number: str = ""
    key_area: bool = False
    exposure: bool = False
    exposure_note: str = ""
    symptoms: bool = False
    symptoms_note: str = ""
    temperature: Decimal | None = None
    employer_name: str = ""
    household_members: list[dict[str, str]] = []
    submission_id: str = ""


class DeclaredOut(Schema):
    declaration: DeclarationOut
    created: bool
    isolation_id: int | None
    report_token: str | None


class IsolationOut(ModelSchema):
    class Meta:
        model = m.Isolation
        fields = ["id", "declaration", "neighborhood", "building", "mode", "start_date", "end_date", "status"]


class ReportIn(Schema):
    temperature: Decimal
    symptoms: bool = False
    note: str = ""
    day: dt.date | None = None
    slot: str | None = None


class ReportOut(Schema):
    id: int
    day: dt.date
    slot: str
    temperature: Decimal
    fever: bool
    created: bool


class BoardOut(Schema):
    day: dt.date
    active: int
    missing_reports: int
    fevers: int
    releases_due: int
    pending_referrals: int
    missing_isolation_ids: list[int]
    fever_isolation_ids: list[int]


class CheckinIn(Schema):
    name: str
    phone: str
    temperature: Decimal
    key_area_14d: bool = False
    submission_id: str = ""


class CheckinOut(Schema):
    ok: bool
    created: bool
    fever: bool
    at: dt.datetime


class VisitOut(ModelSchema):
    class Meta:
        model = m.VenueVisit
        fields = ["id", "kind", "name", "phone_masked", "temperature", "key_area_14d", "fever", "at"]


@router.get("/declarations", response=list[DeclarationOut])
@paginate(LimitOffset)
def list_declarations(request: HttpRequest, level: str = "") -> Any:
    user = access.returnee_user(request.user)
    qs = m.Declaration.objects.visible_to(user)
    qs = qs.filter(risk_level=level) if level else qs
    _audit_page(request, user, qs, "returnees.declaration", "返沪申报列表（接口）", {"level": level})
    return qs


@router.get("/declarations/{pk}", response=DeclarationOut)
def get_declaration(request: HttpRequest, pk: int) -> Any:
    user = access.returnee_user(request.user)
    decl = get_object_or_404(m.Declaration.objects.visible_to(user), pk=pk)
    services.record_read(actor=user, declaration=decl)
    return decl


@router.post("/declarations", response={200: DeclaredOut, 201: DeclaredOut})
def create_declaration(request: HttpRequest, payload: DeclarationIn) -> Any:
    user = access.returnee_user(request.user)
    data = services.DeclarationInput(**payload.dict())
    try:
        result = services.declare_return(actor=user, data=data, source=Source.STAFF)
    except ValidationError as exc:
        raise HttpError(422, api_text(exc, keyed=True))
    except ScopeError:
        raise Http404
    body = {
        "declaration": result.declaration,
        "created": result.created,
        "isolation_id": result.isolation.pk if result.isolation else None,
        "report_token": result.token,
    }
    return Status(201 if result.created else 200, body)


@router.get("/isolations", response=list[IsolationOut])
@paginate(LimitOffset)
def list_isolations(
    request: HttpRequest, neighborhood: int | None = None, building: int | None = None, status: str = "active"
) -> Any:
    user = access.returnee_user(request.user)
    qs = selectors.isolation_list(user, neighborhood_id=neighborhood, building_id=building, status=status)
    filters = {"neighborhood": neighborhood, "building": building, "status": status}
    _audit_page(request, user, qs, "returnees.isolation", "隔离名单（接口）", filters)
    return qs


def _report_answer(result: services.ReportResult) -> Status:
    """201 with the new report, or 200 with the one already made for that day and slot."""
    r = result.report
    return Status(
        201 if result.created else 200,
        {
            "id": r.pk,
            "day": r.day,
            "slot": r.slot,
            "temperature": r.temperature,
            "fever": r.fever,
            "created": result.created,
        },
    )


@router.post("/isolations/{pk}/reports", response={200: ReportOut, 201: ReportOut})
def phone_report(request: HttpRequest, pk: int, payload: ReportIn) -> Any:
    user = access.returnee_user(request.user)
    iso = get_object_or_404(m.Isolation.objects.editable_by(user), pk=pk)
    if not access.may_record_report(user, iso):
        raise Http404
    try:
        result = services.submit_report(
            actor=user,
            isolation=iso,
            temperature=payload.temperature,
            symptoms=payload.symptoms,
            note=payload.note,
            source=ReportSource.PHONE,
            day=payload.day,
            slot=payload.slot,
        )
    except ValidationError as exc:
        raise HttpError(422, api_text(exc, keyed=True))
    return _report_answer(result)


@router.get("/board", response=BoardOut)
def board(request: HttpRequest) -> Any:
    user = access.returnee_user(request.user)
    b = selectors.follow_up_board(user)
    shown = [i.pk for i in b.missing] + [r.isolation_id for r in b.fevers] + [i.pk for i in b.releases_due]
    services.record_list_read(
        actor=user,
        listed=f"随访看板（接口） {b.day}",
        object_type="returnees.isolation",
        ids=sorted(set(shown)),
        filters={"day": str(b.day)},
    )
    return {
        "day": b.day,
        "active": b.active_count,
        "missing_reports": b.missing_count,
        "fevers": b.fever_count,
        "releases_due": b.releases_due_count,
        "pending_referrals": b.pending_referrals,
        "missing_isolation_ids": [i.pk for i in b.missing],
        "fever_isolation_ids": [r.isolation_id for r in b.fevers],
    }


@router.get("/figures", response=dict[str, dict[str, int]])
def figures(request: HttpRequest, day: dt.date | None = None) -> Any:
    user = access.returnee_user(request.user)
    if not user.subdistrict_id:
        raise Http404
    data = selectors.figures_for(user, day or timezone.localdate())
    return {str(k): v for k, v in data.items()}


@router.get("/venues/{pk}/visits", response=list[VisitOut])
@paginate(LimitOffset)
def venue_visits(request: HttpRequest, pk: int) -> Any:
    """A venue's health log; the read is audited as on the venue page (one event per request)."""
    user = request.user
    venue = get_object_or_404(m.Venue.objects.visible_to(user), pk=pk)
    qs = m.VenueVisit.objects.filter(venue=venue).order_by("-at")
    _audit_page(
        request, user, qs, "returnees.venuevisit", f"{venue.name} 健康登记（接口）", {"venue": venue.pk}
    )
    return qs


@router.post("/public/checkin/{code}", auth=None, response={200: CheckinOut, 201: CheckinOut})
def public_checkin(request: HttpRequest, code: str, payload: CheckinIn) -> Any:
    venue = services.venue_for_code(code)
    if venue is None:
        raise Http404
    try:
        # the service counts the rate limit (per address and phone) in the statement that stores the visit
        result = services.register_visit(
            actor=None,
            venue=venue,
            name=payload.name,
            phone=payload.phone,
            temperature=payload.temperature,
            key_area_14d=payload.key_area_14d,
            submission_id=payload.submission_id,
            client_ip=ratelimit.client_ip(request.META),
        )
    except ValidationError as exc:
        raise HttpError(422, api_text(exc, keyed=True))
    v = result.visit
    # the answer of the surge path is rendered directly (CheckinOut's fields, without a second validation)
    body = {"ok": True, "created": result.created, "fever": v.fever, "at": v.at}
    return HttpResponse(
        json.dumps(body, cls=NinjaJSONEncoder),
        status=201 if result.created else 200,
        content_type="application/json; charset=utf-8",
    )


@router.post("/public/report/{token}", auth=None, response={200: ReportOut, 201: ReportOut})
@decorate_view(ratelimit.limit("returnees.report", key=lambda request, token: token))
def public_report(request: HttpRequest, token: str, payload: ReportIn) -> Any:
    iso = services.isolation_for_token(token)
    if iso is None:
        raise Http404
    try:
        result = services.submit_report(
            actor=None,
            isolation=iso,
            temperature=payload.temperature,
            symptoms=payload.symptoms,
            note=payload.note,
        )
    except ValidationError as exc:
        raise HttpError(422, api_text(exc, keyed=True))
    return _report_answer(result)
