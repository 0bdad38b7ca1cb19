"""Resumption control (复工管控): the status transitions (one table, ``inspections.machine``), applications
with their checklist, and their approval or return."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.core import audit
from fangkong.core.choices import AuditAction
from fangkong.core.exceptions import ScopeError
from fangkong.core.policies import get_policy, resumption_datetime
from fangkong.core.services import check_write_scope
from fangkong.inspections import machine
from fangkong.inspections.choices import ApplicationChannel, ApplicationStatus, FirmStatus
from fangkong.inspections.models import Application, Firm, StatusChange


def earliest_resumption(subdistrict_id: int, on: dt.date | None = None) -> dt.datetime:
    """The earliest resumption time in force (policy ``earliest_resumption``; 2020-02-09 24:00 by default)."""
    return resumption_datetime(str(get_policy(subdistrict_id, "earliest_resumption", on=on)))


@transaction.atomic
def change_status(
    *, actor: Any, firm: Firm, to: str, reason: str = "", now: dt.datetime | None = None
) -> Firm:
    """Move ``firm`` to status ``to`` if the table allows the pair; one audited ``StatusChange``. Other
    services call this inside their own transaction (an application, a visit, a case)."""
    current = Firm.objects.select_for_update().get(pk=firm.pk)
    if not machine.allowed(current.status, to):
        raise ValidationError(
            _("不能从“%(from)s”改为“%(to)s”。")
            % {"from": FirmStatus(current.status).label, "to": FirmStatus(to).label},
            code="transition",
        )
    if to == FirmStatus.RESUMED and current.exempt_id is None:
        now = now or timezone.now()
        if now < earliest_resumption(current.subdistrict_id, on=now.date()):
            raise ValidationError(_("最早复工时间之前不能确认复工（豁免类别除外）。"), code="too_early")
    now = now or timezone.now()
    StatusChange.objects.create(
        subdistrict_id=current.subdistrict_id,
        neighborhood_id=current.neighborhood_id,
        firm=current,
        from_status=current.status,
        to_status=to,
        at=now,
        actor=actor if getattr(actor, "pk", None) else None,
        reason=reason[:200],
    )
    audit.record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=current,
        changes={"status": [current.status, to]},
        note=reason[:300],
    )
    Firm.objects.filter(pk=current.pk).update(status=to, status_at=now, updated_at=now)
    firm.status, firm.status_at = to, now
    return firm


@transaction.atomic(durable=True)
def set_status(*, actor: Any, firm: Firm, to: str, reason: str = "") -> Firm:
    """A transition made directly on the firm page (not one that an application makes)."""
    current = Firm.objects.get(pk=firm.pk)
    check_write_scope(actor, current)
    if to not in machine.direct_statuses(current.status):
        raise ValidationError(_("这个状态变更须通过复工申请办理。"), code="through_record")
    if not reason.strip() and to in (FirmStatus.DISSUADED, FirmStatus.SUPERVISED, FirmStatus.NOT_RESUMED):
        raise ValidationError({"reason": [_("请填写原因。")]})
    return change_status(actor=actor, firm=firm, to=to, reason=reason)


@transaction.atomic(durable=True)
def apply_for_resumption(
    *,
    actor: Any,
    firm: Firm,
    planned_date: dt.date,
    checklist: dict[str, bool],
    note: str = "",
    channel: str = ApplicationChannel.STAFF,
    client_token: str = "",
) -> tuple[Application, bool]:
    """A resumption application with its checklist (staff entry, the firm's contact, or the firm's public
    page with ``actor=None``); the firm moves to 已申请. Idempotent on ``client_token``: a repeat answers the
    first application and ``False``. Every checklist item must be ticked."""
    if client_token:
        existing = Application.objects.filter(firm_id=firm.pk, client_token=client_token).first()
        if existing is not None:
            return existing, False
    current = Firm.objects.get(pk=firm.pk)
    if actor is not None:
        check_write_scope(actor, current)
    if current.merged_into_id:
        raise ScopeError("merged")
    missing = [name for name in Application.CHECKLIST if not checklist.get(name)]
    if missing:
        raise ValidationError({name: [_("复工前须落实此项。")] for name in missing}, code="checklist")
    if not machine.allowed(current.status, FirmStatus.APPLIED):
        raise ValidationError(
            _("当前状态（%(status)s）不能申请复工。") % {"status": FirmStatus(current.status).label},
            code="transition",
        )
    application = Application(
        subdistrict_id=current.subdistrict_id,
        neighborhood_id=current.neighborhood_id,
        firm=current,
        organization_id=current.organization_id,
        channel=channel,
        planned_date=planned_date,
        note=note[:300],
        submitted_by=actor,
        client_token=client_token[:40],
        **{name: True for name in Application.CHECKLIST},
    )
    try:
        with transaction.atomic():
            application.save(force_insert=True)
    except IntegrityError:
        raise ValidationError(_("该企业已有待审核的复工申请。"), code="pending")
    audit.record(actor=actor, action=AuditAction.CREATE, obj=application, changes=audit.snapshot(application))
    change_status(actor=actor, firm=current, to=FirmStatus.APPLIED, reason=str(_("提交复工申请")))
    return application, True


@transaction.atomic(durable=True)
def decide_application(
    *, actor: Any, application: Application, approve: bool, reason: str = ""
) -> Application:
    """The office approves (已批准) or returns (未复工, with reasons) a pending application."""
    current = Application.objects.select_for_update().get(pk=application.pk)
    firm = Firm.objects.get(pk=current.firm_id)
    check_write_scope(actor, firm)
    if current.status != ApplicationStatus.PENDING:
        raise ValidationError(_("该申请已审核。"), code="decided")
    if not approve and not reason.strip():
        raise ValidationError({"reason": [_("退回须写明原因。")]})
    current.status = ApplicationStatus.APPROVED if approve else ApplicationStatus.RETURNED
    current.decided_by = actor
    current.decided_at = timezone.now()
    current.reason = reason[:300]
    current.save(update_fields=["status", "decided_by", "decided_at", "reason", "updated_at"])
    audit.record(
        actor=actor, action=AuditAction.UPDATE, obj=current, changes={"status": current.status}, note=reason
    )
    change_status(
        actor=actor,
        firm=firm,
        to=FirmStatus.APPROVED if approve else FirmStatus.NOT_RESUMED,
        reason=reason or str(_("批准复工")),
    )
    return current
