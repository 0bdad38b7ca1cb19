"""Patrol teams (巡察队): a team per zone with members from market regulation, city management and the cadres;
its shifts solved by the pairing app's roster solver (the team's duty point, shift templates and a roster of
its members, as the tickets app's partner units do); patrol rounds along streets and compounds whose
findings become on-site firms (source marked) or visits.

Setting up a team and its shifts goes through the pairing services, which the HQ (指挥部) may use; rounds
and findings are recorded by anyone who works in the inspections domain."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from fangkong.core import audit
from fangkong.core import services as core_services
from fangkong.core.choices import AuditAction
from fangkong.core.services import check_write_scope
from fangkong.inspections import access
from fangkong.inspections.choices import Department, FindingKind, FirmSource
from fangkong.inspections.models import Firm, PatrolFinding, PatrolMember, PatrolRound, PatrolTeam
from fangkong.inspections.services.firms import create_firm
from fangkong.inspections.services.visits import open_visit
from fangkong.pairing import services as pairing_services
from fangkong.pairing.choices import MemberKind, RosterStatus
from fangkong.pairing.models import DutyPerson, Roster, ShiftTemplate
from fangkong.registry.choices import OrganizationKind
from fangkong.registry.models import Organization

# The patrol day: a morning and an afternoon round, two people each (one of each department when it can).
PATROL_SHIFTS: tuple[tuple[str, dt.time, dt.time, int], ...] = (
    ("上午巡察", dt.time(8, 30), dt.time(11, 30), 2),
    ("下午巡察", dt.time(13, 30), dt.time(17, 0), 2),
)
MAX_FINDINGS = 20


def _require_setup(actor: Any) -> None:
    if not access.may_set_up_patrols(actor):
        raise PermissionDenied(_("巡察队和排班由指挥部设置。"))


@transaction.atomic
def create_patrol_team(*, actor: Any, zone: Any, name: str = "") -> PatrolTeam:
    """The team of ``zone``: its organisation (机关事业单位, the team's name) and its duty point for the
    pairing roster. One team per zone."""
    _require_setup(actor)
    name = (name.strip() or f"{zone.name}巡察队")[:60]
    if PatrolTeam.objects.filter(zone=zone).exists():
        raise ValidationError(_("该片区已有巡察队。"), code="exists")
    org = core_services.create_object(
        actor=actor,
        obj=Organization(subdistrict_id=zone.subdistrict_id, name=name, kind=OrganizationKind.PUBLIC),
    )
    point = pairing_services.add_unit_point(
        actor=actor, subdistrict=zone.subdistrict, organization=org, required_count=None
    )
    team = PatrolTeam(subdistrict_id=zone.subdistrict_id, zone=zone, name=name, organization=org, point=point)
    return core_services.create_object(actor=actor, obj=team)


@transaction.atomic
def enrol_patrol_member(
    *, actor: Any, team: PatrolTeam, department: str, name: str = "", cadre: Any = None, leader: bool = False
) -> PatrolMember:
    """A member of the team, as a duty person of the pairing roster: a cadre's own duty person (the one
    the pairing pool already has, if any), or a partner duty person for market regulation and city
    management people. A person belongs to one team."""
    _require_setup(actor)
    if department not in Department.values:
        raise ValidationError({"department": [_("请选择所属部门。")]})
    if cadre is not None:
        if cadre.subdistrict_id != team.subdistrict_id:
            raise PermissionDenied(_("超出您的管理范围。"))
        person = pairing_services.add_duty_person(
            actor=actor,
            subdistrict=team.zone.subdistrict,
            cadre=cadre,
            skills=str(Department(department).label),
        )
    else:
        name = name.strip()
        if not name or len(name) > 50:
            raise ValidationError({"name": [_("请填写姓名（50 字以内）。")]})
        person = core_services.create_object(
            actor=actor,
            obj=DutyPerson(
                subdistrict_id=team.subdistrict_id,
                kind=MemberKind.PARTNER,
                name=name,
                skills=str(Department(department).label),
            ),
        )
    if PatrolMember.objects.filter(duty_person=person).exists():
        raise ValidationError(_("此人已是巡察队员。"), code="member")
    member = PatrolMember(
        subdistrict_id=team.subdistrict_id,
        team=team,
        department=department,
        duty_person=person,
        leader=leader,
    )
    return core_services.create_object(actor=actor, obj=member)


@transaction.atomic
def roster_patrol_shifts(
    *,
    actor: Any,
    team: PatrolTeam,
    start_date: dt.date,
    days: int = 7,
    shifts: Sequence[tuple[str, dt.time, dt.time, int]] = PATROL_SHIFTS,
    max_shifts_per_week: int = 6,
    min_rest_hours: int = 11,
    time_limit: float = 10.0,
) -> Roster:
    """The team's patrol shifts over ``days`` days: its shift templates on its duty point (created once), a
    roster of its members solved by the pairing solver and published; it becomes the team's roster. Edits
    and swaps then go through the pairing roster pages."""
    _require_setup(actor)
    if not 1 <= days <= 31:
        raise ValidationError({"days": [_("天数应在 1–31 之间。")]})
    point = team.point
    if point is None:
        raise ValidationError(_("该巡察队没有值班点位。"))
    people = [m.duty_person for m in team.members.select_related("duty_person")]
    if not people:
        raise ValidationError(_("该巡察队还没有队员，不能排班。"))
    existing = {t.name: t for t in ShiftTemplate.objects.filter(point=point, active=True)}
    templates = []
    for name, start, end, heads in shifts:
        template = existing.get(name) or pairing_services.create_shift_template(
            actor=actor, point=point, name=name, start_time=start, end_time=end, head_count=heads
        )
        templates.append(template)
    roster = pairing_services.create_roster(
        actor=actor,
        subdistrict=team.zone.subdistrict,
        name=(_("%(team)s 巡察排班") % {"team": team.name})[:80],
        start_date=start_date,
        end_date=start_date + dt.timedelta(days=days - 1),
        templates=templates,
        people=people,
        max_shifts_per_week=max_shifts_per_week,
        min_rest_hours=min_rest_hours,
    )
    roster = pairing_services.solve_roster(actor=actor, roster=roster, time_limit=time_limit)
    if not roster.assignments.exists():
        raise ValidationError(_("无法排出巡察班次：%(why)s") % {"why": roster.explanation})
    roster.status = RosterStatus.PUBLISHED
    roster = core_services.update_object(actor=actor, obj=roster, note=_("发布巡察排班"))
    PatrolTeam.objects.filter(pk=team.pk).update(roster=roster)
    team.roster = roster
    audit.record(actor=actor, action=AuditAction.ACTION, obj=team, note=_("巡察排班"))
    return roster


@transaction.atomic
def log_patrol_round(
    *,
    actor: Any,
    team: PatrolTeam,
    day: dt.date,
    route: str,
    findings: Sequence[dict[str, Any]] = (),
    note: str = "",
    client_token: str,
) -> tuple[PatrolRound, bool]:
    """A patrol round with its findings, in one transaction. A finding of a firm not on the census list
    (``new_firm`` with ``name`` and ``place`` as its address) adds it as an on-site firm (source marked); a
    finding of a firm open early (``open_early`` with ``firm``) starts a draft visit of it for the
    inspector to fill. The same ``client_token`` answers the first round (a double submit records one)."""
    if not client_token or len(client_token) > 40:
        raise ValidationError(_("缺少提交编号，请刷新页面后重试。"), code="token")
    existing = PatrolRound.objects.filter(
        subdistrict_id=team.subdistrict_id, client_token=client_token
    ).first()
    if existing is not None:
        return existing, False
    if not access.may_patrol(actor):
        raise PermissionDenied(_("您不能记录巡察。"))
    route = route.strip()
    if not route:
        raise ValidationError({"route": [_("请填写巡察路线。")]})
    if len(findings) > MAX_FINDINGS:
        raise ValidationError(_("一次最多记录 %(n)d 条发现。") % {"n": MAX_FINDINGS})
    patrol = PatrolRound(
        subdistrict_id=team.subdistrict_id,
        team=team,
        day=day,
        route=route[:300],
        recorded_by=actor,
        note=note[:300],
        client_token=client_token,
    )
    check_write_scope(actor, patrol)
    try:
        with transaction.atomic():
            patrol.save(force_insert=True)
    except IntegrityError:
        return PatrolRound.objects.get(subdistrict_id=team.subdistrict_id, client_token=client_token), False
    audit.record(actor=actor, action=AuditAction.CREATE, obj=patrol, changes=audit.snapshot(patrol))
    for i, item in enumerate(findings):
        _record_finding(actor, patrol, i, item)
    return patrol, True


def _record_finding(actor: Any, patrol: PatrolRound, index: int, item: dict[str, Any]) -> PatrolFinding:
    kind = item.get("kind", "")
    place = str(item.get("place") or "").strip()[:200]
    text = str(item.get("text") or "").strip()[:300]
    if kind not in FindingKind.values:
        raise ValidationError(_("第 %(i)d 条发现：请选择发现类型。") % {"i": index + 1})
    if not place:
        raise ValidationError(_("第 %(i)d 条发现：请填写地点。") % {"i": index + 1})
    finding = PatrolFinding(
        subdistrict_id=patrol.subdistrict_id,
        patrol=patrol,
        kind=kind,
        place=place,
        text=text,
        neighborhood_id=item.get("neighborhood_id"),
    )
    if kind == FindingKind.NEW_FIRM:
        name = str(item.get("name") or "").strip()
        if not name:
            raise ValidationError(_("第 %(i)d 条发现：请填写企业名称。") % {"i": index + 1})
        firm = create_firm(
            actor=actor,
            subdistrict_id=patrol.subdistrict_id,
            name=name[:120],
            address=place,
            source=FirmSource.ON_SITE,
            neighborhood_id=item.get("neighborhood_id"),
            note=str(_("巡察发现：%(team)s") % {"team": patrol.team.name}),
        )
        finding.firm, finding.neighborhood_id = firm, firm.neighborhood_id
    elif kind == FindingKind.OPEN_EARLY:
        early = item.get("firm")
        if not isinstance(early, Firm):
            raise ValidationError(_("第 %(i)d 条发现：请选择提前开工的企业。") % {"i": index + 1})
        visit, _created = open_visit(
            actor=actor, firm=early, client_token=f"{patrol.client_token[:30]}-{index}", team=patrol.team.name
        )
        finding.firm, finding.visit, finding.neighborhood_id = early, visit, early.neighborhood_id
    check_write_scope(actor, finding)
    finding.save(force_insert=True)
    return finding


# The pages' entry points, each its own transaction (the demo calls the functions above inside its own).


@transaction.atomic(durable=True)
def set_up_patrol_team(**kwargs: Any) -> PatrolTeam:
    return create_patrol_team(**kwargs)


@transaction.atomic(durable=True)
def add_patrol_member(**kwargs: Any) -> PatrolMember:
    return enrol_patrol_member(**kwargs)


@transaction.atomic(durable=True)
def solve_patrol_shifts(**kwargs: Any) -> Roster:
    return roster_patrol_shifts(**kwargs)


@transaction.atomic(durable=True)
def record_patrol_round(**kwargs: Any) -> tuple[PatrolRound, bool]:
    return log_patrol_round(**kwargs)
