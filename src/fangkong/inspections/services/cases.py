"""Escalation to the special supervision team (专项督查组): a firm that keeps opening after dissuasion becomes
a case with a deadline and an owner; the case records actions and ends with an outcome (closed, complied,
referred to law enforcement). The daily job alerts the owner and HQ of overdue open cases, once a day each."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.core import audit, notify
from fangkong.core.choices import AuditAction
from fangkong.core.services import check_write_scope
from fangkong.inspections.choices import CaseOutcome, FirmStatus
from fangkong.inspections.models import CaseAction, Firm, SupervisionCase
from fangkong.inspections.services.resumption import change_status


@transaction.atomic(durable=True)
def escalate_firm(*, actor: Any, firm: Firm, owner: Any, deadline: dt.date, reason: str) -> SupervisionCase:
    """Open a case for a firm that opened early or refused after dissuasion; the firm moves to 督查中."""
    current = Firm.objects.get(pk=firm.pk)
    check_write_scope(actor, current)
    errors: dict[str, list[str]] = {}
    if not reason.strip():
        errors["reason"] = [_("请填写移交原因。")]
    if deadline < timezone.localdate():
        errors["deadline"] = [_("整改期限不能早于今天。")]
    if owner is None or getattr(owner, "subdistrict_id", None) != current.subdistrict_id:
        errors["owner"] = [_("负责人须是本街道的工作人员。")]
    if errors:
        raise ValidationError(errors)
    case = SupervisionCase(
        subdistrict_id=current.subdistrict_id,
        neighborhood_id=current.neighborhood_id,
        firm=current,
        reason=reason[:300],
        deadline=deadline,
        owner=owner,
    )
    try:
        with transaction.atomic():
            case.save(force_insert=True)
    except IntegrityError:
        raise ValidationError(_("该企业已有未结的督查案件。"), code="open_case")
    audit.record(actor=actor, action=AuditAction.CREATE, obj=case, changes=audit.snapshot(case))
    change_status(actor=actor, firm=current, to=FirmStatus.SUPERVISED, reason=reason)
    return case


@transaction.atomic(durable=True)
def add_case_action(*, actor: Any, case: SupervisionCase, text: str) -> CaseAction:
    current = SupervisionCase.objects.get(pk=case.pk)
    check_write_scope(actor, current)
    if current.outcome != CaseOutcome.OPEN:
        raise ValidationError(_("案件已结案。"), code="closed")
    if not text.strip():
        raise ValidationError({"text": [_("请填写措施。")]})
    action = CaseAction.objects.create(
        subdistrict_id=current.subdistrict_id,
        neighborhood_id=current.neighborhood_id,
        case=current,
        actor=actor,
        text=text[:300],
    )
    audit.record(actor=actor, action=AuditAction.CREATE, obj=action, changes={"text": action.text})
    return action


@transaction.atomic(durable=True)
def close_case(*, actor: Any, case: SupervisionCase, outcome: str, note: str = "") -> SupervisionCase:
    """End a case: complied or closed moves the firm back to 未复工 (work stopped); a referral to law
    enforcement leaves it 督查中 for the enforcement side."""
    current = SupervisionCase.objects.select_for_update().get(pk=case.pk)
    check_write_scope(actor, current)
    if current.outcome != CaseOutcome.OPEN:
        raise ValidationError(_("案件已结案。"), code="closed")
    if outcome not in (CaseOutcome.CLOSED, CaseOutcome.COMPLIED, CaseOutcome.REFERRED):
        raise ValidationError({"outcome": [_("请选择结案结果。")]})
    current.outcome = outcome
    current.closed_at = timezone.now()
    current.save(update_fields=["outcome", "closed_at", "updated_at"])
    audit.record(actor=actor, action=AuditAction.UPDATE, obj=current, changes={"outcome": outcome}, note=note)
    if outcome != CaseOutcome.REFERRED:
        change_status(
            actor=actor,
            firm=current.firm,
            to=FirmStatus.NOT_RESUMED,
            reason=note or str(CaseOutcome(outcome).label),
        )
    return current


def alert_overdue_cases(*, now: dt.datetime | None = None) -> int:
    """Every open case past its deadline: one alert a day to its owner and the sub-district's HQ (the key
    names the case and the day, so a second run the same day sends nothing)."""
    now = now or timezone.now()
    today = timezone.localtime(now).date()
    specs = []
    rows = SupervisionCase.objects.filter(outcome=CaseOutcome.OPEN, deadline__lt=today).select_related(
        "firm__organization", "owner"
    )
    for case in rows.order_by("deadline", "pk")[:2000]:
        specs.append(
            notify.Alert(
                kind="inspections.case_overdue",
                subject=_("督查案件逾期：%(name)s（期限 %(d)s）")
                % {"name": case.firm.organization.name, "d": case.deadline.isoformat()},
                recipients=[case.owner, *notify.hq_of(case.subdistrict_id)],
                key=f"inspections.case_overdue:{case.pk}:{today.isoformat()}",
                link=reverse("inspections:case_detail", args=[case.pk]),
                subdistrict_id=case.subdistrict_id,
                neighborhood_id=case.neighborhood_id,
                level=notify.LEVEL_HQ,
                urgent=True,
            )
        )
    return len(notify.alert_many(specs, now=now)) if specs else 0
