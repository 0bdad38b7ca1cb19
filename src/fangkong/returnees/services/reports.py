"""Health reports and fever alerts, referral outcomes, the building's person in charge, and the follow-up tasks
of missed reports."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.core import audit, notify
from fangkong.core.choices import AuditAction, Role
from fangkong.core.services import check_write_scope
from fangkong.core.validators import (
    validate_temperature,
)
from fangkong.returnees.choices import (
    IsolationStatus,
    ReferralOutcome,
    ReportSource,
    Slot,
    TaskStatus,
)
from fangkong.returnees.models import (
    FollowUpTask,
    HealthReport,
    Isolation,
    Referral,
)
from fangkong.returnees.services.times import _require_staff, closed_slots, fever_line, slot_of

# ---------------------------------------------------------------- reports, fevers, tasks


def _alert_fever(
    *,
    subdistrict_id: int,
    neighborhood_id: int | None,
    subject: str,
    body: str,
    key: str = "",
    link: str = "",
) -> None:
    """A fever is one urgent alert per recipient: the neighborhood's committee staff and the sub-district's
    HQ, each once per ``key`` (the referral), delivered by the job runner."""
    import uuid

    key = key or f"fever:{uuid.uuid4().hex}"
    for level, people in (
        (notify.LEVEL_COMMITTEE, notify.committee_of(subdistrict_id, neighborhood_id)),
        (notify.LEVEL_HQ, notify.hq_of(subdistrict_id)),
    ):
        notify.alert(
            kind="fever",
            subject=subject,
            body=body,
            recipients=people,
            key=key,
            link=link,
            subdistrict_id=subdistrict_id,
            neighborhood_id=neighborhood_id,
            level=level,
            urgent=True,
        )


@dataclass
class ReportResult:
    report: HealthReport
    created: bool
    referral: Referral | None = None


@transaction.atomic
def submit_report(
    *,
    actor: Any,
    isolation: Isolation,
    temperature: Any,
    symptoms: bool = False,
    note: str = "",
    source: str = ReportSource.SELF,
    day: dt.date | None = None,
    slot: str | None = None,
    now: dt.datetime | None = None,
) -> ReportResult:
    """A twice-daily report. A second submission for the same slot returns the first (idempotent).
    A temperature at or above the fever line alerts at once and records a referral."""
    value = Decimal(str(validate_temperature(temperature)))
    if source == ReportSource.PHONE:
        _require_staff(actor)
        check_write_scope(actor, isolation)
    today, current_slot = slot_of(now)
    day = day or today
    slot = slot or current_slot
    if slot not in Slot.values:
        raise ValidationError(_("时段不正确。"))
    if day > today or (day == today and slot == Slot.AFTERNOON and current_slot == Slot.MORNING):
        raise ValidationError(_("不能为未来的时段上报。"))
    if isolation.status != IsolationStatus.ACTIVE or not (isolation.start_date <= day <= isolation.end_date):
        raise ValidationError(_("该日期不在隔离期内。"))
    existing = HealthReport.objects.filter(isolation=isolation, day=day, slot=slot).first()
    if existing is not None:
        return ReportResult(existing, False)
    line = fever_line(isolation.subdistrict_id, day)
    report = HealthReport(
        subdistrict_id=isolation.subdistrict_id,
        neighborhood_id=isolation.neighborhood_id,
        isolation=isolation,
        day=day,
        slot=slot,
        temperature=value,
        symptoms=bool(symptoms),
        note=(note or "")[:200],
        fever=value >= line,
        source=source,
        reported_by=actor if getattr(actor, "pk", None) else None,
    )
    try:
        with transaction.atomic():
            report.save(force_insert=True)
    except IntegrityError:
        return ReportResult(HealthReport.objects.get(isolation=isolation, day=day, slot=slot), False)
    audit.record(actor=actor, action=AuditAction.CREATE, obj=report, changes=audit.snapshot(report))
    FollowUpTask.objects.filter(isolation=isolation, day=day, slot=slot, status=TaskStatus.OPEN).update(
        status=TaskStatus.DONE, done_at=timezone.now()
    )
    referral = None
    if report.fever or report.symptoms:
        name = isolation.declaration.name
        reason = (
            _("体温 %(t)s °C，达到发热线 %(line)s °C") % {"t": value, "line": line}
            if report.fever
            else _("上报有症状")
        )
        referral = Referral.objects.create(
            subdistrict_id=isolation.subdistrict_id,
            neighborhood_id=isolation.neighborhood_id,
            isolation=isolation,
            report=report,
            person_name=name,
            temperature=value,
            reason=reason,
        )
        audit.record(actor=actor, action=AuditAction.CREATE, obj=referral)
        _alert_fever(
            key=f"fever:referral:{referral.pk}",
            link=reverse("returnees:isolation_detail", args=[isolation.pk]),
            subdistrict_id=isolation.subdistrict_id,
            neighborhood_id=isolation.neighborhood_id,
            subject=_("隔离人员发热预警：%(name)s %(t)s °C") % {"name": name, "t": value},
            body=_("%(hood)s %(name)s 在%(day)s%(slot)s上报：%(reason)s。请立即联系并转诊。")
            % {
                "hood": isolation.neighborhood,
                "name": name,
                "day": day,
                "slot": Slot(slot).label,
                "reason": reason,
            },
        )
    return ReportResult(report, True, referral)


@transaction.atomic(durable=True)
def record_referral_outcome(*, actor: Any, referral: Referral, outcome: str, note: str = "") -> Referral:
    ref = Referral.objects.select_for_update().get(pk=referral.pk)
    check_write_scope(actor, ref)
    if outcome not in ReferralOutcome.values:
        raise ValidationError(_("请选择转诊结果。"))
    before = ref.outcome
    ref.outcome = outcome
    ref.outcome_note = note[:200]
    ref.closed_at = None if outcome == ReferralOutcome.PENDING else timezone.now()
    ref.version += 1
    ref.save()
    audit.record(actor=actor, action=AuditAction.UPDATE, obj=ref, changes={"outcome": [before, outcome]})
    return ref


def responsible_user(building: Any) -> Any:
    """The person in charge of a building (分楼包干) when the pairing app provides one; else the first
    committee staff account of the building's neighborhood."""
    import importlib

    try:
        pairing_services = importlib.import_module("fangkong.pairing.services")
        finder = getattr(pairing_services, "responsible_user_for_building", None)
    except ImportError:
        finder = None
    if finder is not None:
        user = finder(building)
        if user is not None:
            return user
    from fangkong.core.models import User

    return (
        User.objects.filter(is_active=True, role=Role.STAFF, neighborhoods__id=building.neighborhood_id)
        .order_by("id")
        .first()
    )


def responsible_users(buildings: set[tuple[int, int]]) -> dict[int, Any]:
    """``responsible_user`` for many (building id, neighborhood id) pairs in a constant number of queries:
    the person in charge (分楼包干) where the pairing app provides one, else the neighborhood's first
    committee staff account."""
    import importlib

    from fangkong.core.models import User

    found: dict[int, Any] = {}
    finder = single = None
    try:
        pairing_services = importlib.import_module("fangkong.pairing.services")
        finder = getattr(pairing_services, "responsible_users_for_buildings", None)
        single = getattr(pairing_services, "responsible_user_for_building", None)
    except ImportError:
        pass
    if finder is not None:
        found.update(finder({b for b, _h in buildings}))
    elif single is not None:  # a pairing app without the bulk lookup: one building at a time
        for building_id, _hood in buildings:
            user = single(building_id)
            if user is not None:
                found[building_id] = user
    missing_hoods = {h for b, h in buildings if b not in found}
    first_staff: dict[int, Any] = {}
    if missing_hoods:
        staff = (
            User.objects.filter(is_active=True, role=Role.STAFF, neighborhoods__id__in=missing_hoods)
            .annotate(hood_id=F("neighborhoods__id"))
            .order_by("id")
        )
        for user in staff:
            first_staff.setdefault(user.hood_id, user)
    for building_id, hood_id in buildings:
        if building_id not in found and hood_id in first_staff:
            found[building_id] = first_staff[hood_id]
    return found


@transaction.atomic
def generate_missed_report_tasks(*, subdistrict_id: int | None = None, now: dt.datetime | None = None) -> int:
    """Turn every closed slot without a report into a follow-up task (once per slot).

    A constant number of queries whatever the number of people in isolation: per closed slot (at most
    three) one grouped SELECT counts the missing reports per building, and one INSERT … SELECT writes the
    tasks, each assigned to its building's person in charge (one lookup for all buildings). A task that
    already exists is left alone (NOT EXISTS, and ON CONFLICT DO NOTHING against a concurrent sweep)."""
    from django.db import connection

    ops = connection.ops
    iso = Isolation._meta.db_table
    reports = HealthReport._meta.db_table
    tasks = FollowUpTask._meta.db_table
    where = (
        f"i.status = %s AND i.start_date <= %s AND i.end_date >= %s"
        f"{' AND i.subdistrict_id = %s' if subdistrict_id is not None else ''}"
        f" AND NOT EXISTS (SELECT 1 FROM {reports} r WHERE r.isolation_id = i.id AND r.day = %s AND r.slot = %s)"
        f" AND NOT EXISTS (SELECT 1 FROM {tasks} t WHERE t.isolation_id = i.id AND t.day = %s AND t.slot = %s)"
    )

    def where_params(day: dt.date, slot: str) -> list[Any]:
        value = ops.adapt_datefield_value(day)
        scope = [subdistrict_id] if subdistrict_id is not None else []
        return [IsolationStatus.ACTIVE, value, value, *scope, value, slot, value, slot]

    missing: dict[tuple[dt.date, str], list[tuple[int, int, int, int]]] = {}
    with connection.cursor() as cursor:
        for day, slot in closed_slots(now):
            cursor.execute(
                f"SELECT i.building_id, i.neighborhood_id, i.subdistrict_id, COUNT(*) FROM {iso} i "
                f"WHERE {where} GROUP BY i.building_id, i.neighborhood_id, i.subdistrict_id",
                where_params(day, slot),
            )
            rows = [(int(b), int(h), int(sub), int(n)) for b, h, sub, n in cursor.fetchall()]
            if rows:
                missing[(day, slot)] = rows
    if not missing:
        return 0
    assignee = responsible_users({(b, h) for rows in missing.values() for b, h, _s, _n in rows})
    # the building → person map inlined as integer literals (no parameter limit however many buildings)
    case = (
        "CASE i.building_id "
        + " ".join(f"WHEN {int(b)} THEN {int(u.pk)}" for b, u in sorted(assignee.items()))
        + " ELSE NULL END"
        if assignee
        else "NULL"
    )
    stamp_value = ops.adapt_datetimefield_value(timezone.now())
    created = 0
    per_user: dict[Any, int] = {}
    unassigned: dict[tuple[int, int], int] = {}  # (sub-district, neighborhood): tasks nobody is in charge of
    with connection.cursor() as cursor:
        for (day, slot), rows in missing.items():
            cursor.execute(
                f"INSERT INTO {tasks} (created_at, updated_at, version, subdistrict_id, neighborhood_id, "
                f"building_id, isolation_id, day, slot, assignee_id, status) "
                f"SELECT %s, %s, 1, i.subdistrict_id, i.neighborhood_id, i.building_id, i.id, %s, %s, {case}, %s "
                f"FROM {iso} i WHERE {where} ON CONFLICT DO NOTHING",
                [
                    stamp_value,
                    stamp_value,
                    ops.adapt_datefield_value(day),
                    slot,
                    TaskStatus.OPEN,
                    *where_params(day, slot),
                ],
            )
            created += max(cursor.rowcount, 0)
            for building_id, hood_id, sub_id, count in rows:
                user = assignee.get(building_id)
                if user is not None:
                    per_user[user] = per_user.get(user, 0) + count
                else:
                    unassigned[(sub_id, hood_id)] = unassigned.get((sub_id, hood_id), 0) + count
    stamp = f"{timezone.now():%Y%m%d%H%M%S%f}"
    notify.alert_many(
        [
            notify.Alert(
                kind="missed_report",
                subject=_("有 %(n)d 条健康上报漏报，请电话跟进") % {"n": count},
                recipients=[user],
                key=f"missed_report:{user.pk}:{stamp}",
                link=reverse("returnees:board"),
                subdistrict_id=user.subdistrict_id,
            )
            for user, count in per_user.items()
        ]
        + [
            # a building with nobody in charge: the neighborhood's committee is told (HQ when it has none)
            notify.Alert(
                kind="missed_report",
                subject=_("有 %(n)d 条健康上报漏报，请电话跟进") % {"n": count},
                recipients=[],
                key=f"missed_report:h{hood_id}:{stamp}",
                link=reverse("returnees:board"),
                subdistrict_id=sub_id,
                neighborhood_id=hood_id,
            )
            for (sub_id, hood_id), count in unassigned.items()
        ],
        returning=False,
    )
    if created:
        audit.record(
            actor=None,
            action=AuditAction.ACTION,
            object_type="returnees.followuptask",
            object_repr=_("生成漏报跟进任务"),
            changes={"count": created},
            subdistrict_id=subdistrict_id,
        )
    return created


@transaction.atomic(durable=True)
def complete_task(*, actor: Any, task: FollowUpTask) -> FollowUpTask:
    obj = FollowUpTask.objects.select_for_update().get(pk=task.pk)
    check_write_scope(actor, obj)
    if obj.status != TaskStatus.DONE:
        obj.status = TaskStatus.DONE
        obj.done_at = timezone.now()
        obj.save(update_fields=["status", "done_at", "updated_at"])
        audit.record(actor=actor, action=AuditAction.UPDATE, obj=obj, changes={"status": ["open", "done"]})
    return obj
