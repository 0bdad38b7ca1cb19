"""The daily call list (每日电话): every firm not yet allowed to open is someone's call each day, shared
round-robin among the office's people; a call records its outcome."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.core import audit
from fangkong.core.choices import AuditAction, Domain, Role
from fangkong.core.services import check_write_scope
from fangkong.inspections import machine
from fangkong.inspections.choices import CallOutcome
from fangkong.inspections.models import Call, Firm


def office_callers(subdistrict_id: int) -> list[Any]:
    """The office's people who share the calls: active office accounts of the sub-district whose domains
    include inspections, in a fixed order (by id). The HQ calls when there is none."""
    users: list[Any] = list(
        get_user_model()
        .objects.filter(subdistrict_id=subdistrict_id, is_active=True, role__in=(Role.OFFICE, Role.HQ))
        .order_by("pk")
    )
    office = [u for u in users if u.role == Role.OFFICE and Domain.INSPECTIONS in (u.domains or [])]
    return office or [u for u in users if u.role == Role.HQ]


def call_assignee(day: dt.date, firm_id: int, callers: list[Any]) -> Any:
    """Who calls firm ``firm_id`` on ``day``: a round-robin that turns by one each day, so every caller gets
    every firm in turn and the load differs by at most one firm a day when ids are dense."""
    if not callers:
        return None
    return callers[(firm_id + day.toordinal()) % len(callers)]


@transaction.atomic(durable=True)
def record_call(
    *, actor: Any, firm: Firm, outcome: str, note: str = "", now: dt.datetime | None = None
) -> Call:
    """One call of today's list, with its outcome."""
    current = Firm.objects.get(pk=firm.pk)
    check_write_scope(actor, current)
    if outcome not in CallOutcome.values:
        raise ValidationError({"outcome": [_("请选择通话结果。")]})
    if current.status not in machine.ON_CALL_LIST or current.merged_into_id:
        raise ValidationError(_("该企业不在每日电话名单上。"), code="not_listed")
    now = now or timezone.now()
    call = Call.objects.create(
        subdistrict_id=current.subdistrict_id,
        neighborhood_id=current.neighborhood_id,
        firm=current,
        day=timezone.localdate(now),
        caller=actor,
        outcome=outcome,
        note=note[:200],
        called_at=now,
    )
    audit.record(actor=actor, action=AuditAction.CREATE, obj=call, changes={"outcome": outcome})
    return call
