"""Isolation: starting, extending and releasing it, and the personal report link (issued, re-issued, looked up)."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.core import audit
from fangkong.core.choices import AuditAction
from fangkong.core.exceptions import ScopeError
from fangkong.core.policies import get_policy
from fangkong.core.services import check_write_scope
from fangkong.returnees.choices import (
    IsolationMode,
    IsolationStatus,
    SignoffRole,
)
from fangkong.returnees.models import (
    Declaration,
    Isolation,
)
from fangkong.returnees.services.times import _hash_token, _require_staff, local_now

# ---------------------------------------------------------------- isolation


def new_token() -> tuple[str, str]:
    token = secrets.token_urlsafe(32)
    return token, _hash_token(token)


@transaction.atomic
def start_isolation(
    *,
    actor: Any,
    declaration: Declaration,
    mode: str = IsolationMode.HOME,
    start_date: dt.date | None = None,
    _system: bool = False,
) -> tuple[Isolation, str]:
    """Start isolation (home or central): end = start + isolation_days (the policy in force on the start
    day). The start may not be in the future nor before the arrival. Returns the isolation and its personal
    report token (shown once)."""
    if not _system:
        _require_staff(actor)
        check_write_scope(actor, declaration)
    start = start_date or timezone.localdate()
    if mode not in IsolationMode.values:
        raise ValidationError(_("请选择隔离方式。"))
    if start > local_now().date():
        raise ValidationError(_("隔离开始日期不能在未来。"), code="future")
    if start < declaration.arrival_date:
        raise ValidationError(
            _("隔离开始日期不能早于抵沪日期 %(d)s。") % {"d": declaration.arrival_date}, code="before_arrival"
        )
    if Isolation.objects.filter(declaration=declaration, status=IsolationStatus.ACTIVE).exists():
        raise ValidationError(_("该申报已有进行中的隔离。"))
    days = int(get_policy(declaration.subdistrict_id, "isolation_days", on=start))
    end = start + dt.timedelta(days=days)
    token, token_hash = new_token()
    iso = Isolation(
        subdistrict_id=declaration.subdistrict_id,
        neighborhood_id=declaration.neighborhood_id,
        building_id=declaration.building_id,
        declaration=declaration,
        id_number_hash=declaration.id_number_hash,
        mode=mode,
        start_date=start,
        planned_end_date=end,
        end_date=end,
        report_token_hash=token_hash,
    )
    iso.save(force_insert=True)
    audit.record(actor=actor, action=AuditAction.CREATE, obj=iso, changes=audit.snapshot(iso))
    return iso, token


@transaction.atomic(durable=True)
def extend_isolation(*, actor: Any, isolation: Isolation, new_end_date: dt.date, note: str = "") -> Isolation:
    """Move the end later. A date earlier than the current end is refused: isolation is never shortened."""
    iso = Isolation.objects.select_for_update().get(pk=isolation.pk)
    check_write_scope(actor, iso)
    if iso.status != IsolationStatus.ACTIVE:
        raise ValidationError(_("隔离已解除，不能再延长。"))
    if new_end_date < iso.end_date:
        raise ValidationError(
            _("隔离期只能延长，不能缩短：当前结束日期为 %(d)s。") % {"d": iso.end_date}, code="shorten"
        )
    if new_end_date == iso.end_date:
        return iso
    before = iso.end_date
    iso.end_date = new_end_date
    iso.version += 1
    iso.save(update_fields=["end_date", "version", "updated_at"])
    audit.record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=iso,
        changes={"end_date": [before.isoformat(), new_end_date.isoformat()]},
        note=note or _("延长隔离期"),
    )
    return iso


@transaction.atomic(durable=True)
def release_isolation(
    *,
    actor: Any,
    isolation: Isolation,
    signoff_role: str,
    note: str = "",
    now: dt.datetime | None = None,
) -> Isolation:
    """Release after the end date, signed off by committee staff or the health centre (recorded)."""
    _require_staff(actor)
    iso = Isolation.objects.select_for_update().get(pk=isolation.pk)
    check_write_scope(actor, iso)
    from fangkong.returnees.access import may_sign_release

    if not may_sign_release(actor):
        raise ScopeError("role")
    if signoff_role not in SignoffRole.values:
        raise ValidationError(_("请选择签字解除方：居委会或社区卫生服务中心。"))
    if iso.status != IsolationStatus.ACTIVE:
        return iso
    today = local_now(now).date()
    if today < iso.end_date:
        raise ValidationError(_("隔离期至 %(d)s 才满，不能提前解除。") % {"d": iso.end_date}, code="early")
    iso.status = IsolationStatus.RELEASED
    iso.released_at = now or timezone.now()
    iso.released_by = actor
    iso.signoff_role = signoff_role
    iso.release_note = note[:200]
    iso.version += 1
    iso.save()
    audit.record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=iso,
        changes={"status": ["active", "released"], "signoff_role": signoff_role},
        note=_("解除隔离签字"),
    )
    return iso


@transaction.atomic(durable=True)
def reissue_report_link(*, actor: Any, isolation: Isolation) -> str:
    """A new personal link for the isolated person; the old one stops working."""
    iso = Isolation.objects.select_for_update().get(pk=isolation.pk)
    check_write_scope(actor, iso)
    token, token_hash = new_token()
    iso.report_token_hash = token_hash
    iso.save(update_fields=["report_token_hash", "updated_at"])
    audit.record(actor=actor, action=AuditAction.ACTION, obj=iso, note=_("重新发放上报链接"))
    return token


def isolation_for_token(token: str, *, now: dt.datetime | None = None) -> Isolation | None:
    """The active isolation a personal link belongs to; None for a forged, replaced or expired link."""
    if not token or len(token) < 20 or len(token) > 100:
        return None
    iso = (
        Isolation.objects.select_related("declaration", "neighborhood")
        .filter(report_token_hash=_hash_token(token), status=IsolationStatus.ACTIVE)
        .first()
    )
    if iso is None or local_now(now).date() > iso.end_date:
        return None
    return iso
