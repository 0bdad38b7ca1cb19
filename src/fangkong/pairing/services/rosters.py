"""Duty rosters (联防联控值班表): shift templates, duty people and leave, solving, hand edits, swaps and
publishing."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.core import audit
from fangkong.core import services as core_services
from fangkong.core.choices import AuditAction
from fangkong.pairing.access import (
    check_scope,
    may_request_swap,
    require_hq_or_office,
    require_manager,
    require_roster_edit,
)
from fangkong.pairing.choices import (
    MemberKind,
    RosterStatus,
    SwapStatus,
)
from fangkong.pairing.models import (
    DutyPerson,
    Pairing,
    Point,
    Roster,
    RosterAssignment,
    ShiftSwap,
    ShiftTemplate,
    Unavailability,
)
from fangkong.pairing.services.lookups import MAX_ROSTER_DAYS, settings_for
from fangkong.registry.models import (
    CommitteeStaff,
    Neighborhood,
    SubDistrict,
    SupportCadre,
    Volunteer,
)

# ------------------------------------------------------------------ duty rosters (联防联控值班表)


@transaction.atomic
def create_shift_template(
    *,
    actor: Any,
    point: Point,
    name: str,
    start_time: dt.time,
    end_time: dt.time,
    head_count: int = 1,
    required_skill: str = "",
    weekdays: list[int] | None = None,
) -> ShiftTemplate:
    require_manager(actor)
    if start_time == end_time:
        raise ValidationError(_("班次开始与结束时间不能相同。"))
    if head_count < 1:
        raise ValidationError(_("人数至少为 1。"))
    days = sorted(set(weekdays if weekdays is not None else range(7)))
    if not days or any(d not in range(7) for d in days):
        raise ValidationError(_("请至少选择一个值班日。"))
    same = ShiftTemplate.objects.filter(point=point, active=True, name=name.strip())
    for other in same:
        raise ValidationError(_("点位「%(p)s」已有同名班次「%(n)s」。") % {"p": point.name, "n": other.name})
    obj = ShiftTemplate(
        subdistrict_id=point.subdistrict_id,
        point=point,
        neighborhood_id=point.neighborhood_id,
        name=name.strip(),
        start_time=start_time,
        end_time=end_time,
        head_count=head_count,
        required_skill=required_skill.strip(),
        weekdays=days,
    )
    return core_services.create_object(actor=actor, obj=obj)


@transaction.atomic
def add_duty_person(
    *,
    actor: Any,
    subdistrict: SubDistrict,
    cadre: SupportCadre | None = None,
    staff: CommitteeStaff | None = None,
    volunteer: Volunteer | None = None,
    skills: str = "",
    max_shifts_per_week: int | None = None,
    available_weekdays: list[int] | None = None,
) -> DutyPerson:
    """Put a cadre, committee worker or volunteer on the duty pool (once each)."""
    require_manager(actor)
    chosen = [p for p in (cadre, staff, volunteer) if p is not None]
    if len(chosen) != 1:
        raise ValidationError(_("请选择一名人员。"))
    if available_weekdays is not None:
        if not available_weekdays:
            raise ValidationError(_("请至少选择一个可值班的星期。"))
        if any(d not in range(7) for d in available_weekdays):
            raise ValidationError(_("可值班星期应为周一至周日。"))
    person: Any = chosen[0]
    kind = MemberKind.CADRE if cadre else MemberKind.STAFF if staff else MemberKind.VOLUNTEER
    existing = DutyPerson.objects.filter(**{kind.value: person}).first()
    if existing is not None:
        # already on the pool: a new answer for the weekdays, skills or weekly cap updates the record
        changes = {
            "available_weekdays": sorted(set(available_weekdays)) if available_weekdays is not None else None,
            "skills": skills or None,
            "max_shifts_per_week": max_shifts_per_week,
        }
        changes = {k: v for k, v in changes.items() if v is not None and getattr(existing, k) != v}
        if not changes:
            return existing
        for key, value in changes.items():
            setattr(existing, key, value)
        return core_services.update_object(actor=actor, obj=existing)
    hood_id = getattr(person, "neighborhood_id", None)
    if cadre is not None:
        hood_id = (
            Pairing.objects.filter(cadre=cadre, active=True, neighborhood__isnull=False)
            .values_list("neighborhood_id", flat=True)
            .first()
        )
    obj = DutyPerson(
        subdistrict=subdistrict,
        kind=kind,
        name=person.name,
        neighborhood_id=hood_id,
        skills=skills or getattr(person, "skills", ""),
        max_shifts_per_week=max_shifts_per_week,
        available_weekdays=sorted(set(available_weekdays))
        if available_weekdays is not None
        else list(range(7)),
        **{kind.value: person},
    )
    return core_services.create_object(actor=actor, obj=obj)


@transaction.atomic(durable=True)
def enrol_duty_person(
    *,
    actor: Any,
    subdistrict: SubDistrict,
    leave_start: dt.date | None = None,
    leave_end: dt.date | None = None,
    **person: Any,
) -> DutyPerson:
    """The duty-pool form: ``add_duty_person`` and, when both dates are given, ``record_leave`` for them, in
    one transaction (a refused leave leaves nobody added)."""
    added = add_duty_person(actor=actor, subdistrict=subdistrict, **person)
    if leave_start and leave_end:
        record_leave(actor=actor, person=added, start_date=leave_start, end_date=leave_end)
    return added


@transaction.atomic
def record_leave(
    *,
    actor: Any,
    person: DutyPerson,
    start_date: dt.date,
    end_date: dt.date,
    kind: str = "leave",
    note: str = "",
) -> Unavailability:
    require_manager(actor)
    check_scope(actor, person) if person.neighborhood_id else require_hq_or_office(actor)
    if end_date < start_date:
        raise ValidationError(_("结束日期不能早于开始日期。"))
    row = Unavailability.objects.create(
        person=person, start_date=start_date, end_date=end_date, kind=kind, note=note
    )
    audit.record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=person,
        changes={"leave": [start_date.isoformat(), end_date.isoformat()]},
    )
    return row


@transaction.atomic
def create_roster(
    *,
    actor: Any,
    subdistrict: SubDistrict,
    name: str,
    start_date: dt.date,
    end_date: dt.date,
    templates: Sequence[ShiftTemplate],
    people: Sequence[DutyPerson],
    neighborhood: Neighborhood | None = None,
    max_shifts_per_week: int = 5,
    min_rest_hours: int = 11,
) -> Roster:
    require_manager(actor)
    if end_date < start_date:
        raise ValidationError(_("结束日期不能早于开始日期。"))
    if (end_date - start_date).days + 1 > MAX_ROSTER_DAYS:
        raise ValidationError(_("一张值班表最多 %(n)d 天。") % {"n": MAX_ROSTER_DAYS})
    if not templates:
        raise ValidationError(_("请至少选择一个班次。"))
    if not 1 <= max_shifts_per_week <= 7:
        raise ValidationError(_("每周最多班次应在 1–7 之间。"))
    if not 0 <= min_rest_hours <= 24:
        raise ValidationError(_("最少休息小时应在 0–24 之间。"))
    roster = Roster(
        subdistrict=subdistrict,
        name=name.strip() or _("值班表"),
        start_date=start_date,
        end_date=end_date,
        neighborhood=neighborhood,
        max_shifts_per_week=max_shifts_per_week,
        min_rest_hours=min_rest_hours,
    )
    roster = core_services.create_object(actor=actor, obj=roster)
    roster.templates.set([t for t in templates if t.subdistrict_id == subdistrict.pk])
    roster.people.set([p for p in people if p.subdistrict_id == subdistrict.pk])
    return roster


def roster_input(roster: Roster) -> tuple[list, list, Any]:
    from fangkong.pairing.rostering import PersonIn, RosterRules, ShiftIn

    shifts = [
        ShiftIn(
            id=t.pk,
            name=f"{t.point.name} {t.name}",
            point_id=t.point_id,
            start=t.start_time,
            end=t.end_time,
            head_count=t.head_count,
            skill=t.required_skill,
            weekdays=frozenset(t.weekdays),
        )
        for t in roster.templates.filter(active=True).select_related("point")
    ]
    people = list(roster.people.filter(active=True))
    leaves: dict[int, set[dt.date]] = defaultdict(set)
    for leave in Unavailability.objects.filter(
        person__in=people, end_date__gte=roster.start_date, start_date__lte=roster.end_date
    ):
        day = max(leave.start_date, roster.start_date)
        while day <= min(leave.end_date, roster.end_date):
            leaves[leave.person_id].add(day)
            day += dt.timedelta(days=1)
    points = duty_points(people)
    persons = [
        PersonIn(
            id=p.pk,
            name=p.name,
            skills=p.skill_set,
            available_weekdays=frozenset(p.available_weekdays),
            unavailable_dates=frozenset(leaves.get(p.pk, set())),
            max_per_week=p.max_shifts_per_week,
            points=frozenset(points.get(p.pk, set())),
        )
        for p in people
    ]
    rules = RosterRules(
        max_shifts_per_week=roster.max_shifts_per_week,
        min_rest_hours=roster.min_rest_hours,
        cover_elsewhere=settings_for(roster.subdistrict_id).roster_cover_elsewhere,
    )
    return shifts, persons, rules


def duty_points(people: Sequence[DutyPerson]) -> dict[int, set[int]]:
    """Each duty person's paired points (person id -> point ids), where the roster puts their shifts: a
    cadre's are the points of their active pairings; a committee worker's or volunteer's are the active
    points of their own neighborhood. Nobody listed may work anywhere. Two queries."""
    out: dict[int, set[int]] = defaultdict(set)
    by_cadre = {p.cadre_id: p.pk for p in people if p.cadre_id}
    for cadre_id, point_id in Pairing.objects.filter(active=True, cadre_id__in=list(by_cadre)).values_list(
        "cadre_id", "point_id"
    ):
        out[by_cadre[cadre_id]].add(point_id)
    by_hood: dict[int, list[int]] = defaultdict(list)
    for p in people:
        if not p.cadre_id and p.neighborhood_id:
            by_hood[p.neighborhood_id].append(p.pk)
    if by_hood:
        for hood_id, point_id in Point.objects.filter(
            active=True, neighborhood_id__in=list(by_hood)
        ).values_list("neighborhood_id", "pk"):
            for pid in by_hood[hood_id]:
                out[pid].add(point_id)
    return out


def _aware_interval(day: dt.date, start: dt.time, end: dt.time) -> tuple[dt.datetime, dt.datetime]:
    from fangkong.pairing.checks import shift_interval

    iv = shift_interval(day, start, end)
    return timezone.make_aware(iv.start), timezone.make_aware(iv.end)


@transaction.atomic
def solve_roster(*, actor: Any, roster: Roster, time_limit: float = 10.0) -> Roster:
    """Solve the roster and replace its assignments; infeasible input keeps the old ones and explains why."""
    from fangkong.pairing import rostering

    if actor is not None:
        require_manager(actor)
        check_scope(actor, roster) if roster.neighborhood_id else require_hq_or_office(actor)
    roster = Roster.objects.select_for_update().get(pk=roster.pk)
    shifts, persons, rules = roster_input(roster)
    result = rostering.solve_roster(
        shifts, persons, roster.start_date, roster.end_date, rules, time_limit=time_limit
    )
    roster.solver_status = result.status
    roster.seconds = round(result.seconds, 3)
    roster.explanation = result.explanation
    roster.objective, roster.bound, roster.gap = result.objective, result.bound, result.gap
    if result.ok:
        times = {t.pk: (t.start_time, t.end_time) for t in roster.templates.all()}
        roster.assignments.all().delete()
        rows = []
        for sid, day, pid in result.assignments:
            starts_at, ends_at = _aware_interval(day, *times[sid])
            rows.append(
                RosterAssignment(
                    roster=roster,
                    template_id=sid,
                    person_id=pid,
                    date=day,
                    starts_at=starts_at,
                    ends_at=ends_at,
                )
            )
        RosterAssignment.objects.bulk_create(rows, batch_size=1000)
        if roster.status == RosterStatus.INFEASIBLE:
            roster.status = RosterStatus.DRAFT
    elif not roster.assignments.exists():
        roster.status = RosterStatus.INFEASIBLE
    roster.version += 1
    roster.save()
    audit.record(
        actor=actor,
        action=AuditAction.ACTION,
        obj=roster,
        changes={"solver": result.status, "assignments": len(result.assignments), "gap": result.gap},
        note=_("求解值班表"),
    )
    return roster


def roster_warnings(roster: Roster) -> list[str]:
    """Rule violations of the roster as it stands (after hand edits), as warnings."""
    from fangkong.pairing.checks import roster_violations

    shifts, persons, rules = roster_input(roster)
    rows = list(roster.assignments.values_list("template_id", "date", "person_id"))
    known_people = {p.id for p in persons}
    missing = {pid for _s, _d, pid in rows if pid not in known_people}
    if missing:
        from fangkong.pairing.rostering import PersonIn

        for p in DutyPerson.objects.filter(pk__in=missing):
            persons.append(
                PersonIn(
                    id=p.pk,
                    name=p.name,
                    skills=p.skill_set,
                    available_weekdays=frozenset(p.available_weekdays),
                )
            )
    return roster_violations(
        shifts=shifts,
        persons=persons,
        start=roster.start_date,
        end=roster.end_date,
        assignments=rows,
        max_shifts_per_week=rules.max_shifts_per_week,
        min_rest_hours=rules.min_rest_hours,
        cover_elsewhere=rules.cover_elsewhere,
    )


def _roster_write(actor: Any, roster: Roster) -> None:
    require_roster_edit(actor, roster)


@transaction.atomic(durable=True)
def add_roster_assignment(
    *, actor: Any, roster: Roster, template: ShiftTemplate, person: DutyPerson, day: dt.date
) -> tuple[RosterAssignment, list[str]]:
    """Hand edit: put someone on a shift. Overlapping shifts of one person are refused; other rule breaks
    come back as warnings."""
    _roster_write(actor, roster)
    if not roster.start_date <= day <= roster.end_date:
        raise ValidationError(_("日期不在值班表范围内。"))
    if not roster.templates.filter(pk=template.pk).exists():
        raise ValidationError(_("该班次不属于这张值班表。"))
    starts_at, ends_at = _aware_interval(day, template.start_time, template.end_time)
    clash = (
        RosterAssignment.objects.filter(person=person, starts_at__lt=ends_at, ends_at__gt=starts_at)
        .select_related("template")
        .first()
    )
    if clash is not None:
        raise ValidationError(
            _("%(p)s 在 %(d)s 已有班次「%(s)s」，时间重叠。")
            % {"p": person.name, "d": clash.date, "s": clash.template.name}
        )
    row = RosterAssignment.objects.create(
        roster=roster,
        template=template,
        person=person,
        date=day,
        starts_at=starts_at,
        ends_at=ends_at,
        by_hand=True,
    )
    audit.record(
        actor=actor, action=AuditAction.UPDATE, obj=roster, changes={"added": str(row)}, note=_("手工排班")
    )
    return row, roster_warnings(roster)


@transaction.atomic(durable=True)
def remove_roster_assignment(*, actor: Any, assignment: RosterAssignment) -> list[str]:
    roster = assignment.roster
    _roster_write(actor, roster)
    audit.record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=roster,
        changes={"removed": str(assignment)},
        note=_("手工排班"),
    )
    assignment.delete()
    return roster_warnings(roster)


@transaction.atomic(durable=True)
def request_swap(
    *, actor: Any, first: RosterAssignment, second: RosterAssignment, note: str = ""
) -> ShiftSwap:
    if first.pk == second.pk or first.roster_id != second.roster_id:
        raise ValidationError(_("换班须是同一值班表中的两个不同班次。"))
    if first.person_id == second.person_id:
        raise ValidationError(_("两个班次是同一人，无需换班。"))
    if not may_request_swap(actor, first, second):
        raise PermissionDenied(_("只能为自己的班次申请换班。"))
    if ShiftSwap.objects.filter(
        Q(first__in=[first, second]) | Q(second__in=[first, second]), status=SwapStatus.PENDING
    ).exists():
        raise ValidationError(_("这些班次已有待审批的换班申请。"))
    swap = ShiftSwap.objects.create(
        roster=first.roster, first=first, second=second, requested_by=actor, note=note
    )
    audit.record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=first.roster,
        changes={"swap": swap.pk},
        note=_("申请换班"),
    )
    return swap


@transaction.atomic(durable=True)
def decide_swap(*, actor: Any, swap: ShiftSwap, approve: bool) -> tuple[ShiftSwap, list[str]]:
    """Approve (the two people trade shifts) or reject a swap; approval returns the roster's warnings."""
    _roster_write(actor, swap.roster)
    swap = ShiftSwap.objects.select_for_update().get(pk=swap.pk)
    if swap.status != SwapStatus.PENDING:
        raise ValidationError(_("该换班申请已处理。"))
    warnings: list[str] = []
    if approve:
        a = RosterAssignment.objects.select_for_update().get(pk=swap.first_id)
        b = RosterAssignment.objects.select_for_update().get(pk=swap.second_id)
        a.person_id, b.person_id = b.person_id, a.person_id
        a.by_hand = b.by_hand = True
        RosterAssignment.objects.bulk_update([a, b], ["person", "by_hand"])
        warnings = roster_warnings(swap.roster)
    swap.status = SwapStatus.APPROVED if approve else SwapStatus.REJECTED
    swap.decided_by = actor
    swap.decided_at = timezone.now()
    swap.save()
    audit.record(
        actor=actor,
        action=AuditAction.ACTION,
        obj=swap.roster,
        changes={"swap": swap.pk, "approved": approve},
    )
    return swap, warnings


@transaction.atomic(durable=True)
def publish_roster(*, actor: Any, roster: Roster) -> Roster:
    _roster_write(actor, roster)
    if not roster.assignments.exists():
        raise ValidationError(_("值班表还没有排班，不能发布。"))
    roster.status = RosterStatus.PUBLISHED
    return core_services.update_object(actor=actor, obj=roster)
