"""Partner units: their profile, services with SLAs, emergency kit, people, and the 24-hour duty roster (the
pairing app's roster: a Point for the unit, shift templates covering the day, solved by its solver)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from fangkong.core import audit
from fangkong.core import services as core_services
from fangkong.core.choices import AuditAction, Role
from fangkong.pairing import services as pairing_services
from fangkong.pairing.choices import MemberKind, RosterStatus
from fangkong.pairing.models import DutyPerson, Roster, ShiftTemplate
from fangkong.registry.choices import OrganizationKind
from fangkong.registry.models import Neighborhood, Organization
from fangkong.tickets import access, selectors
from fangkong.tickets.choices import KitKind, MemberRole, ServiceKind, TicketKind, Urgency
from fangkong.tickets.models import KitItem, PartnerUnit, UnitMember, UnitService

# The 24-hour day of a unit's duty: day and night shifts, the night one crossing midnight.
DAY_AND_NIGHT: tuple[tuple[str, dt.time, dt.time], ...] = (
    ("白班", dt.time(8, 0), dt.time(20, 0)),
    ("夜班", dt.time(20, 0), dt.time(8, 0)),
)


def _require_manager(actor: Any) -> None:
    if not access.may_manage_units(actor):
        raise PermissionDenied(_("只有指挥部可以设置联动单位。"))


@transaction.atomic
def register_unit(
    *,
    actor: Any,
    organization: Organization,
    service_kind: str,
    hotline: str,
    neighborhoods: Iterable[Neighborhood] = (),
) -> PartnerUnit:
    """Make a partner organisation (区域化党建单位) a linkage unit, with its duty point for the roster."""
    _require_manager(actor)
    if organization.kind != OrganizationKind.PARTNER_UNIT:
        raise ValidationError(_("只有区域化党建单位可以设为联动单位。"))
    if service_kind not in ServiceKind.values:
        raise ValidationError(_("请选择服务类别。"))
    if not hotline.strip():
        raise ValidationError({"hotline": [_("请填写服务热线。")]})
    if PartnerUnit.objects.filter(organization=organization).exists():
        raise ValidationError(_("该单位已是联动单位。"))
    point = pairing_services.add_unit_point(
        actor=actor, subdistrict=organization.subdistrict, organization=organization, required_count=1
    )
    unit = PartnerUnit(
        subdistrict_id=organization.subdistrict_id,
        organization=organization,
        service_kind=service_kind,
        hotline=hotline.strip(),
        point=point,
    )
    unit = core_services.create_object(actor=actor, obj=unit)
    hoods = [h for h in neighborhoods if h.subdistrict_id == unit.subdistrict_id]
    unit.neighborhoods.set(hoods)
    selectors.forget_routes()
    return unit


@transaction.atomic
def set_service(
    *,
    actor: Any,
    unit: PartnerUnit,
    kind: str,
    urgency: str,
    respond_minutes: int,
    arrive_minutes: int,
    resolve_hours: int,
) -> UnitService:
    """Set the SLA of one service (kind of ticket × urgency) of a unit."""
    _require_manager(actor)
    if kind not in TicketKind.values or urgency not in Urgency.values:
        raise ValidationError(_("请选择报修类别和紧急程度。"))
    if respond_minutes < 1 or arrive_minutes < respond_minutes or resolve_hours < 1:
        raise ValidationError(_("时限应为：响应 ≥ 1 分钟，到场不短于响应，完成 ≥ 1 小时。"))
    if resolve_hours * 60 < arrive_minutes:
        raise ValidationError(_("完成时限不能短于到场时限。"))
    row, created = UnitService.objects.update_or_create(
        unit=unit,
        kind=kind,
        urgency=urgency,
        defaults={
            "respond_minutes": respond_minutes,
            "arrive_minutes": arrive_minutes,
            "resolve_hours": resolve_hours,
        },
    )
    audit.record(
        actor=actor,
        action=AuditAction.CREATE if created else AuditAction.UPDATE,
        obj=unit,
        changes={"service": [kind, urgency, respond_minutes, arrive_minutes, resolve_hours]},
        note=_("服务时限"),
    )
    selectors.forget_routes()
    return row


@transaction.atomic
def set_kit_item(
    *, actor: Any, unit: PartnerUnit, name: str, kind: str, count: int, required: int, unit_label: str = "件"
) -> KitItem:
    """Record how many of an emergency-kit item the unit keeps, and how many it should keep."""
    if not access.may_edit_kit(actor, unit):
        raise PermissionDenied(_("您不能修改该单位的应急物资。"))
    if kind not in KitKind.values or not name.strip():
        raise ValidationError(_("请填写物资名称和类别。"))
    if count < 0 or required < 0:
        raise ValidationError(_("数量不能为负数。"))
    item, created = KitItem.objects.update_or_create(
        unit=unit,
        name=name.strip(),
        defaults={"kind": kind, "count": count, "required": required, "unit_label": unit_label or "件"},
    )
    audit.record(
        actor=actor,
        action=AuditAction.CREATE if created else AuditAction.UPDATE,
        obj=unit,
        changes={"kit": [item.name, count, required]},
        note=_("应急物资"),
    )
    return item


@transaction.atomic
def add_member(
    *, actor: Any, unit: PartnerUnit, user: Any, role: str = MemberRole.CREW, skills: str = ""
) -> UnitMember:
    """Put an account of the unit (an organisation contact of its organisation) on the unit's people, with a
    duty person of the pairing roster."""
    _require_manager(actor)
    if user.role != Role.ORG_CONTACT or user.organization_id != unit.organization_id:
        raise ValidationError(_("只能添加本单位的单位联系人账号。"))
    if role not in MemberRole.values:
        raise ValidationError(_("请选择岗位。"))
    if UnitMember.objects.filter(user=user).exists():
        raise ValidationError(_("该账号已在联动单位人员中。"))
    person = DutyPerson(
        subdistrict_id=unit.subdistrict_id,
        kind=MemberKind.PARTNER,
        name=(user.display_name or user.username)[:50],
        skills=skills,
    )
    person = core_services.create_object(actor=actor, obj=person)
    member = UnitMember.objects.create(unit=unit, user=user, duty_person=person, role=role)
    audit.record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=unit,
        changes={"member": [str(user), role]},
        note=_("单位人员"),
    )
    return member


@transaction.atomic
def set_up_duty_roster(
    *,
    actor: Any,
    unit: PartnerUnit,
    start_date: dt.date,
    days: int = 14,
    shifts: Sequence[tuple[str, dt.time, dt.time]] = DAY_AND_NIGHT,
    max_shifts_per_week: int = 4,
    min_rest_hours: int = 12,
    time_limit: float = 10.0,
) -> Roster:
    """The unit's 24-hour duty roster: its shift templates (created once, the night one across midnight), a
    roster of its people over ``days`` days, solved by the pairing solver and published. Edits and swaps then
    go through the pairing roster pages."""
    _require_manager(actor)
    point = unit.point
    if point is None:
        raise ValidationError(_("该单位没有值班点位。"))
    _check_covers_day(shifts)
    people = [m.duty_person for m in unit.members.select_related("duty_person") if m.duty_person]
    if not people:
        raise ValidationError(_("该单位还没有人员，不能排班。"))
    existing = {t.name: t for t in ShiftTemplate.objects.filter(point=point, active=True)}
    templates = []
    for name, start, end in shifts:
        template = existing.get(name)
        if template is None:
            template = pairing_services.create_shift_template(
                actor=actor, point=point, name=name, start_time=start, end_time=end, head_count=1
            )
        templates.append(template)
    roster = pairing_services.create_roster(
        actor=actor,
        subdistrict=unit.subdistrict,
        name=_("%(unit)s 24小时值班") % {"unit": unit.organization.name},
        start_date=start_date,
        end_date=start_date + dt.timedelta(days=days - 1),
        templates=templates,
        people=people,
        max_shifts_per_week=max_shifts_per_week,
        min_rest_hours=min_rest_hours,
    )
    roster = pairing_services.solve_roster(actor=actor, roster=roster, time_limit=time_limit)
    if not roster.assignments.exists():
        raise ValidationError(_("无法排出 24 小时值班：%(why)s") % {"why": roster.explanation})
    roster.status = RosterStatus.PUBLISHED
    return core_services.update_object(actor=actor, obj=roster, note=_("发布值班表"))


def _check_covers_day(shifts: Sequence[tuple[str, dt.time, dt.time]]) -> None:
    """The shifts cover all 24 hours of a day (a shift ending at or before its start runs past midnight)."""
    covered = [False] * (24 * 60)
    for _name, start, end in shifts:
        a = start.hour * 60 + start.minute
        b = end.hour * 60 + end.minute
        length = (b - a) % (24 * 60) or 24 * 60
        for i in range(length):
            covered[(a + i) % (24 * 60)] = True
    if not all(covered):
        raise ValidationError(_("班次须覆盖全天 24 小时。"))


@transaction.atomic(durable=True)
def set_up_duty_roster_now(*, actor: Any, unit: PartnerUnit, start_date: dt.date, days: int = 14) -> Roster:
    """The unit page's roster setup, in its own transaction."""
    return set_up_duty_roster(actor=actor, unit=unit, start_date=start_date, days=days)
