"""Writes of the care app: taking residents into care, their details and schedule, the visits recorded from
a phone, and the weekly sweep that tells the committee who was missed. Every write is audited, re-checks the
actor's scope inside its transaction and is one transaction."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.care import rules, selectors
from fangkong.care.choices import CareReason, CareStatus, DeliveryOutcome, Mobility, Need, Welfare
from fangkong.care.models import CareRecord, Delivery
from fangkong.core import audit, notify, personal
from fangkong.core.choices import AuditAction
from fangkong.core.exceptions import ConflictError
from fangkong.core.services import check_write_scope


@dataclass
class CareInput:
    """What staff fill in for a person in care (the resident is given apart)."""

    reason: str = CareReason.LIVING_ALONE
    lives_alone: bool = True
    mobility: str = Mobility.INDEPENDENT
    needs: list[str] = field(default_factory=list)
    emergency_name: str = ""
    emergency_phone: str = ""
    volunteer: Any = None
    team: str = ""
    supplier: Any = None
    weekday: int | None = None
    items: str = ""
    note: str = ""
    status: str = CareStatus.ACTIVE


def _apply(record: CareRecord, data: CareInput) -> None:
    errors: dict[str, list[str]] = {}
    if data.reason not in CareReason.values:
        errors["reason"] = [_("请选择关爱原因。")]
    if data.mobility not in Mobility.values:
        errors["mobility"] = [_("请选择行动能力。")]
    if data.status not in CareStatus.values:
        errors["status"] = [_("状态无效。")]
    unknown = [n for n in data.needs if n not in Need.values]
    if unknown:
        errors["needs"] = [_("需求无效：%(n)s") % {"n": "、".join(unknown)}]
    if data.weekday is not None and not 0 <= data.weekday <= 6:
        errors["weekday"] = [_("配送日须为周一至周日。")]
    for name, obj in (("volunteer", data.volunteer), ("supplier", data.supplier)):
        if obj is not None and obj.subdistrict_id != record.subdistrict_id:
            errors[name] = [_("须为本街道登记的志愿者或单位。")]
    if errors:
        raise ValidationError(errors)
    record.reason, record.lives_alone, record.mobility = data.reason, data.lives_alone, data.mobility
    record.needs = sorted(set(data.needs), key=Need.values.index)
    record.emergency_name = data.emergency_name.strip()[:50]
    record.volunteer, record.team, record.supplier = data.volunteer, data.team.strip()[:80], data.supplier
    record.weekday, record.items, record.note = (
        data.weekday,
        data.items.strip()[:200],
        data.note.strip()[:200],
    )
    record.status = data.status
    personal.set_columns(record, {"emergency_phone": data.emergency_phone.strip()})


@transaction.atomic(durable=True)
def enrol_care(*, actor: Any, resident: Any, data: CareInput) -> CareRecord:
    """Take a resident of the registry into care (staff confirm a proposed candidate, or add anyone)."""
    if CareRecord.objects.filter(resident=resident).exists():
        raise ValidationError(_("该居民已在关爱名册中。"))
    record = CareRecord(
        subdistrict_id=resident.subdistrict_id,
        neighborhood_id=resident.neighborhood_id,
        resident=resident,
        since=timezone.localdate(),
    )
    check_write_scope(actor, record)
    _apply(record, data)
    record.full_clean(validate_unique=False, validate_constraints=False)
    try:
        with transaction.atomic():
            record.save()
    except IntegrityError:
        raise ValidationError(_("该居民已在关爱名册中。"))
    audit.record(actor=actor, action=AuditAction.CREATE, obj=record, changes=audit.snapshot(record))
    return record


@transaction.atomic(durable=True)
def update_care(
    *, actor: Any, record: CareRecord, data: CareInput, expected_version: int | None = None
) -> CareRecord:
    """Change a person's care details, schedule or status (optimistic lock on ``expected_version``).
    A blank emergency phone keeps the stored one."""
    locked = CareRecord.objects.select_for_update().get(pk=record.pk)
    check_write_scope(actor, locked)
    if expected_version is not None and locked.version != expected_version:
        raise ConflictError(_("该记录已被他人修改，请刷新后重试。"))
    before = audit.snapshot(locked)
    if not data.emergency_phone:
        phone = (locked.emergency_phone_enc, locked.emergency_phone_hash, locked.emergency_phone_masked)
        _apply(locked, data)
        locked.emergency_phone_enc, locked.emergency_phone_hash, locked.emergency_phone_masked = phone
    else:
        _apply(locked, data)
    locked.full_clean(validate_unique=False, validate_constraints=False)
    locked.version += 1
    locked.save()
    audit.record(
        actor=actor, action=AuditAction.UPDATE, obj=locked, changes=audit.diff(before, audit.snapshot(locked))
    )
    return locked


@dataclass
class DeliveryResult:
    delivery: Delivery
    created: bool


@transaction.atomic(durable=True)
def record_delivery(
    *,
    actor: Any,
    record: CareRecord,
    outcome: str,
    welfare: str = Welfare.WELL,
    note: str = "",
    phone_confirmed: bool = False,
    day: dt.date | None = None,
    submission_id: str = "",
) -> DeliveryResult:
    """Record a visit from a phone: delivered, not home or refused, with the welfare check. A person in
    isolation gets a contactless delivery (left at the door), which counts as delivered only once confirmed
    by phone. Unwell (or not seen) alerts the committee. A repeat of the same ``submission_id`` (a double
    tap) answers the stored visit."""
    locked = CareRecord.objects.select_for_update().select_related("resident__household").get(pk=record.pk)
    check_write_scope(actor, locked)
    if submission_id:
        existing = Delivery.objects.filter(record=locked, submission_id=submission_id[:40]).first()
        if existing is not None:
            return DeliveryResult(existing, False)
    today = timezone.localdate()
    day = day or today
    errors: dict[str, list[str]] = {}
    if locked.status != CareStatus.ACTIVE:
        errors["record"] = [_("该对象已结束关爱，不能再记录配送。")]
    if outcome not in DeliveryOutcome.values:
        errors["outcome"] = [_("请选择配送结果。")]
    if welfare not in Welfare.values:
        errors["welfare"] = [_("请选择身体状况。")]
    if day > today:
        errors["day"] = [_("不能记录未来的配送。")]
    elif day < locked.since - dt.timedelta(days=7):
        errors["day"] = [_("配送日期早于纳入关爱日期。")]
    contactless = bool(selectors.isolated_residents([locked.resident]))
    if contactless and outcome == DeliveryOutcome.DELIVERED and not phone_confirmed:
        errors["phone_confirmed"] = [_("无接触配送须电话确认本人已取到。")]
    if outcome == DeliveryOutcome.NOT_HOME:
        welfare = Welfare.UNKNOWN
    if errors:
        raise ValidationError(errors)
    delivery = Delivery(
        subdistrict_id=locked.subdistrict_id,
        neighborhood_id=locked.neighborhood_id,
        record=locked,
        day=day,
        week_start=rules.week_of(day),
        outcome=outcome,
        welfare=welfare,
        contactless=contactless,
        phone_confirmed=phone_confirmed,
        note=note.strip()[:200],
        recorded_by=actor if getattr(actor, "pk", None) else None,
        submission_id=submission_id[:40],
    )
    try:
        with transaction.atomic():
            delivery.save()
    except IntegrityError:
        existing = Delivery.objects.filter(record=locked, submission_id=submission_id[:40]).first()
        if existing is None:
            raise
        return DeliveryResult(existing, False)
    audit.record(actor=actor, action=AuditAction.CREATE, obj=delivery, changes=audit.snapshot(delivery))
    if welfare == Welfare.UNWELL:
        notify.alert(
            kind="care.unwell",
            subject=_("关爱对象身体不适：%(name)s") % {"name": locked.resident.name},
            body=delivery.note,
            recipients=notify.committee_of(locked.subdistrict_id, locked.neighborhood_id),
            key=f"care.unwell:{delivery.pk}",
            link=reverse("care:record_detail", args=[locked.pk]),
            subdistrict_id=locked.subdistrict_id,
            neighborhood_id=locked.neighborhood_id,
            level=notify.LEVEL_COMMITTEE,
            urgent=True,
        )
    return DeliveryResult(delivery, True)


def alert_missed_deliveries(*, today: dt.date, limit: int = 50_000) -> int:
    """The committee of each person whose delivery of this week is missed is told, once per person and
    week (the alert's key names both). Run by the job; the same list as the missed page."""
    week = rules.week_of(today)
    rows = list(
        selectors.missed_records(CareRecord.objects.all(), week=week, today=today)
        .select_related("resident")
        .order_by("pk")[:limit]
    )
    committees: dict[tuple[int, int], list[Any]] = {}
    alerts = []
    for rec in rows:
        where = (rec.subdistrict_id, rec.neighborhood_id)
        if where not in committees:
            committees[where] = notify.committee_of(*where)
        alerts.append(
            notify.Alert(
                kind="care.missed",
                subject=_("本周未送达：%(name)s（%(week)s 周）")
                % {"name": rec.resident.name, "week": week.isoformat()},
                recipients=committees[where],
                key=f"care.missed:{rec.pk}:{week.isoformat()}",
                link=reverse("care:record_detail", args=[rec.pk]),
                subdistrict_id=rec.subdistrict_id,
                neighborhood_id=rec.neighborhood_id,
                level=notify.LEVEL_COMMITTEE,
            )
        )
    notify.alert_many(alerts, returning=False)
    return len(alerts)
