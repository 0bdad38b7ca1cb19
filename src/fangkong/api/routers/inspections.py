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
