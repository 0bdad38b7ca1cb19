"""Inspections API: firms, a firm's staff declarations, visits, supervision cases, the counts and the call
list, each scoped exactly like its page (404 for anyone outside the page's gate)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Router, Schema

from fangkong.inspections import access, selectors

router = Router()


class FirmOut(Schema):
    id: int
    organization_id: int
    name: str
    credit_code: str
    address: str
    industry_code: str
    status: str
    source: str
    patrol_zone_id: int | None
    premises_id: int | None
    neighborhood_id: int | None
    exempt: bool


class CallRow(Schema):
    firm_id: int
    name: str
    status: str
    caller: str
    called_today: bool
    missed_yesterday: bool


class StaffDeclarationOut(Schema):
    id: int
    name: str
    id_number_masked: str
    phone_masked: str
    origin_name: str
    arrival_date: dt.date
    key_area: bool
    risk_level: str
    isolation_end: dt.date | None


def _firm_out(f: Any) -> dict[str, Any]:
    org = f.organization
    return {
        "id": f.pk,
        "organization_id": org.pk,
        "name": org.name,
        "credit_code": org.credit_code,
        "address": org.address,
        "industry_code": f.industry_code,
        "status": f.status,
        "source": f.source,
        "patrol_zone_id": org.patrol_zone_id,
        "premises_id": org.premises_id,
        "neighborhood_id": f.neighborhood_id,
        "exempt": f.exempt_id is not None,
    }


@router.get("/firms", response=list[FirmOut])
def list_firms(
    request: HttpRequest, q: str = "", status: str = "", zone: str = "", offset: int = 0, limit: int = 100
) -> Any:
    user = access.firm_user(request.user)
    qs = selectors.firm_list(user, q=q[:60], status=status, zone=zone[:12])
    limit = max(1, min(limit, 500))
    offset = max(0, min(offset, 10**9))
    return [_firm_out(f) for f in qs[offset : offset + limit]]


@router.get("/firms/{firm_id}", response=FirmOut)
def get_firm(request: HttpRequest, firm_id: int) -> Any:
    user = access.firm_user(request.user)
    return _firm_out(get_object_or_404(selectors.firms(user), pk=firm_id))


@router.get("/firms/{firm_id}/staff", response=list[StaffDeclarationOut])
def firm_staff(request: HttpRequest, firm_id: int) -> Any:
    """The firm's staff declarations (employer = the firm): its contact and the office; 404 for others."""
    access.firm_user(request.user)
    firm = get_object_or_404(selectors.firms(request.user), pk=firm_id)
    user = access.staff_user(request.user, firm)
    return [
        {
            "id": d.pk,
            "name": d.name,
            "id_number_masked": d.id_number_masked,
            "phone_masked": d.phone_masked,
            "origin_name": d.origin_name,
            "arrival_date": d.arrival_date,
            "key_area": d.key_area,
            "risk_level": d.risk_level,
            "isolation_end": d.isolation_end,
        }
        for d in selectors.staff_declarations(user, firm)
    ]


@router.get("/calls", response=list[CallRow])
def list_calls(request: HttpRequest, day: dt.date | None = None, page: int = 1) -> Any:
    user = access.manager(request.user)
    data = selectors.call_list(user, day=day, page=max(1, min(page, 10**6)))
    return [
        {
            "firm_id": row["firm"].pk,
            "name": row["firm"].organization.name,
            "status": row["firm"].status,
            "caller": str(row["caller"] or ""),
            "called_today": row["firm"].called_today,
            "missed_yesterday": row["firm"].missed_yesterday,
        }
        for row in data.rows
    ]


class InspectionVisitOut(Schema):
    id: int
    day: dt.date
    firm_id: int | None
    premises_id: int | None
    neighborhood_id: int | None
    team: str
    state: str
    entry_registration: bool
    disinfection: bool
    forms_handed: int
    notices_posted: int
    open_early: bool
    dissuaded: bool
    signature: str
    checklist: dict[str, Any]


def _visit_out(v: Any) -> dict[str, Any]:
    return {
        "id": v.pk,
        "day": v.day,
        "firm_id": v.firm_id,
        "premises_id": v.premises_id,
        "neighborhood_id": v.neighborhood_id,
        "team": v.team,
        "state": v.state,
        "entry_registration": v.entry_registration,
        "disinfection": v.disinfection,
        "forms_handed": v.forms_handed,
        "notices_posted": v.notices_posted,
        "open_early": v.open_early,
        "dissuaded": v.dissuaded,
        "signature": v.signature,
        "checklist": v.checklist if isinstance(v.checklist, dict) else {},
    }


@router.get("/visits", response=list[InspectionVisitOut])
def list_visits(request: HttpRequest, day: dt.date | None = None, offset: int = 0, limit: int = 100) -> Any:
    user = access.visits_user(request.user)
    qs = selectors.visits(user)
    if day is not None:
        qs = qs.filter(day=day)
    limit = max(1, min(limit, 500))
    offset = max(0, min(offset, 10**9))
    return [_visit_out(v) for v in qs[offset : offset + limit]]


@router.get("/visits/{visit_id}", response=InspectionVisitOut)
def get_visit(request: HttpRequest, visit_id: int) -> Any:
    user = access.visits_user(request.user)
    return _visit_out(get_object_or_404(selectors.visits(user), pk=visit_id))


class CaseOut(Schema):
    id: int
    firm_id: int
    firm_name: str
    reason: str
    deadline: dt.date
    owner: str
    outcome: str
    overdue: bool


@router.get("/cases", response=list[CaseOut])
def list_cases(request: HttpRequest, show: str = "open") -> Any:
    from django.utils import timezone

    user = access.manager(request.user)
    today = timezone.localdate()
    return [
        {
            "id": c.pk,
            "firm_id": c.firm_id,
            "firm_name": c.firm.organization.name,
            "reason": c.reason,
            "deadline": c.deadline,
            "owner": str(c.owner),
            "outcome": c.outcome,
            "overdue": c.outcome == "open" and c.deadline < today,
        }
        for c in selectors.cases(user, show="all" if show == "all" else "open")[:1000]
    ]


class VisitCountRow(Schema):
    day: dt.date
    zone: str
    premises: str
    visits: int
    firms: int
    early: int
    dissuaded: int
    forms: int
    notices: int


class CallCountRow(Schema):
    day: dt.date
    zone: str
    calls: int
    firms: int
    opened: int


class MissedRow(Schema):
    day: dt.date
    missed: int


class MissedZoneRow(Schema):
    day: dt.date
    zone: str
    missed: int


class CountsOut(Schema):
    start: dt.date
    end: dt.date
    premises_visited: int
    visits: int
    early: int
    dissuaded: int
    forms: int
    notices: int
    visit_rows: list[VisitCountRow]
    call_rows: list[CallCountRow]
    missed: list[MissedRow]
    missed_by_zone: list[MissedZoneRow]
    statuses: dict[str, int]


@router.get("/counts", response=CountsOut)
def counts(request: HttpRequest, day: dt.date | None = None) -> Any:
    """The counts page's figures: per day, zone and premises (visits, firms checked, early openings,
    dissuasions, forms, notices), calls made per day and zone, firms missed per day and per day and zone, for the 14 days up to
    ``day``; totals of all submitted visits; firms per status."""
    from django.utils import timezone

    user = access.counts_user(request.user)
    end = selectors.bounded_day(day or timezone.localdate())
    start = end - dt.timedelta(days=selectors.COUNTS_DAYS - 1)
    totals = selectors.visit_totals(user)
    missed_rows = selectors.missed_by_zone(user, start=start, end=end)
    return {
        "start": start,
        "end": end,
        "premises_visited": totals["premises"],
        "visits": totals["visits"],
        "early": totals["early"],
        "dissuaded": totals["dissuaded"],
        "forms": totals["forms"],
        "notices": totals["notices"],
        "visit_rows": [
            {
                "day": r["day"],
                "zone": r["zone"] or "",
                "premises": r["premises__name"] or "",
                "visits": r["visits"],
                "firms": r["firms"],
                "early": r["early"],
                "dissuaded": r["dissuaded"],
                "forms": r["forms"] or 0,
                "notices": r["notices"] or 0,
            }
            for r in selectors.visit_counts(user, start=start, end=end)
        ],
        "call_rows": [
            {
                "day": r["day"],
                "zone": r["firm__organization__patrol_zone__name"] or "",
                "calls": r["calls"],
                "firms": r["firms"],
                "opened": r["opened"],
            }
            for r in selectors.call_counts(user, start=start, end=end)
        ],
        "missed": [
            {"day": d, "missed": n} for d, n in selectors.missed_totals(missed_rows, start=start, end=end)
        ],
        "missed_by_zone": missed_rows,
        "statuses": selectors.status_counts(user),
    }
