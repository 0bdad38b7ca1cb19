"""Inspections API: the firm list and one firm (scoped exactly like the web), and today's call list."""

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
